//! `newswatch feeds add|remove|import|export`: discovery on a loopback server, and config
//! edits that keep every byte the user wrote outside the table added or removed.

use std::path::{Path, PathBuf};

use crate::support::*;

fn fixture_config() -> String {
    std::fs::read_to_string(fixture_dir().join("config-commented.toml")).unwrap()
}

/// A temp dir with the commented config fixture in it.
fn commented_config() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, fixture_config()).unwrap();
    (dir, path)
}

fn html(content: &str) -> Route {
    Route::Ok {
        content_type: "text/html; charset=utf-8",
        body: content.as_bytes().to_vec(),
        etag: None,
    }
}

fn atom_route() -> Route {
    Route::Ok {
        content_type: "application/atom+xml",
        body: std::fs::read(fixture_dir().join("feeds/atom.xml")).unwrap(),
        etag: None,
    }
}

fn harbour_rss(server: &TestServer) -> Route {
    let items: Vec<Item> = (1..=3)
        .map(|i| Item {
            guid: format!("h-{i}"),
            title: format!("Harbour story {i}"),
            link: server.url(&format!("/harbour/{i}.html")),
            description: "Teaser.".into(),
            published: None,
        })
        .collect();
    feed_route(rss("Harbour News", &items), "h1")
}

/// The fixture with `table` inserted after the second feed (and the comment right below
/// it), where `feeds add` puts a new feed.
fn with_feed_added(table: &str) -> String {
    let original = fixture_config();
    let at = original.find("\n# ── Topics").unwrap();
    format!("{}\n{table}{}", &original[..at], &original[at..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_add_discovers_a_homepages_advertised_feeds_and_keeps_the_config_byte_for_byte() {
    let server = TestServer::start().await;
    server.set(
        "/harbour/",
        html(
            r#"<!doctype html><html><head><title>Harbour</title>
            <link rel="stylesheet" href="/style.css">
            <link rel="alternate" type="application/rss+xml" title="Harbour News" href="news/feed.xml">
            <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
            <link rel="ALTERNATE" type="application/atom+xml" href="/comments.atom">
            </head><body><h1>Harbour</h1></body></html>"#,
        ),
    );
    server.set("/harbour/news/feed.xml", harbour_rss(&server));
    server.set(
        "/wp-json/wp/v2/pages/2",
        Route::Ok {
            content_type: "application/json",
            body: br#"{"id": 2, "title": {"rendered": "About"}}"#.to_vec(),
            etag: None,
        },
    );
    server.set("/comments.atom", atom_route());
    let (_dir, path) = commented_config();
    let home = server.url("/harbour/");

    let out = nw(&path, &["feeds", "add", &home]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let rss_url = server.url("/harbour/news/feed.xml");
    let atom_url = server.url("/comments.atom");
    assert!(
        text.contains(&format!("found 2 feeds at {home} (advertised by the page)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("  Harbour News <{rss_url}> (RSS, 3 entries)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("  Valley Observer <{atom_url}> (Atom, 2 entries)")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "unreadable: <{}>",
            server.url("/wp-json/wp/v2/pages/2")
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("added Harbour News <{rss_url}>")),
        "{text}"
    );
    assert!(
        text.contains("1 more found: add them all with --all"),
        "{text}"
    );
    let added = format!("[[feeds]]\nurl = \"{rss_url}\"\nname = \"Harbour News\"\n");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        with_feed_added(&added)
    );

    // The same site again: its first feed is configured already.
    let before = std::fs::read_to_string(&path).unwrap();
    let out = nw(&path, &["feeds", "add", &home]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "error: {rss_url} is already configured (as \"Harbour News\")"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    // A configured URL is refused before anything is fetched.
    let hits = server.hits("/harbour/news/feed.xml").len();
    let out = nw(&path, &["feeds", "add", &rss_url]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already configured"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.hits("/harbour/news/feed.xml").len(), hits);

    // --all adds the rest and says which were there already.
    let out = nw(&path, &["feeds", "add", "--all", &home]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("already configured: <{rss_url}>")),
        "{}",
        stdout(&out)
    );
    let config = newswatch::config::load(&path).unwrap();
    let urls: Vec<&str> = config.feeds.iter().map(|f| f.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://first.example/rss",
            "https://second.example/atom.xml",
            rss_url.as_str(),
            atom_url.as_str()
        ]
    );
    assert_eq!(config.feeds[3].name.as_deref(), Some("Valley Observer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_add_tries_common_paths_takes_a_feed_url_directly_and_fails_on_nothing() {
    let server = TestServer::start().await;
    server.set(
        "/",
        html("<html><head><title>No links</title></head><body>Hi</body></html>"),
    );
    server.set("/atom.xml", atom_route());
    let (_dir, path) = commented_config();

    let out = nw(
        &path,
        &["feeds", "add", "--name", "Valley", &server.url("/")],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let atom_url = server.url("/atom.xml");
    assert!(
        stdout(&out).contains(&format!(
            "found 1 feed at {} (at a common feed path; the page advertises none)",
            server.url("/")
        )),
        "{}",
        stdout(&out)
    );
    // The paths before it were tried, in order; none after it.
    for p in ["/feed", "/rss", "/rss.xml"] {
        assert_eq!(server.hits(p).len(), 1, "{p}");
    }
    assert!(server.hits("/feed.xml").is_empty());
    let added = format!("[[feeds]]\nurl = \"{atom_url}\"\nname = \"Valley\"\n");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        with_feed_added(&added)
    );

    // A feed's own URL is added as it is, into a config that does not exist yet.
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("new/config.toml");
    let out = nw(&fresh, &["feeds", "add", "--tag", "valley", &atom_url]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("(it is a feed)"), "{}", stdout(&out));
    assert!(stdout(&out).contains("created"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(&fresh).unwrap(),
        format!(
            "[[feeds]]\nurl = \"{atom_url}\"\nname = \"Valley Observer\"\ntags = [\"valley\"]\n"
        )
    );

    // Nothing anywhere: exit 1, and the config is untouched.
    let bare = TestServer::start().await;
    bare.set("/", html("<html><body>Nothing to see</body></html>"));
    let before = std::fs::read_to_string(&path).unwrap();
    let out = nw(&path, &["feeds", "add", &bare.url("/")]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("error: no feed found at {}", bare.url("/"))),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("/feeds/posts/default"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);

    // A broken feed is named as such before the site's other feed is offered.
    let broken = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><title>x";
    server.set("/broken.xml", feed_route(broken.to_vec(), "\"b\""));
    let other = dir.path().join("other.toml");
    let out = nw(&other, &["feeds", "add", &server.url("/broken.xml")]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "unreadable: <{}>: not a readable RSS, Atom or JSON feed",
            server.url("/broken.xml")
        )),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains(&format!("<{atom_url}>")),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_remove_by_name_or_url_keeps_everything_else() {
    let (_dir, path) = commented_config();
    let original = fixture_config();
    let out = nw(
        &path,
        &["feeds", "remove", "https://second.example/atom.xml"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("removed <https://second.example/atom.xml> from"),
        "{}",
        stdout(&out)
    );
    // The table and the comment right below it; the blank line before it stays.
    let second = "\n[[feeds]]\nurl    = \"https://second.example/atom.xml\"\ninterval = \"1h\"\n# remove_selectors = [\".promo\"]   ← about the second feed\n";
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        original.replacen(second, "", 1)
    );

    // No such feed: a clear error, nothing written.
    let before = std::fs::read_to_string(&path).unwrap();
    let out = nw(&path, &["feeds", "remove", "Nope"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no feed has the URL or name \"Nope\""),
        "{}",
        stderr(&out)
    );
    // The topic reads feeds tagged "world": removing the only one would break it.
    let out = nw(&path, &["feeds", "remove", "First Desk"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nothing was written")
            && stderr(&out).contains("(as edited):")
            && stderr(&out).contains("topics[0].feeds[0]: no feed is named \"world\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opml_import_reads_nested_outlines_and_categories_as_tags() {
    let (_dir, path) = commented_config();
    let opml = fixture_dir().join("subscriptions.opml");
    let out = nw(&path, &["feeds", "import", opml.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(": 4 added, 2 already configured, 1 invalid"),
        "{}",
        stdout(&out)
    );
    let config = newswatch::config::load(&path).unwrap();
    let feeds: Vec<(&str, Option<&str>, Vec<&str>)> = config
        .feeds
        .iter()
        .map(|f| {
            (
                f.url.as_str(),
                f.name.as_deref(),
                f.tags.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        feeds,
        vec![
            (
                "https://first.example/rss",
                Some("First Desk"),
                vec!["world"]
            ),
            ("https://second.example/atom.xml", None, vec![]),
            (
                "https://harbour.example/rss.xml",
                Some("Harbour & Town"),
                vec!["News", "World", "Local", "Coast"]
            ),
            ("https://wire.example/feed.json", Some("Wire"), vec!["News"]),
            (
                "https://valley.example/atom.xml",
                Some("Valley Observer"),
                vec!["Tech"]
            ),
            ("https://plain.example/index.xml", Some("Plain"), vec![]),
        ]
    );
    // Everything the user wrote is still there, in front of the imported tables.
    let text = std::fs::read_to_string(&path).unwrap();
    let original = fixture_config();
    let at = original.find("\n# ── Topics").unwrap();
    assert!(text.starts_with(&original[..at]), "{text}");
    assert!(text.ends_with(&original[at..]), "{text}");

    // Importing again adds nothing and writes nothing.
    let out = nw(&path, &["feeds", "import", opml.to_str().unwrap()]).await;
    assert!(stdout(&out).contains(": 0 added, 6 already configured, 1 invalid"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

    // A broken file is a clear error and changes nothing.
    let broken = _dir.path().join("broken.opml");
    std::fs::write(
        &broken,
        "<opml><body>\n<outline text=\"x\">\n</body></opml>",
    )
    .unwrap();
    let out = nw(&path, &["feeds", "import", broken.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("broken.opml: malformed XML at line 3"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_into_an_empty_config_gives_the_same_feeds() {
    let (dir, path) = commented_config();
    let opml = fixture_dir().join("subscriptions.opml");
    assert!(
        nw(&path, &["feeds", "import", opml.to_str().unwrap()])
            .await
            .status
            .success()
    );
    let out = nw(&path, &["feeds", "export"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = stdout(&out);
    assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"));
    assert!(
        doc.contains("text=\"Harbour &amp; Town\" title=\"Harbour &amp; Town\" xmlUrl=\"https://harbour.example/rss.xml\" category=\"News,World,Local,Coast\""),
        "{doc}"
    );
    let exported = dir.path().join("export.opml");
    let out = nw(
        &path,
        &["feeds", "export", "--out", exported.to_str().unwrap()],
    )
    .await;
    assert!(
        stdout(&out).contains("wrote 6 feeds to"),
        "{}",
        stdout(&out)
    );
    assert_eq!(std::fs::read_to_string(&exported).unwrap(), doc);

    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let out = nw(&empty, &["feeds", "import", exported.to_str().unwrap()]).await;
    assert!(stdout(&out).contains(": 6 added, 0 already configured, 0 invalid"));
    let feeds = |p: &Path| -> Vec<(String, Option<String>, Vec<String>)> {
        newswatch::config::load(p)
            .unwrap()
            .feeds
            .into_iter()
            .map(|f| (f.url.to_string(), f.name, f.tags))
            .collect()
    };
    assert_eq!(feeds(&empty), feeds(&path));
}
