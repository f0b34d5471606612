//! The daemon's memory in SQLite: feeds, entries seen, articles, matches, stories, term
//! statistics, notices.
//!
//! The only module that speaks SQL. WAL mode with a busy timeout; the schema is versioned
//! with `PRAGMA user_version` and migrated forward on open. Calls are blocking: async
//! callers run them off the runtime (`tokio::task::spawn_blocking`).
//!
//! Delivery rule: a notice is written (undelivered) in the same transaction as the entry,
//! article and matches that caused it, and marked delivered after the notifier confirms. So
//! a crash before delivery retries the notice on restart, and an entry is never seen without
//! its notices.

mod articles;
mod schema;

pub use articles::StoredArticle;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::fetch::Validators;
use crate::notify::Notice;
use crate::stories::Assignment;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the state directory {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database {} has schema version {found}, newer than this newswatch ({supported})", path.display())]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
}

/// A feed's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeedId(pub i64);

/// A notice's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NoticeId(pub i64);

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

/// An article ready to be stored, with what it matched and the notices it raises.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub entry_key: String,
    pub url: Option<String>,
    pub title: String,
    pub text: String,
    pub published: Option<DateTime<Utc>>,
    pub source: String,
    /// Where the text came from: `page` or `feed`.
    pub origin: &'static str,
    /// The article's distinct content terms, counted in the term statistics.
    pub terms: Vec<String>,
    pub matches: Vec<Placed>,
}

/// A topic the article matched, the story it joined and the notice it raises, if any.
#[derive(Debug, Clone)]
pub struct Placed {
    pub topic: String,
    pub score: f64,
    /// The article's time on the story's clock.
    pub at: DateTime<Utc>,
    pub story: Assignment,
    pub notice: Option<Notice>,
}

/// A story still open, as stored: enough to rebuild the tracker.
#[derive(Debug, Clone)]
pub struct OpenStory {
    pub id: i64,
    pub topic: String,
    pub last_notified: Option<DateTime<Utc>>,
    /// Members in order: title, text, time, and whether it notified.
    pub members: Vec<(String, String, DateTime<Utc>, bool)>,
}

/// A story for display, with its timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoryView {
    pub id: i64,
    pub topic: String,
    pub title: String,
    pub started: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub sources: i64,
    pub muted: bool,
    pub timeline: Vec<MemberView>,
}

/// One article of a story's timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberView {
    pub at: DateTime<Utc>,
    pub source: String,
    pub title: String,
    pub url: Option<String>,
    pub new_story: bool,
    pub notified: bool,
    pub whats_new: Option<String>,
}

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

/// Handle to the database; cheap to clone, one connection behind a mutex.
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn, path)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back),
        // so a poisoned lock is safe to keep using.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

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

    /// Records entries as seen without processing them (a new feed's backlog), and marks
    /// the feed initialised.
    /// Records a new feed's existing entries as seen (never matched or notified), and each
    /// as an article with the feed's own text, for `topics test`.
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

    pub fn mark_initialized(&self, feed: FeedId) -> Result<(), StoreError> {
        self.conn()
            .execute("UPDATE feeds SET initialized = 1 WHERE id = ?1", [feed.0])?;
        Ok(())
    }

    /// Stores one processed entry: the entry, its article, its matches and its pending
    /// notices, atomically. Notices for a topic that already notified the same URL are
    /// dropped (the same story from a second feed). Returns the ids of the notices kept.
    pub fn record_article(
        &self,
        feed: FeedId,
        article: &NewArticle,
        now: DateTime<Utc>,
    ) -> Result<Vec<NoticeId>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO entries(feed_id, key, title, link, first_seen)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                feed.0,
                article.entry_key,
                article.title,
                article.url,
                now.timestamp()
            ],
        )?;
        if inserted == 0 {
            // Already processed (a concurrent or earlier run got here first).
            return Ok(Vec::new());
        }
        let article_id: i64 = tx.query_row(
            "INSERT INTO articles(feed_id, entry_key, url, title, text, published, source, origin, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
            params![
                feed.0,
                article.entry_key,
                article.url,
                article.title,
                article.text,
                article.published.map(|d| d.timestamp()),
                article.source,
                article.origin,
                now.timestamp()
            ],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO counters(name, value) VALUES ('docs', 1)
             ON CONFLICT(name) DO UPDATE SET value = value + 1",
            [],
        )?;
        {
            let mut df = tx.prepare_cached(
                "INSERT INTO terms(term, df) VALUES (?1, 1)
                 ON CONFLICT(term) DO UPDATE SET df = df + 1",
            )?;
            for t in &article.terms {
                df.execute([t])?;
            }
        }
        let mut ids = Vec::new();
        for m in &article.matches {
            let a = &m.story;
            if a.new_story {
                tx.execute(
                    "INSERT INTO stories(id, topic, title, started, last_seen, last_notified, sources)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        a.story,
                        m.topic,
                        article.title,
                        a.started.timestamp(),
                        a.last_seen.timestamp(),
                        a.last_notified.map(|t| t.timestamp()),
                        a.sources as i64
                    ],
                )?;
            } else {
                tx.execute(
                    "UPDATE stories SET last_seen = ?2, last_notified = ?3, sources = ?4 WHERE id = ?1",
                    params![
                        a.story,
                        a.last_seen.timestamp(),
                        a.last_notified.map(|t| t.timestamp()),
                        a.sources as i64
                    ],
                )?;
            }
            let notice = m.notice.as_ref().filter(|n| {
                // The same URL under the same topic (the article again, from a second
                // feed) never notifies twice.
                let Some(u) = n.url.as_ref() else { return true };
                !tx.prepare_cached("SELECT 1 FROM notices WHERE topic = ?1 AND url = ?2")
                    .and_then(|mut q| q.exists(params![n.topic, u.as_str()]))
                    .unwrap_or(false)
            });
            tx.execute(
                "INSERT OR IGNORE INTO matches(article_id, topic, score, matched_at, story_id, at, new_story, notified, whats_new)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    article_id,
                    m.topic,
                    m.score,
                    now.timestamp(),
                    a.story,
                    m.at.timestamp(),
                    a.new_story,
                    notice.is_some(),
                    a.whats_new
                ],
            )?;
            let Some(n) = notice else { continue };
            let id = tx.query_row(
                "INSERT INTO notices(article_id, topic, headline, source, url, body, created_at, urgency, story_id, is_update, sources, published)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
                params![
                    article_id,
                    n.topic,
                    n.headline,
                    n.source,
                    n.url.as_ref().map(|u| u.as_str()),
                    n.body,
                    now.timestamp(),
                    n.urgency.as_str(),
                    n.story,
                    n.update,
                    n.sources as i64,
                    n.published.map(|p| p.timestamp())
                ],
                |r| r.get(0),
            )?;
            ids.push(NoticeId(id));
        }
        tx.commit()?;
        Ok(ids)
    }

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

    /// Per topic since `since`: matching articles, stories active, notices raised.
    pub fn topic_activity(
        &self,
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, (i64, i64, i64)>, StoreError> {
        let conn = self.conn();
        let mut out: HashMap<String, (i64, i64, i64)> = HashMap::new();
        let t = since.timestamp();
        for (sql, slot) in [
            (
                "SELECT topic, COUNT(*) FROM matches WHERE matched_at >= ?1 GROUP BY topic",
                0,
            ),
            (
                "SELECT topic, COUNT(*) FROM stories WHERE last_seen >= ?1 GROUP BY topic",
                1,
            ),
            (
                "SELECT topic, COUNT(*) FROM notices WHERE created_at >= ?1 AND is_digest = 0 GROUP BY topic",
                2,
            ),
        ] {
            let mut stmt = conn.prepare(sql)?;
            let rows =
                stmt.query_map([t], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (topic, n) = row?;
                let e = out.entry(topic).or_default();
                match slot {
                    0 => e.0 = n,
                    1 => e.1 = n,
                    _ => e.2 = n,
                }
            }
        }
        Ok(out)
    }

    /// Stops further notices about a story ("Mute story").
    pub fn mute_story(&self, story: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .execute("UPDATE stories SET muted = 1 WHERE id = ?1", [story])?
            > 0)
    }

    pub fn story_muted(&self, story: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT muted FROM stories WHERE id = ?1", [story], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(false))
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

    /// Whether this feed has recorded the entry already.
    pub fn has_entry(&self, feed: FeedId, key: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM entries WHERE feed_id = ?1 AND key = ?2")?
            .exists(params![feed.0, key])?)
    }

    /// Term statistics: articles counted, and each term's document frequency.
    pub fn term_stats(&self) -> Result<(u64, Vec<(String, u64)>), StoreError> {
        let conn = self.conn();
        let docs: i64 = conn
            .query_row("SELECT value FROM counters WHERE name = 'docs'", [], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(0);
        let mut stmt = conn.prepare("SELECT term, df FROM terms")?;
        let df = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))?
            .collect::<Result<_, _>>()?;
        Ok((docs.max(0) as u64, df))
    }

    /// Stories seen within `window` of the newest story's last article (on the stories'
    /// clock, the articles' publication time), with their members, to rebuild the tracker;
    /// and the first story id not used yet.
    pub fn open_stories(&self, window: Duration) -> Result<(Vec<OpenStory>, i64), StoreError> {
        let conn = self.conn();
        let next_id: i64 =
            conn.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM stories", [], |r| {
                r.get(0)
            })?;
        let mut stories: Vec<OpenStory> = conn
            .prepare(
                "SELECT id, topic, last_notified FROM stories
                 WHERE last_seen >= (SELECT MAX(last_seen) FROM stories) - ?1 ORDER BY id",
            )?
            .query_map([window.as_secs().min(i64::MAX as u64) as i64], |r| {
                Ok(OpenStory {
                    id: r.get(0)?,
                    topic: r.get(1)?,
                    last_notified: r.get::<_, Option<i64>>(2)?.and_then(from_ts),
                    members: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut members = conn.prepare_cached(
            "SELECT a.title, a.text, m.at, m.notified OR m.new_story FROM matches m
             JOIN articles a ON a.id = m.article_id WHERE m.story_id = ?1 ORDER BY m.at, a.id",
        )?;
        for s in &mut stories {
            s.members = members
                .query_map([s.id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get::<_, Option<i64>>(2)?
                            .and_then(from_ts)
                            .unwrap_or_default(),
                        r.get(3)?,
                    ))
                })?
                .collect::<Result<_, _>>()?;
        }
        Ok((stories, next_id))
    }

    /// Stories of `topic` (or every topic) seen since `since`, newest first, with their
    /// timelines.
    pub fn stories(
        &self,
        topic: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Vec<StoryView>, StoreError> {
        let conn = self.conn();
        let mut stories: Vec<StoryView> = conn
            .prepare(
                "SELECT id, topic, title, started, last_seen, sources, muted FROM stories
                 WHERE last_seen >= ?1 AND (?2 IS NULL OR topic = ?2)
                 ORDER BY last_seen DESC, id DESC",
            )?
            .query_map(params![since.timestamp(), topic], |r| {
                Ok(StoryView {
                    id: r.get(0)?,
                    topic: r.get(1)?,
                    title: r.get(2)?,
                    started: from_ts(r.get(3)?).unwrap_or_default(),
                    last_seen: from_ts(r.get(4)?).unwrap_or_default(),
                    sources: r.get(5)?,
                    muted: r.get(6)?,
                    timeline: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut members = conn.prepare_cached(
            "SELECT m.at, a.source, a.title, a.url, m.new_story, m.notified, m.whats_new
             FROM matches m JOIN articles a ON a.id = m.article_id
             WHERE m.story_id = ?1 ORDER BY m.at, a.id",
        )?;
        for s in &mut stories {
            s.timeline = members
                .query_map([s.id], |r| {
                    Ok(MemberView {
                        at: r
                            .get::<_, Option<i64>>(0)?
                            .and_then(from_ts)
                            .unwrap_or_default(),
                        source: r.get(1)?,
                        title: r.get(2)?,
                        url: r.get(3)?,
                        new_story: r.get(4)?,
                        notified: r.get(5)?,
                        whats_new: r.get(6)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
        }
        Ok(stories)
    }

    /// Writes a consistent copy of the database to `target` (which must not exist).
    pub fn snapshot_to(&self, target: &Path) -> Result<(), StoreError> {
        let target = target.to_string_lossy().into_owned();
        self.conn().execute("VACUUM INTO ?1", [target])?;
        Ok(())
    }

    /// Counts rows of a table; for tests and status output.
    pub fn count(&self, table: Table) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {}", table.name());
        Ok(self.conn().query_row(&sql, [], |r| r.get(0))?)
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

/// Tables whose rows can be counted.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Feeds,
    Entries,
    Articles,
    Matches,
    Notices,
    Stories,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Feeds => "feeds",
            Table::Entries => "entries",
            Table::Articles => "articles",
            Table::Matches => "matches",
            Table::Notices => "notices",
            Table::Stories => "stories",
        }
    }
}

fn from_ts(ts: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(ts, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(topic: &str, url: &str) -> Notice {
        Notice {
            id: None,
            published: None,
            topic: topic.into(),
            headline: "h".into(),
            source: "s".into(),
            url: Some(url::Url::parse(url).unwrap()),
            body: "b".into(),
            urgency: crate::config::Urgency::Critical,
            story: Some(1),
            update: false,
            sources: 1,
        }
    }

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000 + hours * 3600, 0).unwrap()
    }

    /// An article of topic `T` in story 1: the story's first when `new_story`.
    fn article(key: &str, new_story: bool, notice: Option<Notice>) -> NewArticle {
        let sources = if new_story { 1 } else { 2 };
        NewArticle {
            entry_key: key.into(),
            url: Some("https://x.example/a".into()),
            title: format!("title {key}"),
            text: format!("text {key}"),
            published: None,
            source: "s".into(),
            origin: "page",
            terms: vec!["talk".into(), key.into()],
            matches: vec![Placed {
                topic: "T".into(),
                score: 0.5,
                at: at(sources),
                story: Assignment {
                    story: 1,
                    new_story,
                    notify: notice.is_some(),
                    whats_new: None,
                    similarity: 0.5,
                    novelty: 0.5,
                    sources: sources as usize,
                    started: at(1),
                    last_seen: at(sources),
                    last_notified: Some(at(1)),
                },
                notice,
            }],
        }
    }

    #[test]
    fn articles_notices_and_delivery_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/nw.db");
        let now = Utc::now();
        let store = Store::open(&path).unwrap();
        let feed = store.feed_state("https://x.example/feed").unwrap();
        assert!(!feed.initialized);
        let ids = store
            .record_article(
                feed.id,
                &article("k1", true, Some(notice("T", "https://x.example/a"))),
                now,
            )
            .unwrap();
        assert_eq!(ids.len(), 1);
        // The same URL under the same topic from another entry does not notify twice.
        let again = store
            .record_article(
                feed.id,
                &article("k2", false, Some(notice("T", "https://x.example/a"))),
                now,
            )
            .unwrap();
        assert!(again.is_empty());
        assert!(store.has_entry(feed.id, "k2").unwrap());
        assert_eq!(store.unseen(feed.id, &["k1", "k3"]).unwrap(), vec![1]);
        drop(store);

        let store = Store::open(&path).unwrap();
        let pending = store.pending_notices().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].notice.urgency, crate::config::Urgency::Critical);
        assert_eq!(pending[0].notice.id, Some(pending[0].id.0));
        // A failed attempt is kept for a retry; a delivery settles the channel.
        let retry = now + chrono::Duration::seconds(30);
        let failed = Delivery::Failed {
            error: "HTTP 500".into(),
            retry_at: Some(retry),
        };
        store
            .record_delivery(pending[0].id, "phone", &failed)
            .unwrap();
        store
            .record_delivery(pending[0].id, "desktop", &Delivery::Delivered(now))
            .unwrap();
        let channels = &store.pending_notices().unwrap()[0].channels;
        assert_eq!(channels["phone"].attempts, 1);
        assert_eq!(
            channels["phone"].next_attempt.map(|t| t.timestamp()),
            Some(retry.timestamp())
        );
        assert!(channels["desktop"].delivered && !channels["phone"].delivered);
        store.settle_notice(pending[0].id, now).unwrap();
        assert!(store.pending_notices().unwrap().is_empty());
        let history = store.history(now - chrono::Duration::hours(1)).unwrap();
        let outcomes: Vec<(&str, &str)> = history[0]
            .channels
            .iter()
            .map(|c| (c.channel.as_str(), c.status))
            .collect();
        assert_eq!(outcomes, [("desktop", "delivered"), ("phone", "retrying")]);
        assert!(history[0].settled);
        assert_eq!(store.count(Table::Articles).unwrap(), 2);
        assert_eq!(store.count(Table::Notices).unwrap(), 1);
        assert_eq!(pending[0].notice.story, Some(1));

        // The story, its two members and the term statistics survive too.
        let (docs, df) = store.term_stats().unwrap();
        assert_eq!(docs, 2);
        assert!(df.contains(&("talk".to_string(), 2)), "{df:?}");
        let (open, next_id) = store.open_stories(Duration::from_secs(3600)).unwrap();
        assert_eq!(next_id, 2);
        assert_eq!(open.len(), 1);
        let titles: Vec<(&str, bool)> = open[0]
            .members
            .iter()
            .map(|(t, _, _, told)| (t.as_str(), *told))
            .collect();
        // k2's notice was dropped as a duplicate, so it counts as not told.
        assert_eq!(titles, [("title k1", true), ("title k2", false)]);
        let views = store.stories(Some("T"), at(0)).unwrap();
        assert_eq!(views[0].sources, 2);
        assert_eq!(views[0].title, "title k1");
        assert!(views[0].timeline[0].new_story && !views[0].timeline[1].notified);
        assert!(store.stories(Some("other"), at(0)).unwrap().is_empty());
        // Open means seen within the window of the newest article on the stories' clock.
        assert_eq!(store.open_stories(Duration::ZERO).unwrap().0.len(), 1);
    }

    #[test]
    fn errors_count_up_and_reset() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("nw.db")).unwrap();
        let f = store.feed_state("https://x.example/feed").unwrap();
        let now = Utc::now();
        assert_eq!(
            store
                .record_fetch_error(f.id, Some(500), "HTTP 500", now)
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .record_fetch_error(f.id, None, "timeout", now)
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .feed_error("https://x.example/feed")
                .unwrap()
                .as_deref(),
            Some("timeout")
        );
        let v = Validators {
            etag: Some("\"e1\"".into()),
            last_modified: None,
        };
        store
            .record_fetch_ok(f.id, 200, Some(&v), Some("Feed"), now)
            .unwrap();
        assert_eq!(store.feed_error("https://x.example/feed").unwrap(), None);
        assert_eq!(
            store
                .feed_state("https://x.example/feed")
                .unwrap()
                .validators,
            v
        );
    }
}
