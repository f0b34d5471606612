//! Rate limits, quiet hours and digests, on paused tokio time: held notices arrive as one
//! digest when their time comes.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use newswatch::daemon::{self, Deps};
use newswatch::notify::gate::local_today;
use newswatch::notify::{Notifier, RecordingNotifier};
use newswatch::pipeline::deliver_pending;
use newswatch::store::Store;

use crate::support::*;

/// Five unrelated events: five stories, five notices.
const EVENTS: [(&str, &str); 5] = [
    (
        "Volcano erupts near Grindavik in Iceland",
        "Lava flows reached the outskirts of Grindavik on Monday, Icelandic officials said.",
    ),
    (
        "Hurricane Milton makes landfall in Florida",
        "The storm hit Siesta Key with winds of 120 mph, the National Hurricane Center said.",
    ),
    (
        "Chile elects Jose Antonio Kast as president",
        "Kast won the runoff with 58 percent of the vote, the electoral service reported.",
    ),
    (
        "Bank of Japan raises rates to 0.75 percent",
        "Governor Kazuo Ueda said inflation had held above the 2 percent target for months.",
    ),
    (
        "Real Madrid win the Champions League final in London",
        "Vinicius Junior scored twice at Wembley as Madrid beat Dortmund 2-0.",
    ),
];

fn local(h: u32, m: u32) -> DateTime<Utc> {
    local_today(NaiveTime::from_hms_opt(h, m, 0).unwrap()).unwrap()
}

/// A feed of the five events and a config: topic "World" (every article) plus `extra`.
fn setup(server: &TestServer, dir: &std::path::Path, topics: &str, notify: &str) -> String {
    // Feeds list the newest first: the first event is the oldest.
    let items: Vec<Item> = EVENTS
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (title, text))| Item {
            guid: format!("e{i}"),
            title: title.to_string(),
            link: server.url(&format!("/e{i}.html")),
            description: format!("<p>{text}</p>"),
            published: None,
        })
        .collect();
    server.set("/feed.xml", feed_route(rss("Desk", &items), "v1"));
    config_text(
        &dir.join("nw.db"),
        "notify_existing = true\nfetch_articles = false",
        &[server.url("/feed.xml")],
        topics,
    )
    .replace("[notify]\n", &format!("[notify]\n{notify}\n"))
}

#[tokio::test(start_paused = true)]
async fn over_the_rate_limit_the_excess_folds_into_one_digest() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let text = setup(
        &server,
        dir.path(),
        "[[topics]]\nname = \"World\"\nquery = \"*\"\nmax_per_hour = 2\n",
        "",
    );
    let db = dir.path().join("nw.db");
    let h = Harness::paused(&text, &db, local(10, 0));
    let (notices, _) = h.cycle().await;
    let told: Vec<&str> = notices.iter().map(|n| n.headline.as_str()).collect();
    assert_eq!(told, [EVENTS[0].0, EVENTS[1].0], "two an hour");

    // Within the hour nothing more goes out.
    tokio::time::sleep(Duration::from_secs(59 * 60)).await;
    deliver_pending(&h.shared, &h.loaded).await;
    assert!(h.recorder.take().is_empty());
    // Then the three held notices arrive as one digest.
    tokio::time::sleep(Duration::from_secs(61)).await;
    let report = deliver_pending(&h.shared, &h.loaded).await;
    assert_eq!(report.next_retry, None);
    let digest = h.recorder.take();
    assert_eq!(digest.len(), 1, "{digest:?}");
    assert_eq!(digest[0].headline, "3 more updates on World");
    assert_eq!(
        digest[0].body,
        format!("• {}\n• {}\n• {}", EVENTS[4].0, EVENTS[3].0, EVENTS[2].0)
    );
    let history = Store::open(&db)
        .unwrap()
        .history(DateTime::UNIX_EPOCH)
        .unwrap();
    let digest_id = history.iter().find(|e| e.digest).unwrap().id;
    let folded = history
        .iter()
        .filter(|e| e.in_digest == Some(digest_id))
        .count();
    assert_eq!(folded, 3);
}

#[tokio::test(start_paused = true)]
async fn quiet_hours_hold_notices_for_one_digest_through_the_daemon_loop() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let topics = "[[topics]]\nname = \"World\"\nquery = \"*\"\n\
                  [[topics]]\nname = \"Volcanoes\"\nquery = \"volcano\"\nurgency = \"critical\"\n";
    let text = setup(
        &server,
        dir.path(),
        topics,
        "quiet_hours = [\"22:00-07:00\"]",
    );
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &text).unwrap();
    let db = dir.path().join("nw.db");
    let recorder = RecordingNotifier::new();
    let mut deps = Deps::new(Store::open(&db).unwrap());
    deps.notifiers = Some(vec![Arc::new(recorder.clone()) as Arc<dyn Notifier>]);
    let night = local(23, 0);
    deps.clock = newswatch::clock::Clock::following_tokio(night);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = newswatch::config::load(&path).unwrap();
    let started = tokio::time::Instant::now();
    let handle = tokio::spawn(daemon::run(path.clone(), config, deps, async move {
        let _ = stopped.await;
    }));

    // A critical topic's notice passes quiet hours; the rest wait for the morning.
    let first = tokio::time::timeout(Duration::from_secs(60), recorder.wait_for(1))
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].topic.as_str(), first[0].headline.as_str()),
        ("Volcanoes", EVENTS[0].0)
    );
    let morning = tokio::time::timeout(Duration::from_secs(9 * 3600), recorder.wait_for(2))
        .await
        .expect("the digest arrives when quiet hours end");
    assert!(
        started.elapsed() >= Duration::from_secs(8 * 3600),
        "not before 07:00: {:?}",
        started.elapsed()
    );
    let digest = &morning[1];
    assert_eq!(digest.headline, "5 notices on World during quiet hours");
    assert!(
        digest.body.starts_with(&format!("• {}", EVENTS[4].0)),
        "{}",
        digest.body
    );
    assert_eq!(recorder.notices().len(), 2, "one digest, nothing else");
    stop.send(()).unwrap();
    handle.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn digest_mode_sends_one_summary_per_interval() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let text = setup(
        &server,
        dir.path(),
        "[[topics]]\nname = \"World\"\nquery = \"*\"\ndigest = \"30m\"\n",
        "",
    );
    let h = Harness::paused(&text, &dir.path().join("nw.db"), local(10, 0));
    let (notices, _) = h.cycle().await;
    assert!(notices.is_empty(), "{notices:?}");
    tokio::time::sleep(Duration::from_secs(29 * 60)).await;
    let report = deliver_pending(&h.shared, &h.loaded).await;
    assert!(h.recorder.take().is_empty());
    assert_eq!(report.next_retry, Some(local(10, 30)));
    tokio::time::sleep(Duration::from_secs(60)).await;
    deliver_pending(&h.shared, &h.loaded).await;
    let digest = h.recorder.take();
    assert_eq!(digest.len(), 1);
    assert_eq!(digest[0].headline, "5 updates on World");
    assert_eq!(digest[0].sources, 5);
}
