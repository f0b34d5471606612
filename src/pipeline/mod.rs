//! One feed, one pass: fetch → parse → new entries → article text → match → story →
//! record → deliver. The daemon decides when a feed is due; `once` calls the same
//! [`poll_feed`].
//!
//! Order matters for crash safety: an entry is recorded together with its article, matches,
//! story placements and pending notices in one transaction, and the feed's validators are
//! saved only after all its new entries are recorded. A crash mid-feed therefore re-fetches
//! the feed and processes what was left, and never loses or repeats a notice. The story
//! tracker lives in memory, is rebuilt from the store on start, and is placed under the
//! same lock as the write, so memory and store agree.

mod article;
mod deliver;
mod poll;

pub use article::match_topics;
pub use deliver::{DeliveryReport, deliver_pending, retry_delay};
pub use poll::{feed_wait, poll_all, poll_all_reporting, poll_feed};

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use tokio::sync::Mutex as AsyncMutex;

use crate::analyze::Analysis;
use crate::clock::Clock;
use crate::config::Config;
use crate::feed;
use crate::fetch::{FetchError, Fetcher};
use crate::notify::Notifier;
use crate::store::{Store, StoreError};
use crate::stories::{Features, Restored, Tracker};

/// Everything a poll needs that comes from one config load.
pub struct Loaded {
    pub config: Arc<Config>,
    pub fetcher: Fetcher,
    pub notifiers: Vec<Arc<dyn Notifier>>,
}

/// Shared by every poll of the process.
pub struct Shared {
    pub store: Store,
    /// Stories of every topic; locked while an article is placed and recorded.
    tracker: Arc<Mutex<Tracker>>,
    /// Serialises delivery so two feeds finishing together never deliver a notice twice.
    delivery: AsyncMutex<()>,
    /// Time for delivery schedules.
    pub clock: Clock,
}

impl Shared {
    /// Opens the process's shared state, rebuilding the stories still open from the store.
    pub fn open(store: Store, config: &Config) -> Result<Shared, StoreError> {
        let tracker = restore_tracker(&store, config)?;
        tracing::debug!(stories = tracker.open_stories(), "stories restored");
        Ok(Shared {
            store,
            tracker: Arc::new(Mutex::new(tracker)),
            delivery: AsyncMutex::new(()),
            clock: Clock::System,
        })
    }

    /// The same state on another clock (tests run schedules on tokio's paused time).
    pub fn with_clock(mut self, clock: Clock) -> Shared {
        self.clock = clock;
        self
    }
}

/// Rebuilds the story tracker from the store: term statistics and the stories seen within
/// the longest window of any topic (before the newest story's last article).
pub fn restore_tracker(store: &Store, config: &Config) -> Result<Tracker, StoreError> {
    let longest = config
        .topics
        .iter()
        .map(|t| t.stories.window)
        .max()
        .unwrap_or_default();
    let (docs, df) = store.term_stats()?;
    let (open, next_id) = store.open_stories(longest)?;
    let stories = open
        .into_iter()
        .map(|s| Restored {
            id: s.id,
            topic: s.topic,
            last_notified: s.last_notified,
            members: s
                .members
                .into_iter()
                .map(|(title, text, at, told)| {
                    (
                        Features::new(&title, &text, &Analysis::new(&title, &text)),
                        at,
                        told,
                    )
                })
                .collect(),
        })
        .collect();
    let mut tracker = Tracker::restore(docs, df, stories, next_id);
    forget_terms(store, &mut tracker);
    Ok(tracker)
}

/// Forgets in the store the rare terms the tracker forgot, so that a restart does not
/// bring them back. A failure only leaves the table larger: logged, not fatal.
pub(super) fn forget_terms(store: &Store, tracker: &mut Tracker) {
    let Some(below) = tracker.take_forgotten() else {
        return;
    };
    match store.forget_terms(below) {
        Ok(n) => tracing::debug!(terms = n, below, "rare terms forgotten"),
        Err(err) => {
            tracing::warn!(error = %crate::error_chain(&err), "cannot forget rare terms")
        }
    }
}

/// What one poll of one feed did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FeedReport {
    pub not_modified: bool,
    pub entries: usize,
    pub new_entries: usize,
    /// New entries recorded silently because the feed was polled for the first time.
    pub backlog: usize,
    pub matches: usize,
    pub notices: usize,
    /// How long the feed and its server ask us to wait before the next poll (freshness,
    /// `<ttl>`, skip hours and days), when longer than the interval.
    pub wait_hint: Option<std::time::Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Feed(#[from] feed::FeedError),
    #[error("store failed")]
    Store(#[from] crate::store::StoreError),
    #[error("background task failed")]
    Join(#[from] tokio::task::JoinError),
    #[error("cancelled by shutdown")]
    Cancelled,
}

impl PollError {
    pub fn status(&self) -> Option<u16> {
        match self {
            PollError::Fetch(FetchError::Status { code, .. }) => Some(*code),
            _ => None,
        }
    }

    /// How long the server asked us to wait (Retry-After on 429 or 503).
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            PollError::Fetch(FetchError::Status { retry_after, .. }) => *retry_after,
            _ => None,
        }
    }

    /// The feed is gone for good (HTTP 410): stop polling it.
    pub fn gone(&self) -> bool {
        self.status() == Some(410)
    }
}

/// Runs a blocking store call off the async workers.
pub async fn blocking<T, F>(store: &Store, f: F) -> Result<T, PollError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, crate::store::StoreError> + Send + 'static,
{
    let store = store.clone();
    Ok(tokio::task::spawn_blocking(move || f(&store)).await??)
}

/// Builds what a config load needs: the HTTP client and, unless given, the channels.
pub fn load(
    config: Arc<Config>,
    notifiers: Option<Vec<Arc<dyn Notifier>>>,
) -> anyhow::Result<Loaded> {
    let fetcher = Fetcher::new(&config.daemon).context("cannot set up HTTP")?;
    let notifiers = notifiers.unwrap_or_else(|| default_notifiers(&config));
    Ok(Loaded {
        config,
        fetcher,
        notifiers,
    })
}

/// The channels `[notify]` asks for.
pub fn default_notifiers(config: &Config) -> Vec<Arc<dyn Notifier>> {
    use crate::config::ChannelKind;
    use crate::notify::{CommandNotifier, NtfyNotifier, WebhookNotifier};
    let mut out: Vec<Arc<dyn Notifier>> = Vec::new();
    crate::fetch::install_crypto();
    let client = || {
        reqwest::Client::builder()
            .user_agent(config.daemon.user_agent.clone())
            .connect_timeout(config.daemon.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .unwrap_or_default()
    };
    for c in &config.notify.channels {
        let n: Arc<dyn Notifier> = match &c.kind {
            ChannelKind::Ntfy {
                server,
                topic,
                token,
                tags,
            } => Arc::new(NtfyNotifier::new(
                &c.name,
                client(),
                server.clone(),
                topic,
                token.clone(),
                tags.clone(),
            )),
            ChannelKind::Webhook { url, token } => Arc::new(WebhookNotifier::new(
                &c.name,
                client(),
                url.clone(),
                token.clone(),
            )),
            ChannelKind::Command { argv } => {
                Arc::new(CommandNotifier::new(&c.name, argv.clone(), c.timeout))
            }
        };
        out.push(n);
    }
    if config.notify.desktop {
        out.push(Arc::new(crate::notify::DesktopNotifier::new(
            &config.notify,
        )));
    }
    if config.notify.log {
        out.push(Arc::new(crate::notify::LogNotifier));
    }
    out
}
