//! Recording one processed entry: the entry, its article, the term statistics, the stories
//! it joined and the notices it raises, in one transaction.
//!
//! Deciding what matched and what notifies is the caller's job (topics, stories); this file
//! only writes it down atomically, and reads the term statistics back.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{FeedId, NoticeId, Store, StoreError};
use crate::notify::Notice;
use crate::stories::Assignment;

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

impl Store {
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
        let Some(article_id) = insert_article(&tx, feed, article, now)? else {
            // Already processed (a concurrent or earlier run got here first).
            return Ok(Vec::new());
        };
        count_terms(&tx, &article.terms)?;
        let mut ids = Vec::new();
        for m in &article.matches {
            upsert_story(&tx, &m.topic, &article.title, &m.story)?;
            let notice = m
                .notice
                .as_ref()
                .filter(|n| !notified_before(&tx, n).unwrap_or(false));
            insert_match(&tx, article_id, m, notice.is_some(), now)?;
            if let Some(n) = notice {
                ids.push(insert_notice(&tx, article_id, n, now)?);
            }
        }
        tx.commit()?;
        Ok(ids)
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

    /// Forgets the terms seen in fewer than `below` documents, as the story tracker did
    /// ([`crate::stories::Tracker::take_forgotten`]): the term table stays as small as the
    /// tracker's vocabulary. Returns how many went.
    pub fn forget_terms(&self, below: u64) -> Result<usize, StoreError> {
        let below = i64::try_from(below).unwrap_or(i64::MAX);
        Ok(self
            .conn()
            .execute("DELETE FROM terms WHERE df < ?1", [below])?)
    }
}

/// Records the entry as seen and stores its article; `None` when the entry was already
/// recorded.
fn insert_article(
    tx: &Transaction<'_>,
    feed: FeedId,
    article: &NewArticle,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
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
        return Ok(None);
    }
    let id = tx.query_row(
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
    Ok(Some(id))
}

/// Counts one more document, and one more document frequency for each of its terms.
fn count_terms(tx: &Transaction<'_>, terms: &[String]) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO counters(name, value) VALUES ('docs', 1)
         ON CONFLICT(name) DO UPDATE SET value = value + 1",
        [],
    )?;
    let mut df = tx.prepare_cached(
        "INSERT INTO terms(term, df) VALUES (?1, 1)
         ON CONFLICT(term) DO UPDATE SET df = df + 1",
    )?;
    for t in terms {
        df.execute([t])?;
    }
    Ok(())
}

/// Creates the story the article started, or moves the one it joined on.
fn upsert_story(
    tx: &Transaction<'_>,
    topic: &str,
    title: &str,
    a: &Assignment,
) -> Result<(), StoreError> {
    if a.new_story {
        tx.execute(
            "INSERT INTO stories(id, topic, title, started, last_seen, last_notified, sources)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                a.story,
                topic,
                title,
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
    Ok(())
}

/// Whether the topic already has a notice for this URL (the article again, from a second
/// feed): it never notifies twice.
fn notified_before(tx: &Transaction<'_>, n: &Notice) -> Result<bool, StoreError> {
    let Some(u) = n.url.as_ref() else {
        return Ok(false);
    };
    Ok(tx
        .prepare_cached("SELECT 1 FROM notices WHERE topic = ?1 AND url = ?2")?
        .exists(params![n.topic, u.as_str()])?)
}

fn insert_match(
    tx: &Transaction<'_>,
    article_id: i64,
    m: &Placed,
    notified: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let a = &m.story;
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
            notified,
            a.whats_new
        ],
    )?;
    Ok(())
}

/// Writes the notice, undelivered, in the article's transaction.
fn insert_notice(
    tx: &Transaction<'_>,
    article_id: i64,
    n: &Notice,
    now: DateTime<Utc>,
) -> Result<NoticeId, StoreError> {
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
    Ok(NoticeId(id))
}
