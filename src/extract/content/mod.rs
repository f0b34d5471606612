//! Main-content detection: a readability-style scorer over the DOM.
//!
//! Every paragraph-like run of text (a `<p>`, a leaf `<div>`, loose text between blocks)
//! scores its ancestors by length and commas, decaying with distance; each ancestor starts
//! from a weight for its tag and for words in its class and id (`article-body` up,
//! `sidebar` down). The best candidate, scaled by how much of it is link text, is the
//! article; siblings that score well join it, and so do its FAQ and the other parts of an
//! article its template split apart ([`select`]). When the article has to be widened to
//! hold most of the page's text, what follows its body must look like more of it. Page
//! chrome (navigation, share bars, newsletter boxes, related links, …) is skipped by tag,
//! role and class ([`rules`]), and so are lists of teaser cards beside the article
//! ([`cards`]).
//! Line-level cleanup of what survives is `super::cleanup`'s job.

mod cards;
mod rules;
mod select;
mod text;

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, node::Node};

use rules::{Rules, class_weight, is_inline, tag_weight};
use select::{
    BEST_SHARE, cover, enclosing_article, faq_marks, holds_faq, is_good_paragraph, kin_parts,
    skip_trailing_strangers, widen,
};

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
pub fn main_paragraphs(doc: &Html, overrides: &Overrides, site: Option<&str>) -> Vec<String> {
    let removed: Vec<NodeId> = overrides
        .remove
        .iter()
        .flat_map(|sel| doc.select(sel).map(|e| e.id()))
        .collect();
    if let Some(selector) = &overrides.content {
        let rules = Rules::new(true, &removed).on(site);
        let mut out = Vec::new();
        for el in doc.select(selector) {
            collect(el, &rules, 0, &mut out);
        }
        if !out.is_empty() {
            return out;
        }
    }
    let strict = paragraphs_with(doc, &Rules::for_page(true, &removed).on(site));
    let len = |p: &[String]| p.iter().map(|s| s.chars().count()).sum::<usize>();
    let s = len(&strict);
    if s >= RETRY_BELOW {
        return strict;
    }
    let lenient = paragraphs_with(doc, &Rules::new(false, &removed).on(site));
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
    let Scored {
        scores,
        mass,
        ranked,
    } = score(doc, rules);
    let element = |id: NodeId| doc.tree.get(id).and_then(ElementRef::wrap);
    let Some(&(top_id, top_score)) = ranked.first() else {
        // Nothing long enough to vote: a short page is all article.
        let mut out = Vec::new();
        collect(doc.root_element(), rules, 0, &mut out);
        return out;
    };
    let Some(top) = element(top_id) else {
        return Vec::new();
    };
    let best = widen(top, top_score, &ranked, &scores, &element);
    let top = cover(best, &mass, doc.root_element().id());
    let mass_of = |e: ElementRef<'_>| mass.get(&e.id()).copied().unwrap_or(0) as f64;
    if best.id() != top.id() && mass_of(best) >= mass_of(top) * BEST_SHARE {
        skip_trailing_strangers(best, top, rules);
    }
    // Lists of teaser cards outside the best candidate are other pages', however well their
    // blurbs score; inside it they may be the article's own entries (a roundup). Measured:
    // readability-pages F1 +0.0003 (one page), wcxb unchanged; skipping them inside the best
    // candidate too cost wcxb 0.0007 (roundups lost).
    if rules.strict {
        for card in cards::teaser_cards(doc) {
            let inside = doc
                .tree
                .get(card)
                .is_some_and(|c| c.ancestors().any(|a| a.id() == best.id()));
            if !inside {
                rules.skip(card);
            }
        }
    }
    let article = enclosing_article(top, &mass, doc.root_element().id());
    if article.id() != top.id() {
        skip_trailing_strangers(top, article, rules);
    }
    let top = article;
    let top_score = scores.get(&top.id()).copied().unwrap_or(top_score);
    assemble(top, top_score, &scores, &mass, rules)
}

/// One pass's scores: per candidate, per element's paragraph mass, and the best eight
/// candidates after link density.
struct Scored {
    scores: HashMap<NodeId, f64>,
    mass: HashMap<NodeId, usize>,
    ranked: Vec<(NodeId, f64)>,
}

fn score(doc: &Html, rules: &Rules) -> Scored {
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
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(8);
    Scored {
        scores,
        mass,
        ranked,
    }
}

/// The article's paragraphs: `top`, its siblings that score well or read as article text
/// (readability's rule) or hold its FAQ, and parts of it elsewhere on the page.
fn assemble(
    top: ElementRef<'_>,
    top_score: f64,
    scores: &HashMap<NodeId, f64>,
    mass: &HashMap<NodeId, usize>,
    rules: &Rules,
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(parent) = top.parent().and_then(ElementRef::wrap) else {
        collect(top, rules, 0, &mut out);
        return out;
    };
    let (before, after) = kin_parts(top, parent, mass, rules);
    for part in before {
        collect(part, rules, 0, &mut out);
    }
    // Found when a sibling first needs them: most pages never ask.
    let faqs = std::cell::OnceCell::new();
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
                && (score + bonus >= threshold
                    || is_good_paragraph(sibling, rules)
                    || holds_faq(sibling, faqs.get_or_init(|| faq_marks(parent))))
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
    for part in after {
        collect(part, rules, 0, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
