//! Validation: raw serde structs → typed [`Config`], each failure with the key path it is
//! about (located in the file by `super::parse`).

use std::time::Duration;

use super::raw::{self, RawConfig};
use super::span::Seg;
use super::{
    BUILTIN_CHANNELS, ChannelConfig, ChannelKind, Config, DEFAULT_MIN_SCORE, DEFAULT_POLL_INTERVAL,
    DEFAULT_USER_AGENT, DaemonConfig, FeedConfig, MIN_POLL_INTERVAL, NotifyConfig, QuietHours,
    TopicConfig, Urgency, expand_home, format_duration, parse_duration, parse_http_url,
};
use crate::matching::Query;

/// A validation failure before it is located in the file.
pub(super) struct Failure {
    pub(super) path: Vec<Seg>,
    pub(super) message: String,
    /// For a string value: the character (0-based) of its contents the error is about.
    pub(super) char_in_string: Option<usize>,
}

fn fail(path: Vec<Seg>, message: impl Into<String>) -> Failure {
    Failure {
        path,
        message: message.into(),
        char_in_string: None,
    }
}

fn key(section: &str, name: &str) -> Vec<Seg> {
    vec![Seg::Key(section.into()), Seg::Key(name.into())]
}

fn item(section: &str, index: usize, name: &str) -> Vec<Seg> {
    vec![
        Seg::Key(section.into()),
        Seg::Index(index),
        Seg::Key(name.into()),
    ]
}

fn duration_at(value: &Option<String>, path: Vec<Seg>) -> Result<Option<Duration>, Failure> {
    value
        .as_deref()
        .map(|v| parse_duration(v).map_err(|e| fail(path, e)))
        .transpose()
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
        let url = parse_http_url(&f.url).map_err(|e| fail(item("feeds", i, "url"), e))?;
        if feeds.iter().any(|other: &FeedConfig| other.url == url) {
            return Err(fail(
                item("feeds", i, "url"),
                format!("duplicate feed {url}"),
            ));
        }
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
        feeds.push(FeedConfig {
            url,
            name: f.name.filter(|n| !n.trim().is_empty()),
            interval,
            extract: crate::extract::Overrides { content, remove },
            tags,
        });
    }
    let mut topics: Vec<TopicConfig> = Vec::with_capacity(raw.topics.len());
    for (i, t) in raw.topics.into_iter().enumerate() {
        let name = t.name.trim().to_string();
        if name.is_empty() {
            return Err(fail(item("topics", i, "name"), "topic name is empty"));
        }
        if topics.iter().any(|other| other.name == name) {
            return Err(fail(
                item("topics", i, "name"),
                format!("duplicate topic name {name:?}"),
            ));
        }
        let query = Query::parse(&t.query).map_err(|e| Failure {
            path: item("topics", i, "query"),
            message: format!("{}\n    {}\n    {:>col$}", e, t.query, "^", col = e.column),
            char_in_string: Some(e.column.saturating_sub(1)),
        })?;
        let min_score = t.min_score.unwrap_or(DEFAULT_MIN_SCORE);
        if !(0.0..=1.0).contains(&min_score) {
            return Err(fail(
                item("topics", i, "min_score"),
                format!("{min_score} is outside 0..1"),
            ));
        }
        let mut languages = Vec::new();
        for (j, code) in t.languages.iter().enumerate() {
            let mut path = item("topics", i, "languages");
            path.push(Seg::Index(j));
            languages.push(language_code(code).ok_or_else(|| {
                fail(
                    path,
                    format!("unknown language {code:?} (use codes like \"en\" or \"deu\")"),
                )
            })?);
        }
        for (j, f) in t.feeds.iter().enumerate() {
            if !feeds.iter().any(|feed| feed.is_called(f)) {
                let mut path = item("topics", i, "feeds");
                path.push(Seg::Index(j));
                return Err(fail(
                    path,
                    format!("no feed is named {f:?}, has that URL or that tag"),
                ));
            }
        }
        let urgency = match t.urgency.as_deref() {
            None => Urgency::Normal,
            Some(u) => Urgency::parse(u).ok_or_else(|| {
                fail(
                    item("topics", i, "urgency"),
                    format!("urgency {u:?} is not one of low, normal, critical"),
                )
            })?,
        };
        let defaults = crate::stories::StoryConfig::default();
        let update_novelty = t.update_novelty.unwrap_or(defaults.update_novelty);
        if !(0.0..=1.0).contains(&update_novelty) {
            return Err(fail(
                item("topics", i, "update_novelty"),
                format!("{update_novelty} is outside 0..1"),
            ));
        }
        let stories = crate::stories::StoryConfig {
            window: duration_at(&t.story_window, item("topics", i, "story_window"))?
                .unwrap_or(defaults.window),
            update_novelty,
            min_update_interval: duration_at(
                &t.min_update_interval,
                item("topics", i, "min_update_interval"),
            )?
            .unwrap_or(defaults.min_update_interval),
        };
        let digest = duration_at(&t.digest, item("topics", i, "digest"))?;
        if let Some(d) = digest
            && d < Duration::from_secs(60)
        {
            return Err(fail(
                item("topics", i, "digest"),
                "a digest interval is at least \"1m\"",
            ));
        }
        topics.push(TopicConfig {
            max_per_hour: per_hour(t.max_per_hour, item("topics", i, "max_per_hour"))?,
            digest,
            channels: t.channels,
            stories,
            name,
            description: t.description.filter(|d| !d.trim().is_empty()),
            query,
            min_score,
            languages,
            feeds: t.feeds,
            urgency,
            enabled: t.enabled.unwrap_or(true),
        });
    }
    let n = raw.notify;
    let channels = n
        .channels
        .into_iter()
        .enumerate()
        .map(|(i, c)| validate_channel(i, c))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, c) in channels.iter().enumerate() {
        if BUILTIN_CHANNELS.contains(&c.name.as_str())
            || channels[..i].iter().any(|o| o.name == c.name)
        {
            return Err(fail(
                channel_key(i, "name"),
                format!("channel name {:?} is taken", c.name),
            ));
        }
    }
    for (i, t) in topics.iter().enumerate() {
        for (j, name) in t.channels.iter().flatten().enumerate() {
            if !BUILTIN_CHANNELS.contains(&name.as_str())
                && !channels.iter().any(|c| &c.name == name)
            {
                let mut path = item("topics", i, "channels");
                path.push(Seg::Index(j));
                return Err(fail(
                    path,
                    format!(
                        "no channel called {name:?} (desktop, log, or a [[notify.channels]] name)"
                    ),
                ));
            }
        }
    }
    let mut quiet_hours = Vec::new();
    for (j, q) in n.quiet_hours.iter().enumerate() {
        let mut path = key("notify", "quiet_hours");
        path.push(Seg::Index(j));
        quiet_hours.push(QuietHours::parse(q).map_err(|e| fail(path, e))?);
    }
    let notify = NotifyConfig {
        max_per_hour: per_hour(n.max_per_hour, key("notify", "max_per_hour"))?,
        quiet_hours,
        opener: n.opener.into_iter().filter(|a| !a.is_empty()).collect(),
        channels,
        desktop: n.desktop.unwrap_or(true),
        log: n.log.unwrap_or(true),
        app_name: n.app_name.unwrap_or_else(|| "newswatch".to_string()),
        icon: n.icon.unwrap_or_else(|| "news-subscribe".to_string()),
        expire: duration_at(&n.expire, key("notify", "expire"))?.unwrap_or(Duration::from_secs(15)),
    };
    Ok(Config {
        daemon,
        feeds,
        topics,
        notify,
    })
}

fn per_hour(value: Option<i64>, path: Vec<Seg>) -> Result<Option<u32>, Failure> {
    match value {
        None => Ok(None),
        Some(n @ 1..=10_000) => Ok(Some(n as u32)),
        Some(n) => Err(fail(path, format!("{n} is outside 1..10000"))),
    }
}

fn channel_key(i: usize, name: &str) -> Vec<Seg> {
    vec![
        Seg::Key("notify".into()),
        Seg::Key("channels".into()),
        Seg::Index(i),
        Seg::Key(name.into()),
    ]
}

fn validate_channel(i: usize, c: raw::RawChannel) -> Result<ChannelConfig, Failure> {
    let name = c.name.trim().to_string();
    if name.is_empty() {
        return Err(fail(channel_key(i, "name"), "channel name is empty"));
    }
    let url = |what: &str| -> Result<url::Url, Failure> {
        let u = c.url.as_deref().ok_or_else(|| {
            fail(
                channel_key(i, "type"),
                format!("a {what} channel needs `url`"),
            )
        })?;
        parse_http_url(u).map_err(|e| fail(channel_key(i, "url"), e))
    };
    let token = c.token.clone().filter(|t| !t.trim().is_empty());
    let kind = match c.kind.as_str() {
        "ntfy" => ChannelKind::Ntfy {
            server: url("ntfy")?,
            topic: c
                .topic
                .clone()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| fail(channel_key(i, "type"), "an ntfy channel needs `topic`"))?,
            token,
            tags: c.tags.clone(),
        },
        "webhook" => ChannelKind::Webhook {
            url: url("webhook")?,
            token,
        },
        "command" => {
            if c.command.first().is_none_or(|p| p.trim().is_empty()) {
                return Err(fail(
                    channel_key(i, "command"),
                    "a command channel needs `command`, the program and its arguments",
                ));
            }
            ChannelKind::Command {
                argv: c.command.clone(),
            }
        }
        other => {
            return Err(fail(
                channel_key(i, "type"),
                format!("channel type {other:?} is not one of ntfy, webhook, command"),
            ));
        }
    };
    let max_attempts = match c.max_attempts {
        None => 5,
        Some(n @ 1..=100) => n as u32,
        Some(n) => {
            return Err(fail(
                channel_key(i, "max_attempts"),
                format!("{n} is outside 1..100"),
            ));
        }
    };
    Ok(ChannelConfig {
        name,
        kind,
        timeout: duration_at(&c.timeout, channel_key(i, "timeout"))?
            .unwrap_or(Duration::from_secs(10)),
        max_attempts,
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
        database: d.database.map(|p| expand_home(&p)),
        connect_timeout: duration_at(&d.connect_timeout, key("daemon", "connect_timeout"))?
            .unwrap_or(Duration::from_secs(10)),
        fetch_timeout: duration_at(&d.fetch_timeout, key("daemon", "fetch_timeout"))?
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
    })
}

fn selector(css: &str, path: Vec<Seg>) -> Result<scraper::Selector, Failure> {
    scraper::Selector::parse(css)
        .map_err(|e| fail(path, format!("invalid CSS selector {css:?}: {e}")))
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

/// ISO 639-1 codes users write, to the 639-3 codes language detection reports.
const LANGUAGE_CODES: &[(&str, &str)] = &[
    ("en", "eng"),
    ("de", "deu"),
    ("fr", "fra"),
    ("es", "spa"),
    ("it", "ita"),
    ("pt", "por"),
    ("nl", "nld"),
    ("ru", "rus"),
    ("uk", "ukr"),
    ("pl", "pol"),
    ("sv", "swe"),
    ("da", "dan"),
    ("no", "nob"),
    ("nb", "nob"),
    ("fi", "fin"),
    ("tr", "tur"),
    ("el", "ell"),
    ("hu", "hun"),
    ("ro", "ron"),
    ("ar", "ara"),
    ("cs", "ces"),
    ("ja", "jpn"),
    ("zh", "cmn"),
    ("ko", "kor"),
    ("he", "heb"),
    ("hi", "hin"),
    ("ta", "tam"),
    ("bg", "bul"),
    ("hr", "hrv"),
    ("sr", "srp"),
    ("sk", "slk"),
    ("sl", "slv"),
    ("lt", "lit"),
    ("lv", "lav"),
    ("et", "est"),
    ("be", "bel"),
    ("ka", "kat"),
    ("fa", "pes"),
    ("id", "ind"),
    ("vi", "vie"),
    ("th", "tha"),
];

fn language_code(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_lowercase();
    LANGUAGE_CODES
        .iter()
        .find(|(two, _)| *two == code)
        .map(|(_, three)| three.to_string())
        .or_else(|| whatlang::Lang::from_code(code.as_str()).map(|l| l.code().to_string()))
}
