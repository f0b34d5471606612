//! Main-content detection: a readability-style scorer over the DOM.
//!
//! Every paragraph-like run of text (a `<p>`, a leaf `<div>`, loose text between blocks)
//! scores its ancestors by length and commas, decaying with distance; each ancestor starts
//! from a weight for its tag and for words in its class and id (`article-body` up,
//! `sidebar` down). The best candidate, scaled by how much of it is link text, is the
//! article; siblings that score well join it. Page chrome (navigation, share bars,
//! newsletter boxes, related links, …) is skipped by tag, role and class. Line-level
//! cleanup of what survives is `super::cleanup`'s job.

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::node::Element;
use scraper::{ElementRef, Html, node::Node};

/// Deeper than any real page nests; beyond this the walk stops rather than risk the stack.
const MAX_DEPTH: usize = 256;
/// A paragraph shorter than this doesn't vote for its container.
const MIN_PARAGRAPH: usize = 25;
/// Below this many characters, a strict pass probably dropped the article with the chrome.
const RETRY_BELOW: usize = 500;

/// Never text, whatever the mode.
const NEVER_TEXT: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "button", "select", "input",
    "textarea", "object", "embed", "canvas", "head", "title", "meta", "link",
];

/// Chrome by tag.
const CHROME_TAGS: &[&str] = &[
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "figcaption",
    "menu",
    "dialog",
];

/// Class/id fragments of chrome (readability's "unlikely candidates" and more).
const UNLIKELY: &[&str] = &[
    "-ad-",
    "ai2html",
    "banner",
    "breadcrumb",
    "combx",
    "comment",
    "community",
    "cover-wrap",
    "disqus",
    "extra",
    "footer",
    "gdpr",
    "header",
    "legends",
    "menu",
    "related",
    "remark",
    "replies",
    "rss",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "social",
    "sponsor",
    "supplemental",
    "ad-break",
    "agegate",
    "pagination",
    "pager",
    "popup",
    "yom-remote",
    "share",
    "sharing",
    "newsletter",
    "subscribe",
    "promo",
    "trending",
    "recommend",
    "outbrain",
    "taboola",
    "paywall",
    "cookie",
    "modal",
    "byline",
    "most-read",
    "mostread",
    "signup",
    "toolbar",
];

/// Class/id fragments that keep an element despite an unlikely fragment.
const MAYBE_CONTENT: &[&str] = &[
    "and", "article", "body", "column", "content", "main", "mathjax", "shadow",
];

const NEGATIVE: &[&str] = &[
    "-ad-",
    "hidden",
    "banner",
    "combx",
    "comment",
    "com-",
    "contact",
    "footer",
    "gdpr",
    "masthead",
    "media",
    "meta",
    "outbrain",
    "promo",
    "related",
    "scroll",
    "share",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "sponsor",
    "shopping",
    "tags",
    "widget",
];

const POSITIVE: &[&str] = &[
    "article",
    "body",
    "content",
    "entry",
    "hentry",
    "h-entry",
    "main",
    "page",
    "pagination",
    "post",
    "text",
    "blog",
    "story",
];

/// Elements that flow inside a line of text.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "font", "i", "img",
    "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u",
    "var", "wbr", "del", "ins", "strike", "tt", "big", "nobr", "picture", "source",
];

fn is_inline(name: &str) -> bool {
    INLINE.contains(&name)
}

fn class_and_id(el: &Element) -> String {
    format!(
        "{} {}",
        el.attr("class").unwrap_or(""),
        el.attr("id").unwrap_or("")
    )
    .to_ascii_lowercase()
}

/// Whether to skip an element and everything in it.
fn is_chrome(el: &Element, strict: bool) -> bool {
    let name = el.name();
    if NEVER_TEXT.contains(&name) || CHROME_TAGS.contains(&name) {
        return true;
    }
    if el.attr("hidden").is_some()
        || el.attr("aria-hidden") == Some("true")
        || el
            .attr("style")
            .is_some_and(|s| s.replace(' ', "").contains("display:none"))
    {
        return true;
    }
    if !strict {
        return false;
    }
    if matches!(
        el.attr("role"),
        Some(
            "navigation"
                | "banner"
                | "contentinfo"
                | "complementary"
                | "menu"
                | "menubar"
                | "alert"
                | "alertdialog"
                | "dialog"
        )
    ) {
        return true;
    }
    if matches!(name, "body" | "html" | "article" | "main" | "a") {
        return false;
    }
    let names = class_and_id(el);
    UNLIKELY.iter().any(|w| names.contains(w)) && !MAYBE_CONTENT.iter().any(|w| names.contains(w))
}

/// readability's class weight: ±25 for each of class and id.
fn class_weight(el: &Element) -> f64 {
    let mut weight = 0.0;
    for attr in [el.attr("class"), el.attr("id")].into_iter().flatten() {
        let a = attr.to_ascii_lowercase();
        if NEGATIVE.iter().any(|w| a.contains(w)) {
            weight -= 25.0;
        }
        if POSITIVE.iter().any(|w| a.contains(w)) {
            weight += 25.0;
        }
    }
    weight
}

fn tag_weight(name: &str) -> f64 {
    match name {
        "div" | "article" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

/// The main text of a page as paragraphs.
///
/// A first pass skips elements whose class or id looks like chrome; class names are
/// noisy (`lte-banner-w980` on an article's wrapper), so when that leaves little text a
/// second pass skips only chrome tags, and wins if it finds a real article (twice as long).
pub fn main_paragraphs(doc: &Html) -> Vec<String> {
    let strict = paragraphs_with(doc, true);
    let len = |p: &[String]| p.iter().map(|s| s.chars().count()).sum::<usize>();
    let s = len(&strict);
    if s >= RETRY_BELOW {
        return strict;
    }
    let lenient = paragraphs_with(doc, false);
    if len(&lenient) >= RETRY_BELOW && len(&lenient) > 2 * s {
        lenient
    } else {
        strict
    }
}

struct Scorer {
    strict: bool,
    scores: HashMap<NodeId, f64>,
}

impl Scorer {
    /// Adds a paragraph's score to its container and the container's ancestors.
    fn credit(&mut self, container: ElementRef<'_>, text: &str) {
        let len = text.chars().count();
        if len < MIN_PARAGRAPH {
            return;
        }
        let commas = text
            .chars()
            .filter(|c| matches!(c, ',' | '，' | '、'))
            .count();
        let score = 1.0 + commas as f64 + (len / 100).min(3) as f64;
        let chain = std::iter::once(*container)
            .chain(container.ancestors())
            .filter_map(ElementRef::wrap)
            .take(5);
        for (level, ancestor) in chain.enumerate() {
            let share = match level {
                0 => 1.0,
                1 => 2.0,
                n => n as f64 * 3.0,
            };
            let entry = self.scores.entry(ancestor.id()).or_insert_with(|| {
                let el = ancestor.value();
                tag_weight(el.name()) + class_weight(el)
            });
            *entry += score / share;
        }
    }

    fn walk(&mut self, el: ElementRef<'_>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut run = String::new();
        for node in el.children() {
            match node.value() {
                Node::Text(t) => run.push_str(t),
                Node::Element(e) => {
                    let Some(child) = ElementRef::wrap(node) else {
                        continue;
                    };
                    if is_chrome(e, self.strict) {
                        continue;
                    }
                    if is_inline(e.name()) {
                        run.push(' ');
                        push_text(child, self.strict, 0, &mut run);
                        run.push(' ');
                        continue;
                    }
                    self.credit_run(el, &mut run);
                    if has_block_child(child) {
                        self.walk(child, depth + 1);
                    } else {
                        let text = inline_text(child, self.strict);
                        let votes = matches!(
                            e.name(),
                            "p" | "pre"
                                | "td"
                                | "div"
                                | "section"
                                | "article"
                                | "blockquote"
                                | "dd"
                        );
                        if votes && link_density(child, &text) <= 0.5 {
                            // A leaf block is a paragraph of its parent.
                            self.credit(el, &text);
                        }
                    }
                }
                _ => {}
            }
        }
        self.credit_run(el, &mut run);
    }

    /// Loose text between blocks counts as a paragraph of the element holding it.
    fn credit_run(&mut self, el: ElementRef<'_>, run: &mut String) {
        let text = collapse(run);
        run.clear();
        self.credit(el, &text);
    }
}

fn paragraphs_with(doc: &Html, strict: bool) -> Vec<String> {
    let mut scorer = Scorer {
        strict,
        scores: HashMap::new(),
    };
    scorer.walk(doc.root_element(), 0);
    let scores = scorer.scores;
    let element = |id: NodeId| doc.tree.get(id).and_then(ElementRef::wrap);
    // The best few by raw score, then scaled by how much of each is link text.
    let mut ranked: Vec<(NodeId, f64)> = scores.iter().map(|(id, s)| (*id, *s)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(8);
    for (id, score) in &mut ranked {
        if let Some(el) = element(*id) {
            let text = inline_text(el, strict);
            *score *= 1.0 - link_density(el, &text);
        }
    }
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let Some(&(top_id, top_score)) = ranked.first() else {
        return Vec::new();
    };
    let Some(mut top) = element(top_id) else {
        return Vec::new();
    };
    // Several close runners-up inside one ancestor: the article is that ancestor.
    let close: Vec<NodeId> = ranked[1..]
        .iter()
        .filter(|(_, s)| *s >= top_score * 0.75)
        .map(|(id, _)| *id)
        .collect();
    if close.len() >= 2 {
        for ancestor in top.ancestors().filter_map(ElementRef::wrap).take(4) {
            if matches!(ancestor.value().name(), "body" | "html") {
                break;
            }
            let inside = close
                .iter()
                .filter(|id| {
                    element(**id).is_some_and(|e| e.ancestors().any(|a| a.id() == ancestor.id()))
                })
                .count();
            if inside >= 2 {
                top = ancestor;
                break;
            }
        }
    }
    let top_score = scores.get(&top.id()).copied().unwrap_or(top_score);
    let mut out = Vec::new();
    let Some(parent) = top.parent().and_then(ElementRef::wrap) else {
        collect(top, strict, 0, &mut out);
        return out;
    };
    // Content split over sibling containers: take the siblings that score well too.
    let threshold = (top_score * 0.2).max(10.0);
    let top_class = top.value().attr("class").unwrap_or("");
    for sibling in parent.children().filter_map(ElementRef::wrap) {
        let accept = sibling.id() == top.id() || {
            let bonus = if !top_class.is_empty() && sibling.value().attr("class") == Some(top_class)
            {
                top_score * 0.2
            } else {
                0.0
            };
            let score = scores.get(&sibling.id()).copied().unwrap_or(0.0);
            !is_chrome(sibling.value(), strict)
                && (score + bonus >= threshold || is_good_paragraph(sibling, strict))
        };
        if accept {
            if has_block_child(sibling) {
                collect(sibling, strict, 0, &mut out);
            } else {
                push_block(sibling, strict, &mut out);
            }
        }
    }
    out
}

/// readability's rule for a sibling `<p>`: long with few links, or short, link-free and
/// sentence-like.
fn is_good_paragraph(el: ElementRef<'_>, strict: bool) -> bool {
    if el.value().name() != "p" {
        return false;
    }
    let text = inline_text(el, strict);
    let len = text.chars().count();
    let density = link_density(el, &text);
    (len > 80 && density < 0.25) || (len > 0 && density == 0.0 && text.contains(". "))
}

/// Paragraphs under `root`, chrome skipped.
pub fn blocks(root: ElementRef<'_>) -> Vec<String> {
    let mut out = Vec::new();
    collect(root, true, 0, &mut out);
    out
}

fn collect(el: ElementRef<'_>, strict: bool, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut run = String::new();
    for node in el.children() {
        match node.value() {
            Node::Text(t) => run.push_str(t),
            Node::Element(e) => {
                let Some(child) = ElementRef::wrap(node) else {
                    continue;
                };
                if is_chrome(e, strict) {
                    continue;
                }
                if is_inline(e.name()) {
                    if e.name() == "br" && run.ends_with(' ') {
                        // Two line breaks in a row separate paragraphs.
                        flush(&mut run, out);
                    }
                    run.push(' ');
                    push_text(child, strict, 0, &mut run);
                    run.push(' ');
                    continue;
                }
                flush(&mut run, out);
                if matches!(e.name(), "ul" | "ol") && is_link_list(child, strict) {
                    continue;
                }
                if has_block_child(child) {
                    collect(child, strict, depth + 1, out);
                } else {
                    push_block(child, strict, out);
                }
            }
            _ => {}
        }
    }
    flush(&mut run, out);
}

fn flush(run: &mut String, out: &mut Vec<String>) {
    let text = collapse(run);
    run.clear();
    if !text.is_empty() {
        out.push(text);
    }
}

/// A menu or a list of related links rather than a list in the article.
fn is_link_list(el: ElementRef<'_>, strict: bool) -> bool {
    let text = inline_text(el, strict);
    link_density(el, &text) > 0.5
}

fn has_block_child(el: ElementRef<'_>) -> bool {
    el.children()
        .filter_map(ElementRef::wrap)
        .any(|c| !is_inline(c.value().name()))
}

fn push_block(el: ElementRef<'_>, strict: bool, out: &mut Vec<String>) {
    let text = inline_text(el, strict);
    if text.is_empty() || link_density(el, &text) > 0.6 {
        return;
    }
    out.push(text);
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The visible text of an element on one line, chrome skipped.
fn inline_text(el: ElementRef<'_>, strict: bool) -> String {
    let mut buf = String::new();
    push_text(el, strict, 0, &mut buf);
    collapse(&buf)
}

fn push_text(el: ElementRef<'_>, strict: bool, depth: usize, buf: &mut String) {
    if depth > MAX_DEPTH {
        return;
    }
    for node in el.children() {
        match node.value() {
            Node::Text(t) => buf.push_str(t),
            Node::Element(e) if e.name() == "br" => buf.push(' '),
            Node::Element(e) if !is_chrome(e, strict) => {
                if let Some(child) = ElementRef::wrap(node) {
                    let spaced = !is_inline(e.name());
                    if spaced {
                        buf.push(' ');
                    }
                    push_text(child, strict, depth + 1, buf);
                    if spaced {
                        buf.push(' ');
                    }
                }
            }
            _ => {}
        }
    }
}

/// Share of an element's text that sits inside links.
fn link_density(el: ElementRef<'_>, text: &str) -> f64 {
    let total = text.chars().filter(|c| !c.is_whitespace()).count();
    if total == 0 {
        return 0.0;
    }
    let mut linked = 0;
    for d in el.descendants() {
        if let Some(a) = ElementRef::wrap(d)
            && a.value().name() == "a"
        {
            linked += a
                .text()
                .map(|t| t.chars().filter(|c| !c.is_whitespace()).count())
                .sum::<usize>();
        }
    }
    (linked as f64 / total as f64).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        main_paragraphs(&Html::parse_document(html)).join("\n\n")
    }

    #[test]
    fn picks_article_and_drops_chrome() {
        let html = r##"<html><body>
          <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
          <div class="trending"><p>Trending: celebrity news, sports results, and weather, all here today</p></div>
          <article><h1>Envoys meet Putin</h1>
            <p>US envoys met Vladimir Putin in Moscow on Tuesday, for about five hours, officials said.</p>
            <div class="share-bar"><a href="#">Share</a></div>
            <p>The Kremlin said no compromise on territory was reached, though talks were useful.</p>
          </article>
          <div class="newsletter"><p>Sign up for our newsletter, get the news, every morning, free</p></div>
          <footer><p>Copyright 2025 Example News, all rights reserved, worldwide</p></footer>
        </body></html>"##;
        assert_eq!(
            text(html),
            "Envoys meet Putin\n\nUS envoys met Vladimir Putin in Moscow on Tuesday, for about five hours, officials said.\n\nThe Kremlin said no compromise on territory was reached, though talks were useful."
        );
    }

    #[test]
    fn loose_text_and_line_breaks_make_paragraphs() {
        let html = "<html><body><div class=\"post-body\">First paragraph of the story, long enough to count as text.<br><br>Second paragraph, also long enough, with a <a href=\"/x\">link</a> inside.<h2>Background</h2><p>Third, a proper paragraph element with commas, clauses, and detail.</p></div></body></html>";
        assert_eq!(
            text(html),
            "First paragraph of the story, long enough to count as text.\n\nSecond paragraph, also long enough, with a link inside.\n\nBackground\n\nThird, a proper paragraph element with commas, clauses, and detail."
        );
    }

    #[test]
    fn sibling_containers_join_and_link_lists_go() {
        let para =
            "A sentence of the article, with a clause, and another clause, and more words here.";
        let html = format!(
            "<html><body><div id=\"wrap\"><div class=\"txt\"><p>{para}</p><p>{para}</p></div>\
             <ul><li><a href=\"/a\">Related one</a></li><li><a href=\"/b\">Related two</a></li></ul>\
             <div class=\"txt\"><p>{para} Two.</p><p>{para} Three.</p></div></div></body></html>"
        );
        let got = text(&html);
        assert!(got.contains("Three."), "{got}");
        assert!(got.contains("Two."), "{got}");
        assert!(!got.contains("Related one"), "{got}");
    }

    #[test]
    fn class_noise_falls_back_to_a_lenient_pass() {
        let para =
            "Paragraph text of the article, with commas, clauses, and enough length to count. ";
        let html = format!(
            "<html><body><div class=\"lte-banner-w980\"><p>{}</p><p>{}</p><p>{}</p></div></body></html>",
            para.repeat(3),
            para.repeat(3),
            para.repeat(3)
        );
        assert!(text(&html).len() > 600);
    }

    #[test]
    fn deep_nesting_finishes() {
        let html = format!(
            "{}<p>deep text, deep text, deep text</p>",
            "<div>".repeat(5000)
        );
        let _ = main_paragraphs(&Html::parse_document(&html));
    }
}
