//! Page metadata: JSON-LD (`NewsArticle` and kin, `@graph` included), OpenGraph and
//! `article:*` meta, `<time datetime>`, `<title>`, `<link rel=canonical>`, `<html lang>`.

use chrono::{DateTime, Utc};
use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

use super::Article;
use title::{choose_title, ld_title};

mod title;

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
    fn dates_parse_or_are_absent() {
        assert!(parse_date("Tue, 02 Dec 2025 10:00:00 GMT").is_some());
        assert!(parse_date("2025-12-02").is_some());
        assert!(parse_date("yesterday").is_none());
        assert!(parse_date("").is_none());
    }
}
