//! The config parser: any bytes give a config or a located error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(e) = newswatch::config::parse(text, "fuzz.toml")
    {
        let _ = e.to_string();
    }
});
