//! One feed, one pass: fetch (conditional, following permanent moves), parse, find the
//! entries not seen yet, then record a first poll's backlog silently or process each new
//! entry oldest first; and polling every feed at once for `once`.
//!
//! When a feed is due is the daemon's scheduler; the article of one entry is
//! [`super::article`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::article::{build_article, place_and_record};
use super::{FeedReport, Loaded, PollError, Shared, blocking};
use crate::config::FeedConfig;
use crate::extract;
use crate::feed::{self, FeedEntry, ParsedFeed};
use crate::fetch::{FetchOutcome, Fetched, Overflow};
use crate::store::{BacklogEntry, FeedId, FeedState};

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

/// One poll of one feed, with what every step needs.
struct FeedPoll<'a> {
    shared: &'a Shared,
    loaded: &'a Loaded,
    feed: &'a FeedConfig,
    cancel: &'a CancellationToken,
}

async fn poll_inner(
    shared: &Shared,
    loaded: &Loaded,
    feed: &FeedConfig,
    state: &FeedState,
    cancel: &CancellationToken,
) -> Result<FeedReport, PollError> {
    let poll = FeedPoll {
        shared,
        loaded,
        feed,
        cancel,
    };
    let Some(fetched) = poll.fetch(state).await? else {
        return Ok(FeedReport {
            not_modified: true,
            ..FeedReport::default()
        });
    };
    let id = state.id;
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
            loaded.config.interval_of(feed),
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
    // Feeds list newest first; process oldest first so notices arrive in order.
    let new: Vec<&FeedEntry> = unseen.iter().rev().map(|&i| &parsed.entries[i]).collect();
    if !state.initialized && !loaded.config.daemon.notify_existing {
        report.backlog = poll.record_backlog(id, &new, source).await?;
    } else {
        if !poll.process(id, &new, &source, &mut report).await? {
            // Cancelled: unprocessed entries stay unseen and validators are not saved, so
            // the next run fetches the feed again and picks them up.
            return Ok(report);
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

impl FeedPoll<'_> {
    /// Fetches the feed (where it moved, if it moved for good); `None` when unchanged.
    async fn fetch(&self, state: &FeedState) -> Result<Option<Fetched>, PollError> {
        let (loaded, store) = (self.loaded, &self.shared.store);
        let location = state
            .moved_to
            .clone()
            .unwrap_or_else(|| self.feed.url.clone());
        let fetch = loaded.fetcher.get(
            &location,
            &state.validators,
            loaded.config.daemon.max_feed_size,
            Overflow::Fail,
        );
        let fetched = tokio::select! {
            biased;
            () = self.cancel.cancelled() => return Err(PollError::Cancelled),
            r = fetch => r?,
        };
        let id = state.id;
        if let Some(to) = loaded.fetcher.moved(&location) {
            tracing::warn!(feed = %self.feed.url, to = %to, "feed moved permanently; fetching it there from now on (update the config)");
            blocking(store, move |s| s.record_move(id, to.as_str())).await?;
        }
        match fetched {
            FetchOutcome::NotModified => {
                let now = Utc::now();
                blocking(store, move |s| s.record_fetch_ok(id, 304, None, None, now)).await?;
                Ok(None)
            }
            FetchOutcome::Fetched(f) => Ok(Some(*f)),
        }
    }

    /// Records a first poll's entries as seen, with the feed's own text (no page is
    /// fetched), so `topics test` has something to try a query on from the first poll.
    async fn record_backlog(
        &self,
        id: FeedId,
        entries: &[&FeedEntry],
        source: String,
    ) -> Result<usize, PollError> {
        let backlog: Vec<BacklogEntry> = entries
            .iter()
            .map(|e| BacklogEntry {
                key: e.key.clone(),
                title: e.title.clone(),
                link: e.link.as_ref().map(|l| l.to_string()),
                text: e
                    .content
                    .as_deref()
                    .map(extract::text_from_fragment)
                    .unwrap_or_default(),
                published: e.published,
            })
            .collect();
        let count = backlog.len();
        let now = Utc::now();
        blocking(&self.shared.store, move |s| {
            s.record_backlog(id, &backlog, &source, now)
        })
        .await?;
        Ok(count)
    }

    /// Reads, matches, places and records each new entry in turn; `false` when shutdown
    /// cancelled the poll before the last one.
    async fn process(
        &self,
        id: FeedId,
        entries: &[&FeedEntry],
        source: &str,
        report: &mut FeedReport,
    ) -> Result<bool, PollError> {
        for entry in entries {
            if self.cancel.is_cancelled() {
                return Ok(false);
            }
            let article = tokio::select! {
                biased;
                () = self.cancel.cancelled() => return Ok(false),
                a = build_article(self.loaded, self.feed, entry, source) => a,
            };
            report.matches += article.matches.len();
            let tracker = self.shared.tracker.clone();
            let config = self.loaded.config.clone();
            let ids = blocking(&self.shared.store, move |s| {
                place_and_record(s, &tracker, &config, id, article, Utc::now())
            })
            .await?;
            report.notices += ids.len();
        }
        Ok(true)
    }
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
