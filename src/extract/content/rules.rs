//! What counts as chrome and as content: tag lists, class/id word lists, and the weights
//! readability gives them. Decisions are cached per element for one pass.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use ego_tree::NodeId;
use scraper::ElementRef;
use scraper::node::Element;

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
    "newsletter",
    "subscribe",
    "promo",
    "trending",
    "recommend",
    "outbrain",
    "taboola",
    "paywall",
    "restricted",
    "cookie",
    "modal",
    "byline",
    "most-read",
    "mostread",
    "signup",
    "toolbar",
];

/// Class/id fragments of the box about the author below an article. From `author-section`
/// on, measured on wcxb: F1 +0.0001 (7 pages won, none lost); readability-pages unchanged.
const AUTHOR_BOX: &[&str] = &[
    "author-bio",
    "author_bio",
    "authorbio",
    "author-box",
    "author_box",
    "authorbox",
    "about-author",
    "about-the-author",
    "author-info",
    "author-desc",
    "entry__author",
    "saboxplugin",
    "author-section",
    "author-card",
    "author_card",
    "author-description",
    "author-about",
    "about_author",
    "author_info",
    "contributor-bio",
    "contributor-box",
    "hero-author",
];

/// Whole words of a class or id that mark chrome (as fragments they would match inside
/// other words: `cta` in `octane`): calls to action and disclaimers. Measured on wcxb: F1
/// +0.0005 together, no change on readability-pages.
const CHROME_WORDS: &[&str] = &["cta", "disclaimer", "disclaimers", "disclosure"];

/// Whole words of a class or id that name a comment thread, skipped even when a strict
/// reading found too little.
const THREAD_WORDS: &[&str] = &["comment", "comments", "commentlist", "disqus", "replies"];

/// Unlikely fragments that make an element chrome however much text it holds: comment
/// threads can outweigh the article, and these are sites' own names for page furniture.
const ALWAYS_UNLIKELY: &[&str] = &[
    "comment",
    "disqus",
    "replies",
    "remark",
    "community",
    "shoutbox",
    "combx",
    "legends",
    "yom-remote",
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

/// MathML's elements, and MathJax's own (`mjx-container` around the MathML it renders): a
/// formula is part of its sentence, not a paragraph of symbols each. Measured:
/// readability-pages F1 +0.005 (its MathJax page from 0.35 to 1.0), wcxb unchanged.
const MATHML: &[&str] = &[
    "math",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mrow",
    "msup",
    "msub",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mover",
    "munder",
    "munderover",
    "mstyle",
    "mspace",
    "mpadded",
    "mphantom",
    "menclose",
    "mfenced",
    "semantics",
];

pub fn is_inline(name: &str) -> bool {
    INLINE.contains(&name) || is_formula(name)
}

/// Whether an element is part of a formula, whose parts are set apart like words.
pub fn is_formula(name: &str) -> bool {
    MATHML.contains(&name) || name.starts_with("mjx-")
}

/// Whether an element is part of a code listing or snippet.
fn in_code(el: ElementRef<'_>) -> bool {
    el.ancestors().take(16).any(|a| {
        a.value()
            .as_element()
            .is_some_and(|e| matches!(e.name(), "pre" | "code"))
    })
}

/// An element's class and id, lower-cased, or `None` when it has neither.
fn names(el: &Element) -> Option<String> {
    let (class, id) = (el.attr("class"), el.attr("id"));
    if class.is_none() && id.is_none() {
        return None;
    }
    let mut s = String::with_capacity(64);
    for part in [class, id].into_iter().flatten() {
        s.push_str(part);
        s.push(' ');
    }
    s.make_ascii_lowercase();
    Some(s)
}

/// An element whose class or id looks like chrome is kept when it holds at least this share
/// of the page's text: a real sidebar or newsletter box is a small part of the page, and a
/// wrapper named `sidebar-container` or `section-hero cc-newsletter` that holds most of the
/// text is where the article sits.
/// Measured on wcxb: 0.5 and 0.4 gain the same (F1 +0.004), 0.65 half of it.
const BIG_SHARE: f64 = 0.5;

/// One extraction pass's rules: strict (tag, role and class) or lenient (tag only).
pub struct Rules {
    pub strict: bool,
    chrome: RefCell<HashMap<NodeId, bool>>,
    /// Whether the rules judge a whole page (not a fragment), whose text share counts.
    whole_page: bool,
    /// Characters of visible text on the page, counted when first needed.
    page_text: Cell<Option<usize>>,
    /// Ids named by `aria-controls` on the page, collected when first needed.
    controlled: RefCell<Option<HashSet<String>>>,
    /// The page's host, without `www.`, when known.
    site: Option<String>,
}

impl Rules {
    /// Rules for one pass; `removed` elements (a feed's `remove_selectors`) are chrome.
    pub fn new(strict: bool, removed: &[NodeId]) -> Rules {
        Rules {
            strict,
            chrome: RefCell::new(removed.iter().map(|id| (*id, true)).collect()),
            whole_page: false,
            page_text: Cell::new(None),
            controlled: RefCell::new(None),
            site: None,
        }
    }

    /// The same rules for a page of `site` (its URL's host).
    pub fn on(self, site: Option<&str>) -> Rules {
        Rules {
            site: site.map(|s| s.trim_start_matches("www.").to_ascii_lowercase()),
            ..self
        }
    }

    /// Whether `href` leads to another site than the page's; unknown when the page's own
    /// site is. Relative links stay on the site. Another subdomain is another site: taking
    /// `blog.example.com` and `example.com` for one loses two pages on the gold sets, whose
    /// blogs link their headings to the company's product pages.
    pub fn leads_elsewhere(&self, href: &str) -> bool {
        let Some(site) = &self.site else {
            return false;
        };
        let href = href.trim();
        let Some(rest) = href
            .strip_prefix("https://")
            .or_else(|| href.strip_prefix("http://"))
            .or_else(|| href.strip_prefix("//"))
        else {
            return false;
        };
        let host = rest.split(['/', '?', '#', ':']).next().unwrap_or_default();
        let host = host.trim_start_matches("www.");
        !host.is_empty() && !host.eq_ignore_ascii_case(site)
    }

    /// Rules for a whole page: chrome-like class names on an element that holds most of the
    /// page's text don't make it chrome.
    pub fn for_page(strict: bool, removed: &[NodeId]) -> Rules {
        Rules {
            whole_page: true,
            ..Rules::new(strict, removed)
        }
    }

    /// Marks an element as one to skip.
    pub fn skip(&self, id: NodeId) {
        self.chrome.borrow_mut().insert(id, true);
    }

    /// Whether to skip an element and everything in it.
    pub fn is_chrome(&self, el: ElementRef<'_>) -> bool {
        if let Some(&known) = self.chrome.borrow().get(&el.id()) {
            return known;
        }
        let verdict = self.judge(el);
        self.chrome.borrow_mut().insert(el.id(), verdict);
        verdict
    }

    fn judge(&self, element: ElementRef<'_>) -> bool {
        let el = element.value();
        let name = el.name();
        if name == "button" && is_disclosure(element) {
            return false;
        }
        if NEVER_TEXT.contains(&name) || name == "nav" {
            return true;
        }
        if self.is_hidden(element) {
            return true;
        }
        let names = names(el);
        let says_content = || {
            names
                .as_ref()
                .is_some_and(|n| MAYBE_CONTENT.iter().any(|w| n.contains(w)))
        };
        if !self.strict {
            // Page landmarks stay out even then (ASP.NET wraps whole pages in a `<form>`:
            // that one is read), and so do comment threads, named so as whole words (a
            // short article under 150 comments was read as its comments; "commentary" is
            // an article).
            let thread = names.as_ref().is_some_and(|n| {
                n.split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|t| THREAD_WORDS.contains(&t))
            });
            return (thread || matches!(name, "header" | "footer" | "aside")) && !says_content();
        }
        if CHROME_TAGS.contains(&name) {
            return !says_content();
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
        if matches!(name, "body" | "html" | "article" | "main" | "a")
            || matches!(el.attr("itemprop"), Some("articleBody" | "text"))
        {
            return false;
        }
        // A heading is chrome by where it stands (a chrome tag, a hidden or skipped block
        // around it), never by its own names: templates call their headings
        // `header-anchor-post` (Substack) or `et_pb_module_header` (Divi). Measured: wcxb F1
        // +0.0009 (R +0.0013; 30 pages won, none lost more than 0.001), readability-pages
        // unchanged at four places (one page's gold leaves out headings named `subheaders`).
        if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
            return false;
        }
        // Inside code, class names are a syntax highlighter's (`<span class="comment">`).
        // Measured: wcxb F1 +0.0005 (a page's commented commands read; 2 pages lose code
        // their gold leaves out), readability-pages unchanged.
        if in_code(element) {
            return false;
        }
        let has_word = |n: &String| {
            n.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|t| CHROME_WORDS.contains(&t))
        };
        names.as_ref().is_some_and(|n| {
            UNLIKELY.iter().any(|w| n.contains(w))
                || AUTHOR_BOX.iter().any(|w| n.contains(w))
                || has_word(n)
        }) && !says_content()
            && (ALWAYS_UNLIKELY
                .iter()
                .any(|w| names.as_ref().is_some_and(|n| n.contains(w)))
                || !self.holds_most_text(element))
    }

    /// Hidden from the reader (`hidden`, `aria-hidden`, `display:none`). React streams
    /// server-rendered content into `<div hidden id="S:0">` and reveals it with script: that
    /// is the page. And a collapsed panel that a control on the page opens (`aria-controls`:
    /// accordions, tabs) is content the reader can see.
    fn is_hidden(&self, element: ElementRef<'_>) -> bool {
        let el = element.value();
        if el.attr("aria-hidden") == Some("true") {
            return true;
        }
        let id = el.attr("id");
        let streamed = id.is_some_and(|id| id.starts_with("S:"));
        let styled = el.attr("style").is_some_and(|s| {
            let s = s.replace(' ', "");
            s.contains("display:none") || s.contains("visibility:hidden")
        });
        let hidden = (el.attr("hidden").is_some() && !streamed) || styled;
        hidden && !id.is_some_and(|id| self.is_controlled(element, id))
    }

    /// Whether some element on the page names `id` in its `aria-controls`.
    fn is_controlled(&self, el: ElementRef<'_>, id: &str) -> bool {
        let mut controlled = self.controlled.borrow_mut();
        let ids = controlled.get_or_insert_with(|| {
            el.tree()
                .nodes()
                .filter_map(|n| n.value().as_element()?.attr("aria-controls"))
                .flat_map(|v| v.split_whitespace().map(str::to_string))
                .collect()
        });
        ids.contains(id)
    }

    fn holds_most_text(&self, el: ElementRef<'_>) -> bool {
        if !self.whole_page {
            return false;
        }
        let page = self.page_text.get().unwrap_or_else(|| {
            let root = el.tree().root().children().find_map(ElementRef::wrap);
            let n = root.map_or(0, |r| visible_len(r, 0));
            self.page_text.set(Some(n));
            n
        });
        page > 0 && visible_len(el, 0) as f64 >= page as f64 * BIG_SHARE
    }
}

/// Words on a disclosure button for it to be a heading (an FAQ's question) rather than a
/// control ("Menu", "Show more").
const DISCLOSURE_WORDS: usize = 4;

/// A button that opens a panel (`aria-expanded`, `aria-controls`) and says a sentence: the
/// question of an accordion, whose answer is the panel.
fn is_disclosure(el: ElementRef<'_>) -> bool {
    let e = el.value();
    (e.attr("aria-expanded").is_some() || e.attr("aria-controls").is_some())
        && el
            .text()
            .flat_map(str::split_whitespace)
            .nth(DISCLOSURE_WORDS - 1)
            .is_some()
}

/// Characters of text under `el` outside scripts, styles and links (link lists and menus
/// are not what makes an element the article).
fn visible_len(el: ElementRef<'_>, depth: usize) -> usize {
    if depth > super::text::MAX_DEPTH {
        return 0;
    }
    el.children()
        .map(|node| match node.value() {
            scraper::node::Node::Text(t) => t.trim().len(),
            scraper::node::Node::Element(e)
                if NEVER_TEXT.contains(&e.name()) || e.name() == "a" =>
            {
                0
            }
            scraper::node::Node::Element(_) => {
                ElementRef::wrap(node).map_or(0, |child| visible_len(child, depth + 1))
            }
            _ => 0,
        })
        .sum()
}

/// readability's class weight: ±25 for each of class and id; schema.org's articleBody
/// marks the article outright.
pub fn class_weight(el: &Element) -> f64 {
    let mut weight = if el.attr("itemprop") == Some("articleBody") {
        50.0
    } else {
        0.0
    };
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

pub fn tag_weight(name: &str) -> f64 {
    match name {
        "div" | "article" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}
