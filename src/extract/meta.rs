//! Page metadata: JSON-LD (`NewsArticle` and kin, `@graph` included), OpenGraph and
//! `article:*` meta, `<time datetime>`, `<title>`, `<link rel=canonical>`, `<html lang>`.

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use url::Url;

use super::Article;

fn sel(s: &str) -> Selector {
    // The selectors below are literals known to parse; a typo would fail every test.
    Selector::parse(s).unwrap_or_else(|_| unreachable!("invalid built-in selector {s}"))
}

fn clean(s: &str) -> Option<String> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

/// [`clean`] for strings the page escaped for HTML before putting them into metadata:
/// JSON-LD values (`&#8211;`, `&amp;`) and doubly escaped meta content
/// (`content="Q&amp;amp;A"`). Text with markup-like `<` is left as it is.
fn clean_escaped(s: &str) -> Option<String> {
    let s = clean(s)?;
    if !s.contains('&') || s.contains('<') {
        return Some(s);
    }
    let decode = |s: &str| -> String { Html::parse_fragment(s).root_element().text().collect() };
    let once = decode(&s);
    // Escaped twice over (`&amp;amp;#8230;` in an attribute) takes a second pass.
    let decoded = if once.contains('&') && once != s {
        decode(&once)
    } else {
        once
    };
    clean(&decoded)
}

fn meta_content(doc: &Html, keys: &[&str]) -> Option<String> {
    let metas = sel("meta[content]");
    keys.iter().find_map(|key| {
        doc.select(&metas).find_map(|m| {
            let el = m.value();
            let name = el
                .attr("property")
                .or(el.attr("name"))
                .or(el.attr("itemprop"))?;
            // `property` may list several names: "og:title twitter:title".
            name.split_whitespace()
                .any(|n| n.eq_ignore_ascii_case(key))
                .then(|| el.attr("content").and_then(clean_escaped))
                .flatten()
        })
    })
}

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

/// The article's metadata (its `text` left empty) and the body JSON-LD carries, if any.
pub fn read(doc: &Html, url: Option<&Url>) -> (Article, Option<String>) {
    let ld = json_ld_article(doc);
    let ld_str = |k: &str| ld.as_ref().and_then(|v| v.get(k)).and_then(string_of);
    let resolve = |s: String| {
        match url {
            Some(base) => base.join(&s).ok(),
            None => Url::parse(&s).ok(),
        }
        .filter(|u| matches!(u.scheme(), "http" | "https"))
    };

    let site_name = meta_content(doc, &["og:site_name", "application-name"]).or_else(|| {
        ld.as_ref()
            .and_then(|v| v.get("publisher"))
            .and_then(names_of)
    });
    let title = choose_title(
        doc,
        ld_title(ld_str("name"), ld_str("headline"), doc),
        site_name.as_deref(),
    );

    let time_el = doc
        .select(&sel("time[datetime]"))
        .find_map(|t| t.value().attr("datetime").and_then(parse_date));
    let published = ld_str("datePublished")
        .and_then(|s| parse_date(&s))
        .or_else(|| {
            meta_content(
                doc,
                &["article:published_time", "datePublished", "pubdate", "date"],
            )
            .and_then(|s| parse_date(&s))
        })
        .or(time_el);
    let updated = ld_str("dateModified")
        .and_then(|s| parse_date(&s))
        .or_else(|| meta_content(doc, &["article:modified_time"]).and_then(|s| parse_date(&s)));
    let author = ld
        .as_ref()
        .and_then(|v| v.get("author"))
        .and_then(names_of)
        .or_else(|| meta_content(doc, &["author", "article:author"]));
    let lang = doc
        .root_element()
        .value()
        .attr("lang")
        .and_then(clean)
        .or_else(|| meta_content(doc, &["og:locale"]));
    let canonical_url = doc
        .select(&sel("link[rel=canonical][href]"))
        .find_map(|l| l.value().attr("href").map(str::to_string))
        .or_else(|| meta_content(doc, &["og:url"]))
        .and_then(resolve);
    let image = meta_content(doc, &["og:image", "twitter:image"]).and_then(resolve);
    let article = Article {
        title: title.unwrap_or_default(),
        text: String::new(),
        published,
        updated,
        author,
        site_name,
        lang,
        canonical_url,
        description: meta_content(
            doc,
            &["og:description", "description", "twitter:description"],
        ),
        image,
    };
    (article, ld_str("articleBody"))
}

/// The headline. Metadata titles (JSON-LD, Dublin Core, OpenGraph, `<title>`) often carry
/// the site's name; the page's `<h1>` usually doesn't. So: an `<h1>` that the metadata
/// title starts or ends with wins; else the metadata title, minus a trailing or leading
/// part that names the site; else the `<h1>`.
fn choose_title(doc: &Html, ld_headline: Option<String>, site: Option<&str>) -> Option<String> {
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
    let h1s: Vec<String> = doc
        .select(&sel("h1"))
        .filter_map(heading_text)
        .take(5)
        .collect();
    let Some(meta) = meta else {
        return h1s.into_iter().next();
    };
    let fold = |s: &str| s.to_lowercase().replace(['’', '‘'], "'");
    let meta_folded = fold(&meta);
    if let Some(h1) = h1s.iter().find(|h| {
        let h = fold(h);
        h.split_whitespace().count() >= 2
            && h != meta_folded
            && (meta_folded.starts_with(&h) || meta_folded.ends_with(&h))
    }) {
        return Some(h1.clone());
    }
    // A JSON-LD or meta title with little to do with the `<h1>` ("Robomow", an SEO line)
    // while OpenGraph or `<title>` agrees with the `<h1>`: the page's headline is the `<h1>`.
    let og_title = meta_content(doc, &["og:title"]);
    if let Some(h1) = h1s.first() {
        let h = fold(h1);
        let confirmed = [&og_title, &title_tag].into_iter().flatten().any(|o| {
            let o = fold(o);
            o == h || SEPARATORS.iter().any(|s| o.starts_with(&format!("{h}{s}")))
        });
        if h.split_whitespace().count() >= 2 && confirmed && word_share(&meta_folded, &h) < 0.5 {
            return Some(h1.clone());
        }
    }
    // A title cut to a length limit ("…and k | Shop"): the `<h1>` it starts is the whole
    // headline. JSON-LD headlines are also cut at Google's old limit of 110 characters
    // ("… (Including"), and then OpenGraph or `<title>` may have it whole.
    let stripped = strip_site_name(&meta, site);
    let folded = fold(&stripped);
    let ellipsis = folded.ends_with('…') || folded.ends_with("...");
    let cut = folded.trim_end_matches(['…', '.']).trim_end();
    let others = [meta_content(doc, &["og:title", "twitter:title"]), title_tag];
    let long_cut = ellipsis || cut.chars().count() >= 100;
    let whole = h1s
        .iter()
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
        });
    Some(whole.unwrap_or(stripped))
}

/// JSON-LD's title: `headline`, unless it has little to do with the page's `<title>` and
/// `name` matches it (Wikipedia puts a description in `headline`).
fn ld_title(name: Option<String>, headline: Option<String>, doc: &Html) -> Option<String> {
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

const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "OpinionNewsArticle",
    "ReviewNewsArticle",
    "BackgroundNewsArticle",
    "Report",
];

fn json_ld_article(doc: &Html) -> Option<Value> {
    doc.select(&sel("script[type=\"application/ld+json\"]"))
        .filter_map(|s| serde_json::from_str::<Value>(&s.text().collect::<String>()).ok())
        .find_map(|v| find_article(&v, 0).cloned())
}

fn find_article(v: &Value, depth: usize) -> Option<&Value> {
    if depth > 8 {
        return None;
    }
    match v {
        Value::Array(items) => items.iter().find_map(|i| find_article(i, depth + 1)),
        Value::Object(map) => {
            let is_article = match map.get("@type") {
                Some(Value::String(t)) => ARTICLE_TYPES.contains(&t.as_str()),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .any(|t| t.as_str().is_some_and(|t| ARTICLE_TYPES.contains(&t))),
                _ => false,
            };
            if is_article {
                return Some(v);
            }
            map.get("@graph")
                .and_then(|g| find_article(g, depth + 1))
                .or_else(|| {
                    map.get("mainEntity")
                        .and_then(|m| find_article(m, depth + 1))
                })
        }
        _ => None,
    }
}

fn string_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => clean_escaped(s),
        Value::Array(items) => items.iter().find_map(string_of),
        _ => None,
    }
}

fn names_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => clean_escaped(s),
        Value::Object(m) => m.get("name").and_then(string_of),
        Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(names_of).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => None,
    }
}

/// Parses the date formats pages and feeds use (RFC 3339, RFC 2822, ISO without zone);
/// anything else is `None`, never a panic.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_ld_graph_and_og() {
        let html = r#"<html lang="en"><head><title>Ignored | Site</title>
            <meta property="og:site_name" content="Daily Example">
            <link rel="canonical" href="/world/story">
            <script type="application/ld+json">{"@graph":[{"@type":"WebPage"},
              {"@type":"NewsArticle","headline":"Envoys meet Putin","datePublished":"2025-12-02T18:00:00+03:00",
               "author":[{"@type":"Person","name":"A. Writer"}]}]}</script></head><body></body></html>"#;
        let doc = Html::parse_document(html);
        let base = Url::parse("https://daily.example/x").unwrap();
        let (m, _) = read(&doc, Some(&base));
        assert_eq!(m.title, "Envoys meet Putin");
        assert_eq!(
            m.published.unwrap().to_rfc3339(),
            "2025-12-02T15:00:00+00:00"
        );
        assert_eq!(m.author.as_deref(), Some("A. Writer"));
        assert_eq!(m.site_name.as_deref(), Some("Daily Example"));
        assert_eq!(m.lang.as_deref(), Some("en"));
        assert_eq!(
            m.canonical_url.unwrap().as_str(),
            "https://daily.example/world/story"
        );
    }

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
    fn dates_parse_or_are_absent() {
        assert!(parse_date("Tue, 02 Dec 2025 10:00:00 GMT").is_some());
        assert!(parse_date("2025-12-02").is_some());
        assert!(parse_date("yesterday").is_none());
        assert!(parse_date("").is_none());
    }
}
