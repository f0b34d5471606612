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
    };
    server.set(path, feed_route(rss("Test", &[item]), "e1"));
}

async fn next_event(
    events: &mut broadcast::Receiver<Event>,
    want: impl Fn(&Event) -> bool,
) -> Event {
    tokio::time::timeout(PATIENCE, async {
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
    simple_feed(&server, "/c.xml", "Beta rocket launch rescheduled");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nw.db");
    let path = dir.path().join("config.toml");
    let extra = "notify_existing = true\nfetch_articles = false";
    let alpha = "[[topics]]\nname = \"Alpha\"\nquery = \"alpha\"\n";
    let beta = "[[topics]]\nname = \"Beta\"\nquery = \"beta rocket\"\n";
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
    assert_eq!(got[2].headline, "Beta rocket launch rescheduled");
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
