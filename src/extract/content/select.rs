//! Which blocks around the best-scoring candidate join it: readability's widening, the
//! climb to the ancestor holding most of the page's text, what may follow the body there,
//! the parts of an article its template split apart, and its FAQ. Scoring is `super`'s job.

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::ElementRef;

use super::rules::Rules;
use super::text::line_of;

/// Paragraph text a block needs to be taken for another part of a split article.
const KIN_MASS: usize = 200;

/// The first word of an element's class: what a template calls the block.
fn first_class(el: ElementRef<'_>) -> Option<&str> {
    el.value().attr("class")?.split_whitespace().next()
}

/// Blocks of the same kind as `top` elsewhere on the page, before and after it: an
/// article the template split into parts (`story-body-1`, `story-body-2`), each wrapped
/// alike. Same kind: the same tag and first class word, in a parent of the same tag and
/// class as `top`'s; outside `top`'s own parent, whose children the sibling rule judges.
pub(super) fn kin_parts<'a>(
    top: ElementRef<'a>,
    parent: ElementRef<'a>,
    mass: &HashMap<NodeId, usize>,
    rules: &Rules,
) -> (Vec<ElementRef<'a>>, Vec<ElementRef<'a>>) {
    let (mut before, mut after) = (Vec::new(), Vec::new());
    // Only blocks the template names as the text (`story-body`, `article-text`): grid
    // frameworks give every cell the same generic name.
    let Some(kind) = first_class(top).filter(|k| {
        let k = k.to_ascii_lowercase();
        [
            "article", "body", "content", "entry", "post", "story", "text",
        ]
        .iter()
        .any(|w| k.contains(w))
    }) else {
        return (before, after);
    };
    let parent_kind = (parent.value().name(), parent.value().attr("class"));
    let mut seen_top = false;
    for node in top.tree().root().descendants() {
        if node.id() == top.id() {
            seen_top = true;
            continue;
        }
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        let same = el.value().name() == top.value().name()
            && first_class(el) == Some(kind)
            && mass.get(&el.id()).copied().unwrap_or(0) >= KIN_MASS
            && el.parent().and_then(ElementRef::wrap).is_some_and(|p| {
                p.id() != parent.id() && (p.value().name(), p.value().attr("class")) == parent_kind
            })
            && !rules.is_chrome(el)
            && !top.ancestors().any(|a| a.id() == el.id())
            && !el.ancestors().any(|a| {
                a.id() == top.id()
                    || before
                        .iter()
                        .chain(&after)
                        .any(|k: &ElementRef<'_>| k.id() == a.id())
                    || ElementRef::wrap(a).is_some_and(|a| rules.is_chrome(a))
            });
        if same {
            if seen_top {
                after.push(el);
            } else {
                before.push(el);
            }
        }
    }
    (before, after)
}

/// readability's ways of finding more of the article above the best candidate: an
/// ancestor holding three close runners-up, a parent that scores higher still, a parent
/// with no other child.
pub(super) fn widen<'a>(
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
pub(super) fn cover<'a>(
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

/// Share of the page's paragraph text an `<article>` around the chosen block needs to be
/// taken whole.
const ARTICLE_SHARE: f64 = 0.9;
/// Share of the page's paragraph text the `<article>` must hold before the chosen block:
/// less is its headline, standfirst and byline, which the article's text leaves out.
const ARTICLE_GAIN: f64 = 0.15;

/// The `<article>` element around `top` when it holds nearly all of the page's paragraph
/// text, much of it before `top`: templates nest an article's sections one inside the
/// next, and [`cover`] stops at the first that holds enough, leaving the opening sections
/// out. What follows `top` there is the caller's to judge (it may be what pages put after
/// an article). Measured on wcxb: 3 pages change, R +0.0007, F1 +0.0003; readability-pages
/// unchanged (without the 0.15 before `top`, news pages gain their byline and standfirst:
/// readability-pages F1 −0.0013). A body the page marks as such ([`marked_body`]) is
/// climbed to first.
pub(super) fn enclosing_article<'a>(
    top: ElementRef<'a>,
    mass: &HashMap<NodeId, usize>,
    root: NodeId,
) -> ElementRef<'a> {
    let mass_of = |id: NodeId| mass.get(&id).copied().unwrap_or(0) as f64;
    let total = mass_of(root);
    let top = marked_body(top, mass, total);
    let Some(article) = top
        .ancestors()
        .filter_map(ElementRef::wrap)
        .find(|a| a.value().name() == "article")
    else {
        return top;
    };
    if mass_of(article.id()) < total * ARTICLE_SHARE {
        return top;
    }
    if mass_before(top, article, mass) >= total * ARTICLE_GAIN {
        article
    } else {
        top
    }
}

/// The element around `top` its page marks as the article's body (schema.org's
/// `articleBody`) when it holds nearly all of the page's paragraph text: the page says all
/// of it is the article, so its opening blocks (a standfirst, an intro above the section
/// that scores best) are read too, however short. Unlike a bare `<article>`, the mark leaves
/// out the headline and byline, so no share before `top` is asked for, only a lead's
/// worth of text. Bodies are marked by `itemprop` or by a class naming the article's body
/// (`article-body`, `entry-content`, `post-text`). Measured on wcxb: F1 +0.0003 (9 pages
/// change), readability-pages unchanged; without [`MIN_LEAD`] datelines and bylines come in
/// with it (readability-pages −0.0001).
fn marked_body<'a>(
    top: ElementRef<'a>,
    mass: &HashMap<NodeId, usize>,
    total: f64,
) -> ElementRef<'a> {
    let mass_of = |id: NodeId| mass.get(&id).copied().unwrap_or(0) as f64;
    top.ancestors()
        .filter_map(ElementRef::wrap)
        .find(|a| {
            let e = a.value();
            e.attr("itemprop")
                .is_some_and(|v| v.split_whitespace().any(|w| w == "articleBody"))
                || e.attr("class").is_some_and(|c| {
                    c.split_whitespace().any(|w| {
                        let w = w.to_ascii_lowercase();
                        ["article", "entry", "post", "story"]
                            .iter()
                            .any(|k| w.contains(k))
                            && ["body", "content", "text"].iter().any(|k| w.contains(k))
                    })
                })
        })
        .filter(|body| {
            mass_of(body.id()) >= total * ARTICLE_SHARE && mass_before(top, *body, mass) >= MIN_LEAD
        })
        .unwrap_or(top)
}

/// Paragraph text before `top` inside `container`, at each level up to it.
fn mass_before(
    top: ElementRef<'_>,
    container: ElementRef<'_>,
    mass: &HashMap<NodeId, usize>,
) -> f64 {
    let mass_of = |id: NodeId| mass.get(&id).copied().unwrap_or(0) as f64;
    let mut before = 0.0;
    let mut node = *top;
    while node.id() != container.id() {
        before += node.prev_siblings().map(|s| mass_of(s.id())).sum::<f64>();
        match node.parent() {
            Some(p) => node = p,
            None => return 0.0,
        }
    }
    before
}

/// Paragraph text (characters, as `mass` counts them) before the chosen block that makes
/// climbing to the marked body worth it: a standfirst is a sentence or two, a dateline or
/// byline is shorter.
const MIN_LEAD: f64 = 100.0;

/// When the best candidate holds at least this share of what [`cover`] climbed to, it is the
/// article's body and what follows it is suspect; below, the article is split into many
/// sections and all of them count. Measured on wcxb: 0.4 and 0.45 gain the same (P +0.003,
/// F1 +0.001; readability-pages F1 +0.001), 0.3 and 0.55 about nothing.
pub(super) const BEST_SHARE: f64 = 0.45;

/// After `cover` has climbed from the best candidate to an ancestor: what follows the best
/// candidate at each level is the article only when it is another block of the same kind
/// (an article split into sections); anything else there is what pages put after an
/// article (calls to action, teasers, sign-up boxes), and is skipped.
pub(super) fn skip_trailing_strangers(best: ElementRef<'_>, cover: ElementRef<'_>, rules: &Rules) {
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

/// Where a page marks a list of questions and answers: elements whose class or id has the
/// word `faq`, and headings naming one. Found once per page, in one walk.
pub(super) fn faq_marks(root: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    root.descendants()
        .filter_map(ElementRef::wrap)
        .filter(|el| {
            let e = el.value();
            // A cheap look for the letters first: most names have none.
            let named = [e.attr("class"), e.attr("id")]
                .into_iter()
                .flatten()
                .filter(|v| {
                    v.as_bytes()
                        .windows(3)
                        .any(|w| w.eq_ignore_ascii_case(b"faq"))
                })
                .flat_map(|v| v.split(|c: char| !c.is_ascii_alphanumeric()))
                .any(|w| w.eq_ignore_ascii_case("faq") || w.eq_ignore_ascii_case("faqs"));
            named
                || (matches!(e.name(), "h2" | "h3") && {
                    let t = el.text().collect::<String>().to_lowercase();
                    t.contains("faq") || t.contains("frequently asked questions")
                })
        })
        .collect()
}

/// Whether `el` is or holds one of the page's FAQ marks: pages put their FAQ after the
/// article's body, in a block of its own, and it is part of the article.
pub(super) fn holds_faq(el: ElementRef<'_>, marks: &[ElementRef<'_>]) -> bool {
    marks
        .iter()
        .any(|m| m.id() == el.id() || m.ancestors().any(|a| a.id() == el.id()))
}

/// readability's rule for a sibling `<p>`: long with few links, or short, link-free and
/// sentence-like.
pub(super) fn is_good_paragraph(el: ElementRef<'_>, rules: &Rules) -> bool {
    if el.value().name() != "p" {
        return false;
    }
    let line = line_of(el, rules);
    let density = line.link_density();
    (line.len() > 80 && density < 0.25)
        || (line.len() > 0 && density == 0.0 && line.text.contains(". "))
}
