//! `[notify]` and its `[[notify.channels]]`.
//!
//! What each channel does with a notice is `crate::notify`; this only checks the settings.

use std::time::Duration;

use super::{Failure, duration_at, fail, item, key, per_hour, positive_duration_at};
use crate::config::raw;
use crate::config::span::Seg;
use crate::config::{
    BUILTIN_CHANNELS, ChannelConfig, ChannelKind, NotifyConfig, QuietHours, TopicConfig,
    parse_http_url,
};

/// `[notify]`: channels (names unique, not a built-in's), topics' channel names resolved,
/// quiet hours, limits and desktop settings.
pub(super) fn validate_notify(
    n: raw::RawNotify,
    topics: &[TopicConfig],
) -> Result<NotifyConfig, Failure> {
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
    Ok(NotifyConfig {
        max_per_hour: per_hour(n.max_per_hour, key("notify", "max_per_hour"))?,
        quiet_hours,
        opener: n.opener.into_iter().filter(|a| !a.is_empty()).collect(),
        channels,
        desktop: n.desktop.unwrap_or(true),
        log: n.log.unwrap_or(true),
        app_name: n.app_name.unwrap_or_else(|| "newswatch".to_string()),
        icon: n.icon.unwrap_or_else(|| "news-subscribe".to_string()),
        expire: duration_at(&n.expire, key("notify", "expire"))?.unwrap_or(Duration::from_secs(15)),
    })
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
        timeout: positive_duration_at(&c.timeout, channel_key(i, "timeout"))?
            .unwrap_or(Duration::from_secs(10)),
        max_attempts,
    })
}
