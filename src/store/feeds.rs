//! Feeds and their entries: conditional-request validators, fetch outcomes and failure
//! counts, moves, which entries were seen, and a new feed's backlog.
//!
//! Matching and notices are elsewhere ([`Store::record_article`]); this file only keeps
//! what `status` and the scheduler need about each feed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{FeedId, Store, StoreError, from_ts};
use crate::fetch::Validators;

/// What the store remembers about a feed between polls.
#[derive(Debug, Clone)]
pub struct FeedState {
    pub id: FeedId,
    pub validators: Validators,
    /// The first successful fetch has happened (its entries were recorded).
    pub initialized: bool,
    pub last_fetch: Option<DateTime<Utc>>,
    /// Where the feed moved permanently (301/308); fetched there instead.
    pub moved_to: Option<url::Url>,
}

/// An entry of a feed's first poll: recorded as seen, with the feed's own text.
#[derive(Debug, Clone)]
pub struct BacklogEntry {
    pub key: String,
    pub title: String,
    pub link: Option<String>,
    pub text: String,
    pub published: Option<DateTime<Utc>>,
}

/// A feed's state as `newswatch status` shows it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FeedStatus {
    pub title: Option<String>,
    pub last_fetch: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    /// Failed fetches in a row.
    pub failures: u32,
    /// Entries seen.
    pub entries: i64,
    /// Where the feed moved for good (301/308).
    pub moved_to: Option<String>,
}

impl Store {
    /// The feed's state, creating its row on first sight.
    pub fn feed_state(&self, url: &str) -> Result<FeedState, StoreError> {
        let conn = self.conn();
        conn.execute("INSERT OR IGNORE INTO feeds(url) VALUES (?1)", [url])?;
        let row = conn.query_row(
            "SELECT id, etag, last_modified, initialized, last_fetch, moved_to FROM feeds WHERE url = ?1",
            [url],
            |r| {
                Ok(FeedState {
                    id: FeedId(r.get(0)?),
                    validators: Validators {
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                    },
                    initialized: r.get(3)?,
                    last_fetch: r.get::<_, Option<i64>>(4)?.and_then(from_ts),
                    moved_to: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|u| url::Url::parse(&u).ok()),
                })
            },
        )?;
        Ok(row)
    }

    /// Records a successful fetch (200 or 304) and the validators to send next time.
    pub fn record_fetch_ok(
        &self,
        feed: FeedId,
        status: u16,
        validators: Option<&Validators>,
        title: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE feeds SET last_fetch = ?2, last_success = ?2, last_status = ?3,
                last_error = NULL, error_count = 0,
                title = COALESCE(?4, title) WHERE id = ?1",
            params![feed.0, now.timestamp(), status, title],
        )?;
        if let Some(v) = validators {
            conn.execute(
                "UPDATE feeds SET etag = ?2, last_modified = ?3 WHERE id = ?1",
                params![feed.0, v.etag, v.last_modified],
            )?;
        }
        Ok(())
    }

    /// Records that a feed moved permanently.
    pub fn record_move(&self, feed: FeedId, to: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE feeds SET moved_to = ?2 WHERE id = ?1",
            params![feed.0, to],
        )?;
        Ok(())
    }

    /// Records a failed fetch; returns how many failures in a row the feed has now.
    pub fn record_fetch_error(
        &self,
        feed: FeedId,
        status: Option<u16>,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let conn = self.conn();
        let count = conn.query_row(
            "UPDATE feeds SET last_fetch = ?2, last_status = ?3, last_error = ?4,
                error_count = error_count + 1 WHERE id = ?1 RETURNING error_count",
            params![feed.0, now.timestamp(), status, error],
            |r| r.get(0),
        )?;
        Ok(count)
    }

    /// The keys among `keys` this feed has not recorded yet, in the given order.
    pub fn unseen(&self, feed: FeedId, keys: &[&str]) -> Result<Vec<usize>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT 1 FROM entries WHERE feed_id = ?1 AND key = ?2")?;
        let mut out = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            if !stmt.exists(params![feed.0, key])? {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Whether this feed has recorded the entry already.
    pub fn has_entry(&self, feed: FeedId, key: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM entries WHERE feed_id = ?1 AND key = ?2")?
            .exists(params![feed.0, key])?)
    }

    /// Records a new feed's existing entries as seen (never matched or notified), each as
    /// an article with the feed's own text (for `topics test`), and marks the feed
    /// initialised.
    pub fn record_backlog(
        &self,
        feed: FeedId,
        entries: &[BacklogEntry],
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut seen = tx.prepare_cached(
                "INSERT OR IGNORE INTO entries(feed_id, key, title, link, first_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut read = tx.prepare_cached(
                "INSERT OR IGNORE INTO articles(feed_id, entry_key, url, title, text, published, source, origin, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'feed', ?8)",
            )?;
            for e in entries {
                seen.execute(params![feed.0, e.key, e.title, e.link, now.timestamp()])?;
                read.execute(params![
                    feed.0,
                    e.key,
                    e.link,
                    e.title,
                    e.text,
                    e.published.map(|t| t.timestamp()),
                    source,
                    now.timestamp()
                ])?;
            }
            tx.execute("UPDATE feeds SET initialized = 1 WHERE id = ?1", [feed.0])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Marks a feed's first poll done (its entries are recorded).
    pub fn mark_initialized(&self, feed: FeedId) -> Result<(), StoreError> {
        self.conn()
            .execute("UPDATE feeds SET initialized = 1 WHERE id = ?1", [feed.0])?;
        Ok(())
    }

    /// What the store knows about every feed it has seen, by URL.
    pub fn feed_statuses(&self) -> Result<HashMap<String, FeedStatus>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT url, title, last_fetch, last_success, last_status, last_error, error_count,
                (SELECT COUNT(*) FROM entries e WHERE e.feed_id = feeds.id), moved_to
             FROM feeds",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                FeedStatus {
                    title: r.get(1)?,
                    last_fetch: r.get::<_, Option<i64>>(2)?.and_then(from_ts),
                    last_success: r.get::<_, Option<i64>>(3)?.and_then(from_ts),
                    last_status: r.get(4)?,
                    last_error: r.get(5)?,
                    failures: r.get::<_, i64>(6)?.max(0) as u32,
                    entries: r.get(7)?,
                    moved_to: r.get(8)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Last error recorded for a feed, if its latest fetch failed.
    pub fn feed_error(&self, url: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT last_error FROM feeds WHERE url = ?1", [url], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }
}
