//! `newswatch topics [add|test]`: adding a topic safely, and trying one on the articles the
//! real pipeline stored.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_add_writes_a_valid_topic_and_nothing_on_a_bad_query() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let original = std::fs::read_to_string(fixture_dir().join("config-commented.toml")).unwrap();
    std::fs::write(&path, &original).unwrap();

    let out = nw(
        &path,
        &["topics", "add", "Broken", "--query", "(rocket OR launch"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "error: invalid query: expected ')' at column 18\n    (rocket OR launch\n                     ^"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    // The name is taken.
    let out = nw(&path, &["topics", "add", "Launches", "--query", "rocket"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("a topic named \"Launches\" already exists"),
        "{}",
        stderr(&out)
    );
    // A feed filter naming no feed, URL or tag is the parser's error.
    let out = nw(
        &path,
        &[
            "topics", "add", "Ports", "--query", "port", "--feeds", "nowhere",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("topics[1].feeds[0]: no feed is named \"nowhere\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);

    let query = "\"peace talks\" AND (Ukraine OR Kyiv)\nNOT impeachment";
    let out = nw(
        &path,
        &[
            "topics",
            "add",
            "Talks",
            "--query",
            query,
            "--min-score",
            "0.3",
            "--feeds",
            "world,First Desk",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let added = "[[topics]]\nname = \"Talks\"\nquery = '''\n\"peace talks\" AND (Ukraine OR Kyiv)\nNOT impeachment\n'''\nmin_score = 0.3\nfeeds = [\"world\", \"First Desk\"]\n";
    let at = original.find("\n[notify]").unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{}\n{added}{}", &original[..at], &original[at..])
    );
    let config = newswatch::config::load(&path).unwrap();
    assert_eq!(config.topics[1].query.source(), format!("{query}\n"));

    let out = nw(&path, &["topics"]).await;
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains(
            "Talks: \"peace talks\" AND (Ukraine OR Kyiv) NOT impeachment (min_score 0.3)"
        ),
        "{listed}"
    );
}

fn item(server: &TestServer, n: u32, title: &str, html: &str, date: &str) -> Item {
    Item {
        guid: format!("a-{n}"),
        title: title.into(),
        link: server.url(&format!("/a/{n}.html")),
        description: html.into(),
        published: Some(date.into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_test_ranks_the_stored_articles_it_would_have_matched() {
    let server = TestServer::start().await;
    let filler: String = (1..=12)
        .map(|i| format!("<p>Point {i}: the council debated bus lanes, the library roof and parking fees.</p>"))
        .collect();
    let items = vec![
        item(
            &server,
            1,
            "Harvest festival opens",
            "<p>Stalls and music in the square.</p>",
            "Mon, 01 Dec 2025 08:00:00 GMT",
        ),
        item(
            &server,
            2,
            "Council budget vote",
            &format!("{filler}<p>Separately, a rocket launch is planned next year.</p>"),
            "Tue, 02 Dec 2025 08:00:00 GMT",
        ),
        item(
            &server,
            3,
            "Rocket launch delayed by weather",
            "<p>The rocket launch was delayed by high winds at the coast.</p>",
            "Wed, 03 Dec 2025 08:00:00 GMT",
        ),
        item(
            &server,
            4,
            "Coast guard drill",
            "<p>A rocket launch from the pad drew crowds on the beach.</p><p>Boats stayed away.</p>",
            "Thu, 04 Dec 2025 08:00:00 GMT",
        ),
    ];
    server.set("/feed.xml", feed_route(rss("Desk", &items), "v1"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nw.db");
    let text = config_text(
        &db,
        "notify_existing = true\nfetch_articles = false",
        &[server.url("/feed.xml")],
        &topic("Launches", "rocket AND launch"),
    );
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let out = nw(&path, &["once"]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    let out = nw(&path, &["topics", "test", "Launches", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["topic"], "Launches");
    assert_eq!(v["scanned"], 4);
    let matches = v["matches"].as_array().unwrap();
    let titles: Vec<&str> = matches
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    // Title hits first, then the lead, then a mention at the end of a long body, which is
    // below min_score and left out.
    assert_eq!(
        titles,
        ["Rocket launch delayed by weather", "Coast guard drill"]
    );
    let scores: Vec<f64> = matches
        .iter()
        .map(|m| m["score"].as_f64().unwrap())
        .collect();
    assert!(scores[0] > scores[1] && scores[1] >= 0.15, "{scores:?}");
    assert_eq!(matches[0]["source"], "Desk");
    assert_eq!(matches[0]["url"], server.url("/a/3.html"));
    assert_eq!(matches[0]["published"], "2025-12-03T08:00:00Z");

    // A lower bar lets the passing mention in; a query not in the config can be tried.
    let out = nw(
        &path,
        &["topics", "test", "Launches", "--min-score", "0", "--json"],
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"].as_array().unwrap().len(), 3, "{v}");
    let out = nw(
        &path,
        &[
            "topics",
            "test",
            "Harvest",
            "--query",
            "title:harvest",
            "--json",
        ],
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"][0]["title"], "Harvest festival opens", "{v}");
    assert_eq!(v["matches"].as_array().unwrap().len(), 1);

    // --since counts when newswatch read the article.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE articles SET fetched_at = fetched_at - 30 * 86400 WHERE title LIKE 'Rocket%'",
        [],
    )
    .unwrap();
    drop(conn);
    let out = nw(&path, &["topics", "test", "Launches"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 of 3 articles read since ") && text.contains(" (168h ago) match"),
        "{text}"
    );
    assert!(text.contains("Coast guard drill"), "{text}");
    assert!(!text.contains("Rocket launch delayed"), "{text}");
    let out = nw(&path, &["topics", "test", "Launches", "--since", "60d"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 of 4 articles read since "));

    // An unknown topic without a query says which exist.
    let out = nw(&path, &["topics", "test", "Nope"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no topic named \"Nope\"; the config has: Launches"),
        "{}",
        stderr(&out)
    );
}

/// A feed's first poll notifies nothing and fetches no page, but what the feed says of its
/// entries is there to try a query on at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_test_sees_a_new_feeds_entries_by_their_feed_text() {
    let server = TestServer::start().await;
    let items = vec![
        item(
            &server,
            1,
            "Weather update",
            "<p>A rocket launch was pushed back by strong winds.</p>",
            "Mon, 01 Dec 2025 08:00:00 GMT",
        ),
        item(
            &server,
            2,
            "Harvest festival opens",
            "<p>Stalls and music in the square.</p>",
            "Tue, 02 Dec 2025 08:00:00 GMT",
        ),
    ];
    server.set("/feed.xml", feed_route(rss("Desk", &items), "v1"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        config_text(
            &dir.path().join("nw.db"),
            "",
            &[server.url("/feed.xml")],
            &topic("Launches", "rocket AND launch"),
        ),
    )
    .unwrap();
    let out = nw(&path, &["once"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        server.hits("/a/1.html").is_empty(),
        "first poll fetches no page"
    );

    let out = nw(&path, &["topics", "test", "Launches", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scanned"], 2, "{v}");
    let matches = v["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{v}");
    assert_eq!(matches[0]["title"], "Weather update");
    assert_eq!(matches[0]["source"], "Desk");
    assert_eq!(matches[0]["published"], "2025-12-01T08:00:00Z");
}
