//! Stories as stored: the open ones to rebuild the tracker after a restart, the views
//! behind `stories` and `report`, per-topic activity for `status`, and muting.
//!
//! Grouping articles into stories is `crate::stories`; this file only reads and flags rows.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, from_ts};

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

impl Store {
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
    /// timelines. Seen means a report published since then, or one read since then: an
    /// old report read today (a feed's backlog, a wrong date) is news to the user today.
    pub fn stories(
        &self,
        topic: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Vec<StoryView>, StoreError> {
        let conn = self.conn();
        let mut stories: Vec<StoryView> = conn
            .prepare(
                "SELECT id, topic, title, started, last_seen, sources, muted FROM stories
                 WHERE (last_seen >= ?1
                        OR id IN (SELECT story_id FROM matches
                                  WHERE matched_at >= ?1 AND story_id IS NOT NULL))
                   AND (?2 IS NULL OR topic = ?2)
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
                "SELECT topic, COUNT(*) FROM stories
                 WHERE last_seen >= ?1
                    OR id IN (SELECT story_id FROM matches
                              WHERE matched_at >= ?1 AND story_id IS NOT NULL)
                 GROUP BY topic",
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
}
