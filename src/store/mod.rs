//! The daemon's memory in SQLite: feeds, entries seen, articles, matches, notices.
//!
//! The only module that speaks SQL. WAL mode with a busy timeout; the schema is versioned
//! with `PRAGMA user_version` and migrated forward on open. Calls are blocking: async
//! callers run them off the runtime (`tokio::task::spawn_blocking`).
//!
//! Delivery rule: a notice is written (undelivered) in the same transaction as the entry,
//! article and matches that caused it, and marked delivered after the notifier confirms. So
//! a crash before delivery retries the notice on restart, and an entry is never seen without
//! its notices.

mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::fetch::Validators;
use crate::notify::Notice;

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
    pub matches: Vec<(String, f64)>,
    pub notices: Vec<Notice>,
}

/// A notice waiting for delivery.
#[derive(Debug, Clone)]
pub struct PendingNotice {
    pub id: NoticeId,
    /// Failed deliveries so far.
    pub attempts: i64,
    pub notice: Notice,
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
            "SELECT id, etag, last_modified, initialized, last_fetch FROM feeds WHERE url = ?1",
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
    pub fn record_backlog(
        &self,
        feed: FeedId,
        entries: &[(&str, &str, Option<&str>)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO entries(feed_id, key, title, link, first_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (key, title, link) in entries {
                stmt.execute(params![feed.0, key, title, link, now.timestamp()])?;
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
        for (topic, score) in &article.matches {
            tx.execute(
                "INSERT OR IGNORE INTO matches(article_id, topic, score, matched_at) VALUES (?1, ?2, ?3, ?4)",
                params![article_id, topic, score, now.timestamp()],
            )?;
        }
        let mut ids = Vec::new();
        for n in &article.notices {
            let url = n.url.as_ref().map(|u| u.as_str());
            let dup: bool = match url {
                Some(u) => tx
                    .prepare_cached("SELECT 1 FROM notices WHERE topic = ?1 AND url = ?2")?
                    .exists(params![n.topic, u])?,
                None => false,
            };
            if dup {
                continue;
            }
            let id = tx.query_row(
                "INSERT INTO notices(article_id, topic, headline, source, url, body, created_at, urgency)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                params![
                    article_id,
                    n.topic,
                    n.headline,
                    n.source,
                    url,
                    n.body,
                    now.timestamp(),
                    n.urgency.as_str()
                ],
                |r| r.get(0),
            )?;
            ids.push(NoticeId(id));
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Notices recorded but not yet delivered, oldest first.
    pub fn pending_notices(&self) -> Result<Vec<PendingNotice>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, topic, headline, source, url, body, attempts, urgency FROM notices
             WHERE delivered_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(PendingNotice {
                id: NoticeId(r.get(0)?),
                attempts: r.get(6)?,
                notice: Notice {
                    topic: r.get(1)?,
                    headline: r.get(2)?,
                    source: r.get(3)?,
                    url: r
                        .get::<_, Option<String>>(4)?
                        .and_then(|u| url::Url::parse(&u).ok()),
                    body: r.get(5)?,
                    urgency: crate::config::Urgency::parse(&r.get::<_, String>(7)?)
                        .unwrap_or_default(),
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn mark_delivered(&self, id: NoticeId, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE notices SET delivered_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
            params![id.0, now.timestamp()],
        )?;
        Ok(())
    }

    pub fn mark_failed(&self, id: NoticeId, error: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE notices SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![id.0, error],
        )?;
        Ok(())
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
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Feeds => "feeds",
            Table::Entries => "entries",
            Table::Articles => "articles",
            Table::Matches => "matches",
            Table::Notices => "notices",
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
            topic: topic.into(),
            headline: "h".into(),
            source: "s".into(),
            url: Some(url::Url::parse(url).unwrap()),
            body: "b".into(),
            urgency: crate::config::Urgency::Critical,
        }
    }

    fn article(key: &str, notices: Vec<Notice>) -> NewArticle {
        NewArticle {
            entry_key: key.into(),
            url: Some("https://x.example/a".into()),
            title: "t".into(),
            text: "x".into(),
            published: None,
            source: "s".into(),
            origin: "page",
            matches: vec![("T".into(), 0.5)],
            notices,
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
                &article("k1", vec![notice("T", "https://x.example/a")]),
                now,
            )
            .unwrap();
        assert_eq!(ids.len(), 1);
        // The same URL under the same topic from another entry does not notify twice.
        let again = store
            .record_article(
                feed.id,
                &article("k2", vec![notice("T", "https://x.example/a")]),
                now,
            )
            .unwrap();
        assert!(again.is_empty());
        assert_eq!(store.unseen(feed.id, &["k1", "k3"]).unwrap(), vec![1]);
        drop(store);

        let store = Store::open(&path).unwrap();
        let pending = store.pending_notices().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].notice.urgency, crate::config::Urgency::Critical);
        store.mark_delivered(pending[0].id, now).unwrap();
        assert!(store.pending_notices().unwrap().is_empty());
        assert_eq!(store.count(Table::Articles).unwrap(), 2);
        assert_eq!(store.count(Table::Notices).unwrap(), 1);
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
