//! `newswatch report`: the HTML page from a store filled by the real pipeline, checked
//! structurally (self-contained, a chart per story, headlines, what's new, links, escaping),
//! and from an empty or missing database.

use std::path::Path;

use newswatch::store::{Store, StoryView};

use crate::support::*;

/// The report's escaping, for comparing with stored text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn rfc2822(hours_ago: i64) -> Option<String> {
    Some((chrono::Utc::now() - chrono::Duration::hours(hours_ago)).to_rfc2822())
}

/// Serves the five seed articles (3 h apart, so later ones can be updates) and a rocket
/// story whose headline is markup, polls them once through the real pipeline, and returns
/// the config path.
async fn filled_store(server: &TestServer, dir: &Path) -> std::path::PathBuf {
    let mut items: Vec<Item> = ["seed-004", "seed-000", "seed-001", "seed-002", "seed-003"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut item = publish(server, name);
            item.published = rfc2822(13 - 3 * i as i64);
            item
        })
        .collect();
    server.set(
        "/rocket.html",
        Route::Ok {
            content_type: "text/html",
            body: b"<html><body><article><h1>Rocket</h1><p>The rocket launch was delayed by \
                    high winds on Monday, the agency said.</p></article></body></html>"
                .to_vec(),
            etag: None,
        },
    );
    items.push(Item {
        guid: "rocket".into(),
        // Escaped once more by `rss`: the feed's text title is literally this markup.
        title: "&lt;script&gt;alert(\"x\")&lt;/script&gt; Rocket launch delayed".into(),
        link: server.url("/rocket.html"),
        description: "The rocket launch was delayed.".into(),
        published: rfc2822(2),
    });
    items.reverse();
    server.set("/feed.xml", feed_route(rss("World Desk", &items), "v1"));
    let db = dir.join("nw.db");
    let mut topics = shipped_topics();
    topics.push_str(&topic("Launches", "rocket launch"));
    let text = config_text(
        &db,
        "notify_existing = true",
        &[server.url("/feed.xml")],
        &topics,
    );
    let h = Harness::from_text(&text, &db);
    h.cycle().await;
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn report(config: &Path, args: &[&str]) -> String {
    let out = config.with_file_name("report.html");
    let run = succeed(
        newswatch()
            .arg("--config")
            .arg(config)
            .arg("report")
            .args(args)
            .arg("--out")
            .arg(&out),
    );
    assert!(
        String::from_utf8_lossy(&run.stdout).starts_with(&format!("wrote {}", out.display())),
        "{run:?}"
    );
    std::fs::read_to_string(out).unwrap()
}

/// Every `href` is an in-page anchor or one of the stories' article links; nothing is
/// loaded from anywhere.
fn assert_self_contained(html: &str, stories: &[StoryView]) {
    let links: Vec<String> = stories
        .iter()
        .flat_map(|s| &s.timeline)
        .filter_map(|m| m.url.as_deref().map(esc))
        .collect();
    for forbidden in [
        "<script", "src=", "<link", "@import", "url(", "<iframe", "<img",
    ] {
        assert!(!html.contains(forbidden), "{forbidden} in the page");
    }
    for part in html.split("href=\"").skip(1) {
        let target = &part[..part.find('"').unwrap()];
        assert!(
            target.starts_with('#') || links.iter().any(|l| l == target),
            "a link that is not an article: {target}"
        );
    }
    assert!(html.contains("<style>") && html.contains("prefers-color-scheme: dark"));
    assert!(
        html.contains("default-src 'none'"),
        "a CSP that loads nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_shows_each_story_with_its_chart_whats_new_and_links() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = filled_store(&server, dir.path()).await;
    let store = Store::open(&dir.path().join("nw.db")).unwrap();
    let stories = store.stories(None, chrono::DateTime::UNIX_EPOCH).unwrap();
    drop(store);
    // The pipeline kept the headline's markup as text: the page must escape it.
    let rocket = stories.iter().find(|s| s.topic == "Launches").unwrap();
    assert_eq!(
        rocket.title,
        "<script>alert(\"x\")</script> Rocket launch delayed"
    );
    assert!(stories.iter().any(|s| s.topic == "Ukraine peace talks"));
    let whats_new: Vec<&str> = stories
        .iter()
        .flat_map(|s| &s.timeline)
        .filter_map(|m| m.whats_new.as_deref())
        .collect();
    assert!(whats_new.len() >= 2, "{stories:?}");

    let config2 = config.clone();
    let html = tokio::task::spawn_blocking(move || report(&config2, &[]))
        .await
        .unwrap();
    assert_self_contained(&html, &stories);
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Rocket launch"));
    for s in &stories {
        assert!(html.contains(&format!("id=\"story-{}\"", s.id)));
        assert!(html.contains(&esc(&s.title)), "headline {:?}", s.title);
        for m in &s.timeline {
            let url = esc(m.url.as_deref().unwrap());
            assert!(html.contains(&format!("href=\"{url}\"")), "link {url}");
        }
    }
    for w in &whats_new {
        assert!(html.contains(&esc(w)), "what's new {w:?}");
    }
    assert_eq!(html.matches("<svg class=\"spark\"").count(), stories.len());
    assert_eq!(html.matches("<svg class=\"timeline\"").count(), 2);
    assert!(html.contains(">Ukraine peace talks</h2>") && html.contains(">Launches</h2>"));

    // One topic only.
    let html = tokio::task::spawn_blocking(move || report(&config, &["--topic", "Launches"]))
        .await
        .unwrap();
    assert_eq!(html.matches("<svg class=\"spark\"").count(), 1);
    assert!(!html.contains("Ukraine peace talks"));
}

#[test]
fn report_on_a_missing_or_empty_database_says_there_is_nothing_yet() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state/nw.db");
    let config = dir.path().join("config.toml");
    let text = config_text(&db, "", &[], &topic("Launches", "rocket launch"));
    std::fs::write(&config, text).unwrap();

    let html = report(&config, &[]);
    assert!(html.contains("Nothing yet"), "{html}");
    assert!(html.contains(&format!("no database at <code>{}</code>", db.display())));
    assert!(!db.exists(), "a report creates no database");
    assert_self_contained(&html, &[]);

    Store::open(&db).unwrap();
    let html = report(&config, &["--since", "48h"]);
    assert!(html.contains("Nothing yet") && html.contains("No stories since"));
    assert!(!html.contains("<svg"));
    assert_self_contained(&html, &[]);

    // No config at all: the default database, which does not exist here either.
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("r.html");
    succeed(
        newswatch()
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .args(["--quiet", "report", "--out"])
            .arg(&out),
    );
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("Nothing yet")
    );
}
