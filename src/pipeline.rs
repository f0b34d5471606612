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

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::sync::{Mutex as AsyncMutex, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::analyze::Analysis;
use crate::clock::Clock;
use crate::config::{Config, FeedConfig};
use crate::extract::{self, Article};
use crate::feed::{self, FeedEntry, ParsedFeed};
use crate::fetch::{FetchError, FetchOutcome, Fetcher, Overflow, Validators};
use crate::notify::{Notice, Notifier, gate};
use crate::store::{
    BacklogEntry, Delivery, FeedId, FeedState, NewArticle, NoticeId, Placed, Store, StoreError,
};
use crate::stories::{Features, Restored, Tracker};

/// Text shorter than this from a page means extraction found no article; use the feed's.
const MIN_PAGE_TEXT: usize = 200;
/// Deliveries tried on the desktop and log channels before giving a notice up.
const MAX_DELIVERY_ATTEMPTS: u32 = 5;
/// A channel that takes longer than this to accept a notice has failed (a hung D-Bus
/// server must not stall every later notice).
const DELIVERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

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
    Ok(Tracker::restore(docs, df, stories, next_id))
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

/// Polls one feed. Errors are recorded against the feed before they are returned; the
/// caller only logs them and schedules a retry.
pub async fn poll_feed(
    shared: &Shared,
    loaded: &Loaded,
    feed: &FeedConfig,
    cancel: &CancellationToken,
) -> Result<FeedReport, PollError> {
    let url = feed.url.to_string();
    let state = blocking(&shared.store, move |s| s.feed_state(&url)).await?;
    match poll_inner(shared, loaded, feed, &state, cancel).await {
        Ok(report) => Ok(report),
        Err(PollError::Cancelled) => Err(PollError::Cancelled),
        Err(err) => {
            let mut message = crate::error_chain(&err);
            if err.gone() {
                message
                    .push_str(" (the feed is gone: no longer polled; remove it from the config)");
            }
            let status = err.status();
            let id = state.id;
            let now = Utc::now();
            blocking(&shared.store, move |s| {
                s.record_fetch_error(id, status, &message, now)
            })
            .await?;
            Err(err)
        }
    }
}

async fn poll_inner(
    shared: &Shared,
    loaded: &Loaded,
    feed: &FeedConfig,
    state: &FeedState,
    cancel: &CancellationToken,
) -> Result<FeedReport, PollError> {
    let cfg = &loaded.config;
    // A feed that moved for good is fetched where it went.
    let location = state.moved_to.clone().unwrap_or_else(|| feed.url.clone());
    let fetch = loaded.fetcher.get(
        &location,
        &state.validators,
        cfg.daemon.max_feed_size,
        Overflow::Fail,
    );
    let fetched = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(PollError::Cancelled),
        r = fetch => r?,
    };
    let id = state.id;
    if let Some(to) = loaded.fetcher.moved(&location) {
        tracing::warn!(feed = %feed.url, to = %to, "feed moved permanently; fetching it there from now on (update the config)");
        let id = state.id;
        blocking(&shared.store, move |s| s.record_move(id, to.as_str())).await?;
    }
    let fetched = match fetched {
        FetchOutcome::NotModified => {
            let now = Utc::now();
            blocking(&shared.store, move |s| {
                s.record_fetch_ok(id, 304, None, None, now)
            })
            .await?;
            return Ok(FeedReport {
                not_modified: true,
                ..FeedReport::default()
            });
        }
        FetchOutcome::Fetched(f) => *f,
    };
    let base = fetched.url.clone();
    let body = fetched.body;
    let parsed: ParsedFeed =
        tokio::task::spawn_blocking(move || feed::parse_feed(&body, &base)).await??;
    let keys: Vec<String> = parsed.entries.iter().map(|e| e.key.clone()).collect();
    let unseen = blocking(&shared.store, move |s| {
        s.unseen(id, &keys.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await?;
    let mut report = FeedReport {
        entries: parsed.entries.len(),
        new_entries: unseen.len(),
        wait_hint: feed_wait(
            cfg.interval_of(feed),
            fetched.fresh_for,
            &parsed,
            Utc::now(),
        ),
        ..FeedReport::default()
    };
    let source = feed
        .name
        .clone()
        .or_else(|| parsed.title.clone())
        .unwrap_or_else(|| feed.display_name());

    if !state.initialized && !cfg.daemon.notify_existing {
        // Recorded as seen, with the feed's own text (no page is fetched), so `topics
        // test` has something to try a query on from the first poll.
        let backlog: Vec<BacklogEntry> = unseen
            .iter()
            .map(|&i| {
                let e = &parsed.entries[i];
                BacklogEntry {
                    key: e.key.clone(),
                    title: e.title.clone(),
                    link: e.link.as_ref().map(|l| l.to_string()),
                    text: e
                        .content
                        .as_deref()
                        .map(extract::text_from_fragment)
                        .unwrap_or_default(),
                    published: e.published,
                }
            })
            .collect();
        report.backlog = backlog.len();
        let now = Utc::now();
        let source = source.clone();
        blocking(&shared.store, move |s| {
            s.record_backlog(id, &backlog, &source, now)
        })
        .await?;
    } else {
        // Feeds list newest first; process oldest first so notices arrive in order.
        for &i in unseen.iter().rev() {
            if cancel.is_cancelled() {
                // Unprocessed entries stay unseen; validators are not saved, so the next
                // run fetches the feed again and picks them up.
                return Ok(report);
            }
            let entry = &parsed.entries[i];
            let article = tokio::select! {
                biased;
                () = cancel.cancelled() => return Ok(report),
                a = build_article(loaded, feed, entry, &source) => a,
            };
            report.matches += article.matches.len();
            let tracker = shared.tracker.clone();
            let config = loaded.config.clone();
            let ids = blocking(&shared.store, move |s| {
                place_and_record(s, &tracker, &config, id, article, Utc::now())
            })
            .await?;
            report.notices += ids.len();
        }
        if !state.initialized {
            blocking(&shared.store, move |s| s.mark_initialized(id)).await?;
        }
    }
    let validators = fetched.validators;
    let title = parsed.title;
    let now = Utc::now();
    blocking(&shared.store, move |s| {
        s.record_fetch_ok(id, fetched.status, Some(&validators), title.as_deref(), now)
    })
    .await?;
    Ok(report)
}

/// An article read and matched, before it is placed in stories.
struct Built {
    article: NewArticle,
    features: Features,
    matches: Vec<(String, f64)>,
    /// First sentences, for a notice when no sentence stands out.
    lead: String,
}

/// The wait a feed asks for before its next poll: the longer of the server's freshness and
/// the feed's own `<ttl>`, moved past its skip hours and days (UTC). `None` when that is
/// no longer than `interval`. The scheduler bounds it.
pub fn feed_wait(
    interval: std::time::Duration,
    fresh_for: Option<std::time::Duration>,
    feed: &ParsedFeed,
    now: DateTime<Utc>,
) -> Option<std::time::Duration> {
    use chrono::{Datelike as _, Timelike as _};
    let mut wait = [fresh_for, feed.ttl]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or_default()
        .max(interval);
    if !feed.skip_hours.is_empty() || !feed.skip_days.is_empty() {
        let mut at = now + chrono::Duration::from_std(wait).ok()?;
        // At most a week of hours: a feed that skips every hour is polled anyway.
        for _ in 0..7 * 24 {
            if !feed.skip_hours.contains(&at.hour()) && !feed.skip_days.contains(&at.weekday()) {
                break;
            }
            at = (at + chrono::Duration::hours(1))
                .with_minute(0)?
                .with_second(0)?;
        }
        wait = (at - now).to_std().ok()?;
    }
    (wait > interval).then_some(wait)
}

/// Reads an entry's article (its page, else the feed's text) and matches it.
async fn build_article(
    loaded: &Loaded,
    feed: &FeedConfig,
    entry: &FeedEntry,
    source: &str,
) -> Built {
    let cfg = &loaded.config;
    let page = match (&entry.link, cfg.daemon.fetch_articles) {
        (Some(link), true) => fetch_article(loaded, link, &feed.extract).await,
        _ => None,
    };
    let feed_text = entry.content.as_deref().map(extract::text_from_fragment);
    let (text, origin, page_title, published) = match page {
        Some(a) if a.text.chars().count() >= MIN_PAGE_TEXT => {
            (a.text, "page", Some(a.title), a.published)
        }
        page => (
            feed_text.unwrap_or_default(),
            "feed",
            page.map(|a| a.title),
            None,
        ),
    };
    let title = if entry.title.is_empty() {
        page_title.unwrap_or_default()
    } else {
        entry.title.clone()
    };
    let analysis = Analysis::new(&title, &text);
    let matches = match_topics(cfg, Some(feed), &analysis);
    let features = Features::new(&title, &text, &analysis);
    Built {
        lead: extract::lead_sentences(&text, 220),
        article: NewArticle {
            entry_key: entry.key.clone(),
            url: entry.link.as_ref().map(|l| l.to_string()),
            title,
            text,
            published: entry.published.or(published),
            source: source.to_string(),
            origin,
            terms: features.all.keys().cloned().collect(),
            matches: Vec::new(),
        },
        features,
        matches,
    }
}

/// Places a built article in its topics' stories and records it with the notices it
/// raises, as one step under the tracker's lock. If the write fails, the tracker is rebuilt
/// from the store, so it never remembers an article the store lost.
fn place_and_record(
    store: &Store,
    tracker: &Mutex<Tracker>,
    cfg: &Config,
    feed: FeedId,
    built: Built,
    now: DateTime<Utc>,
) -> Result<Vec<NoticeId>, StoreError> {
    let mut tracker = tracker.lock().unwrap_or_else(|p| p.into_inner());
    if store.has_entry(feed, &built.article.entry_key)? {
        return Ok(Vec::new());
    }
    let Built {
        mut article,
        features,
        matches,
        lead,
    } = built;
    tracker.observe(&features);
    // A story's clock is the articles' publication time; a date in the future is now.
    let at = article.published.filter(|p| *p <= now).unwrap_or(now);
    let url = article.url.as_deref().and_then(|u| url::Url::parse(u).ok());
    article.matches = matches
        .into_iter()
        .map(|(topic, score)| {
            let t = cfg.topics.iter().find(|t| t.name == topic);
            let story_cfg = t.map(|t| t.stories).unwrap_or_default();
            let a = tracker.assign(&topic, &features, at, &story_cfg);
            // A muted story takes its articles silently.
            let muted = !a.new_story && store.story_muted(a.story).unwrap_or(false);
            let notice = (a.notify && !muted).then(|| Notice {
                id: None,
                published: article.published,
                topic: topic.clone(),
                headline: article.title.clone(),
                source: article.source.clone(),
                url: url.clone(),
                body: a.whats_new.clone().unwrap_or_else(|| lead.clone()),
                urgency: t.map(|t| t.urgency).unwrap_or_default(),
                story: Some(a.story),
                update: !a.new_story,
                sources: a.sources,
            });
            Placed {
                topic,
                score,
                at,
                story: a,
                notice,
            }
        })
        .collect();
    store.record_article(feed, &article, now).inspect_err(|_| {
        match restore_tracker(store, cfg) {
            Ok(t) => *tracker = t,
            Err(err) => {
                tracing::error!(error = %crate::error_chain(&err), "cannot rebuild stories from the store")
            }
        }
    })
}

/// Every enabled topic the article matches at or above the topic's minimum score; `feed`
/// (when known) applies topics' feed restrictions.
pub fn match_topics(
    cfg: &Config,
    feed: Option<&FeedConfig>,
    analysis: &Analysis,
) -> Vec<(String, f64)> {
    cfg.topics
        .iter()
        .filter(|t| t.enabled && t.accepts_language(analysis.lang))
        .filter(|t| feed.is_none_or(|f| t.reads(f)))
        .filter_map(|t| {
            t.query
                .score(analysis)
                .filter(|s| *s >= t.min_score)
                .map(|s| (t.name.clone(), s))
        })
        .collect()
}

async fn fetch_article(
    loaded: &Loaded,
    link: &url::Url,
    overrides: &extract::Overrides,
) -> Option<Article> {
    let limit = loaded.config.daemon.max_page_size;
    let fetched = match loaded
        .fetcher
        .get(link, &Validators::default(), limit, Overflow::Truncate)
        .await
    {
        Ok(FetchOutcome::Fetched(f)) => *f,
        Ok(FetchOutcome::NotModified) => return None,
        Err(err) => {
            tracing::warn!(url = %link, error = %crate::error_chain(&err), "article fetch failed; using the feed's text");
            return None;
        }
    };
    let page_url = fetched.url.clone();
    let overrides = overrides.clone();
    tokio::task::spawn_blocking(move || {
        let html = crate::fetch::decode_html(&fetched.body, fetched.content_type.as_deref());
        extract::extract_with(&html, Some(&page_url), &overrides)
    })
    .await
    .ok()
}

/// Polls every feed once, at most `concurrency` at a time; results in config order.
pub async fn poll_all(
    shared: &Arc<Shared>,
    loaded: &Arc<Loaded>,
) -> Vec<(String, Result<FeedReport, String>)> {
    poll_all_reporting(shared, loaded, || {}).await
}

/// [`poll_all`], calling `done` as each feed finishes (for a progress bar).
pub async fn poll_all_reporting(
    shared: &Arc<Shared>,
    loaded: &Arc<Loaded>,
    done: impl Fn() + Send + Sync + Clone + 'static,
) -> Vec<(String, Result<FeedReport, String>)> {
    let permits = Arc::new(Semaphore::new(loaded.config.daemon.concurrency));
    let token = CancellationToken::new();
    let mut tasks = Vec::new();
    for feed in loaded.config.feeds.clone() {
        let (shared, loaded, permits, token, done) = (
            shared.clone(),
            loaded.clone(),
            permits.clone(),
            token.clone(),
            done.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let result = poll_feed(&shared, &loaded, &feed, &token).await;
            done();
            (
                feed.url.to_string(),
                result.map_err(|e| crate::error_chain(&e)),
            )
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        match t.await {
            Ok(r) => out.push(r),
            Err(e) => tracing::error!(error = %e, "poll task failed"),
        }
    }
    out
}

/// What one delivery round did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DeliveryReport {
    /// Notices at least one channel confirmed in this round.
    pub notices: usize,
    /// Deliveries channels confirmed in this round.
    pub delivered: usize,
    /// Failed deliveries in this round (to be retried or given up).
    pub failed: usize,
    /// When the earliest retry is due, if any delivery waits for one.
    pub next_retry: Option<DateTime<Utc>>,
}

/// Delivers every pending notice on each channel its topic routes to. A channel that
/// confirmed a notice never gets it again; a failure is retried with exponential backoff
/// up to the channel's `max_attempts`, then given up; each outcome is recorded. A notice is
/// settled once every channel delivered it or gave up.
pub async fn deliver_pending(shared: &Shared, loaded: &Loaded) -> DeliveryReport {
    let _one_at_a_time = shared.delivery.lock().await;
    let mut report = DeliveryReport::default();
    let (config, now) = (loaded.config.clone(), shared.clock.now());
    match blocking(&shared.store, move |s| apply_gates(s, &config, now)).await {
        Ok(next) => report.next_retry = next,
        Err(err) => {
            tracing::error!(error = %crate::error_chain(&err), "cannot apply quiet hours and rate limits");
            return report;
        }
    }
    let pending = match blocking(&shared.store, |s| s.pending_notices()).await {
        Ok(p) => p,
        Err(err) => {
            tracing::error!(error = %crate::error_chain(&err), "cannot read pending notices");
            return report;
        }
    };
    let cfg = &loaded.config;
    for p in pending.into_iter().filter(|p| p.released) {
        let topic = cfg.topics.iter().find(|t| t.name == p.notice.topic);
        let mut open = false;
        let confirmed = report.delivered;
        for n in &loaded.notifiers {
            let name = n.name();
            if topic.is_some_and(|t| !t.routes_to(name)) {
                continue;
            }
            let state = p.channels.get(name).cloned().unwrap_or_default();
            if state.delivered || state.gave_up {
                continue;
            }
            let now = shared.clock.now();
            if let Some(due) = state.next_attempt.filter(|due| *due > now) {
                open = true;
                report.next_retry = Some(report.next_retry.map_or(due, |r| r.min(due)));
                continue;
            }
            let (timeout, max_attempts) = channel_limits(cfg, name);
            let error = match tokio::time::timeout(timeout, n.deliver(&p.notice)).await {
                Ok(Ok(())) => None,
                Ok(Err(err)) => Some(crate::error_chain(&err)),
                Err(_) => Some(format!("no answer within {}s", timeout.as_secs())),
            };
            let now = shared.clock.now();
            let outcome = match error {
                None => {
                    report.delivered += 1;
                    Delivery::Delivered(now)
                }
                Some(error) => {
                    report.failed += 1;
                    let attempts = state.attempts + 1;
                    let retry_at = (attempts < max_attempts).then(|| now + retry_delay(attempts));
                    if let Some(due) = retry_at {
                        open = true;
                        report.next_retry = Some(report.next_retry.map_or(due, |r| r.min(due)));
                    }
                    tracing::warn!(
                        channel = name,
                        error = %error,
                        headline = %p.notice.headline,
                        attempt = attempts,
                        retry = retry_at.is_some(),
                        "delivery failed"
                    );
                    Delivery::Failed { error, retry_at }
                }
            };
            let (id, channel) = (p.id, name.to_string());
            if let Err(err) = blocking(&shared.store, move |s| {
                s.record_delivery(id, &channel, &outcome)
            })
            .await
            {
                tracing::error!(error = %crate::error_chain(&err), "cannot record a delivery");
                open = true;
            }
        }
        report.notices += usize::from(report.delivered > confirmed);
        if !open {
            let (id, now) = (p.id, shared.clock.now());
            if let Err(err) = blocking(&shared.store, move |s| s.settle_notice(id, now)).await {
                tracing::error!(error = %crate::error_chain(&err), "cannot record a delivery");
            }
        }
    }
    report
}

/// The store's view of recent notices, for the gates.
struct StoreRecent<'a> {
    store: &'a Store,
    now: DateTime<Utc>,
    digests: &'a std::collections::HashMap<String, DateTime<Utc>>,
}

impl gate::Recent for StoreRecent<'_> {
    fn released_in_last_hour(&self, topic: Option<&str>) -> (u32, Option<DateTime<Utc>>) {
        self.store
            .released_since(topic, self.now - chrono::Duration::hours(1))
            .unwrap_or_else(|err| {
                tracing::error!(error = %crate::error_chain(&err), "cannot count recent notices");
                (0, None)
            })
    }

    fn digest_due(&self, topic: &str) -> Option<DateTime<Utc>> {
        self.digests.get(topic).copied()
    }
}

/// Quiet hours, digests and rate limits: lets held notices whose time has come go out
/// (several held for one reason as one digest), then holds or releases new notices.
/// Returns when the next held notice is due.
fn apply_gates(
    store: &Store,
    cfg: &Config,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let pending = store.pending_notices()?;
    let waiting = |p: &&crate::store::PendingNotice| !p.released && p.held_until.is_some();
    // Held notices now due, grouped: everything quiet hours held goes out together; other
    // holds per topic.
    let mut groups: Vec<(String, String, Vec<&crate::store::PendingNotice>)> = Vec::new();
    for p in pending
        .iter()
        .filter(waiting)
        .filter(|p| p.held_until.is_some_and(|t| t <= now))
    {
        let reason = p.hold_reason.clone().unwrap_or_default();
        let scope = if reason == gate::Hold::Quiet.as_str() {
            String::new()
        } else {
            p.notice.topic.clone()
        };
        match groups.iter_mut().find(|g| g.0 == reason && g.1 == scope) {
            Some(g) => g.2.push(p),
            None => groups.push((reason, scope, vec![p])),
        }
    }
    for (reason, _, held) in &groups {
        if let [one] = held.as_slice() {
            store.release_notice(one.id, now)?;
            continue;
        }
        let notices: Vec<&Notice> = held.iter().map(|p| &p.notice).collect();
        let ids: Vec<NoticeId> = held.iter().map(|p| p.id).collect();
        let digest = gate::digest(reason, &notices);
        tracing::info!(held = ids.len(), reason = %reason, headline = %digest.headline, "digest");
        store.fold_into_digest(&ids, &digest, now)?;
    }
    // Digests still collecting, and when each goes out.
    let mut digests = std::collections::HashMap::new();
    let mut next: Option<DateTime<Utc>> = None;
    for p in pending.iter().filter(waiting) {
        let Some(until) = p.held_until.filter(|t| *t > now) else {
            continue;
        };
        next = Some(next.map_or(until, |n: DateTime<Utc>| n.min(until)));
        if p.hold_reason.as_deref() == Some(gate::Hold::Digest.as_str()) {
            digests.entry(p.notice.topic.clone()).or_insert(until);
        }
    }
    for p in pending
        .iter()
        .filter(|p| !p.released && p.held_until.is_none())
    {
        let recent = StoreRecent {
            store,
            now,
            digests: &digests,
        };
        match gate::decide(cfg, &p.notice, now, &recent) {
            None => store.release_notice(p.id, now)?,
            Some((until, hold)) => {
                tracing::debug!(headline = %p.notice.headline, reason = hold.as_str(), until = %until, "notice held");
                store.hold_notice(p.id, until, hold.as_str())?;
                if hold == gate::Hold::Digest {
                    digests.entry(p.notice.topic.clone()).or_insert(until);
                }
                next = Some(next.map_or(until, |n| n.min(until)));
            }
        }
    }
    Ok(next)
}

/// A channel's delivery timeout and attempt bound.
fn channel_limits(cfg: &Config, name: &str) -> (std::time::Duration, u32) {
    cfg.notify
        .channels
        .iter()
        .find(|c| c.name == name)
        .map_or((DELIVERY_TIMEOUT, MAX_DELIVERY_ATTEMPTS), |c| {
            (c.timeout, c.max_attempts)
        })
}

/// Wait before retry `n` (1-based): 30 s, doubling, at most an hour.
pub fn retry_delay(attempts: u32) -> chrono::Duration {
    let secs = 30u64.saturating_mul(1 << attempts.saturating_sub(1).min(7));
    chrono::Duration::seconds(secs.min(3600) as i64)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn rss(channel_extra: &str) -> ParsedFeed {
        let xml = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\">\
             <channel><title>T</title><link>https://x.example/</link>{channel_extra}\
             <item><title>a</title><link>https://x.example/a</link></item></channel></rss>"
        );
        feed::parse_feed(
            xml.as_bytes(),
            &url::Url::parse("https://x.example/feed").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_feed_schedule_stretches_the_wait_but_never_shortens_it() {
        let now = at("2025-12-02T23:30:00Z");
        let quarter = Duration::from_secs(15 * 60);
        assert_eq!(feed_wait(quarter, None, &rss(""), now), None);
        // <ttl> is in minutes.
        let ttl = rss("<ttl>60</ttl>");
        assert_eq!(
            feed_wait(quarter, None, &ttl, now),
            Some(Duration::from_secs(3600))
        );
        // A shorter hint than the interval changes nothing.
        assert_eq!(
            feed_wait(quarter, Some(Duration::from_secs(60)), &ttl, now),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(feed_wait(Duration::from_secs(7200), None, &ttl, now), None);
        // sy:updatePeriod / updateFrequency: twice an hour.
        let sy = rss(
            "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>",
        );
        assert_eq!(sy.ttl, Some(Duration::from_secs(1800)));
        // Skip hours 0–6 UTC: a poll due at 23:45 is fine; one due at 00:30 waits for 07:00.
        let skip = rss(
            "<skipHours><hour>0</hour><hour>1</hour><hour>2</hour><hour>3</hour>\
                        <hour>4</hour><hour>5</hour><hour>6</hour></skipHours>",
        );
        assert_eq!(skip.skip_hours.len(), 7);
        assert_eq!(feed_wait(quarter, None, &skip, now), None);
        assert_eq!(
            feed_wait(Duration::from_secs(3600), None, &skip, now),
            Some(Duration::from_secs(7 * 3600 + 1800))
        );
        let days = rss("<skipDays><day>Wednesday</day></skipDays>");
        assert_eq!(days.skip_days, [chrono::Weekday::Wed]);
        assert_eq!(
            feed_wait(Duration::from_secs(3600), None, &days, now),
            Some(Duration::from_secs(24 * 3600 + 1800))
        );
    }
}
