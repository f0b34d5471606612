//! Teaser cards: the lists of other pages that sites put beside and after an article, each
//! item a heading that links away and a line or two of blurb. Their blurbs read like prose
//! (whole sentences, commas), so scoring alone lets them in with the article.

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, node::Node};

use super::rules::is_inline;
use super::text::MAX_DEPTH;

/// Cards side by side under one parent that make a list of teasers (two could be an
/// article's own pair of linked sections).
const MIN_CARDS: usize = 3;
/// Characters of text a card holds at most besides its heading: a blurb, not a section.
const MAX_BLURB: usize = 400;
/// Share of a heading's text that must be link text for it to link away.
const LINKED: f64 = 0.9;
/// When the cards hold more than this share of the page's text they are its content (a
/// listing page, a roundup of short entries).
const LISTING_SHARE: f64 = 0.5;

/// Text and link text under an element (links to places on the same page don't count as
/// links away).
fn text_and_links(el: ElementRef<'_>, in_link: bool, depth: usize, acc: &mut (usize, usize)) {
    if depth > MAX_DEPTH {
        return;
    }
    for node in el.children() {
        match node.value() {
            Node::Text(t) => {
                let n = t.trim().len();
                acc.0 += n;
                if in_link {
                    acc.1 += n;
                }
            }
            Node::Element(e) if matches!(e.name(), "script" | "style" | "noscript") => {}
            Node::Element(e) => {
                let link = in_link
                    || (e.name() == "a" && e.attr("href").is_some_and(|h| !h.starts_with('#')));
                if let Some(child) = ElementRef::wrap(node) {
                    text_and_links(child, link, depth + 1, acc);
                }
            }
            _ => {}
        }
    }
}

fn text_len(el: ElementRef<'_>) -> usize {
    let mut acc = (0, 0);
    text_and_links(el, false, 0, &mut acc);
    acc.0
}

/// Elements to skip as teaser cards: each the largest block around a heading that links
/// away holding no other such heading, with little text besides it, and at least
/// [`MIN_CARDS`] of them under one parent. A heading alone is no card (an article's own
/// headings may link to what they name), and cards holding most of the page are kept.
pub fn teaser_cards(doc: &Html) -> Vec<NodeId> {
    let root = doc.root_element();
    let linked: Vec<ElementRef<'_>> = root
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|el| matches!(el.value().name(), "h2" | "h3" | "h4" | "h5" | "h6"))
        .filter(|h| {
            let mut acc = (0, 0);
            text_and_links(*h, false, 0, &mut acc);
            acc.0 > 0 && acc.1 as f64 >= acc.0 as f64 * LINKED
        })
        .collect();
    if linked.len() < MIN_CARDS {
        return Vec::new();
    }
    // Linked headings under each element.
    let mut count: HashMap<NodeId, usize> = HashMap::new();
    for h in &linked {
        for a in h.ancestors().take(MAX_DEPTH) {
            *count.entry(a.id()).or_default() += 1;
        }
    }
    // Cards by parent.
    let mut by_parent: HashMap<NodeId, Vec<(NodeId, usize)>> = HashMap::new();
    for h in &linked {
        let mut card = *h;
        while let Some(p) = card.parent().and_then(ElementRef::wrap) {
            if matches!(p.value().name(), "body" | "html")
                || count.get(&p.id()).copied().unwrap_or(0) != 1
            {
                break;
            }
            card = p;
        }
        if card.id() == h.id() || is_inline(card.value().name()) {
            continue;
        }
        let len = text_len(card);
        if len.saturating_sub(text_len(*h)) > MAX_BLURB {
            continue;
        }
        if let Some(p) = card.parent() {
            by_parent.entry(p.id()).or_default().push((card.id(), len));
        }
    }
    let page = text_len(root);
    let lists: Vec<Vec<(NodeId, usize)>> = by_parent
        .into_values()
        .filter(|cards| cards.len() >= MIN_CARDS)
        .collect();
    let in_cards: usize = lists.iter().flatten().map(|c| c.1).sum();
    if in_cards as f64 > page as f64 * LISTING_SHARE {
        return Vec::new();
    }
    lists.into_iter().flatten().map(|c| c.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_of_linked_cards_are_found_and_an_articles_headings_are_not() {
        let para = "<p>The article's own paragraph, with commas, clauses, and enough words to be read as text.</p>";
        let card = |n: usize| {
            format!(
                "<li><div class=\"c\"><h3><a href=\"/story-{n}\">Another story {n}</a></h3>\
                 <p>A blurb for story {n}, with a comma, to tempt the reader away.</p></div></li>"
            )
        };
        let cards: String = (1..=4).map(card).collect();
        let html = format!(
            "<html><body><div class=\"body\"><h2><a href=\"/topic\">A linked section heading</a></h2>{p}{p}{p}\
             <h2><a href=\"/topic2\">Another linked heading</a></h2>{p}{p}{p}\
             <h2><a href=\"/topic3\">A third linked heading</a></h2>{p}{p}{p}</div>\
             <ul class=\"more\">{cards}</ul></body></html>",
            p = para.repeat(2)
        );
        let doc = Html::parse_document(&html);
        let found = teaser_cards(&doc);
        assert_eq!(found.len(), 4);
        for id in found {
            let el = ElementRef::wrap(doc.tree.get(id).unwrap()).unwrap();
            assert_eq!(el.value().name(), "li");
        }
        // Two cards are not a list, and cards that are the page are its content.
        let two: String = (1..=2).map(card).collect();
        let page = html.replace(&cards, &two);
        assert!(teaser_cards(&Html::parse_document(&page)).is_empty());
        let listing = format!("<html><body><ul>{cards}</ul></body></html>");
        assert!(teaser_cards(&Html::parse_document(&listing)).is_empty());
    }
}
