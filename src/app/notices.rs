//! `newswatch notify-test` and `newswatch history`: checking channels and looking back.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use chrono::{Local, Utc};

use super::{load_config, open_store};
use crate::config::Urgency;
use crate::notify::{DesktopNotifier, Notice, Notifier};
use crate::pipeline;

pub(super) async fn notify_test(
    config_path: &Path,
    channel: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let mut channels: Vec<Arc<dyn Notifier>> = pipeline::default_notifiers(&config)
        .into_iter()
        // The desktop notifier of the daemon logs a notice it can't show; here that is a
        // failure to report.
        .map(|n| -> Arc<dyn Notifier> {
            if n.name() == "desktop" {
                Arc::new(DesktopNotifier::new(&config.notify).strict())
            } else {
                n
            }
        })
        .collect();
    if let Some(name) = channel {
        channels.retain(|n| n.name() == name);
        if channels.is_empty() {
            let mut known: Vec<String> = ["desktop", "log"].map(String::from).to_vec();
            known.extend(config.notify.channels.iter().map(|c| c.name.clone()));
            bail!(
                "no enabled channel called {name:?} (channels: {})",
                known.join(", ")
            );
        }
    } else if channels.is_empty() {
        bail!(
            "no channel is enabled: set notify.desktop or notify.log, or add [[notify.channels]]"
        );
    }
    let notice = Notice {
        id: None,
        topic: config
            .topics
            .first()
            .map_or_else(|| "newswatch".to_string(), |t| t.name.clone()),
        headline: "Test notice from newswatch".into(),
        source: "newswatch".into(),
        url: url::Url::parse("https://example.org/newswatch-test").ok(),
        body: "If you can read this, this channel works.".into(),
        urgency: Urgency::Normal,
        story: None,
        update: false,
        sources: 1,
        published: Some(Utc::now()),
    };
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for n in &channels {
        let result = tokio::time::timeout(Duration::from_secs(15), n.deliver(&notice)).await;
        match result {
            Ok(Ok(())) => writeln!(out, "{}: ok", n.name())?,
            Ok(Err(err)) => {
                failed += 1;
                writeln!(out, "{}: failed: {}", n.name(), crate::error_chain(&err))?;
            }
            Err(_) => {
                failed += 1;
                writeln!(out, "{}: failed: no answer within 15s", n.name())?;
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub(super) async fn history(
    config_path: &Path,
    since: Duration,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let store = open_store(config.database_path()).await?;
    let from = Utc::now() - chrono::Duration::from_std(since).unwrap_or(chrono::Duration::MAX);
    let entries = tokio::task::spawn_blocking(move || store.history(from)).await??;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        for e in &entries {
            writeln!(out, "{}", serde_json::to_string(e)?)?;
        }
    } else if entries.is_empty() {
        writeln!(
            out,
            "no notices since {}",
            from.with_timezone(&Local).format("%Y-%m-%d %H:%M")
        )?;
    }
    for e in entries.iter().filter(|_| !json) {
        let kind = if e.digest {
            format!(" (digest #{})", e.id)
        } else if e.update {
            format!(" (update, {} sources)", e.sources)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}  {}: {}{kind}",
            e.created.with_timezone(&Local).format("%Y-%m-%d %H:%M"),
            e.topic,
            e.headline
        )?;
        if let Some(d) = e.in_digest {
            writeln!(out, "    sent in digest #{d}")?;
        } else if let (Some(until), Some(why)) = (e.held_until, &e.hold_reason) {
            writeln!(
                out,
                "    held ({why}) until {}",
                until.with_timezone(&Local).format("%Y-%m-%d %H:%M")
            )?;
        } else if e.channels.is_empty() {
            let state = if e.settled {
                "no channel"
            } else {
                "not delivered yet"
            };
            writeln!(out, "    {state}")?;
        }
        for c in &e.channels {
            let mut line = format!("    {}: {}", c.channel, c.status);
            if c.attempts > 1 || c.status != "delivered" {
                line.push_str(&format!(
                    " after {} attempt{}",
                    c.attempts,
                    if c.attempts == 1 { "" } else { "s" }
                ));
            }
            if let (Some(err), false) = (&c.error, c.status == "delivered") {
                line.push_str(&format!(": {err}"));
            }
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
