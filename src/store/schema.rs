//! Schema versions, applied in order; `PRAGMA user_version` says how far a database got.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Each entry moves the schema one version forward. Never edit a released step; add one.
const MIGRATIONS: &[&str] = &[
    // 1: feeds, entries seen, articles, matches, notices.
    "CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        initialized INTEGER NOT NULL DEFAULT 0,
        last_fetch INTEGER,
        last_success INTEGER,
        last_status INTEGER,
        last_error TEXT,
        error_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE entries (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        title TEXT,
        link TEXT,
        first_seen INTEGER NOT NULL,
        PRIMARY KEY (feed_id, key)
    ) WITHOUT ROWID;
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        entry_key TEXT NOT NULL,
        url TEXT,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        published INTEGER,
        source TEXT NOT NULL,
        origin TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        UNIQUE (feed_id, entry_key)
    );
    CREATE INDEX articles_url ON articles(url);
    CREATE TABLE matches (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        score REAL NOT NULL,
        matched_at INTEGER NOT NULL,
        PRIMARY KEY (article_id, topic)
    ) WITHOUT ROWID;
    CREATE INDEX matches_topic ON matches(topic, matched_at);
    CREATE TABLE notices (
        id INTEGER PRIMARY KEY,
        article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
        topic TEXT NOT NULL,
        headline TEXT NOT NULL,
        source TEXT NOT NULL,
        url TEXT,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        delivered_at INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX notices_topic_url ON notices(topic, url);
    CREATE INDEX notices_pending ON notices(id) WHERE delivered_at IS NULL;",
    // 2: a notice carries its topic's urgency.
    "ALTER TABLE notices ADD COLUMN urgency TEXT NOT NULL DEFAULT 'normal';",
    // 3: stories, their members (matches placed in a story), term statistics.
    "CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        topic TEXT NOT NULL,
        title TEXT NOT NULL,
        started INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        last_notified INTEGER,
        sources INTEGER NOT NULL DEFAULT 1,
        muted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX stories_last_seen ON stories(last_seen);
    ALTER TABLE matches ADD COLUMN story_id INTEGER REFERENCES stories(id) ON DELETE SET NULL;
    ALTER TABLE matches ADD COLUMN at INTEGER;
    ALTER TABLE matches ADD COLUMN new_story INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE matches ADD COLUMN notified INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE matches ADD COLUMN whats_new TEXT;
    CREATE INDEX matches_story ON matches(story_id);
    ALTER TABLE notices ADD COLUMN story_id INTEGER;
    ALTER TABLE notices ADD COLUMN is_update INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE notices ADD COLUMN sources INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;",
    // 4: per-channel delivery of each notice; a notice's publication time.
    "ALTER TABLE notices ADD COLUMN published INTEGER;
    CREATE TABLE deliveries (
        notice_id INTEGER NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        delivered_at INTEGER,
        gave_up INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt INTEGER,
        PRIMARY KEY (notice_id, channel)
    ) WITHOUT ROWID;",
    // 5: anti-noise: notices held back (quiet hours, rate limits, digests), when each went
    // out, and digests that carry held notices.
    "ALTER TABLE notices ADD COLUMN held_until INTEGER;
    ALTER TABLE notices ADD COLUMN hold_reason TEXT;
    ALTER TABLE notices ADD COLUMN released_at INTEGER;
    ALTER TABLE notices ADD COLUMN is_digest INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE notices ADD COLUMN folded_into INTEGER;
    CREATE INDEX notices_released ON notices(released_at);
    UPDATE notices SET released_at = created_at;",
    // 6: where a feed moved for good (301/308); fetched there from then on.
    "ALTER TABLE feeds ADD COLUMN moved_to TEXT;",
];

pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if version > supported {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
