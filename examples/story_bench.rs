//! Story tracking throughput: articles/s of analysis + stories (every article matches one
//! topic, as with `query = "*"`) over a stream of N articles, and the open stories and peak
//! memory at the end — memory stays flat because stories past their window are dropped.
//!
//!     cargo run --release --example story_bench -- ARCHIVE.jsonl [N]
//!
//! The archive (backtest input: {"id", "title", "text", "published"}) is replayed until N
//! articles (default 10,000) have been read, each replay a week after the previous one
//! (past the 72 h window), so new stories keep starting and old ones keep closing.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use newswatch::analyze::Analysis;
use newswatch::stories::{Features, StoryConfig, Tracker};

#[derive(serde::Deserialize)]
struct Article {
    title: String,
    text: String,
    published: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: story_bench ARCHIVE.jsonl [N]"))?;
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let archive: Vec<(Article, DateTime<Utc>)> = std::fs::read_to_string(&path)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let a: Article = serde_json::from_str(l)?;
            let at = a
                .published
                .as_deref()
                .and_then(|p| DateTime::parse_from_rfc3339(p).ok())
                .map_or(DateTime::UNIX_EPOCH, |d| d.with_timezone(&Utc));
            Ok((a, at))
        })
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!archive.is_empty(), "{path} holds no articles");

    let cfg = StoryConfig::default();
    let mut tracker = Tracker::new();
    let (mut stories, mut notices) = (0usize, 0usize);
    let started = Instant::now();
    for i in 0..n {
        let (a, at) = &archive[i % archive.len()];
        let at = *at + Duration::days(7 * (i / archive.len()) as i64);
        let analysis = Analysis::new(&a.title, &a.text);
        let f = Features::new(&a.title, &a.text, &analysis);
        tracker.observe(&f);
        let placed = tracker.assign("all", &f, at, &cfg);
        stories += usize::from(placed.new_story);
        notices += usize::from(placed.notify);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{n} articles in {secs:.2}s: {:.0} articles/s (analysis + stories, one core)",
        n as f64 / secs
    );
    println!(
        "{stories} stories started, {notices} notices, {} open at the end",
        tracker.open_stories()
    );
    if let Some(rss) = peak_rss_kb() {
        println!("peak RSS {:.1} MB", rss as f64 / 1024.0);
    }
    Ok(())
}

/// Peak resident memory of this process (Linux), in kB.
fn peak_rss_kb() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches(" kB")
        .parse()
        .ok()
}
