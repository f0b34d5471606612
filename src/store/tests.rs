//! The store end to end on a real SQLite file: recording, delivery state, reopening.

use chrono::{DateTime, Utc};

use super::*;
use crate::fetch::Validators;
use crate::notify::Notice;
use crate::stories::Assignment;

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
    // Forgetting the terms seen once keeps the rest.
    assert_eq!(store.forget_terms(2).unwrap(), 2);
    assert_eq!(store.term_stats().unwrap().1, [("talk".to_string(), 2)]);
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
    // Its reports are dated long ago but were read just now: it is listed among today's.
    let hour = chrono::Duration::hours(1);
    assert!(at(2) < now - hour);
    assert_eq!(store.stories(Some("T"), now - hour).unwrap().len(), 1);
    assert!(store.stories(Some("T"), now + hour).unwrap().is_empty());
    assert_eq!(store.topic_activity(now - hour).unwrap()["T"].1, 1);
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

#[test]
fn pruning_deletes_old_articles_that_matched_nothing_and_keeps_their_entries() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("nw.db")).unwrap();
    let feed = store.feed_state("https://x.example/feed").unwrap().id;
    let unmatched = |key: &str| NewArticle {
        matches: Vec::new(),
        ..article(key, true, None)
    };
    store
        .record_article(feed, &article("matched", true, None), at(0))
        .unwrap();
    store
        .record_article(feed, &unmatched("old"), at(1))
        .unwrap();
    store
        .record_article(feed, &unmatched("new"), at(48))
        .unwrap();
    assert_eq!(store.prune_articles(at(24)).unwrap(), 1);
    assert_eq!(store.count(Table::Articles).unwrap(), 2);
    // The pruned entry is still known, so it is never read again; the story keeps its member.
    assert!(store.has_entry(feed, "old").unwrap());
    assert_eq!(store.stories(Some("T"), at(-1)).unwrap()[0].sources, 1);
    assert_eq!(store.count_articles_since(at(0)).unwrap(), 2);
    // Many at once go in batches.
    for i in 0..1200 {
        store
            .record_article(feed, &unmatched(&format!("b{i}")), at(2))
            .unwrap();
    }
    assert_eq!(store.prune_articles(at(24)).unwrap(), 1200);
    assert_eq!(store.prune_articles(at(24)).unwrap(), 0);
}
