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
