//! Validation: raw serde structs → typed [`Config`], each failure with the key path it is
//! about (located in the file by `super::parse`).
//!
//! Feeds and the daemon here; topics and `[notify]` in their own files.

mod notify;
mod topic;

use std::time::Duration;

use super::raw::{self, RawConfig};
use super::span::Seg;
use super::{
    Config, DEFAULT_POLL_INTERVAL, DEFAULT_USER_AGENT, DaemonConfig, FeedConfig, MIN_POLL_INTERVAL,
    TopicConfig, expand_home, format_duration, parse_duration, parse_http_url,
};

/// A validation failure before it is located in the file.
pub(super) struct Failure {
    pub(super) path: Vec<Seg>,
    pub(super) message: String,
    /// For a string value: the character (0-based) of its contents the error is about.
    pub(super) char_in_string: Option<usize>,
}

pub(super) fn fail(path: Vec<Seg>, message: impl Into<String>) -> Failure {
    Failure {
        path,
        message: message.into(),
        char_in_string: None,
    }
}

pub(super) fn key(section: &str, name: &str) -> Vec<Seg> {
    vec![Seg::Key(section.into()), Seg::Key(name.into())]
}

pub(super) fn item(section: &str, index: usize, name: &str) -> Vec<Seg> {
    vec![
        Seg::Key(section.into()),
        Seg::Index(index),
        Seg::Key(name.into()),
    ]
}

pub(super) fn duration_at(
    value: &Option<String>,
    path: Vec<Seg>,
) -> Result<Option<Duration>, Failure> {
    value
        .as_deref()
        .map(|v| parse_duration(v).map_err(|e| fail(path, e)))
        .transpose()
}

/// A duration that must be more than nothing (a timeout, a window), if set.
pub(super) fn positive_duration_at(
    value: &Option<String>,
    path: Vec<Seg>,
) -> Result<Option<Duration>, Failure> {
    match duration_at(value, path.clone())? {
        Some(d) if d.is_zero() => Err(fail(path, "must be longer than 0s")),
        d => Ok(d),
    }
}

/// A limit per hour, if set: 1 to 10,000.
pub(super) fn per_hour(value: Option<i64>, path: Vec<Seg>) -> Result<Option<u32>, Failure> {
    match value {
        None => Ok(None),
        Some(n @ 1..=10_000) => Ok(Some(n as u32)),
        Some(n) => Err(fail(path, format!("{n} is outside 1..10000"))),
    }
}

fn size_at(value: Option<i64>, default: u64, path: Vec<Seg>) -> Result<u64, Failure> {
    match value {
        None => Ok(default),
        Some(n) if n >= 1024 => Ok(n as u64),
        Some(n) => Err(fail(path, format!("{n} bytes is too small (minimum 1024)"))),
    }
}

pub(super) fn validate(raw: RawConfig) -> Result<Config, Failure> {
    let daemon = validate_daemon(raw.daemon)?;
    let mut feeds = Vec::with_capacity(raw.feeds.len());
    for (i, f) in raw.feeds.into_iter().enumerate() {
        let feed = validate_feed(i, f)?;
        if feeds.iter().any(|other: &FeedConfig| other.url == feed.url) {
            return Err(fail(
                item("feeds", i, "url"),
                format!("duplicate feed {}", feed.url),
            ));
        }
        // Topics and `feeds remove` pick a feed by its name: two alike pick neither.
        if let Some(name) = &feed.name
            && feeds.iter().any(|other| other.name.as_ref() == Some(name))
        {
            return Err(fail(
                item("feeds", i, "name"),
                format!("duplicate feed name {name:?}"),
            ));
        }
        feeds.push(feed);
    }
    let mut topics: Vec<TopicConfig> = Vec::with_capacity(raw.topics.len());
    for (i, t) in raw.topics.into_iter().enumerate() {
        let topic = topic::validate_topic(i, t, &feeds)?;
        if topics.iter().any(|other| other.name == topic.name) {
            return Err(fail(
                item("topics", i, "name"),
                format!("duplicate topic name {:?}", topic.name),
            ));
        }
        topics.push(topic);
    }
    let notify = notify::validate_notify(raw.notify, &topics)?;
    Ok(Config {
        daemon,
        feeds,
        topics,
        notify,
    })
}

fn validate_feed(i: usize, f: raw::RawFeed) -> Result<FeedConfig, Failure> {
    let url = parse_http_url(&f.url).map_err(|e| fail(item("feeds", i, "url"), e))?;
    let interval = duration_at(&f.interval, item("feeds", i, "interval"))?;
    if let Some(d) = interval {
        check_interval(d).map_err(|e| fail(item("feeds", i, "interval"), e))?;
    }
    let content = f
        .content_selector
        .as_deref()
        .map(|css| selector(css, item("feeds", i, "content_selector")))
        .transpose()?;
    let mut remove = Vec::with_capacity(f.remove_selectors.len());
    for (j, css) in f.remove_selectors.iter().enumerate() {
        let mut path = item("feeds", i, "remove_selectors");
        path.push(Seg::Index(j));
        remove.push(selector(css, path)?);
    }
    let mut tags: Vec<String> = Vec::with_capacity(f.tags.len());
    for (j, tag) in f.tags.iter().enumerate() {
        let tag = tag.trim();
        if tag.is_empty() {
            let mut path = item("feeds", i, "tags");
            path.push(Seg::Index(j));
            return Err(fail(path, "a tag is empty"));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    Ok(FeedConfig {
        url,
        name: f.name.filter(|n| !n.trim().is_empty()),
        interval,
        extract: crate::extract::Overrides { content, remove },
        tags,
    })
}

fn validate_daemon(d: raw::RawDaemon) -> Result<DaemonConfig, Failure> {
    let poll_interval = duration_at(&d.poll_interval, key("daemon", "poll_interval"))?
        .unwrap_or(DEFAULT_POLL_INTERVAL);
    check_interval(poll_interval).map_err(|e| fail(key("daemon", "poll_interval"), e))?;
    let concurrency = match d.concurrency {
        None => 8,
        Some(n @ 1..=256) => n as usize,
        Some(n) => {
            return Err(fail(
                key("daemon", "concurrency"),
                format!("{n} is outside 1..256"),
            ));
        }
    };
    let user_agent = d
        .user_agent
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_USER_AGENT.to_string());
    if reqwest::header::HeaderValue::from_str(&user_agent).is_err() {
        return Err(fail(
            key("daemon", "user_agent"),
            "not a valid HTTP header value",
        ));
    }
    Ok(DaemonConfig {
        poll_interval,
        concurrency,
        user_agent,
        database: match d.database {
            Some(p) if p.trim().is_empty() => {
                return Err(fail(
                    key("daemon", "database"),
                    "is empty: give a file path, or leave the key out for the default",
                ));
            }
            p => p.map(|p| expand_home(&p)),
        },
        connect_timeout: positive_duration_at(
            &d.connect_timeout,
            key("daemon", "connect_timeout"),
        )?
        .unwrap_or(Duration::from_secs(10)),
        fetch_timeout: positive_duration_at(&d.fetch_timeout, key("daemon", "fetch_timeout"))?
            .unwrap_or(Duration::from_secs(30)),
        max_feed_size: size_at(
            d.max_feed_size,
            5 * 1024 * 1024,
            key("daemon", "max_feed_size"),
        )?,
        max_page_size: size_at(
            d.max_page_size,
            5 * 1024 * 1024,
            key("daemon", "max_page_size"),
        )?,
        fetch_articles: d.fetch_articles.unwrap_or(true),
        notify_existing: d.notify_existing.unwrap_or(false),
        per_host_concurrency: match d.per_host_concurrency {
            None => 2,
            Some(n @ 1..=64) => n as usize,
            Some(n) => {
                return Err(fail(
                    key("daemon", "per_host_concurrency"),
                    format!("{n} is outside 1..64"),
                ));
            }
        },
        per_host_delay: duration_at(&d.per_host_delay, key("daemon", "per_host_delay"))?
            .unwrap_or(Duration::from_millis(250)),
        keep_articles: match duration_at(&d.keep_articles, key("daemon", "keep_articles"))? {
            None => DEFAULT_KEEP_ARTICLES,
            Some(d) if d >= MIN_KEEP_ARTICLES => d,
            Some(d) => {
                return Err(fail(
                    key("daemon", "keep_articles"),
                    format!("{} is shorter than the minimum of 1d", format_duration(d)),
                ));
            }
        },
    })
}

/// Unmatched articles are kept 30 days by default, and at least a day.
const DEFAULT_KEEP_ARTICLES: Duration = Duration::from_secs(30 * 24 * 3600);
const MIN_KEEP_ARTICLES: Duration = Duration::from_secs(24 * 3600);

fn selector(css: &str, path: Vec<Seg>) -> Result<scraper::Selector, Failure> {
    scraper::Selector::parse(css).map_err(|e| {
        // Some of the parser's messages ask to be reported to its developers: they mean
        // no more than "not valid CSS here".
        let why = e.to_string();
        let why = if why.contains("report this") || why.trim().is_empty() {
            String::new()
        } else {
            format!(": {why}")
        };
        fail(
            path,
            format!("invalid CSS selector {css:?}{why} (expected e.g. \"div.article-body\")"),
        )
    })
}

fn check_interval(d: Duration) -> Result<(), String> {
    if d < MIN_POLL_INTERVAL {
        Err(format!(
            "interval {} is shorter than the minimum of 1m",
            format_duration(d)
        ))
    } else {
        Ok(())
    }
}
