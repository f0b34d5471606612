//! `newswatch stories`: what the daemon grouped, as a timeline per story.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Local, Utc};

use super::{load_config, open_store};
use crate::store::StoryView;

pub(super) async fn list(
    config_path: &Path,
    topic: Option<&str>,
    since: Duration,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    if let Some(t) = topic
        && !config.topics.iter().any(|c| c.name == t)
    {
        tracing::warn!(
            topic = t,
            "no such topic in the config; listing its stored stories anyway"
        );
    }
    let store = open_store(config.database_path()).await?;
    let from = Utc::now() - chrono::Duration::from_std(since).unwrap_or(chrono::Duration::MAX);
    let topic_owned = topic.map(str::to_string);
    let stories =
        tokio::task::spawn_blocking(move || store.stories(topic_owned.as_deref(), from)).await??;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        for s in &stories {
            writeln!(out, "{}", serde_json::to_string(s)?)?;
        }
    } else if stories.is_empty() {
        writeln!(
            out,
            "no stories since {}{}",
            local(from),
            topic.map(|t| format!(" in {t:?}")).unwrap_or_default()
        )?;
    } else {
        for s in &stories {
            print_story(&mut out, s)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn print_story(out: &mut impl std::io::Write, s: &StoryView) -> std::io::Result<()> {
    writeln!(
        out,
        "{} · story {} · {} source{} · {} → {}{}",
        s.topic,
        s.id,
        s.sources,
        if s.sources == 1 { "" } else { "s" },
        local(s.started),
        local(s.last_seen),
        if s.muted { " · muted" } else { "" }
    )?;
    writeln!(out, "  {}", s.title)?;
    let width = s
        .timeline
        .iter()
        .map(|m| m.source.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for m in &s.timeline {
        let mark = if m.notified { '*' } else { ' ' };
        let source: String = m.source.chars().take(width).collect();
        writeln!(
            out,
            "  {mark} {}  {source:<width$}  {}",
            local(m.at),
            m.title
        )?;
        if m.notified
            && !m.new_story
            && let Some(w) = &m.whats_new
        {
            writeln!(out, "      new: {w}")?;
        }
        if let Some(u) = &m.url {
            writeln!(out, "      {u}")?;
        }
    }
    writeln!(out)
}
