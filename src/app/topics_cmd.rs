//! `newswatch topics [add|test]`: list the topics, add one to the config file, or try one
//! on the articles already stored.
//!
//! `test` re-analyses each stored article (title and full text, as the daemon read it)
//! and scores it with the daemon's own matching, under the topic's feed and language
//! filters; it stores nothing and sends nothing. Stories are not tracked here (`backtest`
//! does that for an archive). The config edit itself is `crate::config::edit`'s.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Local, Utc};
use serde_json::json;

use super::{load_config, open_store};
use crate::analyze::Analysis;
use crate::cli::TopicsAction;
use crate::config::edit::{ConfigFile, NewTopic};
use crate::config::{Config, TopicConfig};
use crate::matching::Query;
use crate::store::{Store, StoredArticle};

pub(super) async fn run(
    config_path: &Path,
    action: Option<TopicsAction>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    match action {
        None => list(config_path),
        Some(TopicsAction::Add {
            name,
            query,
            min_score,
            feeds,
            description,
        }) => {
            let topic = NewTopic {
                name,
                query,
                min_score,
                feeds,
                description,
            };
            add(config_path, &topic, quiet)
        }
        Some(TopicsAction::Test {
            name,
            since,
            query,
            min_score,
            json,
        }) => {
            let config = load_config(config_path)?;
            let topic = topic_to_test(&config, &name, query.as_deref(), min_score)?;
            let store = open_store(config.database_path()).await?;
            let since_at = chrono::Duration::from_std(since)
                .ok()
                .and_then(|d| Utc::now().checked_sub_signed(d))
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            let (scanned, hits) = {
                let config = config.clone();
                let topic = topic.clone();
                let bar = super::progress::Progress::new(0, "testing the topic", quiet);
                tokio::task::spawn_blocking(move || {
                    rank(&config, &topic, &store, since_at, &mut |done, total| {
                        bar.set(done as u64, total as u64)
                    })
                })
                .await??
            };
            print_test(&topic, since, since_at, scanned, &hits, json)
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn list(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let mut out = std::io::stdout().lock();
    for t in &config.topics {
        writeln!(
            out,
            "{}{}: {} (min_score {})",
            t.name,
            if t.enabled { "" } else { " (paused)" },
            one_line(t.query.source()),
            t.min_score
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A query's parse error as the config check shows it: the message, the query, a caret.
fn parse_query(query: &str) -> anyhow::Result<Query> {
    Query::parse(query).map_err(|e| {
        let line = one_line(query);
        // The caret points into the query as typed; on one line when it has no breaks.
        if line == query.trim() {
            anyhow::anyhow!(
                "invalid query: {e}\n    {query}\n    {:>col$}",
                "^",
                col = e.column
            )
        } else {
            anyhow::anyhow!("invalid query: {e}")
        }
    })
}

fn add(config_path: &Path, topic: &NewTopic, quiet: bool) -> anyhow::Result<ExitCode> {
    parse_query(&topic.query)?;
    let mut file = ConfigFile::load(config_path)?;
    file.add_topic(topic)?;
    let existed = file.existed();
    file.save()?;
    if !quiet {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "added topic {:?} to {}{}",
            topic.name.trim(),
            file.path().display(),
            if existed { "" } else { " (created)" }
        )?;
        writeln!(
            out,
            "try it on what was already read: newswatch topics test {:?}",
            topic.name.trim()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The topic `name` of the config, with `query`/`min_score` tried instead of its own; with
/// a query, `name` may be new.
fn topic_to_test(
    config: &Config,
    name: &str,
    query: Option<&str>,
    min_score: Option<f64>,
) -> anyhow::Result<TopicConfig> {
    let known = config.topics.iter().find(|t| t.name == name.trim());
    let mut topic = match (known, query) {
        (Some(t), _) => t.clone(),
        (None, Some(q)) => TopicConfig {
            name: name.trim().to_string(),
            description: None,
            query: parse_query(q)?,
            min_score: crate::config::DEFAULT_MIN_SCORE,
            languages: Vec::new(),
            feeds: Vec::new(),
            urgency: Default::default(),
            enabled: true,
            stories: Default::default(),
            channels: None,
            max_per_hour: None,
            digest: None,
        },
        (None, None) => {
            let names: Vec<&str> = config.topics.iter().map(|t| t.name.as_str()).collect();
            bail!(
                "no topic named {name:?}; the config has: {} (or try a query with --query)",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            );
        }
    };
    if let Some(q) = query {
        topic.query = parse_query(q)?;
    }
    if let Some(s) = min_score {
        if !(0.0..=1.0).contains(&s) {
            bail!("--min-score {s} is outside 0..1");
        }
        topic.min_score = s;
    }
    Ok(topic)
}

/// A stored article the topic would have matched.
#[derive(Debug, Clone, serde::Serialize)]
pub(super) struct Hit {
    pub score: f64,
    pub published: Option<DateTime<Utc>>,
    pub source: String,
    pub title: String,
    pub url: Option<String>,
}

/// Scores every article read since `since` with `topic` as the daemon would (its feed and
/// language filters, its min_score; enabled or not). Returns how many articles were
/// scanned and the matches, best first (then newest). `progress(done, total)` is called
/// after each article.
pub(super) fn rank(
    config: &Config,
    topic: &TopicConfig,
    store: &Store,
    since: DateTime<Utc>,
    progress: &mut dyn FnMut(usize, usize),
) -> anyhow::Result<(usize, Vec<Hit>)> {
    let total = store.count_articles_since(since)?;
    let mut hits = Vec::new();
    let mut done = 0;
    let scanned = store
        .scan_articles_since(since, &mut |a: StoredArticle| {
            done += 1;
            let feed = config.feeds.iter().find(|f| f.url.as_str() == a.feed_url);
            // A topic restricted to some feeds can't claim an article of a feed no longer
            // configured.
            let reads = match feed {
                Some(f) => topic.reads(f),
                None => topic.feeds.is_empty(),
            };
            if reads {
                let analysis = Analysis::new(&a.title, &a.text);
                if topic.accepts_language(analysis.lang)
                    && let Some(score) = topic.query.score(&analysis)
                    && score >= topic.min_score
                {
                    hits.push(Hit {
                        score,
                        published: a.published,
                        source: a.source,
                        title: a.title,
                        url: a.url,
                    });
                }
            }
            progress(done, total.max(done));
        })
        .context("cannot read the stored articles")?;
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| b.published.cmp(&a.published))
    });
    Ok((scanned, hits))
}

fn print_test(
    topic: &TopicConfig,
    since: Duration,
    since_at: DateTime<Utc>,
    scanned: usize,
    hits: &[Hit],
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        writeln!(out, "{}", test_json(topic, since_at, scanned, hits))?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "topic {}{}: {} (min_score {})",
        topic.name,
        if topic.enabled { "" } else { " (paused)" },
        one_line(topic.query.source()),
        topic.min_score
    )?;
    writeln!(
        out,
        "{} of {scanned} articles read since {} ({} ago) match",
        hits.len(),
        since_at.with_timezone(&Local).format("%Y-%m-%d %H:%M"),
        crate::config::format_duration(since)
    )?;
    for h in hits {
        let published = h.published.map_or_else(
            || "-".repeat(16),
            |p| p.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
        );
        writeln!(
            out,
            "  {:.2}  {published}  {}  {}",
            h.score, h.source, h.title
        )?;
        if let Some(u) = &h.url {
            writeln!(out, "        {u}")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `topics test --json`: one object.
fn test_json(
    topic: &TopicConfig,
    since_at: DateTime<Utc>,
    scanned: usize,
    hits: &[Hit],
) -> serde_json::Value {
    let matches: Vec<serde_json::Value> = hits
        .iter()
        .map(|h| {
            json!({
                "score": (h.score * 1000.0).round() / 1000.0,
                "published": h.published,
                "source": h.source,
                "title": h.title,
                "url": h.url,
            })
        })
        .collect();
    json!({
        "topic": topic.name,
        "query": topic.query.source(),
        "min_score": topic.min_score,
        "since": since_at,
        "scanned": scanned,
        "matches": matches,
    })
}
