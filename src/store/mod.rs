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
mod feeds;
mod notices;
mod record;
mod schema;
mod stories;
#[cfg(test)]
mod tests;

pub use articles::StoredArticle;
pub use feeds::{BacklogEntry, FeedState, FeedStatus};
pub use notices::{ChannelOutcome, ChannelState, Delivery, HistoryEntry, PendingNotice};
pub use record::{NewArticle, Placed};
pub use stories::{MemberView, OpenStory, StoryView};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

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
