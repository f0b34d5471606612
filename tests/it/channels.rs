//! ntfy, webhook and command channels against a loopback server and real processes:
//! request shapes, retries with backoff on paused time, the give-up bound, and no
//! duplicate after a confirmed delivery, even across a restart.

use std::time::Duration;

use chrono::{DateTime, Utc};
use newswatch::store::Store;

use crate::support::*;

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-12-02T06:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A feed with one matching item whose text the feed carries, and a config with `channels`.
fn setup(server: &TestServer, dir: &std::path::Path, channels: &str) -> String {
    let item = Item {
        guid: "talks-1".into(),
        title: "Peace talks resume in Geneva".into(),
        link: server.url("/talks-1.html"),
        description: "<p>Delegations resumed peace talks in Geneva on Monday, diplomats said.</p>"
            .into(),
        published: Some("Tue, 02 Dec 2025 05:00:00 +0000".into()),
    };
    server.set("/feed.xml", feed_route(rss("Desk", &[item]), "v1"));
    let mut text = config_text(
        &dir.join("nw.db"),
        "notify_existing = true\nfetch_articles = false",
        &[server.url("/feed.xml")],
        &topic("Talks", "peace talks"),
    );
    text.push_str(channels);
    text
}

fn json(hit: &Hit) -> serde_json::Value {
    serde_json::from_slice(&hit.body).unwrap()
}

#[tokio::test(start_paused = true)]
async fn ntfy_and_webhook_deliver_once_and_retry_failures_with_backoff() {
    let server = TestServer::start().await;
    server.set("/ntfy", Route::statuses(&[]));
    // The webhook fails twice, then recovers.
    server.set("/hook", Route::statuses(&[500, 503]));
    let dir = tempfile::tempdir().unwrap();
    let channels = format!(
        "[[notify.channels]]\nname = \"phone\"\ntype = \"ntfy\"\nurl = \"{}\"\ntopic = \"news\"\n\
         token = \"tk_secret\"\ntags = [\"newspaper\"]\n\
         [[notify.channels]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{}\"\n",
        server.url("/ntfy"),
        server.url("/hook")
    );
    let text = setup(&server, dir.path(), &channels);
    let db = dir.path().join("nw.db");
    let h = Harness::with_config_channels(&text, &db, start());

    pipeline_cycle(&h).await;
    let report = newswatch::pipeline::deliver_pending(&h.shared, &h.loaded).await;
    assert_eq!(report.delivered, 0, "nothing new is due: {report:?}");
    let ntfy = server.hits("/ntfy");
    assert_eq!(ntfy.len(), 1);
    assert_eq!(ntfy[0].method, "POST");
    assert_eq!(
        ntfy[0].headers.get("authorization").map(String::as_str),
        Some("Bearer tk_secret")
    );
    let msg = json(&ntfy[0]);
    assert_eq!(msg["topic"], "news");
    assert_eq!(msg["title"], "Talks: Peace talks resume in Geneva");
    assert_eq!(msg["click"], server.url("/talks-1.html"));
    assert_eq!(msg["priority"], 3);
    assert_eq!(msg["tags"], serde_json::json!(["newspaper"]));
    assert!(
        msg["message"]
            .as_str()
            .unwrap()
            .starts_with("Desk — Delegations resumed peace talks"),
        "{msg}"
    );
    let hook = server.hits("/hook");
    assert_eq!(hook.len(), 1);
    assert_eq!(hook[0].status, 500);

    // The first retry is due 30 s later, the second a minute after that.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let r = newswatch::pipeline::deliver_pending(&h.shared, &h.loaded).await;
    assert_eq!((r.delivered, r.failed), (0, 1));
    assert_eq!(server.hits("/hook").len(), 2);
    tokio::time::sleep(Duration::from_secs(30)).await;
    newswatch::pipeline::deliver_pending(&h.shared, &h.loaded).await;
    assert_eq!(server.hits("/hook").len(), 2, "not due before its backoff");
    tokio::time::sleep(Duration::from_secs(31)).await;
    let r = newswatch::pipeline::deliver_pending(&h.shared, &h.loaded).await;
    assert_eq!((r.delivered, r.failed, r.next_retry), (1, 0, None));
    let hook = server.hits("/hook");
    assert_eq!(hook.len(), 3);
    let payload = json(&hook[2]);
    assert_eq!(payload["topic"], "Talks");
    assert_eq!(payload["headline"], "Peace talks resume in Geneva");
    assert_eq!(payload["url"], server.url("/talks-1.html"));
    assert_eq!(payload["sources"], 1);
    assert_eq!(payload["update"], false);
    assert_eq!(payload["published"], "2025-12-02T05:00:00+00:00");
    assert!(
        payload["story"].is_i64() && payload["id"].is_i64(),
        "{payload}"
    );
    assert_eq!(
        json(&hook[0])["id"],
        payload["id"],
        "the same id on every attempt"
    );
    // ntfy confirmed the first time and was never asked again.
    assert_eq!(server.hits("/ntfy").len(), 1);

    // A restart delivers nothing twice.
    drop(h);
    let h = Harness::with_config_channels(&text, &db, start());
    pipeline_cycle(&h).await;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    newswatch::pipeline::deliver_pending(&h.shared, &h.loaded).await;
    assert_eq!(server.hits("/ntfy").len(), 1);
    assert_eq!(server.hits("/hook").len(), 3);

    // `history` shows each channel's outcome.
    let out = succeed(
        newswatch()
            .arg("--config")
            .arg(write_config(dir.path(), &text))
            .args(["history", "--since", "3650d", "--json"]),
    );
    let entry: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(entry["settled"], true);
    let outcomes: Vec<(String, i64)> = entry["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["status"], "delivered");
            (
                c["channel"].as_str().unwrap().to_string(),
                c["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [("hook".to_string(), 3), ("phone".to_string(), 1)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_channel_gives_up_after_its_bound_and_the_others_are_unaffected() {
    let server = TestServer::start().await;
    server.set("/hook", Route::Status(500));
    server.set("/ok", Route::statuses(&[]));
    let dir = tempfile::tempdir().unwrap();
    let channels = format!(
        "[[notify.channels]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{}\"\nmax_attempts = 3\n\
         [[notify.channels]]\nname = \"other\"\ntype = \"webhook\"\nurl = \"{}\"\n",
        server.url("/hook"),
        server.url("/ok")
    );
    let text = setup(&server, dir.path(), &channels);
    let h = Harness::with_config_channels(&text, &dir.path().join("nw.db"), start());
    pipeline_cycle(&h).await;
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        newswatch::pipeline::deliver_pending(&h.shared, &h.loaded).await;
    }
    assert_eq!(
        server.hits("/hook").len(),
        3,
        "three attempts, then given up"
    );
    assert_eq!(
        server.hits("/ok").len(),
        1,
        "the other channel delivered once"
    );
    let history = Store::open(&dir.path().join("nw.db"))
        .unwrap()
        .history(DateTime::UNIX_EPOCH)
        .unwrap();
    let hook = history[0]
        .channels
        .iter()
        .find(|c| c.channel == "hook")
        .unwrap();
    assert_eq!((hook.status, hook.attempts), ("failed", 3));
    assert!(
        hook.error.as_deref().unwrap().contains("HTTP 500"),
        "{hook:?}"
    );
    assert!(history[0].settled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_gets_the_headline_as_text_never_as_shell() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("pwned");
    let headline = format!("Talks resume; touch {} #", pwned.display());
    let item = Item {
        guid: "x".into(),
        title: headline.clone(),
        link: server.url("/x.html"),
        description: "<p>Peace talks resume after a pause, officials said on Monday.</p>".into(),
        published: None,
    };
    server.set("/feed.xml", feed_route(rss("Desk", &[item]), "v1"));
    let args = dir.path().join("args.txt");
    let mut text = config_text(
        &dir.path().join("nw.db"),
        "notify_existing = true\nfetch_articles = false",
        &[server.url("/feed.xml")],
        &topic("Talks", "peace talks"),
    );
    // The program prints its arguments and the headline it was given, one per line.
    text.push_str(&format!(
        "[[notify.channels]]\nname = \"script\"\ntype = \"command\"\n\
         command = [\"sh\", \"-c\", 'printf \"%s\\n\" \"$@\" \"$NEWSWATCH_HEADLINE\" \"$NEWSWATCH_TOPIC\" > \"$0\"', \"{}\", \"a b\", \"$HOME; rm -rf ~\"]\n",
        args.display()
    ));
    let path = write_config(dir.path(), &text);
    let out = succeed(newswatch().arg("--config").arg(&path).arg("once"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 notices sent"));
    let lines: Vec<String> = std::fs::read_to_string(&args)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        lines,
        ["a b", "$HOME; rm -rf ~", headline.as_str(), "Talks"]
    );
    assert!(!pwned.exists(), "the headline was run as a command");

    // notify-test reaches the same channel and says so.
    let out = succeed(newswatch().arg("--config").arg(&path).args([
        "notify-test",
        "--channel",
        "script",
    ]));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "script: ok\n");
    let lines = std::fs::read_to_string(&args).unwrap();
    assert!(lines.contains("Test notice from newswatch"), "{lines}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_test_reports_the_exact_failure() {
    let server = TestServer::start().await;
    server.set("/hook", Route::Status(403));
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}[[notify.channels]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{}\"\n",
        config_text(&dir.path().join("nw.db"), "", &[], ""),
        server.url("/hook")
    );
    let path = write_config(dir.path(), &text);
    let out = newswatch()
        .arg("--config")
        .arg(&path)
        .arg("notify-test")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hook: failed: HTTP 403: error\n"
    );
    let out = newswatch()
        .arg("--config")
        .arg(&path)
        .args(["notify-test", "--channel", "pager"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no enabled channel called \"pager\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One poll of every feed, recording notices without delivering them.
async fn pipeline_cycle(h: &Harness) {
    for (url, r) in newswatch::pipeline::poll_all(&h.shared, &h.loaded).await {
        r.unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    newswatch::pipeline::deliver_pending(&h.shared, &h.loaded).await;
}

fn write_config(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn a_hung_channel_holds_up_only_itself() {
    let server = TestServer::start().await;
    let items: Vec<Item> = [
        (
            "talks",
            "Peace talks resume in Geneva",
            "Delegations met in Geneva on Monday.",
        ),
        (
            "quake",
            "Earthquake strikes central Chile",
            "A strong quake shook Talca overnight.",
        ),
        (
            "rates",
            "Central bank raises interest rates",
            "The bank lifted its rate by half a point.",
        ),
    ]
    .iter()
    .map(|(id, title, text)| Item {
        guid: id.to_string(),
        title: title.to_string(),
        link: server.url(&format!("/{id}.html")),
        description: format!("<p>{text}</p>"),
        published: Some("Tue, 02 Dec 2025 05:00:00 +0000".into()),
    })
    .collect();
    server.set("/feed.xml", feed_route(rss("Desk", &items), "v1"));
    server.set("/fast", Route::statuses(&[]));
    server.set("/hung", Route::Stall);
    let dir = tempfile::tempdir().unwrap();
    let mut text = config_text(
        &dir.path().join("nw.db"),
        "notify_existing = true\nfetch_articles = false",
        &[server.url("/feed.xml")],
        &topic("Everything", "*"),
    );
    text.push_str(&format!(
        "[[notify.channels]]\nname = \"hung\"\ntype = \"webhook\"\nurl = \"{}\"\ntimeout = \"60s\"\n\
         [[notify.channels]]\nname = \"fast\"\ntype = \"webhook\"\nurl = \"{}\"\n",
        server.url("/hung"),
        server.url("/fast")
    ));
    let h = Harness::with_config_channels(&text, &dir.path().join("nw.db"), start());
    for (url, r) in newswatch::pipeline::poll_all(&h.shared, &h.loaded).await {
        r.unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    let delivering = tokio::spawn({
        let (shared, loaded) = (h.shared.clone(), h.loaded.clone());
        async move { newswatch::pipeline::deliver_pending(&shared, &loaded).await }
    });
    // The fast channel gets all three while the hung one still waits on the first.
    let fast = server.wait_hits("/fast", 3).await;
    assert_eq!(fast.len(), 3);
    assert_eq!(server.hits("/hung").len(), 1);
    delivering.abort();
}
