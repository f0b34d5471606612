//! The seed articles, as scraped and as full pages: boilerplate goes, no sentence of the
//! article is lost.

use newswatch::extract;

use crate::support::*;

/// The lines of each seed that are page chrome, not article (see the seeds' README).
fn boilerplate(name: &str) -> Vec<&'static str> {
    match name {
        "seed-000" => vec![
            "Deep Dives",
            "Explore related topics with these Wikipedia articles, rewritten for enjoyable reading:",
            "-",
            "Minsk agreements",
            "11 min read",
            "Russia–NATO relations",
            "18 min read",
            "Jared Kushner",
            "17 min read",
            "Understanding the failed 2014-2015 diplomatic attempts",
            "The article discusses how Russia's negotiating tactics",
            "As a central figure conducting high-stakes diplomacy",
            "...This excerpt is provided for preview purposes.",
        ],
        "seed-001" => vec!["Quick Reads", ")"],
        "seed-003" => vec![
            "1. HOME",
            "2. WORLD",
            "3. Ukraine and US plan third day meeting",
            "• Last update: 1 hours ago",
            "• 3 min read",
            "• 945 Views",
            "• WORLD",
            "Author: Aiden Foster",
            "Share",
        ],
        _ => vec![],
    }
}

/// The article's own lines: everything but the title line and the boilerplate, with the
/// "View All" a scraper glued to a sentence cut off.
fn body_lines(name: &str) -> Vec<String> {
    let (title, lines) = article(name);
    let chrome = boilerplate(name);
    lines
        .into_iter()
        .filter(|l| *l != title && !chrome.iter().any(|c| l.starts_with(c)))
        .map(|l| l.strip_prefix("View All").unwrap_or(&l).to_string())
        .collect()
}

fn check(name: &str, text: &str) {
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    for line in body_lines(name) {
        assert!(
            paragraphs.contains(&line.as_str()),
            "{name}: lost {line:?}\n--- got:\n{text}"
        );
    }
    for chrome in boilerplate(name) {
        let bare = chrome.trim_start_matches(|c: char| !c.is_alphanumeric());
        assert!(
            !paragraphs
                .iter()
                .any(|p| *p == chrome || (!bare.is_empty() && p.starts_with(bare))),
            "{name}: kept {chrome:?}\n--- got:\n{text}"
        );
    }
    assert!(!text.contains("View All"), "{name}: {text}");
    assert_eq!(paragraphs.len(), body_lines(name).len(), "{name}:\n{text}");
}

const SEEDS: [&str; 5] = ["seed-000", "seed-001", "seed-002", "seed-003", "seed-004"];

#[test]
fn seed_text_as_scraped_loses_its_boilerplate_and_keeps_every_sentence() {
    for name in SEEDS {
        let (title, lines) = article(name);
        let text = extract::clean_plain_text(&lines.join("\n"), &title);
        check(name, &text);
    }
}

#[test]
fn seed_pages_with_chrome_extract_to_the_article_alone() {
    for name in SEEDS {
        let (title, page) = article_page(name, "World Desk");
        let a = extract::extract(&page, None);
        assert_eq!(a.title, title);
        assert_eq!(a.site_name.as_deref(), Some("World Desk"));
        check(name, &a.text);
    }
}

/// Random pages from a grammar of real and hostile constructs.
mod generated {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const TAGS: &[&str] = &[
        "div",
        "p",
        "span",
        "a",
        "article",
        "section",
        "main",
        "nav",
        "header",
        "footer",
        "aside",
        "ul",
        "ol",
        "li",
        "table",
        "tr",
        "td",
        "h1",
        "h2",
        "blockquote",
        "pre",
        "script",
        "style",
        "template",
        "svg",
        "form",
        "b",
        "i",
        "br",
        "img",
        "noscript",
        "iframe",
        "select",
        "option",
        "figure",
        "figcaption",
        "time",
        "title",
        "body",
        "html",
    ];
    const CLASSES: &[&str] = &[
        "content",
        "article-body",
        "share",
        "newsletter",
        "sidebar",
        "related",
        "comment",
        "post",
        "promo",
        "hidden",
        "menu",
        "story",
        "lte-banner-w980",
        "",
    ];
    const WORDS: &[&str] = &[
        "Putin",
        "Kyiv",
        "peace",
        "talks,",
        "the",
        "and",
        "Zürich",
        "日本語",
        "😀",
        "&amp;",
        "&lt;",
        "&#x1F600;",
        "&bogus;",
        "<",
        ">",
        "\"",
        "'",
        "Advertisement",
        "Share",
        "3 min read",
        "\u{0}",
        "\u{202E}",
        "—",
        "…",
        ".",
        "View All",
        "©",
    ];

    fn text(rng: &mut StdRng, out: &mut String) {
        for _ in 0..rng.random_range(0..30) {
            out.push_str(WORDS[rng.random_range(0..WORDS.len())]);
            out.push(' ');
        }
    }

    /// Pages stay under this size; the grammar alone would branch without bound.
    const MAX_PAGE: usize = 64 * 1024;

    fn node(rng: &mut StdRng, depth: usize, out: &mut String) {
        if depth > 40 || out.len() > MAX_PAGE || rng.random_bool(0.4) {
            text(rng, out);
            return;
        }
        let tag = TAGS[rng.random_range(0..TAGS.len())];
        let class = CLASSES[rng.random_range(0..CLASSES.len())];
        out.push_str(&format!("<{tag} class=\"{class}\""));
        if rng.random_bool(0.1) {
            out.push_str(" hidden");
        }
        if rng.random_bool(0.05) {
            out.push_str(" id=S:0 data-x='a=b' title=don't");
        }
        out.push('>');
        for _ in 0..rng.random_range(0..4) {
            node(rng, depth + 1, out);
        }
        if rng.random_bool(0.9) {
            out.push_str(&format!("</{tag}>"));
        }
        if rng.random_bool(0.03) {
            // Truncated markup.
            out.push_str("<div class=\"x");
        }
    }

    pub fn page(seed: u64) -> String {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut out = String::from("<!DOCTYPE html><html><head><title>T</title>");
        if rng.random_bool(0.3) {
            out.push_str(
                r#"<script type="application/ld+json">{"@graph":[{"@type":"NewsArticle","headline":"H","articleBody":"Body, text.","author":[{"name":1},null]}]}</script>"#,
            );
        }
        out.push_str("</head><body>");
        for _ in 0..rng.random_range(1..8) {
            node(&mut rng, 0, &mut out);
        }
        if rng.random_bool(0.05) {
            out.push_str(&"<div>".repeat(rng.random_range(100..3000)));
        }
        out
    }
}

#[test]
fn extraction_never_panics_on_generated_pages() {
    for seed in 0..800 {
        let page = generated::page(seed);
        let a = extract::extract(&page, None);
        // Paragraphs are trimmed, non-empty and separated by exactly one blank line.
        for p in a.text.split("\n\n").filter(|_| !a.text.is_empty()) {
            assert!(
                !p.is_empty() && p.trim() == p && !p.contains('\n'),
                "seed {seed}: {p:?}"
            );
        }
        // Deterministic.
        assert_eq!(extract::extract(&page, None), a, "seed {seed}");
        let _ = extract::text_from_fragment(&page);
        let cut = &page.as_bytes()[..page.len() / 2];
        let _ = extract::extract(&newswatch::fetch::decode_html(cut, None), None);
    }
}

#[test]
fn pathological_pages_finish_and_keep_their_text() {
    let deep = format!(
        "<title>Deep</title><body>{}<p>The text at the bottom.</p>{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let a = extract::extract(&deep, None);
    assert_eq!(a.title, "Deep");
    assert_eq!(a.text, "The text at the bottom.");
    let attrs: String = (0..50_000).map(|i| format!(" a{i}=\"{i}\"")).collect();
    let flood = format!("<body><p{attrs}>Words of the article, and more of them.</p></body>");
    assert_eq!(
        extract::extract(&flood, None).text,
        "Words of the article, and more of them."
    );
}

#[test]
fn extract_json_prints_one_object_per_input_in_order_failures_included() {
    let dir = tempfile::tempdir().unwrap();
    let (title, page) = article_page("seed-002", "World Desk");
    std::fs::write(dir.path().join("a.html"), &page).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, shipped_topics()).unwrap();
    let out = newswatch()
        .current_dir(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["extract", "--json", "a.html", "missing.html", "./a.html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a failed input fails the run");
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    let keys = [
        "title",
        "text",
        "published",
        "author",
        "site_name",
        "lang",
        "canonical_url",
    ];
    for (line, file) in lines.iter().zip(["a.html", "missing.html", "./a.html"]) {
        assert_eq!(line["file"], file, "the path exactly as given");
        for k in keys {
            assert!(line.get(k).is_some(), "{k} missing from {line}");
        }
    }
    assert_eq!(lines[0]["title"], title.as_str());
    assert!(lines[0]["text"].as_str().unwrap().contains("Miami"));
    assert_eq!(lines[0]["published"], "2025-12-03T10:00:00+00:00");
    assert_eq!(lines[2]["text"], lines[0]["text"]);
    assert!(lines[1]["error"].as_str().unwrap().contains("missing.html"));
    assert!(lines[1]["text"].is_null());
    assert!(stderr(&out).contains("missing.html"));
}

/// A page whose sidebar outweighs its short article, and a feed that says where the article
/// is: the daemon, `extract` and `explain` all read it through the feed's selector.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feeds_selector_serves_the_daemon_extract_and_explain_alike() {
    let server = TestServer::start().await;
    let promo = "<p>Win the lottery today with our lottery tickets, the luckiest lottery \
                 draw in the whole region, every single week of the year.</p>"
        .repeat(6);
    let page = format!(
        "<html><head><title>Festival approved</title></head><body>\
         <div class=\"sidebar\">{promo}</div>\
         <div class=\"story-body\"><p>The harbour council approved the marmalade festival \
         on Monday after a short debate, officials said.</p></div></body></html>"
    );
    server.set(
        "/festival.html",
        Route::Ok {
            content_type: "text/html",
            body: page.into_bytes(),
            etag: None,
        },
    );
    let item = Item {
        guid: "festival".into(),
        title: "Festival approved".into(),
        link: server.url("/festival.html"),
        description: "<p>Feed summary only.</p>".into(),
        published: None,
    };
    server.set("/feed.xml", feed_route(rss("Harbour News", &[item]), "v1"));
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(
        &dir.path().join("nw.db"),
        "notify_existing = true",
        &[],
        &topic("Festival", "marmalade"),
    )
    .replace(
        "[[topics]]",
        &format!(
            "[[feeds]]\nurl = \"{}\"\ncontent_selector = \"div.story-body\"\n\n[[topics]]",
            server.url("/feed.xml")
        ),
    );
    let config = dir.path().join("config.toml");
    std::fs::write(&config, text).unwrap();
    let url = server.url("/festival.html");

    let extracted = stdout(&nw(&config, &["extract", &url]).await);
    assert!(extracted.contains("marmalade festival"), "{extracted}");
    assert!(!extracted.contains("lottery"), "{extracted}");
    let explained = stdout(&nw(&config, &["explain", "--topic", "Festival", &url]).await);
    assert!(explained.contains("verdict:  MATCH"), "{explained}");

    // The daemon keeps the short article rather than the feed's summary, so it matches.
    let once = nw(&config, &["once"]).await;
    assert!(once.status.success(), "{}", stderr(&once));
    let stories = stdout(&nw(&config, &["stories", "--json"]).await);
    assert!(stories.contains("Festival approved"), "{stories}");
}
