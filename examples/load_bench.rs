//! Load: N feeds served with realistic sizes and latency by a server in a child process,
//! polled by the real daemon (`newswatch::daemon::run`, its scheduler, store and
//! notifiers) in this process on a one-minute interval. Prints, per cycle, its wall time
//! and CPU seconds, and between cycles the idle RSS and CPU; at the end the peak RSS.
//!
//!     cargo run --release --example load_bench -- [N] [LATENCY_MS] [CYCLES]
//!
//! Cycle 1 reads every feed for the first time (all due at once: its wall time is the
//! throughput figure; entries are recorded silently), cycle 2 gets 304s, cycle 3 finds one
//! new entry per feed and runs it through extraction of the feed's text, matching and
//! stories. Later cycles are spread by the scheduler's ±10% jitter, so their span is the
//! interval's jitter, not work; their CPU seconds are the work. Per-host limits are relaxed:
//! every feed is on one host here. Defaults: 1,000 feeds, 30 ms latency, 3 cycles.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use newswatch::daemon::{self, Deps, Event};
use newswatch::store::Store;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

const ITEMS: usize = 20;

fn feed(i: usize, round: usize) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed {i}</title>\
         <link>http://example.invalid/{i}</link>"
    );
    for j in 0..ITEMS + round {
        s.push_str(&format!(
            "<item><guid>f{i}-{j}</guid><title>Officials in city {i} discuss budget item {j}</title>\
             <link>http://example.invalid/{i}/{j}</link><description>&lt;p&gt;The council of \
             city {i} met on Monday to discuss item {j} of the budget, including road repairs, \
             schools and a new library. Residents asked questions for two hours.&lt;/p&gt;\
             </description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn proc_status(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches(" kB")
        .parse()
        .ok()
}

/// User + system CPU seconds of this process.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11).and_then(|f| f.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|f| f.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// The feed server (the child process): prints its port, then serves `/feed/I.xml`;
/// `/round/R` switches every feed to round R (R more entries, new ETags).
async fn serve(latency: Duration) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    let round = Arc::new(AtomicUsize::new(0));
    while let Ok((mut conn, _)) = listener.accept().await {
        let round = round.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let Ok(n) = conn.read(&mut buf).await else {
                return;
            };
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = head.split_whitespace().nth(1).unwrap_or("/");
            if let Some(r) = path.strip_prefix("/round/") {
                round.store(r.parse().unwrap_or(0), Ordering::Relaxed);
                let _ = conn
                    .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                    .await;
                return;
            }
            let i: usize = path
                .trim_start_matches("/feed/")
                .trim_end_matches(".xml")
                .parse()
                .unwrap_or(0);
            let r = round.load(Ordering::Relaxed);
            let etag = format!("\"{i}-{r}\"");
            tokio::time::sleep(latency).await;
            let response = if head.contains(&format!("If-None-Match: {etag}")) {
                format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n")
            } else {
                let body = feed(i, r);
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etag}\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = conn.write_all(response.as_bytes()).await;
            let _ = conn.shutdown().await;
        });
    }
    Ok(())
}

fn config_text(db: &std::path::Path, port: u16, n: usize) -> String {
    let mut text = format!(
        "[daemon]\ndatabase = \"{}\"\npoll_interval = \"1m\"\nconcurrency = 64\n\
         per_host_concurrency = 64\nper_host_delay = \"0s\"\nfetch_articles = false\n",
        db.display()
    );
    for i in 0..n {
        text.push_str(&format!(
            "[[feeds]]\nurl = \"http://127.0.0.1:{port}/feed/{i}.xml\"\n"
        ));
    }
    text.push_str(
        "[[topics]]\nname = \"Budgets\"\nquery = \"budget AND council\"\n\
         [[topics]]\nname = \"Libraries\"\nquery = \"library NEAR/5 new\"\n\
         [notify]\ndesktop = false\nlog = false\n",
    );
    text
}

/// Waits for `n` polls; returns how many failed.
async fn polls(events: &mut tokio::sync::broadcast::Receiver<Event>, n: usize) -> usize {
    let (mut seen, mut failed) = (0, 0);
    while seen < n {
        match events.recv().await {
            Ok(Event::FeedPolled { result, .. }) => {
                seen += 1;
                failed += usize::from(result.is_err());
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(k)) => seen += k as usize,
            Err(_) => break,
        }
    }
    failed
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--serve") {
        args.next();
        let latency = args.next().map(|a| a.parse()).transpose()?.unwrap_or(30);
        return serve(Duration::from_millis(latency)).await;
    }
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let latency: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(30);
    let cycles: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);

    let mut server = tokio::process::Command::new(std::env::current_exe()?)
        .args(["--serve", &latency.to_string()])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = server
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no server stdout"))?;
    let mut line = String::new();
    tokio::io::BufReader::new(stdout)
        .read_line(&mut line)
        .await?;
    let port: u16 = line.trim().parse()?;

    let dir = tempfile::tempdir()?;
    let db = dir.path().join("nw.db");
    let config_path = dir.path().join("load.toml");
    std::fs::write(&config_path, config_text(&db, port, n))?;
    let config = newswatch::config::load(&config_path)?;
    let mut deps = Deps::new(Store::open(&db)?);
    deps.events = tokio::sync::broadcast::channel(n.max(256) * 2).0;
    let mut events = deps.events.subscribe();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(daemon::run(config_path, config, deps, async {
        let _ = stopped.await;
    }));

    println!("{n} feeds, {latency} ms latency per request, daemon on a 1m interval");
    let whats = ["first read", "not modified", "one new entry each"];
    for cycle in 0..cycles {
        if cycle == 2 {
            control(port, "/round/1").await?;
        }
        let first = polls(&mut events, 1).await;
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let failed = first + polls(&mut events, n - 1).await;
        let what = whats.get(cycle).copied().unwrap_or("not modified");
        println!(
            "cycle {} ({what}): {:.2} s from first to last poll, {:.2} CPU s, {failed} failed",
            cycle + 1,
            t.elapsed().as_secs_f64(),
            cpu_seconds() - cpu
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        let before = cpu_seconds();
        tokio::time::sleep(Duration::from_secs(10)).await;
        println!(
            "  idle: RSS {:.1} MB, {:.3} CPU s over 10 s",
            proc_status("VmRSS:").unwrap_or(0) as f64 / 1024.0,
            cpu_seconds() - before
        );
    }
    println!(
        "peak RSS {:.1} MB",
        proc_status("VmHWM:").unwrap_or(0) as f64 / 1024.0
    );
    let _ = stop.send(());
    daemon.await??;
    Ok(())
}

/// Tells the feed server something (a plain request: nothing to set up).
async fn control(port: u16, path: &str) -> std::io::Result<()> {
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    conn.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await?;
    let mut sink = Vec::new();
    conn.read_to_end(&mut sink).await?;
    Ok(())
}
