//! The headline: which of JSON-LD, OpenGraph and kin, `<title>` and the page's `<h1>`
//! to believe, and the site's name cut off where a metadata title carries it. Reading the
//! metadata itself is `super`'s job.

use scraper::{ElementRef, Html};

use super::{clean, meta_content, sel};

fn text_of(el: ElementRef<'_>) -> Option<String> {
    clean(&el.text().collect::<String>())
}

/// A heading's text up to its first block inside: an `<h1>` that wraps the headline's
/// `<p>` and a standfirst's `<h4>` is headed by the first.
fn heading_text(el: ElementRef<'_>) -> Option<String> {
    fn first_block(el: ElementRef<'_>, depth: usize, line: &mut String) -> bool {
        for node in el.children() {
            match node.value() {
                scraper::node::Node::Text(t) => line.push_str(t),
                scraper::node::Node::Element(e) => {
                    let Some(child) = ElementRef::wrap(node) else {
                        continue;
                    };
                    let inline = matches!(
                        e.name(),
                        "a" | "b"
                            | "i"
                            | "em"
                            | "strong"
                            | "span"
                            | "abbr"
                            | "sup"
                            | "sub"
                            | "mark"
                            | "small"
                            | "u"
                            | "s"
                            | "code"
                            | "font"
                            | "time"
                            | "q"
                    );
                    if !inline && !line.trim().is_empty() {
                        return true;
                    }
                    if depth < 32 && first_block(child, depth + 1, line) {
                        return true;
                    }
                    if !inline && !line.trim().is_empty() {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }
    let mut line = String::new();
    first_block(el, 0, &mut line);
    clean(&line)
}

/// The headline. Metadata titles (JSON-LD, Dublin Core, OpenGraph, `<title>`) often carry
/// the site's name; the page's `<h1>` usually doesn't. So: an `<h1>` that the metadata
/// title starts or ends with wins; else the metadata title, minus a trailing or leading
/// part that names the site; else the `<h1>`.
pub(super) fn choose_title(
    doc: &Html,
    ld_headline: Option<String>,
    site: Option<&str>,
) -> Option<String> {
    let title_tag = doc.select(&sel("title")).next().and_then(text_of);
    let meta = ld_headline
        .or_else(|| {
            meta_content(
                doc,
                &[
                    "dc:title",
                    "dcterm:title",
                    "og:title",
                    "weibo:article:title",
                    "weibo:webpage:title",
                    "title",
                    "twitter:title",
                    "parsely-title",
                ],
            )
        })
        .or(title_tag.clone());
    // Distinct, so that a headline shown twice (desktop and mobile) still counts as one.
    let mut h1s: Vec<String> = Vec::new();
    for h in doc.select(&sel("h1")).filter_map(heading_text).take(5) {
        if !h1s.contains(&h) {
            h1s.push(h);
        }
    }
    let Some(meta) = meta else {
        return h1s.into_iter().next();
    };
    if let Some(h1) = h1_over_meta(doc, &meta, &h1s, title_tag.as_deref()) {
        return Some(h1);
    }
    let stripped = strip_site_name(&meta, site);
    let whole = whole_of_cut(doc, &stripped, &h1s, title_tag, site);
    Some(visible_rewording(whole.unwrap_or(stripped), &h1s))
}

/// Lower case with curly apostrophes straightened, for comparing titles.
fn fold(s: &str) -> String {
    s.to_lowercase().replace(['’', '‘'], "'")
}

/// An `<h1>` that beats the metadata title outright: one the metadata title starts or ends
/// with (the title adds a site or a tagline), or one OpenGraph or `<title>` agrees with
/// while the metadata title has little to do with it ("Robomow", an SEO line).
fn h1_over_meta(doc: &Html, meta: &str, h1s: &[String], title_tag: Option<&str>) -> Option<String> {
    let meta_folded = fold(meta);
    if let Some(h1) = h1s.iter().find(|h| {
        let h = fold(h);
        h.split_whitespace().count() >= 2
            && h != meta_folded
            && (meta_folded.starts_with(&h) || meta_folded.ends_with(&h))
    }) {
        return Some(h1.clone());
    }
    let og_title = meta_content(doc, &["og:title"]);
    let h1 = h1s.first()?;
    let h = fold(h1);
    let confirmed = [og_title.as_deref(), title_tag]
        .into_iter()
        .flatten()
        .any(|o| {
            let o = fold(o);
            o == h || SEPARATORS.iter().any(|s| o.starts_with(&format!("{h}{s}")))
        });
    (h.split_whitespace().count() >= 2 && confirmed && word_share(&meta_folded, &h) < 0.5)
        .then(|| h1.clone())
}

/// The whole headline of a title cut to a length limit ("…and k | Shop"): the `<h1>` it
/// starts. JSON-LD headlines are also cut at Google's old limit of 110 characters
/// ("… (Including"), and then OpenGraph or `<title>` may have it whole.
fn whole_of_cut(
    doc: &Html,
    stripped: &str,
    h1s: &[String],
    title_tag: Option<String>,
    site: Option<&str>,
) -> Option<String> {
    let folded = fold(stripped);
    let ellipsis = folded.ends_with('…') || folded.ends_with("...");
    let cut = folded.trim_end_matches(['…', '.']).trim_end();
    let others = [meta_content(doc, &["og:title", "twitter:title"]), title_tag];
    let long_cut = ellipsis || cut.chars().count() >= 100;
    h1s.iter()
        .cloned()
        .chain(
            others
                .into_iter()
                .flatten()
                .filter(|_| long_cut)
                .map(|t| strip_site_name(&t, site)),
        )
        .find(|t| {
            let t = fold(t);
            // "Headline | Top 19 Companies" is the headline with a tagline, not more of it.
            let rest = t.strip_prefix(cut).unwrap_or_default();
            cut.split_whitespace().count() >= 3
                && !rest.is_empty()
                && !SEPARATORS
                    .iter()
                    .chain(&[" · "])
                    .any(|s| rest.starts_with(s))
        })
}

/// A headline shares at least this share of its words with the metadata title it rewords;
/// below, the `<h1>` is about something else (a section, a call to action).
const REWORDED_MIN: f64 = 0.3;
/// ...and at most this share: closer, the two are the same headline and metadata's
/// spelling stands.
const REWORDED_MAX: f64 = 0.8;
/// Words an `<h1>` needs to be taken for a headline rather than a label.
const HEADLINE_WORDS: usize = 4;

/// The page's only `<h1>` when it rewords the metadata title: pages write one headline for
/// search engines and social cards and show readers another, and the shown one is the
/// article's. Measured: wcxb titles +23, readability-pages −4 (whose gold follows
/// `<title>`).
fn visible_rewording(title: String, h1s: &[String]) -> String {
    let [h1] = h1s else {
        return title;
    };
    if h1.split_whitespace().count() < HEADLINE_WORDS {
        return title;
    }
    let (h, t) = (fold(h1), fold(&title));
    // "Headline | Top 19 Companies": the headline with a tagline.
    let tagline = h
        .strip_prefix(t.as_str())
        .is_some_and(|rest| SEPARATORS.iter().any(|s| rest.starts_with(s)));
    if tagline {
        return title;
    }
    let shared = word_share(&h, &t).min(word_share(&t, &h));
    if (REWORDED_MIN..REWORDED_MAX).contains(&shared) {
        h1.clone()
    } else {
        title
    }
}

/// JSON-LD's title: `headline`, unless it has little to do with the page's `<title>` and
/// `name` matches it (Wikipedia puts a description in `headline`).
pub(super) fn ld_title(
    name: Option<String>,
    headline: Option<String>,
    doc: &Html,
) -> Option<String> {
    match (name, headline) {
        (Some(n), Some(h)) if n != h => {
            let page = doc
                .select(&sel("title"))
                .next()
                .and_then(text_of)
                .unwrap_or_default()
                .to_lowercase();
            let overlap = |s: &str| {
                let words: Vec<String> = s
                    .to_lowercase()
                    .split_whitespace()
                    .map(String::from)
                    .collect();
                words.iter().filter(|w| page.contains(w.as_str())).count() as f64
                    / words.len().max(1) as f64
            };
            Some(if overlap(&h) < 0.5 && overlap(&n) >= 0.8 {
                n
            } else {
                h
            })
        }
        (n, h) => h.or(n),
    }
}

/// Share of `a`'s words that are also words of `b`.
fn word_share(a: &str, b: &str) -> f64 {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (words(a), words(b));
    if a.is_empty() {
        return 0.0;
    }
    a.iter().filter(|w| b.contains(w)).count() as f64 / a.len() as f64
}

/// What sites put between a headline and their name.
const SEPARATORS: [&str; 6] = [" | ", " – ", " — ", " - ", " :: ", " » "];

/// "Headline | Site" → "Headline": drops the part beyond the last (or before the first)
/// separator when it names the site, or is short while the rest is a real headline.
fn strip_site_name(title: &str, site: Option<&str>) -> String {
    let site = site.map(str::to_lowercase);
    let names_site = |part: &str| {
        let p = part.trim().to_lowercase();
        site.as_ref()
            .is_some_and(|s| p == *s || p.contains(s.as_str()) || s.contains(&p))
            || p.split_whitespace().count() <= 3
    };
    for sep in SEPARATORS {
        if let Some((head, tail)) = title.rsplit_once(sep)
            && head.split_whitespace().count() >= 3
            && names_site(tail)
        {
            return head.trim().to_string();
        }
        let is_site = |part: &str| {
            let p = part.trim().to_lowercase();
            site.as_ref().is_some_and(|s| p == *s || s.contains(&p))
        };
        if let Some((head, tail)) = title.split_once(sep)
            && tail.split_whitespace().count() >= 3
            && is_site(head)
        {
            return tail.trim().to_string();
        }
    }
    title.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::meta::read;

    #[test]
    fn title_falls_back_to_title_tag_without_site() {
        let doc = Html::parse_document("<title>Talks resume in Miami | The Paper</title>");
        assert_eq!(read(&doc, None).0.title, "Talks resume in Miami");
    }

    #[test]
    fn title_metadata_in_space_separated_and_less_common_keys() {
        let doc = Html::parse_document(
            "<meta property=\"x:title dc:title\" content=\"Preferred\"><title>Other</title><h1>Heading</h1>",
        );
        assert_eq!(read(&doc, None).0.title, "Preferred");
        let doc = Html::parse_document(
            "<meta name=\"parsely-title\" content=\"Parsely\"><h1>Heading</h1>",
        );
        assert_eq!(read(&doc, None).0.title, "Parsely");
    }

    #[test]
    fn json_ld_name_wins_over_a_descriptive_headline() {
        let doc = Html::parse_document(
            r#"<title>List of films featuring time loops - Wikipedia</title>
            <script type="application/ld+json">{"@type":"Article","name":"List of films featuring time loops","headline":"Wikimedia list article"}</script>"#,
        );
        assert_eq!(
            read(&doc, None).0.title,
            "List of films featuring time loops"
        );
    }

    #[test]
    fn escaped_metadata_is_decoded() {
        let doc = Html::parse_document(
            r#"<meta property="og:title" content="Q&amp;amp;A &amp;#8211; a guide">
            <script type="application/ld+json">{"@type":"Article","headline":"Tom&#8217;s M&amp;A deals","author":"A &lt;B&gt;"}</script>"#,
        );
        let (m, _) = read(&doc, None);
        assert_eq!(m.title, "Tom’s M&A deals");
        assert_eq!(m.author.as_deref(), Some("A <B>"));
        let doc = Html::parse_document(
            r#"<meta property="og:title" content="Q&amp;amp;A &amp;#8211; a guide">"#,
        );
        assert_eq!(read(&doc, None).0.title, "Q&A – a guide");
        let doc = Html::parse_document(
            r#"<meta property="og:title" content="And finally&amp;amp;#8230; more">"#,
        );
        assert_eq!(read(&doc, None).0.title, "And finally… more");
    }

    #[test]
    fn a_cut_metadata_title_gives_way_to_the_whole_h1() {
        let doc = Html::parse_document(
            r#"<meta property="og:title" content="Ergonomic desk step by step: how to set up your k">
            <h1>Ergonomic desk step by step: how to set up your keyboard (checklist)</h1>"#,
        );
        assert_eq!(
            read(&doc, None).0.title,
            "Ergonomic desk step by step: how to set up your keyboard (checklist)"
        );
        // A headline cut short in JSON-LD at 110 characters, whole in OpenGraph.
        let whole = "Fix It Friday: Struggling with how to arrange your living room? We help four readers find solutions (including one trick)";
        let doc = Html::parse_document(&format!(
            r#"<meta property="og:title" content="{whole} - Site">
            <script type="application/ld+json">{{"@type":"Article","headline":"{}"}}</script>"#,
            &whole[..105]
        ));
        assert_eq!(read(&doc, None).0.title, whole);
    }

    #[test]
    fn an_unrelated_json_ld_headline_gives_way_to_the_h1_others_agree_on() {
        let doc = Html::parse_document(
            r#"<title>Which robotic lawnmower suits which lawn size? | Robomow</title>
            <script type="application/ld+json">{"@type":"Article","headline":"Robomow"}</script>
            <h1>Which robotic lawnmower suits which lawn size?</h1>"#,
        );
        assert_eq!(
            read(&doc, None).0.title,
            "Which robotic lawnmower suits which lawn size?"
        );
        // A reworded headline stays: it is the publisher's.
        let doc = Html::parse_document(
            r#"<meta property="og:title" content="The seven secrets hotel owners keep">
            <script type="application/ld+json">{"@type":"Article","headline":"Seven secrets hotel owners keep"}</script>
            <h1>The seven secrets hotel owners keep</h1>"#,
        );
        assert_eq!(read(&doc, None).0.title, "Seven secrets hotel owners keep");
    }

    #[test]
    fn a_heading_is_read_to_its_first_block() {
        let doc = Html::parse_document(
            "<title>Tax 101: the basics</title><h1><div><p>Tax 101: the basics</p><h4>A guide to taxes</h4></div></h1>",
        );
        assert_eq!(read(&doc, None).0.title, "Tax 101: the basics");
        // A tagline after a separator is not more of the headline.
        let doc = Html::parse_document(
            r#"<meta property="og:title" content="Best movers in NYC 2025"><h1>Best movers in NYC 2025 | Top 19 Companies</h1>"#,
        );
        assert_eq!(read(&doc, None).0.title, "Best movers in NYC 2025");
    }

    #[test]
    fn the_shown_h1_wins_over_a_reworded_metadata_title() {
        let page = |og: &str, h1: &str| {
            Html::parse_document(&format!(
                r#"<meta property="og:title" content="{og}"><h1>{h1}</h1>"#
            ))
        };
        let doc = page(
            "Top 11 SEO Strategies for 2025 | LuccaAM",
            "11 SEO Strategies for 2025 to Boost Rankings and Stay Ahead",
        );
        assert_eq!(
            read(&doc, None).0.title,
            "11 SEO Strategies for 2025 to Boost Rankings and Stay Ahead"
        );
        // An `<h1>` about something else, a short label, or the same headline spelled
        // differently leaves the metadata title.
        let doc = page("How to Start an LLC in New York", "Form your LLC today");
        assert_eq!(read(&doc, None).0.title, "How to Start an LLC in New York");
        let doc = page("Best Cloud Stocks of 2025", "Cloud Stocks");
        assert_eq!(read(&doc, None).0.title, "Best Cloud Stocks of 2025");
        let doc = page(
            "Why Cheap SEO Doesn't Work Anymore",
            "Why Cheap SEO Doesn’t Work Anymore",
        );
        assert_eq!(
            read(&doc, None).0.title,
            "Why Cheap SEO Doesn't Work Anymore"
        );
    }
}
