//! Feed reading: any bytes give entries or an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let base = url::Url::parse("https://fuzz.example/feed.xml").unwrap();
    let _ = newswatch::feed::parse_feed(data, &base);
});
