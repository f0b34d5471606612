//! The real daemon loop: reload on edit, a broken edit keeps the old config, shutdown drains.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use newswatch::daemon::{self, DRAIN_TIMEOUT, Deps, Event};
use newswatch::notify::{Notifier, RecordingNotifier};
use newswatch::store::Store;
use tokio::sync::{broadcast, oneshot};

use crate::support::*;

const PATIENCE: Duration = Duration::from_secs(20);

fn simple_feed(server: &TestServer, path: &str, title: &str) {
    let item = Item {
        guid: format!("{path}-1"),
        title: title.into(),
        link: server.url(&format!("{path}.html")),
        description: format!("<p>{title}. More details inside.</p>"),
        published: None,
    };
    server.set(path, feed_route(rss("Test", &[item]), "e1"));
}

async fn next_event(
    events: &mut broadcast::Receiver<Event>,
    want: impl Fn(&Event) -> bool,
) -> Event {
    next_event_within(PATIENCE, events, want).await
}

async fn next_event_within(
    patience: Duration,
    events: &mut broadcast::Receiver<Event>,
    want: impl Fn(&Event) -> bool,
) -> Event {
    tokio::time::timeout(patience, async {
        loop {
            let e = events.recv().await.unwrap();
            if want(&e) {
                return e;
            }
        }
    })
    .await
    .expect("event did not arrive")
}

fn write(path: &Path, text: &str) {
    // Write then rename, as editors do, so the watcher never reads half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

struct Running {
    recorder: RecordingNotifier,
    events: broadcast::Receiver<Event>,
    stop: oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

fn start(config_path: &Path, db: &Path) -> Running {
    let config = newswatch::config::load(config_path).unwrap();
    let recorder = RecordingNotifier::new();
    let mut deps = Deps::new(Store::open(db).unwrap());
    deps.notifiers = Some(vec![Arc::new(recorder.clone()) as Arc<dyn Notifier>]);
    let events = deps.events.subscribe();
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(daemon::run(
        config_path.to_path_buf(),
        config,
        deps,
        async move {
            let _ = stopped.await;
        },
    ));
    Running {
        recorder,
        events,
        stop,
        handle,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_reload_without_restart_and_broken_edits_keep_the_old_config() {
    let server = TestServer::start().await;
    simple_feed(&server, "/a.xml", "Alpha festival opens");
    simple_feed(&server, "/b.xml", "Beta rocket launch delayed");
    // A different story, so it notifies rather than joining the launch delay's.
    simple_feed(&server, "/c.xml", "Beta Chess Club wins the final in Oslo");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nw.db");
    let path = dir.path().join("config.toml");
    let extra = "notify_existing = true\nfetch_articles = false";
    let alpha = "[[topics]]\nname = \"Alpha\"\nquery = \"alpha\"\n";
    let beta = "[[topics]]\nname = \"Beta\"\nquery = \"beta\"\n";
    write(
        &path,
        &config_text(&db, extra, &[server.url("/a.xml")], alpha),
    );
    let mut d = start(&path, &db);

    let first = tokio::time::timeout(PATIENCE, d.recorder.wait_for(1))
        .await
        .unwrap();
    assert_eq!(first[0].topic, "Alpha");

    // Add a topic and a feed while running.
    let two_feeds = [server.url("/a.xml"), server.url("/b.xml")];
    write(
        &path,
        &config_text(&db, extra, &two_feeds, &format!("{alpha}{beta}")),
    );
    let e = next_event(&mut d.events, |e| matches!(e, Event::Reloaded { .. })).await;
    let Event::Reloaded { topics, feeds } = e else {
        unreachable!()
    };
    assert_eq!(
        (topics, feeds),
        (vec!["Alpha".to_string(), "Beta".to_string()], 2)
    );
    let got = tokio::time::timeout(PATIENCE, d.recorder.wait_for(2))
        .await
        .unwrap();
    assert_eq!(got[1].topic, "Beta");
    assert_eq!(got[1].headline, "Beta rocket launch delayed");

    // A broken edit is refused with the reason, and the daemon keeps running.
    std::fs::write(&path, "[[topics]]\nname = \"Beta\"\nquery = \"(beta\"\n").unwrap();
    let e = next_event(&mut d.events, |e| !matches!(e, Event::FeedPolled { .. })).await;
    let Event::ReloadFailed { error } = e else {
        panic!("expected a failed reload, got {e:?}")
    };
    assert!(error.contains("config.toml:3:"), "{error}");
    assert!(error.contains("topics[0].query: expected ')'"), "{error}");

    // Fixing it works again: the daemon is alive and takes a third feed.
    let three = [
        server.url("/a.xml"),
        server.url("/b.xml"),
        server.url("/c.xml"),
    ];
    write(
        &path,
        &config_text(&db, extra, &three, &format!("{alpha}{beta}")),
    );
    let got = tokio::time::timeout(PATIENCE, d.recorder.wait_for(3))
        .await
        .unwrap();
    assert_eq!(got[2].headline, "Beta Chess Club wins the final in Oslo");
    assert_eq!(got.len(), 3, "no notice repeated: {got:?}");

    d.stop.send(()).unwrap();
    tokio::time::timeout(DRAIN_TIMEOUT + Duration::from_secs(2), d.handle)
        .await
        .expect("run returns within the drain timeout")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_returns_within_the_drain_timeout_even_with_a_stalled_feed() {
    let server = TestServer::start().await;
    server.set("/stall.xml", Route::Stall);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nw.db");
    let path = dir.path().join("config.toml");
    let text = config_text(&db, "", &[server.url("/stall.xml")], "")
        .replace("fetch_timeout = \"2s\"", "fetch_timeout = \"60s\"");
    write(&path, &text);
    let d = start(&path, &db);
    server.wait_hits("/stall.xml", 1).await;
    let started = tokio::time::Instant::now();
    d.stop.send(()).unwrap();
    tokio::time::timeout(DRAIN_TIMEOUT, d.handle)
        .await
        .expect("run returns within the drain timeout")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < DRAIN_TIMEOUT);
    // A poll cut short by shutdown is not recorded as a feed failure.
    let store = Store::open(&db).unwrap();
    assert_eq!(store.feed_error(&server.url("/stall.xml")).unwrap(), None);
}

/// The seeds as outlets published them, hours apart, through the real daemon loop: the
/// scheduler's timers run on paused time, so an hour between polls costs nothing.
#[tokio::test(start_paused = true)]
async fn seeds_published_hours_apart_notify_the_meeting_and_the_readout_only() {
    // Publication order and hours after the first report (Moscow, then Miami).
    const STREAM: [(&str, u32); 5] = [
        ("seed-004", 0),
        ("seed-000", 3),
        ("seed-001", 6),
        ("seed-002", 50),
        ("seed-003", 53),
    ];
    let server = TestServer::start().await;
    let mut items = vec![publish(&server, "offtopic-grain")];
    server.set("/feed.xml", feed_route(rss("World Desk", &items), "v0"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nw.db");
    let path = dir.path().join("config.toml");
    write(
        &path,
        &config_text(
            &db,
            "poll_interval = \"1h\"",
            &[server.url("/feed.xml")],
            &shipped_topics(),
        ),
    );
    let mut d = start(&path, &db);
    let first = next_event(&mut d.events, |e| matches!(e, Event::FeedPolled { .. })).await;
    assert!(
        matches!(&first, Event::FeedPolled { result: Ok(r), .. } if r.backlog == 1),
        "{first:?}"
    );

    let base = chrono::DateTime::parse_from_rfc3339("2025-12-02T06:00:00Z").unwrap();
    for (n, (seed, hours)) in STREAM.iter().enumerate() {
        let mut item = publish(&server, seed);
        item.published = Some((base + chrono::Duration::hours(i64::from(*hours))).to_rfc2822());
        items.insert(0, item);
        server.set(
            "/feed.xml",
            feed_route(rss("World Desk", &items), &format!("v{}", n + 1)),
        );
        // The next hourly poll picks the new item up.
        next_event_within(
            Duration::from_secs(3 * 3600),
            &mut d.events,
            |e| matches!(e, Event::FeedPolled { result: Ok(r), .. } if r.new_entries == 1),
        )
        .await;
    }
    let notices = d.recorder.notices();
    let told: Vec<String> = notices.iter().map(|n| n.headline.clone()).collect();
    let headline = |seed: &str| article(seed).0;
    assert!(notices.len() <= 3, "{told:#?}");
    assert_eq!(
        told[0],
        headline("seed-004"),
        "the Moscow meeting: {told:#?}"
    );
    assert!(
        told.contains(&headline("seed-002")),
        "the Miami readout: {told:#?}"
    );
    for quiet in ["seed-001", "seed-003"] {
        assert!(
            !told.contains(&headline(quiet)),
            "{quiet} notified: {told:#?}"
        );
    }
    // The readout is an update of the same story: what's new, and how many sources so far.
    let readout = notices
        .iter()
        .find(|n| n.headline == headline("seed-002"))
        .unwrap();
    assert!(readout.update && readout.story == notices[0].story);
    assert_eq!(readout.sources, 4);
    assert!(readout.text().contains("4 sources"), "{}", readout.text());

    // All five are on topic and in one story, which the store keeps.
    let store = Store::open(&db).unwrap();
    let stories = store.stories(None, chrono::DateTime::UNIX_EPOCH).unwrap();
    assert_eq!(stories.len(), 1, "{stories:#?}");
    assert_eq!(stories[0].sources, 5);
    let notified: Vec<bool> = stories[0].timeline.iter().map(|m| m.notified).collect();
    assert_eq!(notified.len(), 5);
    assert!(
        notified[0] && !notified[2] && notified[3] && !notified[4],
        "{notified:?}"
    );

    d.stop.send(()).unwrap();
    d.handle.await.unwrap().unwrap();

    // `newswatch stories` shows the timeline, marking what notified.
    let stories_since = |since: &str, extra: &[&str]| {
        let out = succeed(
            newswatch()
                .arg("--config")
                .arg(&path)
                .args(["stories", "--since", since])
                .args(extra),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let stories = |extra: &[&str]| stories_since("3650d", extra);
    let text = stories(&[]);
    assert!(text.starts_with("Ukraine peace talks · story "), "{text}");
    assert!(text.contains("· 5 sources ·"), "{text}");
    let marked: Vec<&str> = text.lines().filter(|l| l.starts_with("  * ")).collect();
    assert_eq!(marked.len(), told.len(), "{text}");
    assert!(marked[0].ends_with(&headline("seed-004")), "{text}");
    let json = stories(&["--json", "--topic", "Ukraine peace talks"]);
    let story: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(story["sources"], 5);
    assert_eq!(story["timeline"].as_array().unwrap().len(), 5);
    assert_eq!(story["timeline"][3]["notified"], true);
    assert!(stories(&["--topic", "Other"]).starts_with("no stories since"));
    // Dated a year back but read just now: still among the last hour's stories.
    assert!(
        stories_since("1h", &[]).starts_with("Ukraine peace talks · story "),
        "{}",
        stories_since("1h", &[])
    );
}

/// Politeness on paused time: a server's Retry-After is honoured, and a feed that is gone
/// (410) is not asked again.
#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_a_gone_feed_is_left_alone() {
    let server = TestServer::start().await;
    server.set(
        "/busy.xml",
        Route::Reply {
            status: 503,
            headers: vec!["Retry-After: 7200".into()],
            body: b"busy".to_vec(),
        },
    );
    server.set("/gone.xml", Route::Status(410));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nw.db");
    let path = dir.path().join("config.toml");
    write(
        &path,
        &config_text(
            &db,
            "poll_interval = \"1m\"",
            &[server.url("/busy.xml"), server.url("/gone.xml")],
            "",
        ),
    );
    let d = start(&path, &db);
    server.wait_hits("/busy.xml", 1).await;
    server.wait_hits("/gone.xml", 1).await;
    let first = tokio::time::Instant::now();
    // Without Retry-After the next try would come after a minute or two.
    server.wait_hits("/busy.xml", 2).await;
    assert!(
        first.elapsed() >= Duration::from_secs(7200),
        "retried after {:?}",
        first.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(10 * 3600)).await;
    assert_eq!(
        server.hits("/gone.xml").len(),
        1,
        "a gone feed is not polled again"
    );
    let store = Store::open(&db).unwrap();
    let error = store.feed_error(&server.url("/gone.xml")).unwrap().unwrap();
    assert!(error.contains("410") && error.contains("gone"), "{error}");
    d.stop.send(()).unwrap();
    d.handle.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_articles_that_matched_nothing_are_pruned_at_start() {
    use newswatch::store::{NewArticle, Table};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nw.db");
    let store = Store::open(&db).unwrap();
    let feed = store.feed_state("https://x.example/feed").unwrap().id;
    let now = chrono::Utc::now();
    for (key, age_days) in [("old", 40), ("recent", 2)] {
        let article = NewArticle {
            entry_key: key.into(),
            url: None,
            title: format!("{key} article"),
            text: "Text.".into(),
            published: None,
            source: "s".into(),
            origin: "feed",
            terms: Vec::new(),
            matches: Vec::new(),
        };
        let read = now - chrono::Duration::days(age_days);
        store.record_article(feed, &article, read).unwrap();
    }
    drop(store);
    let path = dir.path().join("config.toml");
    write(&path, &config_text(&db, "", &[], ""));
    let mut d = start(&path, &db);
    let e = next_event(&mut d.events, |e| matches!(e, Event::Pruned { .. })).await;
    assert!(matches!(e, Event::Pruned { articles: 1 }), "{e:?}");
    let store = Store::open(&db).unwrap();
    assert_eq!(store.count(Table::Articles).unwrap(), 1);
    assert!(store.has_entry(feed, "old").unwrap());
    d.stop.send(()).unwrap();
    d.handle.await.unwrap().unwrap();
}
