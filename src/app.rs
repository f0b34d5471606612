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
