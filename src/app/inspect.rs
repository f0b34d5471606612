//! `inspect`: what newswatch reads from a feed — the same fetcher, size cap and parser
//! the daemon uses, printed instead of stored. Nothing is stored and no notice is sent.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use url::Url;

use crate::config;
use crate::feed::{self, ParsedFeed};
use crate::fetch;

pub(super) async fn inspect(
    config_path: &Path,
    json: bool,
    base: Option<&str>,
    inputs: &[String],
) -> anyhow::Result<ExitCode> {
    let (base, config, fetcher) = super::offline_fetcher(config_path, base)?;
    let daemon_cfg = config.daemon;
    let limit = daemon_cfg.max_feed_size;
    // Thousands of inputs in one run: buffered, one line (or block) per input, in order.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failures = 0;
    for input in inputs {
        let is_url = input.starts_with("http://") || input.starts_with("https://");
        let parsed = match read_input(&fetcher, input, is_url, base.as_ref(), limit).await {
            Ok((bytes, base)) => parse(bytes, base).await,
            Err(err) => Err(err),
        };
        if let Err(err) = &parsed {
            failures += 1;
            eprintln!("error: {input}: {err:#}");
        }
        if json {
            writeln!(out, "{}", json_line(input, is_url, &parsed))?;
        } else {
            write_summary(&mut out, input, &parsed)?;
        }
    }
    out.flush()?;
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The feed's bytes and the URL its relative links resolve against.
async fn read_input(
    fetcher: &fetch::Fetcher,
    input: &str,
    is_url: bool,
    base: Option<&Url>,
    limit: u64,
) -> anyhow::Result<(Vec<u8>, Url)> {
    if is_url {
        let url = config::parse_http_url(input).map_err(anyhow::Error::msg)?;
        // As the daemon polls: a feed over the size cap is refused, not cut.
        return match fetcher
            .get(
                &url,
                &fetch::Validators::default(),
                limit,
                fetch::Overflow::Fail,
            )
            .await?
        {
            fetch::FetchOutcome::Fetched(f) => Ok((f.body, f.url)),
            fetch::FetchOutcome::NotModified => {
                bail!("server answered 304 to an unconditional GET")
            }
        };
    }
    let file = std::fs::File::open(input).with_context(|| format!("cannot read {input}"))?;
    // The daemon's cap applies to files too, which also keeps /dev/zero or a FIFO from
    // filling memory.
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {input}"))?;
    if bytes.len() as u64 > limit {
        bail!("{input} is larger than {limit} bytes");
    }
    // Without --url, relative links have nothing to resolve against: the file's own URL
    // makes them file: links, which newswatch drops like any non-http link.
    let base = match base {
        Some(b) => b.clone(),
        None => file_url(input),
    };
    Ok((bytes, base))
}

fn file_url(input: &str) -> Url {
    std::path::absolute(input)
        .ok()
        .and_then(|p| Url::from_file_path(p).ok())
        .unwrap_or_else(|| Url::parse("file:///").expect("a valid URL"))
}

/// Parses off the async threads, as the daemon does; a parser panic becomes an error for
/// this input rather than the end of the run.
async fn parse(bytes: Vec<u8>, base: Url) -> anyhow::Result<ParsedFeed> {
    match tokio::task::spawn_blocking(move || feed::parse_feed(&bytes, &base)).await {
        Ok(parsed) => Ok(parsed?),
        Err(err) if err.is_panic() => bail!("the feed parser panicked"),
        Err(err) => Err(err.into()),
    }
}

fn json_line(input: &str, is_url: bool, parsed: &anyhow::Result<ParsedFeed>) -> serde_json::Value {
    let mut obj = match parsed {
        Ok(f) => serde_json::json!({
            "ok": true,
            "error": null,
            "feed": {
                "title": f.title,
                "link": f.link.as_ref().map(Url::as_str),
            },
            "entries": f.entries.iter().map(|e| serde_json::json!({
                "key": e.key,
                "id": e.id,
                "title": Some(&e.title).filter(|t| !t.is_empty()),
                "link": e.link.as_ref().map(Url::as_str),
                "published": e.published.map(|d| d.to_rfc3339()),
            })).collect::<Vec<_>>(),
        }),
        Err(err) => serde_json::json!({
            "ok": false,
            "error": format!("{err:#}"),
            "feed": null,
            "entries": [],
        }),
    };
    obj[if is_url { "url" } else { "file" }] = serde_json::Value::String(input.to_string());
    obj
}

fn write_summary(
    out: &mut impl Write,
    input: &str,
    parsed: &anyhow::Result<ParsedFeed>,
) -> std::io::Result<()> {
    writeln!(out, "== {input}")?;
    let f = match parsed {
        Ok(f) => f,
        Err(err) => return writeln!(out, "error: {err:#}\n"),
    };
    writeln!(out, "title: {}", f.title.as_deref().unwrap_or("(none)"))?;
    if let Some(link) = &f.link {
        writeln!(out, "link:  {link}")?;
    }
    writeln!(out, "entries: {}", f.entries.len())?;
    for (i, e) in f.entries.iter().enumerate() {
        let title = if e.title.is_empty() {
            "(untitled)"
        } else {
            &e.title
        };
        writeln!(out, "{:>3}. {title}", i + 1)?;
        writeln!(out, "     key:       {}", e.key)?;
        if let Some(link) = &e.link {
            writeln!(out, "     link:      {link}")?;
        }
        if let Some(p) = e.published {
            writeln!(out, "     published: {}", p.to_rfc3339())?;
        }
    }
    writeln!(out)
}
