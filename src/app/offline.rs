//! The offline tools: `extract` (what newswatch reads from a page), `explain` (how a
//! topic judges one article) and `backtest` (an archive replayed through matching and
//! stories). No notices are sent and nothing is stored.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::load_config;
use crate::config::{self, Config};
use crate::{extract, fetch, pipeline};

pub(super) async fn extract(
    config_path: &Path,
    json: bool,
    base: Option<&str>,
    inputs: &[String],
) -> anyhow::Result<ExitCode> {
    // A page of a feed's site is read with that feed's corrections, as the daemon reads it.
    let (base, config, fetcher) = super::offline_fetcher(config_path, base)?;
    let daemon_cfg = &config.daemon;
    let mut out = std::io::stdout().lock();
    let mut failures = 0;
    for input in inputs {
        let is_url = input.starts_with("http://") || input.starts_with("https://");
        let page = if is_url {
            fetch_page(&fetcher, input, daemon_cfg.max_page_size).await
        } else {
            std::fs::read(input)
                .map(|b| (b, None, base.clone()))
                .with_context(|| format!("cannot read {input}"))
        };
        let (bytes, content_type, page_url) = match page {
            Ok(p) => p,
            Err(err) => {
                failures += 1;
                eprintln!("error: {input}: {err:#}");
                if json {
                    let key = if is_url { "url" } else { "file" };
                    writeln!(
                        out,
                        "{}",
                        serde_json::json!({
                            key: input, "error": format!("{err:#}"), "title": null,
                            "text": null, "published": null, "author": null,
                            "site_name": null, "lang": null, "canonical_url": null,
                        })
                    )?;
                }
                continue;
            }
        };
        let html = fetch::decode_html(&bytes, content_type.as_deref());
        let overrides = page_url
            .as_ref()
            .map(|u| config.overrides_for(u))
            .unwrap_or_default();
        let a = extract::extract_with(&html, page_url.as_ref(), &overrides);
        write_article(&mut out, input, is_url, &a, json)?;
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One extracted article: a JSON line (keyed by `url` or `file`), or a heading, the
/// metadata found and the text.
fn write_article(
    out: &mut impl Write,
    input: &str,
    is_url: bool,
    a: &extract::Article,
    json: bool,
) -> std::io::Result<()> {
    let date = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(|d| d.to_rfc3339());
    if json {
        let mut obj = serde_json::json!({
            "title": a.title,
            "text": a.text,
            "published": date(a.published),
            "author": a.author,
            "site_name": a.site_name,
            "lang": a.lang,
            "canonical_url": a.canonical_url.as_ref().map(|u| u.as_str()),
        });
        obj[if is_url { "url" } else { "file" }] = serde_json::Value::String(input.to_string());
        writeln!(out, "{obj}")?;
    } else {
        writeln!(out, "# {}", a.title)?;
        for (label, value) in [
            ("source", Some(input.to_string())),
            ("published", date(a.published)),
            ("author", a.author.clone()),
            ("site", a.site_name.clone()),
            ("lang", a.lang.clone()),
            ("canonical", a.canonical_url.as_ref().map(|u| u.to_string())),
        ] {
            if let Some(v) = value {
                writeln!(out, "{label}: {v}")?;
            }
        }
        writeln!(out, "\n{}\n", a.text)?;
    }
    Ok(())
}

/// Reads an article to explain: an HTML file or URL, or `-` for standard input. Text
/// without markup is taken as plain text whose first line is the title.
async fn read_article(input: &str, config: &Config) -> anyhow::Result<(String, String)> {
    let daemon = &config.daemon;
    let (bytes, content_type, url) = if input == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .context("cannot read standard input")?;
        (buf, None, None)
    } else if input.starts_with("http://") || input.starts_with("https://") {
        let fetcher = fetch::Fetcher::new(daemon)?;
        fetch_page(&fetcher, input, daemon.max_page_size).await?
    } else {
        let bytes = std::fs::read(input).with_context(|| format!("cannot read {input}"))?;
        (bytes, None, None)
    };
    let text = fetch::decode_html(&bytes, content_type.as_deref());
    if !text.contains('<') {
        let (title, body) = text.trim().split_once('\n').unwrap_or((text.trim(), ""));
        return Ok((
            title.trim().to_string(),
            extract::clean_plain_text(body, title.trim()),
        ));
    }
    // A page of a feed's site is read with that feed's corrections, as the daemon reads it.
    let overrides = url
        .as_ref()
        .map(|u| config.overrides_for(u))
        .unwrap_or_default();
    let a = extract::extract_with(&text, url.as_ref(), &overrides);
    Ok((a.title, a.text))
}

pub(super) async fn explain(
    config_path: &Path,
    topic: &str,
    input: &str,
) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let Some(t) = config.topics.iter().find(|t| t.name == topic) else {
        let names: Vec<&str> = config.topics.iter().map(|t| t.name.as_str()).collect();
        bail!(
            "no topic named {topic:?}; the config has: {}",
            names.join(", ")
        );
    };
    let (title, text) = read_article(input, &config).await?;
    let analysis = crate::analyze::Analysis::new(&title, &text);
    let lead = text.split("\n\n").next().unwrap_or("");
    let explanation = t.query.explain(&analysis);
    let mut out = std::io::stdout().lock();
    writeln!(out, "topic:    {}", t.name)?;
    writeln!(out, "query:    {}", collapse(t.query.source()))?;
    writeln!(out, "title:    {title}")?;
    writeln!(out, "lead:     {}", extract::lead_sentences(lead, 300))?;
    writeln!(
        out,
        "language: {}",
        analysis.lang.unwrap_or("undetected (English stemming)")
    )?;
    // Counted as matching counts them (each character of Chinese or Japanese is one).
    let words = analysis.words.iter().filter(|w| !w.is_empty()).count();
    writeln!(out, "words:    {words}\n")?;
    write!(out, "{explanation}")?;
    // The feed the article comes from, when a URL names a site the config reads.
    let page = url::Url::parse(input).ok();
    let feed = page.as_ref().and_then(|u| config.feeds_of_site(u).next());
    let verdict = match explanation.score {
        _ if analysis.says_nothing() => {
            "no match: the article says nothing (no words, or only a dateline)".to_string()
        }
        Some(s) if !t.enabled => format!("no match: the topic is disabled (score {s:.2})"),
        Some(s) if feed.is_some_and(|f| !t.reads(f)) => format!(
            "no match: the topic reads only {} and this article is from {} (score {s:.2})",
            t.feeds.join(", "),
            feed.map(|f| f.display_name()).unwrap_or_default()
        ),
        Some(s) if !t.accepts_language(analysis.lang) => {
            format!(
                "no match: language {} is not among the topic's languages (score {s:.2})",
                analysis.lang.unwrap_or("?")
            )
        }
        Some(s) if s >= t.min_score => format!("MATCH: score {s:.2} ≥ min_score {}", t.min_score),
        Some(s) => format!(
            "no match: score {s:.2} is below min_score {} (a passing mention)",
            t.min_score
        ),
        None => {
            let reason = explanation
                .lines
                .iter()
                .rev()
                .find(|l| !l.matched && l.detail.contains("failed"))
                .or_else(|| explanation.lines.iter().find(|l| !l.matched))
                .map(|l| format!("{}: {}", l.clause, l.detail))
                .unwrap_or_default();
            format!("no match: {reason}")
        }
    };
    writeln!(out, "\nverdict:  {verdict}")?;
    if !t.feeds.is_empty() && feed.is_none() {
        writeln!(
            out,
            "note:     the topic reads only {}; this assumes the article comes from one of them",
            t.feeds.join(", ")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One archived article, as `backtest` reads it.
#[derive(serde::Deserialize)]
struct ArchivedArticle {
    id: serde_json::Value,
    title: Option<String>,
    text: Option<String>,
    html: Option<String>,
    url: Option<String>,
    /// A date as feeds and pages write it, or Unix time in seconds (or milliseconds).
    published: Option<serde_json::Value>,
    source: Option<String>,
}

impl ArchivedArticle {
    /// The publication time: `Ok(None)` when the line gives none, `Err` when it gives one
    /// that cannot be read.
    fn published(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, ()> {
        let unix = |t: f64| {
            // Past 10^11 seconds (year 5138) it can only be milliseconds.
            let ms = if t.abs() >= 1e11 { t } else { t * 1000.0 };
            chrono::DateTime::from_timestamp_millis(ms as i64)
        };
        let at = match &self.published {
            None | Some(serde_json::Value::Null) => return Ok(None),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(serde_json::Value::String(s)) => {
                extract::parse_date(s).or_else(|| s.trim().parse::<f64>().ok().and_then(unix))
            }
            Some(serde_json::Value::Number(n)) => n.as_f64().and_then(unix),
            Some(_) => None,
        };
        at.map(Some).ok_or(())
    }
}

pub(super) fn backtest(
    config_path: &Path,
    archive: &Path,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let file = std::fs::File::open(archive)
        .with_context(|| format!("cannot open {}", archive.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = super::progress::Progress::bytes(size, "replaying", quiet);
    let mut reader = std::io::BufReader::new(file);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut tracker = crate::stories::Tracker::new();
    // Articles without a date follow the previous one.
    let mut clock = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let (mut unreadable_lines, mut mended_lines, mut undated_lines) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut bytes = Vec::new();
    for n in 1.. {
        bytes.clear();
        let read = std::io::BufRead::read_until(&mut reader, b'\n', &mut bytes)
            .with_context(|| format!("cannot read {}", archive.display()))?;
        if read == 0 {
            break;
        }
        bar.inc(read as u64);
        // A stray byte of another encoding costs one character, not the line.
        let line = String::from_utf8_lossy(&bytes);
        if matches!(line, std::borrow::Cow::Owned(_)) {
            mended_lines.push(n);
        }
        if line.trim().is_empty() {
            continue;
        }
        let record = match serde_json::from_str::<ArchivedArticle>(&line) {
            Ok(r) => r,
            Err(err) => {
                writeln!(out, "{}", unreadable(&line, n, &err))?;
                unreadable_lines.push(n);
                continue;
            }
        };
        match record.published() {
            Ok(Some(at)) => clock = at,
            Ok(None) => {}
            Err(()) => undated_lines.push(n),
        }
        let matches = replay(&config, &mut tracker, &record, clock);
        writeln!(
            out,
            "{}",
            serde_json::json!({"id": record.id, "matches": matches})
        )?;
    }
    out.flush()?;
    drop(out);
    if !quiet {
        for (lines, what) in [
            (
                &mended_lines,
                "not valid UTF-8, read with U+FFFD for the bad bytes",
            ),
            (
                &undated_lines,
                "with a \"published\" that is no date or Unix time, replayed at the time of the article before",
            ),
            (
                &unreadable_lines,
                "not an article, output with an \"error\"",
            ),
        ] {
            if !lines.is_empty() {
                eprintln!(
                    "warning: {} line(s) {what}: {}",
                    lines.len(),
                    first_few(lines)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// "3, 7, 12" — at most ten line numbers, then "…".
fn first_few(lines: &[usize]) -> String {
    let shown: Vec<String> = lines.iter().take(10).map(usize::to_string).collect();
    let more = if lines.len() > 10 { ", …" } else { "" };
    format!("lines {}{more}", shown.join(", "))
}

/// One archived article through matching and story grouping at `clock`: a JSON object per
/// topic it matches.
fn replay(
    config: &Config,
    tracker: &mut crate::stories::Tracker,
    record: &ArchivedArticle,
    clock: chrono::DateTime<chrono::Utc>,
) -> Vec<serde_json::Value> {
    let (matches, features) = backtest_one(config, record);
    tracker.observe(&features);
    matches
        .into_iter()
        .map(|(topic, score)| {
            let story_cfg = config
                .topics
                .iter()
                .find(|t| t.name == topic)
                .map(|t| t.stories)
                .unwrap_or_default();
            let a = tracker.assign(&topic, &features, clock, &story_cfg);
            serde_json::json!({
                "topic": topic,
                "score": (score * 1000.0).round() / 1000.0,
                "story": a.story,
                "new_story": a.new_story,
                "notify": a.notify,
                "whats_new": a.whats_new,
                "sources": a.sources,
                "similarity": (a.similarity * 1000.0).round() / 1000.0,
                "novelty": (a.novelty * 1000.0).round() / 1000.0,
            })
        })
        .collect()
}

/// The output line of an input line that is not an article: its id if it has one, no
/// matches, and why.
fn unreadable(line: &str, number: usize, err: &serde_json::Error) -> serde_json::Value {
    let value = serde_json::from_str::<serde_json::Value>(line).ok();
    let id = value
        .as_ref()
        .and_then(|v| v.get("id").cloned())
        .unwrap_or(serde_json::Value::Null);
    // serde names its own structs ("expected struct ArchivedArticle"): say what a line is.
    let why = match &value {
        Some(v) if !v.is_object() => {
            "expected an object such as {\"id\", \"title\", \"text\"}".to_string()
        }
        _ => err.to_string(),
    };
    serde_json::json!({"id": id, "matches": [], "error": format!("line {number}: {why}")})
}

fn backtest_one(
    config: &Config,
    record: &ArchivedArticle,
) -> (Vec<(String, f64)>, crate::stories::Features) {
    let base = record.url.as_deref().and_then(|u| url::Url::parse(u).ok());
    let mut title = record.title.clone().unwrap_or_default();
    // Archived text goes through the same cleanup as text the daemon extracts.
    let mut text = record
        .text
        .as_deref()
        .map(|t| extract::clean_plain_text(t, &title))
        .unwrap_or_default();
    if let Some(html) = &record.html {
        let a = extract::extract(html, base.as_ref());
        if title.is_empty() {
            title = a.title;
        }
        if text.is_empty() {
            text = a.text;
        }
    }
    let analysis = crate::analyze::Analysis::new(&title, &text);
    let feed = record.source.as_deref().and_then(|s| {
        config
            .feeds
            .iter()
            .find(|f| f.name.as_deref() == Some(s) || f.url.as_str() == s)
    });
    let mut matches = pipeline::match_topics(config, feed, &analysis);
    // A topic restricted to some feeds can't claim an article from an unknown source.
    if feed.is_none() {
        matches.retain(|(name, _)| {
            config
                .topics
                .iter()
                .any(|t| &t.name == name && t.feeds.is_empty())
        });
    }
    let features = crate::stories::Features::new(&title, &text, &analysis);
    (matches, features)
}

async fn fetch_page(
    fetcher: &fetch::Fetcher,
    input: &str,
    limit: u64,
) -> anyhow::Result<(Vec<u8>, Option<String>, Option<url::Url>)> {
    let url = config::parse_http_url(input).map_err(anyhow::Error::msg)?;
    match fetcher
        .get(
            &url,
            &fetch::Validators::default(),
            limit,
            fetch::Overflow::Truncate,
        )
        .await?
    {
        fetch::FetchOutcome::Fetched(f) => Ok((f.body, f.content_type, Some(f.url))),
        fetch::FetchOutcome::NotModified => bail!("server answered 304 to an unconditional GET"),
    }
}
