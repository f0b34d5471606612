//! `newswatch status` and `newswatch feeds`: what the daemon has been doing, from the store.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Local, Utc};
use serde_json::json;

use super::first_run::STARTER_CONFIG;
use super::{load_config, open_store};
use crate::config::{Config, FeedConfig, format_duration};
use crate::store::{FeedStatus, Store};

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "never".to_string(),
        |t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
    )
}

/// The stored state of each configured feed, in config order.
async fn feed_states(config: &Config, store: &Store) -> anyhow::Result<Vec<FeedStatus>> {
    let store = store.clone();
    let mut states = tokio::task::spawn_blocking(move || store.feed_statuses()).await??;
    Ok(config
        .feeds
        .iter()
        .map(|f| states.remove(f.url.as_str()).unwrap_or_default())
        .collect())
}

pub(super) async fn status(config_path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let store = open_store(config.database_path()).await?;
    let states = feed_states(&config, &store).await?;
    let since = Utc::now() - chrono::Duration::hours(24);
    let mut activity = tokio::task::spawn_blocking(move || store.topic_activity(since)).await??;
    let feeds: Vec<serde_json::Value> = config
        .feeds
        .iter()
        .zip(&states)
        .map(|(f, s)| feed_json(&config, f, s))
        .collect();
    let topics: Vec<serde_json::Value> = config
        .topics
        .iter()
        .map(|t| {
            let (matches, stories, notices) = activity.remove(&t.name).unwrap_or_default();
            json!({
                "name": t.name,
                "enabled": t.enabled,
                "matches": matches,
                "stories": stories,
                "notices": notices,
            })
        })
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        writeln!(out, "{}", json!({"feeds": feeds, "topics": topics}))?;
    } else {
        print_status(&mut out, &config, &states, &feeds, &topics)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The status of a feed that is gone for good.
const GONE: u16 = 410;

/// A feed's line of `status --json`, with when it is next polled.
fn feed_json(config: &Config, f: &FeedConfig, s: &FeedStatus) -> serde_json::Value {
    let backoff = crate::daemon::backoff_factor(s.failures);
    let wait = config.interval_of(f) * backoff;
    // The daemon adds ±10% jitter; this is the expected time.
    // A feed that is gone (410) is not polled again by the running daemon.
    let next = s
        .last_fetch
        .filter(|_| s.last_status != Some(GONE))
        .map(|t| t + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX));
    json!({
        "url": f.url.as_str(),
        "name": f.display_name(),
        "title": s.title,
        "last_fetch": s.last_fetch,
        "last_success": s.last_success,
        "last_status": s.last_status,
        "last_error": s.last_error,
        "failures": s.failures,
        "entries": s.entries,
        "next_poll": next,
        "backoff": backoff,
        "moved_to": s.moved_to,
    })
}

/// What to call a feed in a listing: its name in the config, else the title it gives
/// itself, else its host.
fn shown_name(f: &FeedConfig, s: &FeedStatus) -> String {
    match (&f.name, &s.title) {
        (None, Some(title)) if !title.trim().is_empty() => title.clone(),
        _ => f.display_name(),
    }
}

/// `status` for a person: each feed's state and schedule, each topic's last 24 hours.
fn print_status(
    out: &mut impl Write,
    config: &Config,
    states: &[FeedStatus],
    feeds: &[serde_json::Value],
    topics: &[serde_json::Value],
) -> anyhow::Result<()> {
    writeln!(out, "feeds ({}):", config.feeds.len())?;
    for ((f, s), v) in config.feeds.iter().zip(states).zip(feeds) {
        let state = match (&s.last_error, s.last_status) {
            (Some(e), _) => format!("error: {e}"),
            (None, Some(code)) => format!("HTTP {code}"),
            (None, None) => "not fetched yet".to_string(),
        };
        writeln!(out, "  {} — {state}", shown_name(f, s))?;
        if let Some(to) = &s.moved_to {
            writeln!(out, "    moved permanently to {to} (update the config)")?;
        }
        if s.last_status == Some(GONE) {
            writeln!(
                out,
                "    gone for good (HTTP 410): not polled again until a restart; remove it from the config"
            )?;
            continue;
        }
        let next = v["next_poll"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let backoff = if s.failures > 1 {
            format!(
                ", backing off ×{}",
                crate::daemon::backoff_factor(s.failures)
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "    last fetch {}, next ~{}, every {}{backoff}, {} entries",
            when(s.last_fetch),
            next.map_or_else(
                || "at start".to_string(),
                // Past its time: the daemon is about to poll it (or is not running).
                |t| if t <= Utc::now() {
                    "now".to_string()
                } else {
                    when(Some(t))
                }
            ),
            format_duration(config.interval_of(f)),
            s.entries
        )?;
    }
    writeln!(out, "topics, last 24 h ({}):", config.topics.len())?;
    for t in topics {
        writeln!(
            out,
            "  {}{}: {} matches, {} stories, {} notices",
            t["name"].as_str().unwrap_or_default(),
            if t["enabled"] == false {
                " (paused)"
            } else {
                ""
            },
            t["matches"],
            t["stories"],
            t["notices"]
        )?;
    }
    Ok(())
}

pub(super) async fn feeds(config_path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let store = open_store(config.database_path()).await?;
    let states = feed_states(&config, &store).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (f, s) in config.feeds.iter().zip(&states) {
        let ok = s.last_fetch.is_some() && s.last_error.is_none();
        if json {
            writeln!(
                out,
                "{}",
                json!({
                    "url": f.url.as_str(),
                    "name": f.name,
                    "title": s.title,
                    "interval": format_duration(config.interval_of(f)),
                    "entries": s.entries,
                    "ok": ok,
                    "last_error": s.last_error,
                })
            )?;
        } else {
            let state = match (&s.last_error, s.last_fetch) {
                (Some(_), _) => "failing",
                (None, Some(_)) => "ok",
                (None, None) => "new",
            };
            writeln!(out, "{:<8} {}  {}", state, shown_name(f, s), f.url)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A path as one word of a unit's command line: `%` doubled (systemd expands `%h` and
/// kin), and quoted when it holds spaces or quotes.
fn unit_arg(path: &Path) -> String {
    let s = path.display().to_string().replace('%', "%%");
    if s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s
    }
}

/// The user unit shipped in the repository.
const USER_UNIT: &str = include_str!("../../systemd/newswatch.service");

pub(super) fn install_service(config_path: &Path) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    let exe = std::env::current_exe().context("cannot tell where this newswatch binary is")?;
    let unit_dir = crate::config::user_unit_dir();
    std::fs::create_dir_all(&unit_dir)
        .with_context(|| format!("cannot create {}", unit_dir.display()))?;
    let unit_path = unit_dir.join("newswatch.service");
    // systemd starts the service in another folder: a relative path would lead nowhere.
    let config_path =
        &std::path::absolute(config_path).unwrap_or_else(|_| config_path.to_path_buf());
    let mut exec = format!("ExecStart={} run", unit_arg(&exe));
    if *config_path != crate::config::default_config_path() {
        exec = format!(
            "ExecStart={} --config {} run",
            unit_arg(&exe),
            unit_arg(config_path)
        );
    }
    let unit = USER_UNIT.replace("ExecStart=%h/.cargo/bin/newswatch run", &exec);
    std::fs::write(&unit_path, unit)
        .with_context(|| format!("cannot write {}", unit_path.display()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "wrote {}", unit_path.display())?;
    if config_path.exists() {
        writeln!(out, "kept your config {}", config_path.display())?;
    } else {
        if let Some(dir) = config_path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(config_path, STARTER_CONFIG)
            .with_context(|| format!("cannot write {}", config_path.display()))?;
        writeln!(
            out,
            "wrote the starter config {} (edit its feeds and topics)",
            config_path.display()
        )?;
    }
    writeln!(
        out,
        "\nnow run:\n  systemctl --user daemon-reload\n  systemctl --user enable --now newswatch\n  journalctl --user -u newswatch -f"
    )?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gone_feed_has_no_next_poll() {
        let config = crate::config::parse(
            "[[feeds]]\nurl = \"https://gone.example/rss\"\nname = \"Gone\"\n",
            "c.toml",
        )
        .unwrap();
        let state = FeedStatus {
            last_fetch: Some(Utc::now()),
            last_status: Some(GONE),
            last_error: Some("HTTP 410 Gone".into()),
            failures: 1,
            ..FeedStatus::default()
        };
        let json = feed_json(&config, &config.feeds[0], &state);
        assert!(json["next_poll"].is_null(), "{json}");
        let mut out = Vec::new();
        print_status(&mut out, &config, &[state], &[json], &[]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("gone for good (HTTP 410)"), "{text}");
        assert!(!text.contains("next ~"), "{text}");
    }
}
