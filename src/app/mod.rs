//! The subcommands, each a thin layer over the library: load the config, open the store,
//! call the pipeline or daemon, print the outcome. The offline tools (`extract`,
//! `explain`, `backtest`) are in [`offline`]; `inspect` (what newswatch reads from a feed)
//! in [`inspect`]; `report` (the HTML page) in [`report`]; `completions` and `man` in
//! [`docs`]; the starter config and first run in [`first_run`]; progress bars in
//! [`progress`].

mod docs;
mod feeds_cmd;
pub mod first_run;
mod inspect;
mod notices;
mod offline;
pub mod progress;
mod report;
mod status;
mod stories;
mod topics_cmd;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::cli::{Cli, Command};
use crate::config::{self, Config, format_duration};
use crate::daemon;
use crate::notify::{Notifier, RecordingNotifier};
use crate::pipeline::{self, Shared};
use crate::store::Store;

/// Sets up logging to stderr; `RUST_LOG` overrides the level, except that `--quiet` always
/// means errors only. Under systemd (journald adds its own) there are no timestamps or
/// colours. Log lines step around a progress bar.
pub fn init_tracing(quiet: bool, verbose: u8) {
    let level = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = if quiet {
        tracing_subscriber::EnvFilter::new("error")
    } else {
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(format!("warn,newswatch={level}"))
        })
    };
    // Colour for a person at a terminal only: not in a file, a pipe or the journal.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(progress::StderrWriter)
        .with_ansi(ansi)
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
    let quiet = cli.quiet;
    runtime.block_on(async move {
        match cli.command {
            Command::Run => run(&config_path, quiet).await,
            Command::Once { dry_run } => once(&config_path, dry_run, quiet).await,
            Command::Check => check(&config_path),
            Command::Explain { topic, input } => {
                offline::explain(&config_path, &topic, &input).await
            }
            Command::Backtest { archive } => offline::backtest(&config_path, &archive, quiet),
            Command::NotifyTest { channel } => {
                notices::notify_test(&config_path, channel.as_deref()).await
            }
            Command::History { since, json } => notices::history(&config_path, since, json).await,
            Command::Service {
                action: crate::cli::ServiceAction::Install,
            } => status::install_service(&config_path),
            Command::Status { json } => status::status(&config_path, json).await,
            Command::Feeds { json, action: None } => status::feeds(&config_path, json).await,
            Command::Feeds {
                action: Some(action),
                ..
            } => feeds_cmd::run(&config_path, action, cli.quiet).await,
            Command::Topics { action } => topics_cmd::run(&config_path, action, cli.quiet).await,
            Command::Stories { topic, since, json } => {
                stories::list(&config_path, topic.as_deref(), since, json).await
            }
            Command::Extract { json, url, inputs } => {
                offline::extract(&config_path, json, url.as_deref(), &inputs).await
            }
            Command::Inspect { json, url, inputs } => {
                inspect::inspect(&config_path, json, url.as_deref(), &inputs).await
            }
            Command::Report { topic, since, out } => {
                report::write(&config_path, topic.as_deref(), since, &out).await
            }
            Command::Completions { shell } => docs::completions(shell),
            Command::Man { out } => docs::man(out.as_deref()),
        }
    })
}

fn load_config(path: &Path) -> anyhow::Result<Config> {
    if !path.exists() {
        bail!(
            "no config file at {}; `newswatch run` creates one there from the annotated template (or pass --config PATH)",
            path.display()
        );
    }
    Ok(config::load(path)?)
}

/// For commands that read files or URLs: the base URL given, the daemon's settings when a
/// config is at hand (else the defaults), and a fetcher with them.
fn offline_fetcher(
    config_path: &Path,
    base: Option<&str>,
) -> anyhow::Result<(Option<url::Url>, Config, crate::fetch::Fetcher)> {
    let base = base
        .map(config::parse_http_url)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let config = match config::load(config_path) {
        Ok(c) => c,
        Err(_) => config::parse("", "defaults")?,
    };
    let fetcher = crate::fetch::Fetcher::new(&config.daemon)?;
    Ok((base, config, fetcher))
}

/// Holds `<database>.lock` while this process polls, or says why it cannot: two pollers on
/// one database would each number stories and notify without knowing of the other's.
/// The lock goes when the process ends, however it ends.
fn lock_database(db: &Path) -> anyhow::Result<std::fs::File> {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another newswatch is polling into {} (a `newswatch run`, or a `once` not yet done); \
             the daemon fetches on its own schedule (`newswatch status` shows the next poll), \
             and `once --dry-run` works beside it",
            db.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

async fn open_store(path: PathBuf) -> anyhow::Result<Store> {
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || Store::open(&path))
        .await?
        .with_context(|| format!("cannot open the database {shown}"))
}

async fn run(config_path: &Path, quiet: bool) -> anyhow::Result<ExitCode> {
    if first_run::ensure_config(config_path)? == first_run::FirstRun::Created && !quiet {
        eprintln!(
            "created {} from the annotated template; edit its feeds and topics",
            config_path.display()
        );
    }
    let config = load_config(config_path)?;
    let _lock = lock_database(&config.database_path())?;
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
    let mut channels: Vec<String> = [
        ("desktop", config.notify.desktop),
        ("log", config.notify.log),
    ]
    .iter()
    .filter(|c| c.1)
    .map(|c| c.0.to_string())
    .collect();
    channels.extend(config.notify.channels.iter().map(|c| {
        let kind = match &c.kind {
            config::ChannelKind::Ntfy { server, topic, .. } => format!("ntfy {server} {topic}"),
            config::ChannelKind::Webhook { url, .. } => format!("webhook {url}"),
            config::ChannelKind::Command { argv } => format!("command {}", argv[0]),
        };
        format!("{} ({kind})", c.name)
    }));
    writeln!(out, "notify: {}", channels.join(", "))?;
    Ok(ExitCode::SUCCESS)
}

async fn once(config_path: &Path, dry_run: bool, quiet: bool) -> anyhow::Result<ExitCode> {
    let config = Arc::new(load_config(config_path)?);
    let db = config.database_path();
    // A dry run works on a snapshot so that it changes nothing a later real run relies on.
    let _snapshot_dir;
    let mut _lock = None;
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
        _lock = Some(lock_database(&db)?);
        open_store(db).await?
    };
    let recorder = RecordingNotifier::new();
    let notifiers: Option<Vec<Arc<dyn Notifier>>> =
        dry_run.then(|| vec![Arc::new(recorder.clone()) as Arc<dyn Notifier>]);
    let loaded = Arc::new(pipeline::load(config.clone(), notifiers)?);
    let shared = Arc::new(Shared::open(store, &config)?);
    let bar = progress::Progress::new(config.feeds.len() as u64, "polling feeds", quiet);
    let reports = pipeline::poll_all_reporting(&shared, &loaded, bar.ticker()).await;
    bar.set_message("delivering notices");
    let delivered = pipeline::deliver_pending(&shared, &loaded).await.notices;
    drop(bar);

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
    // Some feeds failing is a normal day; all of them, a problem to look at (the network,
    // the config), which scripts should see.
    Ok(if !reports.is_empty() && failed == reports.len() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
