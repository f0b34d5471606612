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
    "banner",
    "modal",
    "toolbar",
    "masthead",
    "outbrain",
    "taboola",
    "paywall",
    "sronly",
    "visually",
    "byline",
    "tags",
    "read-more",
    "readmore",
    "skip",
];

/// Class/id words that mark content even when a chrome word is present too
/// (`elementor-widget-theme-post-content`).
const CONTENT_WORDS: &[&str] = &[
    "content", "article", "body", "main", "post", "entry", "text", "story",
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

fn is_chrome(el: &scraper::node::Element, strict: bool) -> bool {
    if SKIP_TAGS.contains(&el.name()) {
        return true;
    }
    if el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") {
        return true;
    }
    if !strict {
        return false;
    }
    if matches!(
        el.attr("role"),
        Some("navigation" | "banner" | "contentinfo" | "complementary")
    ) {
        return true;
    }
    let names = format!(
        "{} {}",
        el.attr("class").unwrap_or(""),
        el.attr("id").unwrap_or("")
    )
    .to_ascii_lowercase();
    let words = || names.split(|c: char| !c.is_ascii_alphanumeric());
    words().any(|w| CHROME_WORDS.contains(&w)) && !words().any(|w| CONTENT_WORDS.contains(&w))
}

/// Below this many characters, a strict pass probably dropped the article with the chrome.
const RETRY_BELOW: usize = 500;

/// The main text of a page, paragraphs separated by blank lines.
///
/// A first pass skips elements whose class or id looks like chrome; class names are
/// noisy (`lte-banner-w980` on an article's wrapper), so when that leaves little text a
/// second pass skips only chrome tags, and wins if it finds a real article (twice as long).
pub fn main_text(doc: &Html) -> String {
    let strict = main_text_with(doc, true);
    if strict.chars().count() >= RETRY_BELOW {
        return strict;
    }
    let lenient = main_text_with(doc, false);
    let (s, l) = (strict.chars().count(), lenient.chars().count());
    if l >= RETRY_BELOW && l > 2 * s {
        lenient
    } else {
        strict
    }
}

fn main_text_with(doc: &Html, strict: bool) -> String {
    let root = doc.root_element();
    let mut scores: HashMap<NodeId, f64> = HashMap::new();
    score_paragraphs(root, 0, strict, &mut scores);
    let best = scores
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .and_then(|(id, _)| doc.tree.get(*id))
        .and_then(ElementRef::wrap);
    let Some(top) = best else {
        return String::new();
    };
    let top_score = scores.get(&top.id()).copied().unwrap_or(0.0);
    // Content split over sibling containers: take the siblings that score well too.
    let Some(parent) = top.parent().and_then(ElementRef::wrap) else {
        return blocks_text_with(top, strict);
    };
    let threshold = (top_score * 0.2).max(3.0);
    let mut out: Vec<String> = Vec::new();
    for sibling in parent.children().filter_map(ElementRef::wrap) {
        let score = scores.get(&sibling.id()).copied().unwrap_or(0.0);
        if sibling.id() == top.id() || (score >= threshold && !is_chrome(sibling.value(), strict)) {
            collect_blocks_into(sibling, strict, &mut out);
        }
    }
    out.dedup();
    out.join("\n\n")
}

fn collect_blocks_into(el: ElementRef<'_>, strict: bool, out: &mut Vec<String>) {
    if BLOCK_TAGS.contains(&el.value().name()) {
        push_block(el, out);
    } else {
        collect_blocks(el, 0, strict, out);
    }
}

fn score_paragraphs(
    el: ElementRef<'_>,
    depth: usize,
    strict: bool,
    scores: &mut HashMap<NodeId, f64>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in el.children().filter_map(ElementRef::wrap) {
        if is_chrome(child.value(), strict) {
            continue;
        }
        let name = child.value().name();
        if name == "p" || name == "pre" || (name == "div" && !has_block_child(child)) {
            let text = inline_text(child);
            let len = text.chars().count();
            if len < 25 || link_density(child, len) > 0.5 {
                continue;
            }
            let score = 1.0 + text.matches(',').count() as f64 + (len as f64 / 100.0).min(3.0);
            // As readability does: the parent gets the full score, the grandparent half,
            // further ancestors less with each level.
            let ancestors = child.ancestors().filter(|a| a.value().is_element()).take(5);
            for (level, ancestor) in ancestors.enumerate() {
                let share = match level {
                    0 => 1.0,
                    1 => 2.0,
                    n => n as f64 * 3.0,
                };
                *scores.entry(ancestor.id()).or_default() += score / share;
            }
        } else {
            score_paragraphs(child, depth + 1, strict, scores);
        }
    }
}

/// Paragraph blocks under `root`, chrome skipped.
pub fn blocks_text(root: ElementRef<'_>) -> String {
    blocks_text_with(root, true)
}

fn blocks_text_with(root: ElementRef<'_>, strict: bool) -> String {
    let mut out: Vec<String> = Vec::new();
    collect_blocks(root, 0, strict, &mut out);
    out.dedup();
    out.join("\n\n")
}

fn collect_blocks(el: ElementRef<'_>, depth: usize, strict: bool, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in el.children().filter_map(ElementRef::wrap) {
        if is_chrome(child.value(), strict) {
            continue;
        }
        let name = child.value().name();
        let has_block_child = has_block_child(child);
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
                collect_blocks(child, depth + 1, strict, out);
            }
        } else {
            collect_blocks(child, depth + 1, strict, out);
        }
    }
}

fn has_block_child(el: ElementRef<'_>) -> bool {
    el.children().filter_map(ElementRef::wrap).any(|c| {
        let name = c.value().name();
        BLOCK_TAGS.contains(&name) || matches!(name, "div" | "ul" | "ol" | "table" | "section")
    })
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
