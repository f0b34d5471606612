//! Notices after they are recorded: pending ones and their per-channel delivery state,
//! holds (quiet hours, rate limits), digests, settling, and the history view.
//!
//! When to hold or retry is the notifier's decision; this file keeps the state so a crash
//! loses nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{NoticeId, Store, StoreError, from_ts};
use crate::notify::Notice;

/// A notice not yet settled on every channel.
#[derive(Debug, Clone)]
pub struct PendingNotice {
    pub id: NoticeId,
    pub notice: Notice,
    /// Held back until then (quiet hours, a rate limit, a digest).
    pub held_until: Option<DateTime<Utc>>,
    pub hold_reason: Option<String>,
    /// It passed the gates and went out (or is going out) to its channels.
    pub released: bool,
    /// Channels tried so far, by name.
    pub channels: HashMap<String, ChannelState>,
}

/// Where a notice stands on one channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelState {
    pub attempts: u32,
    pub delivered: bool,
    pub gave_up: bool,
    /// Not before this time, after a failure.
    pub next_attempt: Option<DateTime<Utc>>,
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone)]
pub enum Delivery {
    Delivered(DateTime<Utc>),
    /// `retry_at` is `None` when the channel gives up on this notice.
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// A notice as `newswatch history` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub created: DateTime<Utc>,
    pub topic: String,
    pub headline: String,
    pub source: String,
    pub url: Option<String>,
    pub story: Option<i64>,
    pub update: bool,
    pub sources: i64,
    /// Every channel delivered it or gave up.
    pub settled: bool,
    /// A digest of held notices.
    pub digest: bool,
    /// The digest that carried this notice instead of it.
    pub in_digest: Option<i64>,
    /// Held back until then, and why (`quiet hours`, `rate limit`, `digest`).
    pub held_until: Option<DateTime<Utc>>,
    pub hold_reason: Option<String>,
    pub channels: Vec<ChannelOutcome>,
}

/// A notice's outcome on one channel.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChannelOutcome {
    pub channel: String,
    pub attempts: i64,
    /// `delivered`, `retrying` or `failed` (given up).
    pub status: &'static str,
    pub delivered_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

impl Store {
    /// Notices not yet settled on every channel, oldest first, with each channel's state.
    pub fn pending_notices(&self) -> Result<Vec<PendingNotice>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, topic, headline, source, url, body, urgency, story_id, is_update, sources, published,
                held_until, hold_reason, released_at IS NOT NULL
             FROM notices WHERE delivered_at IS NULL ORDER BY id",
        )?;
        let mut pending: Vec<PendingNotice> = stmt
            .query_map([], |r| {
                Ok(PendingNotice {
                    id: NoticeId(r.get(0)?),
                    channels: HashMap::new(),
                    held_until: r.get::<_, Option<i64>>(11)?.and_then(from_ts),
                    hold_reason: r.get(12)?,
                    released: r.get(13)?,
                    notice: Notice {
                        id: Some(r.get(0)?),
                        topic: r.get(1)?,
                        headline: r.get(2)?,
                        source: r.get(3)?,
                        url: r
                            .get::<_, Option<String>>(4)?
                            .and_then(|u| url::Url::parse(&u).ok()),
                        body: r.get(5)?,
                        urgency: crate::config::Urgency::parse(&r.get::<_, String>(6)?)
                            .unwrap_or_default(),
                        story: r.get(7)?,
                        update: r.get(8)?,
                        sources: r.get::<_, i64>(9)?.max(0) as usize,
                        published: r.get::<_, Option<i64>>(10)?.and_then(from_ts),
                    },
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut channels = conn.prepare_cached(
            "SELECT channel, attempts, delivered_at IS NOT NULL, gave_up, next_attempt
             FROM deliveries WHERE notice_id = ?1",
        )?;
        for p in &mut pending {
            p.channels = channels
                .query_map([p.id.0], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        ChannelState {
                            attempts: r.get::<_, i64>(1)?.max(0) as u32,
                            delivered: r.get(2)?,
                            gave_up: r.get(3)?,
                            next_attempt: r.get::<_, Option<i64>>(4)?.and_then(from_ts),
                        },
                    ))
                })?
                .collect::<Result<_, _>>()?;
        }
        Ok(pending)
    }

    /// Records one delivery attempt of a notice on a channel.
    pub fn record_delivery(
        &self,
        id: NoticeId,
        channel: &str,
        outcome: &Delivery,
    ) -> Result<(), StoreError> {
        let (delivered, gave_up, error, next) = match outcome {
            Delivery::Delivered(at) => (Some(at.timestamp()), false, None, None),
            Delivery::Failed { error, retry_at } => (
                None,
                retry_at.is_none(),
                Some(error.as_str()),
                retry_at.map(|t| t.timestamp()),
            ),
        };
        self.conn().execute(
            "INSERT INTO deliveries(notice_id, channel, attempts, delivered_at, gave_up, last_error, next_attempt)
             VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6)
             ON CONFLICT(notice_id, channel) DO UPDATE SET attempts = attempts + 1,
                delivered_at = excluded.delivered_at, gave_up = excluded.gave_up,
                last_error = excluded.last_error, next_attempt = excluded.next_attempt",
            params![id.0, channel, delivered, gave_up, error, next],
        )?;
        Ok(())
    }

    /// Holds a notice back until `until`.
    pub fn hold_notice(
        &self,
        id: NoticeId,
        until: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE notices SET held_until = ?2, hold_reason = ?3 WHERE id = ?1",
            params![id.0, until.timestamp(), reason],
        )?;
        Ok(())
    }

    /// Lets a notice go out to its channels now.
    pub fn release_notice(&self, id: NoticeId, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE notices SET released_at = ?2, held_until = NULL WHERE id = ?1",
            params![id.0, now.timestamp()],
        )?;
        Ok(())
    }

    /// Notices (of `topic`, or all) released since `since`, and the earliest of them.
    pub fn released_since(
        &self,
        topic: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<(u32, Option<DateTime<Utc>>), StoreError> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*), MIN(released_at) FROM notices
             WHERE released_at > ?1 AND (?2 IS NULL OR topic = ?2)",
            params![since.timestamp(), topic],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?.max(0) as u32,
                    r.get::<_, Option<i64>>(1)?.and_then(from_ts),
                ))
            },
        )?)
    }

    /// Replaces held notices by one digest that goes out now: the digest is recorded
    /// released, and the notices it carries are settled, pointing at it.
    pub fn fold_into_digest(
        &self,
        ids: &[NoticeId],
        digest: &Notice,
        now: DateTime<Utc>,
    ) -> Result<NoticeId, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let id: i64 = tx.query_row(
            "INSERT INTO notices(topic, headline, source, url, body, created_at, urgency, sources, is_digest, released_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?6) RETURNING id",
            params![
                digest.topic,
                digest.headline,
                digest.source,
                digest.url.as_ref().map(|u| u.as_str()),
                digest.body,
                now.timestamp(),
                digest.urgency.as_str(),
                digest.sources as i64
            ],
            |r| r.get(0),
        )?;
        for n in ids {
            tx.execute(
                "UPDATE notices SET folded_into = ?2, delivered_at = ?3, held_until = NULL WHERE id = ?1",
                params![n.0, id, now.timestamp()],
            )?;
        }
        tx.commit()?;
        Ok(NoticeId(id))
    }

    /// Marks a notice settled: every channel it goes to delivered it or gave up.
    pub fn settle_notice(&self, id: NoticeId, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE notices SET delivered_at = ?2 WHERE id = ?1",
            params![id.0, now.timestamp()],
        )?;
        Ok(())
    }

    /// Notices created since `since`, newest first, with each channel's outcome.
    pub fn history(&self, since: DateTime<Utc>) -> Result<Vec<HistoryEntry>, StoreError> {
        let conn = self.conn();
        let mut entries: Vec<HistoryEntry> = conn
            .prepare(
                "SELECT id, created_at, topic, headline, source, url, story_id, is_update, sources,
                    delivered_at IS NOT NULL, folded_into, held_until, hold_reason, is_digest
                 FROM notices WHERE created_at >= ?1 ORDER BY created_at DESC, id DESC",
            )?
            .query_map([since.timestamp()], |r| {
                Ok(HistoryEntry {
                    id: r.get(0)?,
                    created: from_ts(r.get(1)?).unwrap_or_default(),
                    topic: r.get(2)?,
                    headline: r.get(3)?,
                    source: r.get(4)?,
                    url: r.get(5)?,
                    story: r.get(6)?,
                    update: r.get(7)?,
                    sources: r.get(8)?,
                    settled: r.get(9)?,
                    in_digest: r.get(10)?,
                    held_until: r.get::<_, Option<i64>>(11)?.and_then(from_ts),
                    hold_reason: r.get(12)?,
                    digest: r.get(13)?,
                    channels: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut channels = conn.prepare_cached(
            "SELECT channel, attempts, delivered_at, gave_up, last_error FROM deliveries
             WHERE notice_id = ?1 ORDER BY channel",
        )?;
        for e in &mut entries {
            e.channels = channels
                .query_map([e.id], |r| {
                    let delivered: Option<i64> = r.get(2)?;
                    let gave_up: bool = r.get(3)?;
                    Ok(ChannelOutcome {
                        channel: r.get(0)?,
                        attempts: r.get(1)?,
                        status: if delivered.is_some() {
                            "delivered"
                        } else if gave_up {
                            "failed"
                        } else {
                            "retrying"
                        },
                        delivered_at: delivered.and_then(from_ts),
                        error: r.get(4)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
        }
        Ok(entries)
    }
}
