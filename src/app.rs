//! The subcommands, each a thin layer over the library: load the config, open the store,
//! call the pipeline or daemon, print the outcome.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::cli::{Cli, Command};
use crate::config::{self, Config, format_duration};
use crate::notify::{Notifier, RecordingNotifier};
use crate::pipeline::{self, Shared};
use crate::store::Store;
use crate::{daemon, extract, fetch};

/// Sets up logging to stderr; `RUST_LOG` overrides the level. Under systemd (journald adds
/// its own) there are no timestamps or colours.
pub fn init_tracing(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "info",
        (false, 1) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("warn,newswatch={level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    if std::env::var_os("JOURNAL_STREAM").is_some() || std::env::var_os("INVOCATION_ID").is_some() {
        builder.with_ansi(false).without_time().init();
    } else {
        builder.init();
    }
}

/// Runs a parsed command line.
pub fn main(cli: Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let config_path = cli
        .config
        .clone()
        .unwrap_or_else(config::default_config_path);
    runtime.block_on(async move {
        match cli.command {
            Command::Run => run(&config_path).await,
            Command::Once { dry_run } => once(&config_path, dry_run).await,
            Command::Check => check(&config_path),
            Command::Explain { topic, input } => explain(&config_path, &topic, &input).await,
            Command::Backtest { archive } => backtest(&config_path, &archive),
            Command::Extract { json, url, inputs } => {
                extract_cmd(&config_path, json, url.as_deref(), &inputs).await
            }
        }
    })
}

fn load_config(path: &Path) -> anyhow::Result<Config> {
    if !path.exists() {
        bail!(
            "no config file at {}; pass --config PATH (the repository's config.toml is an annotated starting point)",
            path.display()
        );
    }
    Ok(config::load(path)?)
}

async fn open_store(path: PathBuf) -> anyhow::Result<Store> {
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || Store::open(&path))
        .await?
        .with_context(|| format!("cannot open the database {shown}"))
}

async fn run(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let store = open_store(config.database_path()).await?;
    daemon::run(
        config_path.to_path_buf(),
        config,
        daemon::Deps::new(store),
        daemon::shutdown_signal(),
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

fn check(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}: ok", config_path.display())?;
    writeln!(out, "database: {}", config.database_path().display())?;
    writeln!(out, "feeds ({}):", config.feeds.len())?;
    for f in &config.feeds {
        let every = format_duration(config.interval_of(f));
        match &f.name {
            Some(name) => writeln!(out, "  {name} <{}> every {every}", f.url)?,
            None => writeln!(out, "  {} every {every}", f.url)?,
        }
    }
    writeln!(out, "topics ({}):", config.topics.len())?;
    for t in &config.topics {
        writeln!(
            out,
            "  {}: {} (min_score {})",
            t.name,
            t.query
                .source()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            t.min_score
        )?;
    }
    let channels: Vec<&str> = [
        ("desktop", config.notify.desktop),
        ("log", config.notify.log),
    ]
    .iter()
    .filter(|c| c.1)
    .map(|c| c.0)
    .collect();
    writeln!(out, "notify: {}", channels.join(", "))?;
    Ok(ExitCode::SUCCESS)
}

async fn once(config_path: &Path, dry_run: bool) -> anyhow::Result<ExitCode> {
    let config = Arc::new(load_config(config_path)?);
    let db = config.database_path();
    // A dry run works on a snapshot so that it changes nothing a later real run relies on.
    let _snapshot_dir;
    let store = if dry_run {
        let dir = tempfile::Builder::new()
            .prefix("newswatch-dry-run")
            .tempdir()?;
        let copy = dir.path().join("snapshot.db");
        if db.exists() {
            let live = open_store(db.clone()).await?;
            let target = copy.clone();
            tokio::task::spawn_blocking(move || live.snapshot_to(&target)).await??;
        }
        _snapshot_dir = Some(dir);
        open_store(copy).await?
    } else {
        _snapshot_dir = None;
        open_store(db).await?
    };
    let recorder = RecordingNotifier::new();
    let notifiers: Option<Vec<Arc<dyn Notifier>>> =
        dry_run.then(|| vec![Arc::new(recorder.clone()) as Arc<dyn Notifier>]);
    let loaded = Arc::new(pipeline::load(config.clone(), notifiers)?);
    let shared = Arc::new(Shared::new(store));
    let reports = pipeline::poll_all(&shared, &loaded).await;
    let delivered = pipeline::deliver_pending(&shared, &loaded.notifiers).await;

    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for (url, result) in &reports {
        match result {
            Ok(r) => {
                tracing::info!(feed = %url, entries = r.entries, new = r.new_entries, backlog = r.backlog, matches = r.matches, "polled")
            }
            Err(e) => {
                failed += 1;
                tracing::warn!(feed = %url, error = %e, "poll failed");
            }
        }
    }
    if dry_run {
        for n in recorder.notices() {
            writeln!(out, "[{}] {} — {}", n.topic, n.headline, n.source)?;
            if let Some(u) = &n.url {
                writeln!(out, "    {u}")?;
            }
        }
        writeln!(
            out,
            "dry run: {} feeds polled ({failed} failed), {} notices would be sent",
            reports.len(),
            recorder.notices().len()
        )?;
    } else {
        writeln!(
            out,
            "{} feeds polled ({failed} failed), {delivered} notices sent",
            reports.len()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn extract_cmd(
    config_path: &Path,
    json: bool,
    base: Option<&str>,
    inputs: &[String],
) -> anyhow::Result<ExitCode> {
    let base = base
        .map(config::parse_http_url)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    // The daemon's fetcher settings when a config is at hand, else the defaults.
    let daemon_cfg = match config::load(config_path) {
        Ok(c) => c.daemon,
        Err(_) => config::parse("", "defaults")?.daemon,
    };
    let fetcher = fetch::Fetcher::new(&daemon_cfg)?;
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
                        serde_json::json!({ key: input, "error": format!("{err:#}") })
                    )?;
                }
                continue;
            }
        };
        let html = fetch::decode_html(&bytes, content_type.as_deref());
        let a = extract::extract(&html, page_url.as_ref());
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
            obj[if is_url { "url" } else { "file" }] = serde_json::Value::String(input.clone());
            writeln!(out, "{obj}")?;
        } else {
            writeln!(out, "# {}", a.title)?;
            for (label, value) in [
                ("source", Some(input.clone())),
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
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Reads an article to explain: an HTML file or URL, or `-` for standard input. Text
/// without markup is taken as plain text whose first line is the title.
async fn read_article(
    input: &str,
    daemon: &config::DaemonConfig,
) -> anyhow::Result<(String, String)> {
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
    let a = extract::extract(&text, url.as_ref());
    Ok((a.title, a.text))
}

async fn explain(config_path: &Path, topic: &str, input: &str) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let Some(t) = config.topics.iter().find(|t| t.name == topic) else {
        let names: Vec<&str> = config.topics.iter().map(|t| t.name.as_str()).collect();
        bail!(
            "no topic named {topic:?}; the config has: {}",
            names.join(", ")
        );
    };
    let (title, text) = read_article(input, &config.daemon).await?;
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
    writeln!(out, "words:    {}\n", text.split_whitespace().count())?;
    write!(out, "{explanation}")?;
    let verdict = match explanation.score {
        Some(s) if !t.enabled => format!("no match: the topic is disabled (score {s:.2})"),
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
    published: Option<String>,
    source: Option<String>,
}

fn backtest(config_path: &Path, archive: &Path) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let file = std::fs::File::open(archive)
        .with_context(|| format!("cannot open {}", archive.display()))?;
    let reader = std::io::BufReader::new(file);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut tracker = crate::stories::Tracker::new();
    // Articles without a date follow the previous one.
    let mut clock = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    for (n, line) in std::io::BufRead::lines(reader).enumerate() {
        let line = line.with_context(|| format!("cannot read {}", archive.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = match serde_json::from_str::<ArchivedArticle>(&line) {
            Ok(r) => r,
            Err(err) => {
                let id = serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|v| v.get("id").cloned())
                    .unwrap_or(serde_json::Value::Null);
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"id": id, "matches": [], "error": format!("line {}: {err}", n + 1)})
                )?;
                continue;
            }
        };
        if let Some(at) = record.published.as_deref().and_then(extract::parse_date) {
            clock = at;
        }
        let (matches, features) = backtest_one(&config, &record);
        tracker.observe(&features);
        let matches: Vec<serde_json::Value> = matches
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
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({"id": record.id, "matches": matches})
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
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
