//! Matching throughput: articles/s of analysis + matching with 1, 10 and 100 topics, and
//! the time 100 topics take against one already-analysed article.
//!
//!     cargo run --release --example match_bench [-- ARCHIVE.jsonl]
//!
//! Without an archive it uses a built-in synthetic set of news-like articles.

use std::time::Instant;

use newswatch::analyze::Analysis;
use newswatch::config;

const WORDS: &[&str] = &[
    "talks",
    "ministers",
    "peace",
    "agreement",
    "Ukraine",
    "Russia",
    "Kyiv",
    "Moscow",
    "election",
    "market",
    "shares",
    "fell",
    "rose",
    "government",
    "said",
    "officials",
    "ceasefire",
    "border",
    "energy",
    "prices",
    "the",
    "a",
    "of",
    "in",
    "and",
    "to",
    "on",
    "with",
    "after",
    "before",
    "week",
    "Tuesday",
    "president",
    "envoy",
    "plan",
    "summit",
];

fn synthetic(n: usize) -> Vec<(String, String)> {
    let mut seed = 7u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    (0..n)
        .map(|_| {
            let title: Vec<&str> = (0..9).map(|_| WORDS[next() % WORDS.len()]).collect();
            let paras: Vec<String> = (0..8)
                .map(|_| {
                    (0..70)
                        .map(|_| WORDS[next() % WORDS.len()])
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            (title.join(" "), paras.join(".\n\n"))
        })
        .collect()
}

fn archive(path: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .expect("readable archive")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            (s("title"), s("text"))
        })
        .collect()
}

fn topics(n: usize) -> config::Config {
    let queries = [
        "(Ukraine OR Kyiv) AND (talks OR negotiat*) AND (Russia OR Moscow)",
        "\"peace agreement\" OR ceasefire NEAR/10 border",
        "title:(election OR summit) -market",
        "energy NEAR/5 prices",
        "(shares OR market) AND (fell OR rose) NOT Ukraine",
    ];
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "[[topics]]\nname = \"t{i}\"\nquery = '{} {}'\n",
            queries[i % queries.len()],
            if i >= queries.len() {
                format!("-x{i}")
            } else {
                String::new()
            }
        ));
    }
    config::parse(&text, "bench").expect("valid topics")
}

fn main() {
    let articles = match std::env::args().nth(1) {
        Some(path) => archive(&path),
        None => synthetic(2000),
    };
    for n in [1, 10, 100] {
        let cfg = topics(n);
        let start = Instant::now();
        let mut matched = 0;
        for (title, text) in &articles {
            let a = Analysis::new(title, text);
            matched += newswatch::pipeline::match_topics(&cfg, None, &a).len();
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{n:>3} topics: {:.0} articles/s (analysis + matching), {matched} matches",
            articles.len() as f64 / secs
        );
    }
    let cfg = topics(100);
    let analysed: Vec<Analysis> = articles
        .iter()
        .take(500)
        .map(|(t, x)| Analysis::new(t, x))
        .collect();
    let start = Instant::now();
    for a in &analysed {
        std::hint::black_box(newswatch::pipeline::match_topics(&cfg, None, a));
    }
    let per = start.elapsed().as_secs_f64() / analysed.len() as f64;
    println!(
        "100 topics against one analysed article: {:.1} µs",
        per * 1e6
    );
}
