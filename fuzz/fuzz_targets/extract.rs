//! Extraction: any bytes (decoded as the fetcher would) give an article, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = newswatch::fetch::decode_html(data, None);
    let base = url::Url::parse("https://fuzz.example/a.html").unwrap();
    let _ = newswatch::extract::extract(&html, Some(&base));
});
