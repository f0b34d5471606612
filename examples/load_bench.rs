//! Load: N feeds served by a local server with realistic sizes and latency, polled by the
//! real pipeline. Prints, per cycle, wall time and CPU seconds, then peak and current RSS.
//!
//!     cargo run --release --example load_bench -- [N] [LATENCY_MS]
//!
//! Cycle 1 reads every feed for the first time (its entries are recorded silently), cycle 2
//! gets 304s, cycle 3 finds one new entry per feed and runs it through extraction of the
//! feed's text, matching and stories. Per-host limits are relaxed: every feed is on one
//! host here. Defaults: 1,000 feeds, 30 ms latency.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use newswatch::pipeline::{self, Shared};
use newswatch::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let latency = Duration::from_millis(args.next().map(|a| a.parse()).transpose()?.unwrap_or(30));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let round = Arc::new(AtomicUsize::new(0));
    let served = round.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let round = served.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let Ok(n) = conn.read(&mut buf).await else {
                    return;
                };
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let i: usize = path
                    .trim_start_matches("/feed/")
                    .trim_end_matches(".xml")
                    .parse()
                    .unwrap_or(0);
                let r = round.load(Ordering::Relaxed);
                let etag = format!("\"{i}-{r}\"");
                tokio::time::sleep(latency).await;
                let response = if head.contains(&format!("If-None-Match: {etag}")) {
                    format!(
                        "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
                    )
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
    });

    let dir = tempfile::tempdir()?;
    let mut text = format!(
        "[daemon]\ndatabase = \"{}\"\nconcurrency = 64\nper_host_concurrency = 64\n\
         per_host_delay = \"0s\"\nfetch_articles = false\n",
        dir.path().join("nw.db").display()
    );
    for i in 0..n {
        text.push_str(&format!(
            "[[feeds]]\nurl = \"http://{addr}/feed/{i}.xml\"\n"
        ));
    }
    text.push_str(
        "[[topics]]\nname = \"Budgets\"\nquery = \"budget AND council\"\n\
         [[topics]]\nname = \"Libraries\"\nquery = \"library NEAR/5 new\"\n\
         [notify]\ndesktop = false\nlog = false\n",
    );
    let config = Arc::new(newswatch::config::parse(&text, "load.toml")?);
    let store = Store::open(&dir.path().join("nw.db"))?;
    let shared = Arc::new(Shared::open(store, &config)?);
    let loaded = Arc::new(pipeline::load(config, Some(Vec::new()))?);

    println!("{n} feeds, {} ms latency per request", latency.as_millis());
    for (cycle, what) in ["first read", "not modified", "one new entry each"]
        .iter()
        .enumerate()
    {
        round.store(if cycle == 2 { 1 } else { 0 }, Ordering::Relaxed);
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let results = pipeline::poll_all(&shared, &loaded).await;
        let failed = results.iter().filter(|r| r.1.is_err()).count();
        println!(
            "cycle {} ({what}): {:.2} s, {:.2} CPU s, {failed} failed",
            cycle + 1,
            t.elapsed().as_secs_f64(),
            cpu_seconds() - cpu
        );
    }
    let before = cpu_seconds();
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "peak RSS {:.1} MB, RSS between cycles {:.1} MB, CPU while idle {:.3} s over 2 s",
        proc_status("VmHWM:").unwrap_or(0) as f64 / 1024.0,
        proc_status("VmRSS:").unwrap_or(0) as f64 / 1024.0,
        cpu_seconds() - before
    );
    Ok(())
}
