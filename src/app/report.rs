//! `newswatch report`: reads a period's stories from the store and writes the HTML page
//! that `crate::report` renders. Read-only: a missing database is reported on the page, not
//! created; a missing config means the default database (there is nothing to poll here).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{Local, Offset as _, Utc};

use super::{load_config, open_store};
use crate::config;
use crate::report::{self, Report};

pub(super) async fn write(
    config_path: &Path,
    topic: Option<&str>,
    since: Duration,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let config = if config_path.exists() {
        load_config(config_path)?
    } else {
        tracing::warn!(config = %config_path.display(), "no config file; reading the default database");
        config::parse("", "defaults")?
    };
    let configured: Vec<String> = match topic {
        Some(t) => {
            if !config.topics.iter().any(|c| c.name == t) {
                tracing::warn!(
                    topic = t,
                    "no such topic in the config; reporting its stored stories anyway"
                );
            }
            vec![t.to_string()]
        }
        None => config.topics.iter().map(|t| t.name.clone()).collect(),
    };
    let now = Utc::now();
    let from = now - chrono::Duration::from_std(since).unwrap_or(chrono::Duration::MAX);
    let db = config.database_path();
    let (stories, missing_database) = if db.exists() {
        let store = open_store(db).await?;
        let topic = topic.map(str::to_string);
        let stories =
            tokio::task::spawn_blocking(move || store.stories(topic.as_deref(), from)).await??;
        (stories, None)
    } else {
        (Vec::new(), Some(db))
    };
    let page = Report {
        generated: now,
        since: from,
        offset: Local::now().offset().fix(),
        topics: report::group(&configured, stories),
        missing_database,
    };
    let html = report::render(&page);
    if out == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(html.as_bytes())?;
        stdout.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::write(out, html).with_context(|| format!("cannot write {}", out.display()))?;
    let stories: usize = page.topics.iter().map(|t| t.stories.len()).sum();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    writeln!(
        std::io::stdout().lock(),
        "wrote {} ({} in {})",
        out.display(),
        plural(stories, "story", "stories"),
        plural(page.topics.len(), "topic", "topics")
    )?;
    Ok(ExitCode::SUCCESS)
}
