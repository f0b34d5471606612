//! The topic query parser and evaluator: any text parses or errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let config = format!(
            "[[topics]]\nname = \"t\"\nquery = '''{}'''\n",
            text.replace("'''", "")
        );
        if let Ok(c) = newswatch::config::parse(&config, "fuzz.toml") {
            let a = newswatch::analyze::Analysis::new(
                "Peace talks resume",
                "Envoys met in Geneva on Monday.",
            );
            let _ = newswatch::pipeline::match_topics(&c, None, &a);
        }
    }
});
