//! Extraction throughput, single-threaded: decode + extract (metadata and text) over every
//! `.html` file in the given directories or files.
//!
//!     cargo run --release --example extract_bench -- DIR_OR_FILE...
//!
//! Prints pages/s and MB/s. Pages are read into memory first so only extraction is timed.

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut files: Vec<PathBuf> = Vec::new();
    for arg in std::env::args().skip(1) {
        let path = PathBuf::from(arg);
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&path)
                .expect("readable directory")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "html"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path);
        }
    }
    if files.is_empty() {
        eprintln!("usage: extract_bench DIR_OR_FILE...");
        std::process::exit(2);
    }
    let pages: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("readable file"))
        .collect();
    let bytes: usize = pages.iter().map(Vec::len).sum();
    let mut chars = 0usize;
    let start = Instant::now();
    for page in &pages {
        let html = newswatch::fetch::decode_html(page, None);
        let article = newswatch::extract::extract(&html, None);
        chars += article.text.len() + article.title.len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} pages, {:.1} MB in {:.2} s: {:.0} pages/s, {:.1} MB/s ({} bytes of text out)",
        pages.len(),
        bytes as f64 / 1e6,
        secs,
        pages.len() as f64 / secs,
        bytes as f64 / 1e6 / secs,
        chars
    );
}
