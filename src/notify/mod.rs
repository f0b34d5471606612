//! Notices and the channels that deliver them.
//!
//! The pipeline decides *what* to say (a [`Notice`]); a [`Notifier`] only delivers it.
//! Channels here: the desktop (D-Bus via notify-rust, [`desktop`]); ntfy, webhooks and
//! commands ([`channels`]); the log; and a recording notifier for tests and dry runs.

pub mod channels;
pub mod desktop;
pub mod gate;

use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use url::Url;

pub use channels::{CommandNotifier, NtfyNotifier, WebhookNotifier};
pub use desktop::DesktopNotifier;

/// One thing to tell the user about.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The notice's id in the store, once recorded (webhooks pass it on for de-duplication).
    pub id: Option<i64>,
    pub topic: String,
    pub headline: String,
    /// The outlet (feed name or site).
    pub source: String,
    pub url: Option<Url>,
    /// For a new story its most informative lead sentence; for an update, what's new.
    pub body: String,
    /// The topic's urgency.
    pub urgency: crate::config::Urgency,
    /// The story this notice is about, when stories are tracked.
    pub story: Option<i64>,
    /// An update of a story the user has already heard of (not its first notice).
    pub update: bool,
    /// Articles in the story so far.
    pub sources: usize,
    /// When the article was published, if known.
    pub published: Option<chrono::DateTime<chrono::Utc>>,
}

impl Notice {
    /// Notification title: topic and headline.
    pub fn summary(&self) -> String {
        format!("{}: {}", self.topic, self.headline)
    }

    /// Notification text, unescaped: source and lead for a new story; for an update,
    /// what's new and how many sources the story has.
    pub fn text(&self) -> String {
        let mut out = if self.body.is_empty() {
            self.source.clone()
        } else if self.update {
            format!("New: {} ({})", self.body, self.source)
        } else {
            format!("{} — {}", self.source, self.body)
        };
        if self.update {
            out.push_str(&format!("\n{} sources", self.sources));
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("desktop notification failed")]
    Desktop(#[source] notify_rust::error::Error),
    #[error("D-Bus call failed")]
    DBus(#[source] zbus::Error),
    #[error("request failed")]
    Http(#[source] reqwest::Error),
    #[error("HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("cannot run {program}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} {status}: {stderr}")]
    Command {
        program: String,
        status: String,
        stderr: String,
    },
}

/// A delivery channel.
pub trait Notifier: Send + Sync {
    /// The channel's name in logs and the store.
    fn name(&self) -> &str;
    /// Delivers one notice; `Ok` means the channel accepted it.
    fn deliver<'a>(&'a self, notice: &'a Notice) -> BoxFuture<'a, Result<(), NotifyError>>;
}

/// Writes each notice to the log at info level (and so to the journal under systemd).
#[derive(Debug, Default)]
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn name(&self) -> &str {
        "log"
    }

    fn deliver<'a>(&'a self, n: &'a Notice) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move {
            tracing::info!(
                topic = %n.topic,
                headline = %n.headline,
                source = %n.source,
                update = n.update,
                sources = n.sources,
                body = %n.body,
                url = n.url.as_ref().map(Url::as_str).unwrap_or(""),
                "notice"
            );
            Ok(())
        })
    }
}

/// Keeps every notice in memory: for tests and `once --dry-run`.
#[derive(Debug, Default, Clone)]
pub struct RecordingNotifier {
    seen: Arc<Mutex<Vec<Notice>>>,
    changed: Arc<tokio::sync::Notify>,
}

impl RecordingNotifier {
    pub fn new() -> RecordingNotifier {
        RecordingNotifier::default()
    }

    /// Everything delivered so far.
    pub fn notices(&self) -> Vec<Notice> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Removes and returns everything delivered so far.
    pub fn take(&self) -> Vec<Notice> {
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Waits until at least `n` notices have been delivered.
    pub async fn wait_for(&self, n: usize) -> Vec<Notice> {
        loop {
            let changed = self.changed.notified();
            let now = self.notices();
            if now.len() >= n {
                return now;
            }
            changed.await;
        }
    }
}

impl Notifier for RecordingNotifier {
    fn name(&self) -> &str {
        "recording"
    }

    fn deliver<'a>(&'a self, n: &'a Notice) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move {
            self.seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(n.clone());
            self.changed.notify_waiters();
            Ok(())
        })
    }
}

/// Escapes `& < > " '`: for notification servers that interpret markup, and for HTML
/// (element text and quoted attribute values).
pub fn escape_markup(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_markup("<b>Breaking</b> & \"quotes\""),
            "&lt;b&gt;Breaking&lt;/b&gt; &amp; &quot;quotes&quot;"
        );
    }
}
