//! The whole pipeline against a loopback server: feed → pages → extraction → matching →
//! store → notices, with the shipped "Ukraine peace talks" topic.

use newswatch::store::Store;

use crate::support::*;

const SEEDS: [&str; 5] = ["seed-004", "seed-000", "seed-001", "seed-002", "seed-003"];
const OFF_TOPIC: [&str; 4] = [
    "offtopic-grain",
    "offtopic-impeachment",
    "offtopic-nobel",
    "offtopic-gaza",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_articles_make_one_story_and_one_notice() {
    let server = TestServer::start().await;
    let old: Vec<Item> = ["offtopic-grain", "offtopic-nobel"]
        .iter()
        .map(|n| {
            let mut item = publish(&server, n);
            item.guid.push_str(":old");
            item
        })
        .collect();
    server.set("/feed.xml", feed_route(rss("World Desk", &old), "v1"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("newswatch.db");
    let cfg = config_text(&db, "", &[server.url("/feed.xml")], &shipped_topics());
    let h = Harness::from_text(&cfg, &db);

    // First fetch of a new feed: its entries are recorded silently.
    let (notices, results) = h.cycle().await;
    assert!(notices.is_empty(), "{notices:?}");
    let report = results[0].1.as_ref().unwrap();
    assert_eq!(report.backlog, 2);

    // New items appear, newest first as feeds list them: seeds interleaved with off-topic
    // stories that mention Ukraine.
    let mut fresh: Vec<Item> = Vec::new();
    for (i, seed) in SEEDS.iter().enumerate() {
        fresh.push(publish(&server, seed));
        if let Some(off) = OFF_TOPIC.get(i) {
            fresh.push(publish(&server, off));
        }
    }
    fresh.reverse();
    let mut all = fresh;
    all.extend(old);
    server.set("/feed.xml", feed_route(rss("World Desk", &all), "v2"));
    let (notices, results) = h.cycle().await;
    assert_eq!(results[0].1.as_ref().unwrap().new_entries, 9);
    let got: Vec<(String, String)> = notices
        .iter()
        .map(|n| (n.headline.clone(), n.url.as_ref().unwrap().to_string()))
        .collect();
    // Five outlets, one story: the first seed notifies; the other four arrive with it,
    // before any update is due, and join the story silently.
    let want = vec![(article("seed-004").0, server.url("/news/seed-004.html"))];
    assert_eq!(got, want, "one notice for the story: {notices:?}");
    assert!(!notices[0].update);
    for n in &notices {
        assert_eq!(n.topic, "Ukraine peace talks");
        assert_eq!(n.source, "World Desk");
        assert!(n.summary().starts_with("Ukraine peace talks: "));
        assert!(!n.body.is_empty());
        for chrome in [
            "Share on",
            "newsletter",
            "Trending",
            "Most read",
            "All rights reserved",
        ] {
            assert!(!n.body.contains(chrome), "{chrome:?} in {:?}", n.body);
        }
    }

    // Nothing new: the server answers 304 to our conditional GET.
    let (notices, _) = h.cycle().await;
    assert!(notices.is_empty());
    let last = server.hits("/feed.xml").pop().unwrap();
    assert_eq!(last.if_none_match.as_deref(), Some("\"v2\""));
    assert_eq!(last.status, 304);

    // Restart on the same database; the feed changes its ETag but not its items.
    drop(h);
    server.set("/feed.xml", feed_route(rss("World Desk", &all), "v3"));
    let h = Harness::from_text(&cfg, &db);
    let (notices, _) = h.cycle().await;
    assert!(
        notices.is_empty(),
        "no notice repeats after a restart: {notices:?}"
    );
    assert_eq!(server.hits("/feed.xml").pop().unwrap().status, 200);

    // The stored article is the page's text without its chrome.
    let store = Store::open(&db).unwrap();
    assert_eq!(store.count(newswatch::store::Table::Notices).unwrap(), 1);
    assert_eq!(store.count(newswatch::store::Table::Matches).unwrap(), 5);
    let stories = store.stories(None, chrono::DateTime::UNIX_EPOCH).unwrap();
    assert_eq!(stories.len(), 1, "{stories:?}");
    assert_eq!(stories[0].sources, 5);
    assert_eq!(stories[0].title, article("seed-004").0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_feeds_are_logged_and_retried_without_affecting_others() {
    let server = TestServer::start().await;
    server.set(
        "/garbage.xml",
        Route::Ok {
            content_type: "application/rss+xml",
            body: b"<<<this is \x00 not a feed \xff".to_vec(),
            etag: None,
        },
    );
    server.set("/error.xml", Route::Status(500));
    server.set("/stall.xml", Route::Stall);
    let huge: Vec<Item> = (0..100)
        .map(|i| Item {
            guid: format!("h{i}"),
            title: format!("Item {i}"),
            link: format!("http://example.invalid/{i}"),
            description: "padding ".repeat(20),
            published: None,
        })
        .collect();
    server.set("/huge.xml", feed_route(rss("Huge", &huge), "h1"));
    let item = publish(&server, "seed-002");
    server.set("/good.xml", feed_route(rss("Good", &[item]), "g1"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("newswatch.db");
    let feeds: Vec<String> = [
        "/garbage.xml",
        "/error.xml",
        "/stall.xml",
        "/huge.xml",
        "/good.xml",
    ]
    .iter()
    .map(|p| server.url(p))
    .collect();
    let cfg = config_text(
        &db,
        "notify_existing = true\nmax_feed_size = 4096",
        &feeds,
        &shipped_topics(),
    );
    let h = Harness::from_text(&cfg, &db);

    let (notices, results) = h.cycle().await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].headline, article("seed-002").0);
    let err = |i: usize| results[i].1.clone().unwrap_err();
    assert!(err(0).contains("not a readable"), "{}", err(0));
    assert!(err(1).contains("HTTP status 500"), "{}", err(1));
    assert!(err(2).contains("request failed"), "{}", err(2));
    assert!(err(3).contains("larger than 4096 bytes"), "{}", err(3));
    assert!(results[4].1.is_ok());

    let store = Store::open(&db).unwrap();
    assert!(
        store
            .feed_error(&feeds[1])
            .unwrap()
            .unwrap()
            .contains("500")
    );
    assert!(store.feed_error(&feeds[4]).unwrap().is_none());

    // The next cycle tries the failing feeds again; nothing is notified twice.
    let (notices, _) = h.cycle().await;
    assert!(notices.is_empty());
    assert_eq!(server.hits("/error.xml").len(), 2);
    assert_eq!(server.hits("/garbage.xml").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_page_falls_back_to_the_feed_text() {
    let server = TestServer::start().await;
    let item = Item {
        guid: "x1".into(),
        title: "Umerov in Miami for talks on security guarantees".into(),
        link: server.url("/missing.html"),
        description: "<p>Ukraine's negotiator Rustem Umerov met Witkoff and Kushner in Miami to discuss the peace plan after their meeting with Putin in Moscow.</p>".into(),
        published: None,
    };
    server.set("/feed.xml", feed_route(rss("Wire", &[item]), "w1"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("newswatch.db");
    let cfg = config_text(
        &db,
        "notify_existing = true",
        &[server.url("/feed.xml")],
        &shipped_topics(),
    );
    let h = Harness::from_text(&cfg, &db);
    let (notices, _) = h.cycle().await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].text().starts_with("Wire — "));
    assert!(
        notices[0].body.contains("Rustem Umerov"),
        "{}",
        notices[0].body
    );
    assert_eq!(server.hits("/missing.html")[0].status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stories_and_what_was_told_survive_a_restart() {
    let server = TestServer::start().await;
    let base = chrono::DateTime::parse_from_rfc3339("2025-12-02T06:00:00Z").unwrap();
    let dated = |seed: &str, hours: i64| {
        let mut item = publish(&server, seed);
        item.published = Some((base + chrono::Duration::hours(hours)).to_rfc2822());
        item
    };
    let mut items = vec![dated("seed-004", 0)];
    server.set("/feed.xml", feed_route(rss("World Desk", &items), "v1"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nw.db");
    let cfg = config_text(
        &db,
        "notify_existing = true",
        &[server.url("/feed.xml")],
        &shipped_topics(),
    );
    let h = Harness::from_text(&cfg, &db);
    let (notices, _) = h.cycle().await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    let story = notices[0].story;
    assert!(story.is_some() && !notices[0].update);
    drop(h);

    // After a restart the tracker is rebuilt from the store: the next report of the same
    // meeting joins the story silently instead of starting a new one.
    let h = Harness::from_text(&cfg, &db);
    items.insert(0, dated("seed-000", 3));
    server.set("/feed.xml", feed_route(rss("World Desk", &items), "v2"));
    let (notices, _) = h.cycle().await;
    assert!(notices.is_empty(), "{notices:?}");
    drop(h);

    // And again: the Miami readout two days later is an update of that same story.
    let h = Harness::from_text(&cfg, &db);
    items.insert(0, dated("seed-002", 50));
    server.set("/feed.xml", feed_route(rss("World Desk", &items), "v3"));
    let (notices, _) = h.cycle().await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].headline, article("seed-002").0);
    assert!(notices[0].update);
    assert_eq!((notices[0].story, notices[0].sources), (story, 3));
    let stories = Store::open(&db)
        .unwrap()
        .stories(None, chrono::DateTime::UNIX_EPOCH)
        .unwrap();
    assert_eq!(stories.len(), 1, "{stories:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_redirect_moves_the_feed_and_a_temporary_one_does_not() {
    let server = TestServer::start().await;
    let item = Item {
        guid: "a".into(),
        title: "Something happened".into(),
        link: server.url("/a.html"),
        description: "<p>Details.</p>".into(),
        published: None,
    };
    server.set("/new.xml", feed_route(rss("Desk", &[item]), "n1"));
    let redirect = |status: u16| Route::Reply {
        status,
        headers: vec![format!("Location: {}", server.url("/new.xml"))],
        body: Vec::new(),
    };
    server.set("/old.xml", redirect(301));
    server.set("/tmp.xml", redirect(302));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nw.db");
    let cfg = config_text(
        &db,
        "fetch_articles = false",
        &[server.url("/old.xml"), server.url("/tmp.xml")],
        "",
    );
    let h = Harness::from_text(&cfg, &db);
    for _ in 0..3 {
        let (_, results) = h.cycle().await;
        for (url, r) in results {
            r.unwrap_or_else(|e| panic!("{url}: {e}"));
        }
    }
    // The moved feed was asked at its old address once; the temporary one every time.
    assert_eq!(server.hits("/old.xml").len(), 1);
    assert_eq!(server.hits("/tmp.xml").len(), 3);
    assert_eq!(server.hits("/new.xml").len(), 6);
    let state = Store::open(&db)
        .unwrap()
        .feed_state(&server.url("/old.xml"))
        .unwrap();
    assert_eq!(
        state.moved_to.map(|u| u.to_string()),
        Some(server.url("/new.xml"))
    );
}
