//! Main-content detection: a readability-style scorer over the DOM.
//!
//! Paragraphs outside page chrome (nav, header, footer, aside, forms, and elements whose
//! class or id names a share bar, newsletter box, related links and the like) score their
//! parent and grandparent by length and commas; the best-scoring container is the article.
//! Its blocks become paragraphs, minus link-dense lists and one-word chrome lines.

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, node::Node};

/// Deeper than any real page nests; beyond this the walk stops rather than risk the stack.
const MAX_DEPTH: usize = 256;

const SKIP_TAGS: &[&str] = &[
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "iframe",
    "svg",
    "select",
    "template",
    "figcaption",
    "menu",
    "dialog",
    "input",
    "textarea",
];

/// Class/id words that mark page chrome rather than article text.
const CHROME_WORDS: &[&str] = &[
    "share",
    "sharing",
    "social",
    "newsletter",
    "subscribe",
    "subscription",
    "related",
    "promo",
    "trending",
    "breadcrumb",
    "breadcrumbs",
    "sidebar",
    "comment",
    "comments",
    "footer",
    "nav",
    "navbar",
    "navigation",
    "menu",
    "advert",
    "advertisement",
    "ad",
    "ads",
    "cookie",
    "cookies",
    "popular",
    "signup",
    "recommended",
    "recommendations",
    "widget",
    "banner",
    "modal",
    "toolbar",
    "masthead",
    "outbrain",
    "taboola",
    "paywall",
    "hidden",
    "sronly",
    "visually",
    "byline",
    "tags",
    "most",
    "read-more",
    "readmore",
    "skip",
];

const BLOCK_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "td",
];

/// Short lines that are page furniture wherever they appear.
const CHROME_LINES: &[&str] = &[
    "advertisement",
    "share",
    "share this",
    "read more",
    "related",
    "comments",
    "subscribe",
    "sign up",
    "view all",
    "skip to content",
    "most read",
    "trending",
    "follow us",
];

fn is_chrome(el: &scraper::node::Element) -> bool {
    if SKIP_TAGS.contains(&el.name()) {
        return true;
    }
    if el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") {
        return true;
    }
    if matches!(
        el.attr("role"),
        Some("navigation" | "banner" | "contentinfo" | "complementary")
    ) {
        return true;
    }
    let names = [el.attr("class").unwrap_or(""), el.attr("id").unwrap_or("")];
    names.iter().any(|n| {
        n.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| CHROME_WORDS.contains(&w.to_ascii_lowercase().as_str()))
    })
}

/// The main text of a page, paragraphs separated by blank lines.
pub fn main_text(doc: &Html) -> String {
    let root = doc.root_element();
    let mut scores: HashMap<NodeId, f64> = HashMap::new();
    score_paragraphs(root, 0, &mut scores);
    let best = scores
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .and_then(|(id, _)| doc.tree.get(*id))
        .and_then(ElementRef::wrap);
    match best {
        Some(container) => blocks_text(container),
        None => String::new(),
    }
}

fn score_paragraphs(el: ElementRef<'_>, depth: usize, scores: &mut HashMap<NodeId, f64>) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in el.children().filter_map(ElementRef::wrap) {
        if is_chrome(child.value()) {
            continue;
        }
        if child.value().name() == "p" {
            let text = inline_text(child);
            let len = text.chars().count();
            if len < 25 || link_density(child, len) > 0.5 {
                continue;
            }
            let score = 1.0 + text.matches(',').count() as f64 + (len as f64 / 100.0).min(3.0);
            if let Some(parent) = child.parent() {
                *scores.entry(parent.id()).or_default() += score;
                if let Some(grand) = parent.parent().filter(|g| g.value().is_element()) {
                    *scores.entry(grand.id()).or_default() += score / 2.0;
                }
            }
        } else {
            score_paragraphs(child, depth + 1, scores);
        }
    }
}

/// Paragraph blocks under `root`, chrome skipped.
pub fn blocks_text(root: ElementRef<'_>) -> String {
    let mut out: Vec<String> = Vec::new();
    collect_blocks(root, 0, &mut out);
    out.dedup();
    out.join("\n\n")
}

fn collect_blocks(el: ElementRef<'_>, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in el.children().filter_map(ElementRef::wrap) {
        if is_chrome(child.value()) {
            continue;
        }
        let name = child.value().name();
        let has_block_child = child
            .children()
            .filter_map(ElementRef::wrap)
            .any(|c| BLOCK_TAGS.contains(&c.value().name()) || c.value().name() == "div");
        if BLOCK_TAGS.contains(&name) && !has_block_child {
            push_block(child, out);
        } else if name == "div" && !has_block_child {
            let text = inline_text(child);
            if text.chars().count() >= 80 {
                push_block(child, out);
            }
        } else if name == "ul" || name == "ol" {
            let len = inline_text(child).chars().count();
            if link_density(child, len) <= 0.5 {
                collect_blocks(child, depth + 1, out);
            }
        } else {
            collect_blocks(child, depth + 1, out);
        }
    }
}

fn push_block(el: ElementRef<'_>, out: &mut Vec<String>) {
    let text = inline_text(el);
    let len = text.chars().count();
    if len == 0 || link_density(el, len) > 0.6 {
        return;
    }
    let lower = text.to_lowercase();
    let bare = lower.trim_matches(|c: char| !c.is_alphanumeric());
    if CHROME_LINES.contains(&bare) {
        return;
    }
    out.push(text);
}

/// The visible text of an element on one line, chrome skipped.
fn inline_text(el: ElementRef<'_>) -> String {
    let mut buf = String::new();
    push_text(el, 0, &mut buf);
    buf.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn push_text(el: ElementRef<'_>, depth: usize, buf: &mut String) {
    if depth > MAX_DEPTH {
        return;
    }
    for node in el.children() {
        match node.value() {
            Node::Text(t) => buf.push_str(t),
            Node::Element(e) if e.name() == "br" => buf.push(' '),
            Node::Element(e)
                if !matches!(e.name(), "script" | "style" | "noscript" | "template") =>
            {
                if let Some(child) = ElementRef::wrap(node) {
                    buf.push(' ');
                    push_text(child, depth + 1, buf);
                    buf.push(' ');
                }
            }
            _ => {}
        }
    }
}

fn link_density(el: ElementRef<'_>, text_len: usize) -> f64 {
    if text_len == 0 {
        return 0.0;
    }
    let a = scraper::Selector::parse("a").unwrap_or_else(|_| unreachable!("valid selector"));
    let link_len: usize = el
        .select(&a)
        .map(|l| l.text().map(|t| t.trim().chars().count()).sum::<usize>())
        .sum();
    link_len as f64 / text_len as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_article_and_drops_chrome() {
        let html = r##"<html><body>
          <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
          <div class="trending"><p>Trending: celebrity news, sports results, and weather, all here today</p></div>
          <article><h1>Envoys meet Putin</h1>
            <p>US envoys met Vladimir Putin in Moscow on Tuesday, for about five hours, officials said.</p>
            <div class="share-bar"><a href="#">Share</a></div>
            <p>The Kremlin said no compromise on territory was reached, though talks were useful.</p>
            <p>Advertisement</p>
          </article>
          <div class="newsletter"><p>Sign up for our newsletter, get the news, every morning, free</p></div>
          <footer><p>Copyright 2025 Example News, all rights reserved, worldwide</p></footer>
        </body></html>"##;
        let text = main_text(&Html::parse_document(html));
        assert_eq!(
            text,
            "Envoys meet Putin\n\nUS envoys met Vladimir Putin in Moscow on Tuesday, for about five hours, officials said.\n\nThe Kremlin said no compromise on territory was reached, though talks were useful."
        );
    }

    #[test]
    fn deep_nesting_finishes() {
        let html = format!(
            "{}<p>deep text, deep text, deep text</p>",
            "<div>".repeat(5000)
        );
        let _ = main_text(&Html::parse_document(&html));
    }
}
