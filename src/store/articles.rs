//! Stored articles read back, for `newswatch topics test`: the title and full text the
//! daemon matched (the page's extracted article, or the feed's own text), so a query can
//! be tried on what was already read without fetching anything again; and pruned when
//! they matched nothing and are older than `keep_articles`.
//!
//! Entries of a feed's first poll are here too, with the feed's own text (their pages are
//! not fetched). Matching them is the caller's job.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, StoreError, from_ts};

/// An article as stored.
#[derive(Debug, Clone)]
pub struct StoredArticle {
    /// The configured URL of the feed it came from.
    pub feed_url: String,
    pub url: Option<String>,
    pub title: String,
    pub text: String,
    pub published: Option<DateTime<Utc>>,
    /// The feed's name when it was read.
    pub source: String,
    /// When newswatch read it.
    pub fetched_at: DateTime<Utc>,
}

/// Articles deleted per statement when pruning, so the database is never locked long.
const PRUNE_BATCH: usize = 500;

impl Store {
    /// Deletes the articles read before `before` that matched no topic, a batch at a
    /// time; returns how many. Their entries stay, so they are never read again, and
    /// matched articles stay with their stories. Freed pages are reused by SQLite.
    pub fn prune_articles(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let n = self.conn().execute(
                "DELETE FROM articles WHERE id IN (
                    SELECT a.id FROM articles a
                    WHERE a.fetched_at < ?1
                      AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.article_id = a.id)
                    LIMIT ?2)",
                params![before.timestamp(), PRUNE_BATCH as i64],
            )?;
            total += n;
            if n < PRUNE_BATCH {
                return Ok(total);
            }
        }
    }

    /// How many articles were read since `since`.
    pub fn count_articles_since(&self, since: DateTime<Utc>) -> Result<usize, StoreError> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM articles WHERE fetched_at >= ?1",
            [since.timestamp()],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as usize)
    }

    /// Calls `each` with every article read since `since`, oldest first; returns how many.
    /// The database is locked meanwhile (one connection), so `each` should not take long.
    pub fn scan_articles_since(
        &self,
        since: DateTime<Utc>,
        each: &mut dyn FnMut(StoredArticle),
    ) -> Result<usize, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT f.url, a.url, a.title, a.text, a.published, a.source, a.fetched_at
             FROM articles a JOIN feeds f ON f.id = a.feed_id
             WHERE a.fetched_at >= ?1 ORDER BY a.id",
        )?;
        let mut rows = stmt.query(params![since.timestamp()])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            each(StoredArticle {
                feed_url: r.get(0)?,
                url: r.get(1)?,
                title: r.get(2)?,
                text: r.get(3)?,
                published: r.get::<_, Option<i64>>(4)?.and_then(from_ts),
                source: r.get(5)?,
                fetched_at: from_ts(r.get(6)?).unwrap_or_default(),
            });
            n += 1;
        }
        Ok(n)
    }
}
