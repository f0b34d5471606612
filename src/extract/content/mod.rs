//! Main-content detection: a readability-style scorer over the DOM.
//!
//! Every paragraph-like run of text (a `<p>`, a leaf `<div>`, loose text between blocks)
//! scores its ancestors by length and commas, decaying with distance; each ancestor starts
//! from a weight for its tag and for words in its class and id (`article-body` up,
//! `sidebar` down). The best candidate, scaled by how much of it is link text, is the
//! article; siblings that score well join it. When the article has to be widened to hold
//! most of the page's text, what follows its body must look like more of it. Page chrome (navigation, share bars,
//! newsletter boxes, related links, …) is skipped by tag, role and class ([`rules`]).
//! Line-level cleanup of what survives is `super::cleanup`'s job.

mod rules;
mod text;

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, node::Node};

use rules::{Rules, class_weight, is_inline, tag_weight};

use super::Overrides;
use text::{Line, MAX_DEPTH, collect, has_block_child, line_of, push_block, push_inline};

/// A paragraph shorter than this doesn't vote for its container.
const MIN_PARAGRAPH: usize = 25;
/// Below this many characters, a strict pass probably dropped the article with the chrome.
const RETRY_BELOW: usize = 500;
/// Blocks whose text votes for their container.
const VOTING_BLOCKS: &[&str] = &[
    "p",
    "pre",
    "td",
    "div",
    "section",
    "article",
    "blockquote",
    "dd",
];

/// The main text of a page as paragraphs.
///
/// A first pass skips elements whose class or id looks like chrome; class names are
/// noisy (`lte-banner-w980` on an article's wrapper), so when that leaves little text a
/// second pass skips only chrome tags, and wins if it finds a real article (twice as long).
pub fn main_paragraphs(doc: &Html, overrides: &Overrides) -> Vec<String> {
    let removed: Vec<NodeId> = overrides
        .remove
        .iter()
        .flat_map(|sel| doc.select(sel).map(|e| e.id()))
        .collect();
    if let Some(selector) = &overrides.content {
        let rules = Rules::new(true, &removed);
        let mut out = Vec::new();
        for el in doc.select(selector) {
            collect(el, &rules, 0, &mut out);
        }
        if !out.is_empty() {
            return out;
        }
    }
    let strict = paragraphs_with(doc, &Rules::for_page(true, &removed));
    let len = |p: &[String]| p.iter().map(|s| s.chars().count()).sum::<usize>();
    let s = len(&strict);
    if s >= RETRY_BELOW {
        return strict;
    }
    let lenient = paragraphs_with(doc, &Rules::new(false, &removed));
    if len(&lenient) >= RETRY_BELOW && len(&lenient) > 2 * s {
        lenient
    } else {
        strict
    }
}

/// Paragraphs under `root` (e.g. a feed entry's HTML), chrome skipped.
pub fn blocks(root: ElementRef<'_>) -> Vec<String> {
    let mut out = Vec::new();
    collect(root, &Rules::new(true, &[]), 0, &mut out);
    out
}

struct Scorer<'r> {
    rules: &'r Rules,
    scores: HashMap<NodeId, f64>,
    /// Per element: characters of voting paragraphs anywhere below it.
    mass: HashMap<NodeId, usize>,
    /// Per candidate: characters of text and of link text seen within five levels.
    text: HashMap<NodeId, (usize, usize)>,
}

impl Scorer<'_> {
    /// Adds a paragraph's score to its container and the container's ancestors.
    fn credit(&mut self, container: ElementRef<'_>, line: &Line) {
        let len = line.len();
        if len == 0 {
            return;
        }
        for ancestor in std::iter::once(container.id())
            .chain(container.ancestors().map(|a| a.id()))
            .take(5)
        {
            let t = self.text.entry(ancestor).or_default();
            t.0 += len;
            t.1 += line.link_len();
        }
        if len < MIN_PARAGRAPH || line.link_density() > 0.5 {
            return;
        }
        for ancestor in std::iter::once(container.id()).chain(container.ancestors().map(|a| a.id()))
        {
            *self.mass.entry(ancestor).or_default() += len;
        }
        let commas = line
            .text
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
        // Loose text between blocks counts as a paragraph of the element holding it.
        let mut run = Line::default();
        for node in el.children() {
            match node.value() {
                Node::Text(t) => run.push(t, false),
                Node::Element(e) => {
                    let Some(child) = ElementRef::wrap(node) else {
                        continue;
                    };
                    if self.rules.is_chrome(child) {
                        continue;
                    }
                    if is_inline(e.name()) {
                        push_inline(child, self.rules, &mut run);
                        continue;
                    }
                    self.credit(el, &run.take());
                    if has_block_child(child) {
                        self.walk(child, depth + 1);
                    } else if VOTING_BLOCKS.contains(&e.name()) {
                        // A leaf block is a paragraph of its parent.
                        self.credit(el, &line_of(child, self.rules));
                    }
                }
                _ => {}
            }
        }
        self.credit(el, &run);
    }
}

fn paragraphs_with(doc: &Html, rules: &Rules) -> Vec<String> {
    let mut scorer = Scorer {
        rules,
        scores: HashMap::new(),
        mass: HashMap::new(),
        text: HashMap::new(),
    };
    scorer.walk(doc.root_element(), 0);
    let Scorer {
        scores, text, mass, ..
    } = scorer;
    let element = |id: NodeId| doc.tree.get(id).and_then(ElementRef::wrap);
    // Scores scaled by how much of each candidate is link text.
    let mut ranked: Vec<(NodeId, f64)> = scores
        .iter()
        .map(|(id, s)| {
            let (chars, links) = text.get(id).copied().unwrap_or((0, 0));
            let density = if chars == 0 {
                0.0
            } else {
                links as f64 / chars as f64
            };
            (*id, s * (1.0 - density))
        })
        .collect();
    // Ties go to the earlier element: the map's order is random, and the same page must
    // always give the same text.
    // Ties go to the earlier element: the map's order is random, and the same page must
    // always give the same text.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(8);
    let Some(&(top_id, top_score)) = ranked.first() else {
        // Nothing long enough to vote: a short page is all article.
        let mut out = Vec::new();
        collect(doc.root_element(), rules, 0, &mut out);
        return out;
    };
    let Some(top) = element(top_id) else {
        return Vec::new();
    };
    let top = widen(top, top_score, &ranked, &scores, &element);
    let best = top;
    let top = cover(top, &mass, doc.root_element().id());
    let mass_of = |e: ElementRef<'_>| mass.get(&e.id()).copied().unwrap_or(0) as f64;
    if best.id() != top.id() && mass_of(best) >= mass_of(top) * BEST_SHARE {
        skip_trailing_strangers(best, top, rules);
    }
    let top_score = scores.get(&top.id()).copied().unwrap_or(top_score);
    let mut out = Vec::new();
    let Some(parent) = top.parent().and_then(ElementRef::wrap) else {
        collect(top, rules, 0, &mut out);
        return out;
    };
    // Content split over sibling containers: take the siblings that score well too.
    let threshold = (top_score * 0.2).max(10.0);
    let top_class = top.value().attr("class").unwrap_or("");
    for sibling in parent.children().filter_map(ElementRef::wrap) {
        let accept = sibling.id() == top.id() || {
            let same_class =
                !top_class.is_empty() && sibling.value().attr("class") == Some(top_class);
            let bonus = if same_class { top_score * 0.2 } else { 0.0 };
            let score = scores.get(&sibling.id()).copied().unwrap_or(0.0);
            !rules.is_chrome(sibling)
                && (score + bonus >= threshold || is_good_paragraph(sibling, rules))
        };
        if !accept {
            continue;
        }
        if has_block_child(sibling) {
            collect(sibling, rules, 0, &mut out);
        } else {
            push_block(line_of(sibling, rules), &mut out);
        }
    }
    out
}

/// readability's ways of finding more of the article above the best candidate: an
/// ancestor holding three close runners-up, a parent that scores higher still, a parent
/// with no other child.
fn widen<'a>(
    mut top: ElementRef<'a>,
    top_score: f64,
    ranked: &[(NodeId, f64)],
    scores: &HashMap<NodeId, f64>,
    element: &impl Fn(NodeId) -> Option<ElementRef<'a>>,
) -> ElementRef<'a> {
    let is_root = |e: &ElementRef<'_>| matches!(e.value().name(), "body" | "html");
    let close: Vec<ElementRef<'_>> = ranked
        .iter()
        .skip(1)
        .take(4)
        .filter(|(_, s)| *s >= top_score * 0.75)
        .filter_map(|(id, _)| element(*id))
        .collect();
    if close.len() >= 3 {
        for ancestor in top.ancestors().filter_map(ElementRef::wrap) {
            if is_root(&ancestor) {
                break;
            }
            let inside = close
                .iter()
                .filter(|e| e.ancestors().any(|a| a.id() == ancestor.id()))
                .count();
            if inside >= 3 {
                top = ancestor;
                break;
            }
        }
    }
    let mut last = scores.get(&top.id()).copied().unwrap_or(top_score);
    let threshold = last / 3.0;
    let mut parent = top.parent().and_then(ElementRef::wrap);
    while let Some(p) = parent.filter(|p| !is_root(p)) {
        if let Some(&score) = scores.get(&p.id()) {
            if score < threshold {
                break;
            }
            if score > last {
                top = p;
                break;
            }
            last = score;
        }
        parent = p.parent().and_then(ElementRef::wrap);
    }
    while let Some(p) = top
        .parent()
        .and_then(ElementRef::wrap)
        .filter(|p| !is_root(p))
    {
        if p.children().filter_map(ElementRef::wrap).count() != 1 {
            break;
        }
        top = p;
    }
    top
}

/// Share of the page's paragraph text the article should hold: articles split into many
/// small sections leave the best-scoring one with only a fraction of it.
const MIN_COVER: f64 = 0.65;

/// Climbs from `top` to the nearest ancestor holding at least [`MIN_COVER`] of all the
/// paragraph text on the page.
fn cover<'a>(
    mut top: ElementRef<'a>,
    mass: &HashMap<NodeId, usize>,
    root: NodeId,
) -> ElementRef<'a> {
    let total = mass.get(&root).copied().unwrap_or(0) as f64;
    let mass_of = |e: &ElementRef<'_>| mass.get(&e.id()).copied().unwrap_or(0) as f64;
    while mass_of(&top) < total * MIN_COVER {
        match top.parent().and_then(ElementRef::wrap) {
            Some(p) if !matches!(p.value().name(), "html") => top = p,
            _ => break,
        }
    }
    top
}

/// When the best candidate holds at least this share of what [`cover`] climbed to, it is the
/// article's body and what follows it is suspect; below, the article is split into many
/// sections and all of them count. Measured on wcxb: 0.4 and 0.45 gain the same (P +0.003,
/// F1 +0.001; readability-pages F1 +0.001), 0.3 and 0.55 about nothing.
const BEST_SHARE: f64 = 0.45;

/// After `cover` has climbed from the best candidate to an ancestor: what follows the best
/// candidate at each level is the article only when it is another block of the same kind
/// (an article split into sections); anything else there is what pages put after an
/// article (calls to action, teasers, sign-up boxes), and is skipped.
fn skip_trailing_strangers(best: ElementRef<'_>, cover: ElementRef<'_>, rules: &Rules) {
    let mut node = best;
    while node.id() != cover.id() {
        let kind = (node.value().name(), node.value().attr("class"));
        for sibling in node.next_siblings().filter_map(ElementRef::wrap) {
            if (sibling.value().name(), sibling.value().attr("class")) != kind {
                rules.skip(sibling.id());
            }
        }
        match node.parent().and_then(ElementRef::wrap) {
            Some(p) => node = p,
            None => break,
        }
    }
}

/// readability's rule for a sibling `<p>`: long with few links, or short, link-free and
/// sentence-like.
fn is_good_paragraph(el: ElementRef<'_>, rules: &Rules) -> bool {
    if el.value().name() != "p" {
        return false;
    }
    let line = line_of(el, rules);
    let density = line.link_density();
    (line.len() > 80 && density < 0.25)
        || (line.len() > 0 && density == 0.0 && line.text.contains(". "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        main_paragraphs(&Html::parse_document(html), &Overrides::default()).join("\n\n")
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
    fn a_wrapper_with_a_chrome_name_holding_most_text_is_read() {
        let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
        let page = |class: &str| {
            format!(
                "<html><body><div class=\"{class}\"><div class=\"intro\"><p>{para}</p><p>{para}</p><p>{para}</p></div></div>\
                 <div class=\"sidebar\"><p>Sidebar text, about other things, and more things.</p></div></body></html>"
            )
        };
        let got = text(&page("sidebar-container"));
        assert!(got.contains("The article's paragraph"), "{got}");
        assert!(!got.contains("Sidebar text"), "{got}");
        // Comment threads stay out however long they are.
        let comment = "A reader's comment, long and opinionated, with commas, and clauses too.";
        let got = text(&format!(
            "<html><body><div class=\"story\"><p>{para}</p><p>{para}</p></div>\
             <div class=\"comments\"><p>{comment}</p><p>{comment}</p><p>{comment}</p><p>{comment}</p></div></body></html>"
        ));
        assert!(got.contains("The article's paragraph"), "{got}");
        assert!(!got.contains("A reader's comment"), "{got}");
    }

    #[test]
    fn lines_citing_links_stay_and_link_lines_go() {
        let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
        let html = format!(
            "<html><body><article><p>{para}</p><p>{para}</p>\
             <ul><li>Neil has patches up to <a href=\"/1\">improve the behaviour of the tab unloader</a>, and <a href=\"/2\">show UI when subframes crash</a></li>\
             <li>Mike fixed <a href=\"/3\">a bug in the printing preview dialog</a></li></ul>\
             <p><a href=\"/more\">Read more stories like this one</a></p></article></body></html>"
        );
        let got = text(&html);
        assert!(got.contains("Neil has patches"), "{got}");
        assert!(got.contains("Mike fixed"), "{got}");
        assert!(!got.contains("Read more"), "{got}");
    }

    #[test]
    fn data_table_rows_are_lines_and_layout_tables_are_paragraphs() {
        let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
        let html = format!(
            "<html><body><article><p>{para}</p><p>{para}</p><table>\
             <tr><th>Rank</th><th>School</th><th>Salary</th></tr>\
             <tr><td>1</td><td>Booth</td><td>$175,000</td></tr>\
             <tr><td>2</td><td><a href=\"/k\">Kellogg</a></td><td>$165,000</td></tr>\
             <tr><td>3</td><td>Wharton</td><td>$175,000</td></tr></table></article></body></html>"
        );
        let got = text(&html);
        assert!(got.ends_with("Rank\tSchool\tSalary\n\n1\tBooth\t$175,000\n\n2\tKellogg\t$165,000\n\n3\tWharton\t$175,000"), "{got}");
        // A layout table's cells hold paragraphs: they stay paragraphs.
        let html = format!(
            "<html><body><table><tr><td><p>{para}</p><p>{para} Two.</p><p>{para} Three.</p></td>\
             <td><p>Side note.</p></td></tr></table></body></html>"
        );
        let got = text(&html);
        assert!(got.contains("Two.\n\nThe article's"), "{got}");
    }

    #[test]
    fn collapsed_panels_are_read_and_hidden_boxes_are_not() {
        let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
        let html = format!(
            "<html><body><article><p>{para}</p><p>{para}</p>\
             <h3><a role=\"button\" aria-controls=\"step-1\">1. Check your roof</a></h3>\
             <div id=\"step-1\" style=\"display: none\"><p>Shade, pitch and age decide how much a roof yields.</p></div>\
             <div style=\"display:none\"><p>A hidden tracking notice, never shown to anyone.</p></div>\
             <div class=\"author-bio\"><p>Jo Writer has covered energy for ten years, and lives in Leeds.</p></div>\
             <div class=\"box cta\"><p>Get three free quotes from vetted installers near you today.</p></div>\
             <p class=\"affiliate-disclosure\">We may be paid when you buy through links on this page, at no cost to you.</p>\
             </article></body></html>"
        );
        let got = text(&html);
        assert!(got.contains("Shade, pitch and age"), "{got}");
        assert!(!got.contains("tracking notice"), "{got}");
        assert!(!got.contains("Jo Writer"), "{got}");
        assert!(!got.contains("free quotes"), "{got}");
        assert!(!got.contains("We may be paid"), "{got}");
    }

    #[test]
    fn what_follows_the_body_in_a_wider_container_must_be_more_of_it() {
        let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
        let section =
            |n: &str| format!("<div class=\"section\"><p>{para} {n}</p><p>{para}</p></div>");
        let body = format!(
            "<div class=\"body\"><p>{para} Three.</p><p>{para}</p><p>{para}</p><p>{para}</p><p>{para}</p><p>{para}</p></div>"
        );
        let html = format!(
            "<html><body><main><div class=\"intro\"><p>Intro to the story, with a clause, and more words.</p></div>\
             {}{}{body}\
             <div class=\"cta\"><p>Ready to start? Call our team today, we answer within the hour, every day.</p></div>\
             <div class=\"more\"><p>Another post, about other things, with its own summary text here.</p></div>\
             </main></body></html>",
            section("One."),
            section("Two."),
        );
        let got = text(&html);
        assert!(got.contains("Intro to the story"), "{got}");
        assert!(got.contains("One.") && got.contains("Three."), "{got}");
        assert!(!got.contains("Another post"), "{got}");
        // Sections of the same kind after the body are more of the article.
        let html = format!(
            "<html><body><main><div class=\"intro\"><p>Intro to the story, with a clause, and more words.</p></div>\
             <div class=\"s\"><p>{para} One.</p><p>{para}</p><p>{para}</p><p>{para}</p></div>\
             <div class=\"s\"><p>{para} Two.</p><p>{para}</p></div><div class=\"s\"><p>{para} Three.</p><p>{para}</p></div>\
             <div class=\"cover\"><p>{para} Four.</p><p>{para}</p><p>{para}</p></div></main></body></html>"
        );
        let got = text(&html);
        assert!(got.contains("Two.") && got.contains("Three."), "{got}");
    }

    #[test]
    fn ties_go_to_the_earlier_candidate_every_time() {
        // Two blocks that score the same (as many commas, both long), one holding most of
        // the text: picking either must not depend on the hash map's order.
        let block = |w: &str, words: usize| {
            let p = format!("<p>{w}, {w}, {}.</p>", format!("{w} ").repeat(words));
            format!("<div class=\"box\"><div>{p}{p}{p}</div></div>")
        };
        let html = format!(
            "<html><body><main>{}</main><main>{}</main></body></html>",
            block("alpha", 200),
            block("gamma", 60)
        );
        let first = text(&html);
        for _ in 0..30 {
            assert_eq!(text(&html), first);
        }
    }

    #[test]
    fn deep_nesting_finishes() {
        let html = format!(
            "{}<p>deep text, deep text, deep text</p>",
            "<div>".repeat(5000)
        );
        let _ = main_paragraphs(&Html::parse_document(&html), &Overrides::default());
    }
}
