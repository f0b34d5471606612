//! Feed bytes → entries (RSS, Atom, JSON Feed via feed-rs), each with a stable key.
//!
//! The key identifies an entry across polls: its guid/id; else its link with tracking
//! parameters removed; else a hash of title and date. Links keep only http(s). Fetching is
//! `crate::fetch`'s job; deciding which entries are new is the store's.
//!
//! On top of feed-rs: byte-level repairs so that feeds other readers accept are not
//! rejected ([`prepare`]), lenient dates ([`dates`]), titles as plain text, and an entry
//! whose only URL is its guid linked to it.
//!
//! Also here: finding a site's feeds ([`discover`]) and OPML subscription lists ([`opml`]).

mod dates;
pub mod discover;
pub mod opml;
mod prepare;
mod text_elements;

pub use dates::parse_feed_date;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use url::Url;

/// The kind of document a feed is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Rss,
    Atom,
    Json,
}

impl FeedFormat {
    pub fn label(self) -> &'static str {
        match self {
            FeedFormat::Rss => "RSS",
            FeedFormat::Atom => "Atom",
            FeedFormat::Json => "JSON Feed",
        }
    }
}

/// A parsed feed.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub format: FeedFormat,
    pub title: Option<String>,
    /// The site the feed belongs to (its alternate link), http(s) only.
    pub link: Option<Url>,
    pub entries: Vec<FeedEntry>,
    /// How often the feed says it changes (RSS `<ttl>`, `sy:updatePeriod`).
    pub ttl: Option<std::time::Duration>,
    /// RSS `<skipHours>` (UTC hours) and `<skipDays>`: when not to poll.
    pub skip_hours: Vec<u32>,
    pub skip_days: Vec<chrono::Weekday>,
}

/// One entry of a feed, as much as newswatch needs of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    pub key: String,
    /// The entry's own id (RSS guid, Atom/JSON id) as the feed gives it; `key` derives from it.
    pub id: Option<String>,
    pub title: String,
    pub link: Option<Url>,
    pub published: Option<DateTime<Utc>>,
    /// The feed's own text for the entry (content, else summary), HTML as given.
    pub content: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a readable RSS, Atom or JSON feed")]
pub struct FeedError(#[source] feed_rs::parser::ParseFeedError);

/// Parses feed bytes; `base` resolves relative links.
pub fn parse_feed(bytes: &[u8], base: &Url) -> Result<ParsedFeed, FeedError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // An empty id marks "no guid in the feed" so our own key rules apply.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .timestamp_parser(parse_feed_date)
        .build();
    let feed = parser
        .parse(&prepare::prepare(bytes)[..])
        .map_err(FeedError)?;
    // Atom says whether a title is text or markup; RSS and JSON titles are text that often
    // carries escaped markup anyway.
    let atom = feed.feed_type == feed_rs::model::FeedType::Atom;
    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => FeedFormat::Atom,
        feed_rs::model::FeedType::JSON => FeedFormat::Json,
        _ => FeedFormat::Rss,
    };
    let title_text = |t: feed_rs::model::Text| {
        if atom && t.content_type.to_string().starts_with("text/plain") {
            collapse_whitespace(&t.content)
        } else {
            clean_text(&t.content)
        }
    };
    let mut entries: Vec<FeedEntry> = feed
        .entries
        .into_iter()
        .map(|e| {
            let title = e.title.map(title_text).unwrap_or_default();
            // An RSS guid is a permalink unless it says otherwise, and feeds that give
            // no link usually mean it so; an Atom id that is a web URL is the same case.
            let link = best_link(&e.links, base).or_else(|| {
                Url::parse(e.id.trim())
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
            });
            let published = e.published.or(e.updated);
            let content = e
                .content
                .and_then(|c| c.body)
                .or(e.summary.map(|s| s.content))
                .filter(|s| !s.trim().is_empty());
            // RSS lets an item be a description alone (a status update, a short note): its
            // opening words stand for the title, in notices and in the entry's key, which
            // would otherwise be the same for every such item.
            let title = if title.is_empty() {
                content
                    .as_deref()
                    .map(title_from_content)
                    .unwrap_or_default()
            } else {
                title
            };
            let key = entry_key(&e.id, link.as_ref(), &title, published);
            let id = Some(e.id.trim().to_string()).filter(|id| !id.is_empty());
            FeedEntry {
                key,
                id,
                title,
                link,
                published,
                content,
            }
        })
        .collect();
    distinct_keys(&mut entries);
    let hints = schedule_hints(bytes);
    Ok(ParsedFeed {
        format,
        title: feed.title.map(title_text),
        link: best_link(&feed.links, base),
        entries,
        ttl: feed
            .ttl
            .filter(|m| *m > 0)
            .map(|m| std::time::Duration::from_secs(u64::from(m) * 60))
            .or(hints.0),
        skip_hours: hints.1,
        skip_days: hints.2,
    })
}

/// Gives entries that share a key with a different entry of the feed (a guid copied from
/// item to item) keys of their own, from their link and title: otherwise all but the
/// first would pass for already seen. The same item listed twice stays one. Every entry of
/// a shared key is renamed, not only the later ones, so that keys do not follow the
/// feed's order.
fn distinct_keys(entries: &mut [FeedEntry]) {
    use std::collections::{HashMap, HashSet};
    let mut variants: HashMap<&str, HashSet<(Option<&Url>, &str)>> = HashMap::new();
    for e in entries.iter() {
        variants
            .entry(e.key.as_str())
            .or_default()
            .insert((e.link.as_ref(), e.title.as_str()));
    }
    let shared: HashSet<String> = variants
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, _)| k.to_string())
        .collect();
    for e in entries.iter_mut().filter(|e| shared.contains(&e.key)) {
        let link = e.link.as_ref().map_or("", Url::as_str);
        let hex = short_hash(&[link.as_bytes(), &[0], e.title.as_bytes()], 6);
        e.key = format!("{}#{hex}", e.key);
    }
}

/// Longest title made from an entry's text, in characters.
const DERIVED_TITLE_CHARS: usize = 120;

/// A title for an entry that has none: the first sentence of its text, clipped.
fn title_from_content(html: &str) -> String {
    let text = crate::extract::text_from_fragment(html);
    let first = crate::extract::split_sentences(text.split("\n\n").next().unwrap_or(""))
        .first()
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    crate::extract::clip_words(first, DERIVED_TITLE_CHARS)
}

/// What feed-rs does not read of a feed's schedule: `sy:updatePeriod`/`updateFrequency`,
/// `skipHours` and `skipDays`. They sit in the channel header, so the start suffices.
fn schedule_hints(bytes: &[u8]) -> (Option<std::time::Duration>, Vec<u32>, Vec<chrono::Weekday>) {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let inner = |tag: &str| -> Option<String> {
        let open = format!("<{tag}>");
        let start = head.find(&open)? + open.len();
        let end = head[start..].find(&format!("</{tag}>"))? + start;
        Some(head[start..end].trim().to_string())
    };
    let period = inner("sy:updatePeriod").and_then(|p| match p.as_str() {
        "hourly" => Some(3600),
        "daily" => Some(86_400),
        "weekly" => Some(7 * 86_400),
        "monthly" => Some(30 * 86_400),
        "yearly" => Some(365 * 86_400),
        _ => None,
    });
    let frequency: u64 = inner("sy:updateFrequency")
        .and_then(|f| f.parse().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    let ttl = period.map(|p| std::time::Duration::from_secs(p / frequency));
    let items = |block: &str, item: &str| -> Vec<String> {
        inner(block)
            .map(|b| {
                b.split(&format!("<{item}>"))
                    .skip(1)
                    .filter_map(|s| s.split(&format!("</{item}>")).next())
                    .map(|s| s.trim().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let hours = items("skipHours", "hour")
        .iter()
        .filter_map(|h| h.parse::<u32>().ok())
        // RSS allows 0-23; some feeds write 24 for midnight.
        .map(|h| h % 24)
        .collect();
    let days = items("skipDays", "day")
        .iter()
        .filter_map(|d| d.parse::<chrono::Weekday>().ok())
        .collect();
    (ttl, hours, days)
}

/// The stable key of an entry: guid, else the canonical link, else a hash of title and date.
pub fn entry_key(
    guid: &str,
    link: Option<&Url>,
    title: &str,
    published: Option<DateTime<Utc>>,
) -> String {
    let guid = guid.trim();
    if !guid.is_empty() {
        return format!("id:{guid}");
    }
    if let Some(link) = link {
        return format!("link:{}", canonical_link(link));
    }
    let time = published.map(|p| p.timestamp().to_le_bytes());
    let hex = short_hash(
        &[
            title.as_bytes(),
            &[0],
            time.as_ref().map_or(&[][..], |t| &t[..]),
        ],
        12,
    );
    format!("hash:{hex}")
}

/// The first `bytes` bytes of the SHA-256 of `parts`, in hex.
fn short_hash(parts: &[&[u8]], bytes: usize) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    h.finalize()[..bytes]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parameters that only track where a click came from.
fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || matches!(
            n.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "mc_cid"
                | "mc_eid"
                | "igshid"
                | "ocid"
                | "cmpid"
                | "smid"
                | "taid"
                | "ito"
                | "xtor"
                | "_ga"
                | "at_medium"
                | "at_campaign"
                | "rss"
                | "ref_src"
        )
}

/// The link without tracking parameters and fragment.
pub fn canonical_link(link: &Url) -> Url {
    let mut url = link.clone();
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url
}

/// The alternate (or unlabelled) link, else any link; only http(s) survives.
fn best_link(links: &[feed_rs::model::Link], base: &Url) -> Option<Url> {
    links
        .iter()
        .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .chain(links.iter())
        .find_map(|l| resolve_http(base, &l.href))
}

/// Resolves an href against the feed's URL; only http(s) survives (others are logged at
/// debug level: a feed repeats them on every poll).
fn resolve_http(base: &Url, href: &str) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    if matches!(url.scheme(), "http" | "https") {
        return Some(url);
    }
    tracing::debug!(feed = %base, scheme = url.scheme(), "ignoring a link that is not http(s)");
    None
}

/// Collapses whitespace and strips tags and entities a feed left in a title.
fn clean_text(s: &str) -> String {
    if s.contains('<') || s.contains('&') {
        let frag = scraper::Html::parse_fragment(s);
        collapse_whitespace(&frag.root_element().text().collect::<String>())
    } else {
        collapse_whitespace(s)
    }
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example/feed.xml").unwrap()
    }

    #[test]
    fn entity_expansion_does_not_blow_up() {
        // "Billion laughs": ten levels of ten references, a gigabyte if expanded.
        let mut doc =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY l0 \"lol\">\n");
        for i in 1..10 {
            let refs: String = (0..10).map(|_| format!("&l{};", i - 1)).collect();
            doc.push_str(&format!("<!ENTITY l{i} \"{refs}\">\n"));
        }
        doc.push_str(
            "]>\n<rss version=\"2.0\"><channel><title>&l9;</title>\
             <item><title>&l9;</title><link>https://news.example/a</link></item></channel></rss>",
        );
        // Read or refused, never expanded: whatever comes back is small.
        if let Ok(feed) = parse_feed(doc.as_bytes(), &base()) {
            let size = feed.title.map_or(0, |t| t.len())
                + feed.entries.iter().map(|e| e.title.len()).sum::<usize>();
            assert!(size < 10_000, "{size} bytes of titles");
        }
    }

    #[test]
    fn keys_prefer_guid_then_clean_link_then_hash() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T &amp; Co</title>
            <item><guid>g-1</guid><title>One</title><link>https://news.example/a?utm_source=x</link></item>
            <item><title>Two</title><link>/b?id=7&amp;utm_medium=rss#top</link></item>
            <item><title>Three</title></item>
            </channel></rss>"#;
        let f = parse_feed(rss, &base()).unwrap();
        assert_eq!(f.title.as_deref(), Some("T & Co"));
        assert_eq!(f.entries[0].key, "id:g-1");
        assert_eq!(f.entries[1].key, "link:https://news.example/b?id=7");
        assert_eq!(
            f.entries[1].link.as_ref().unwrap().as_str(),
            "https://news.example/b?id=7&utm_medium=rss#top"
        );
        assert!(f.entries[2].key.starts_with("hash:"));
        assert_eq!(f.entries[2].title, "Three");
        // Stable across parses.
        let again = parse_feed(rss, &base()).unwrap();
        assert_eq!(again.entries[2].key, f.entries[2].key);
    }

    #[test]
    fn items_of_a_description_alone_get_a_title_and_a_key_each() {
        let rss = br#"<rss version="2.0"><channel><title>Notes</title>
            <item><description>Talks resume in Geneva on &lt;b&gt;Monday&lt;/b&gt;. More later.</description></item>
            <item><description>Envoys land in Miami.</description></item>
            <item><description></description></item>
            </channel></rss>"#;
        let f = parse_feed(rss, &base()).unwrap();
        assert_eq!(f.entries[0].title, "Talks resume in Geneva on Monday.");
        assert_eq!(f.entries[1].title, "Envoys land in Miami.");
        assert_eq!(f.entries[2].title, "");
        assert_ne!(f.entries[0].key, f.entries[1].key);
        assert_ne!(f.entries[1].key, f.entries[2].key);
    }

    #[test]
    fn json_feed_items_with_numeric_ids_or_odd_fields_are_read() {
        let json = br#"{"version": "https://jsonfeed.org/version/1.1", "title": "J",
            "items": [
                {"id": 1, "title": "One", "url": "https://news.example/1"},
                "not an item",
                {"id": {"x": 1}, "title": "Two", "url": "https://news.example/2", "tags": "a"},
                {"id": "3", "title": 3, "content_text": "Three.", "tags": ["t", 4]}
            ]}"#;
        let f = parse_feed(json, &base()).unwrap();
        let titles: Vec<&str> = f.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["One", "Two", "3"]);
        assert_eq!(f.entries[0].key, "id:1");
        assert_eq!(f.entries[1].key, "link:https://news.example/2");
        assert_eq!(f.entries[2].content.as_deref(), Some("Three."));
    }

    #[test]
    fn a_guid_shared_by_different_items_does_not_hide_them() {
        let rss = br#"<rss version="2.0"><channel><title>T</title>
            <item><guid isPermaLink="false">dup</guid><title>One</title><link>https://n.example/1</link></item>
            <item><guid isPermaLink="false">dup</guid><title>Two</title><link>https://n.example/2</link></item>
            <item><guid isPermaLink="false">dup</guid><title>One</title><link>https://n.example/1</link></item>
            </channel></rss>"#;
        let f = parse_feed(rss, &base()).unwrap();
        let keys: Vec<&str> = f.entries.iter().map(|e| e.key.as_str()).collect();
        assert!(keys[0].starts_with("id:dup#"), "{keys:?}");
        assert!(keys[1].starts_with("id:dup#"), "{keys:?}");
        assert_ne!(keys[0], keys[1]);
        assert_eq!(keys[2], keys[0], "the same item twice is one");
        // Whatever the order of the items, each keeps its key.
        let swapped = br#"<rss version="2.0"><channel><title>T</title>
            <item><guid isPermaLink="false">dup</guid><title>Two</title><link>https://n.example/2</link></item>
            <item><guid isPermaLink="false">dup</guid><title>One</title><link>https://n.example/1</link></item>
            </channel></rss>"#;
        let again = parse_feed(swapped, &base()).unwrap();
        assert_eq!(again.entries[0].key, keys[1]);
        assert_eq!(again.entries[1].key, keys[0]);
    }

    #[test]
    fn non_http_links_are_dropped() {
        let rss = br#"<rss version="2.0"><channel><title>T</title>
            <item><title>x</title><link>javascript:alert(1)</link></item></channel></rss>"#;
        let f = parse_feed(rss, &base()).unwrap();
        assert_eq!(f.entries[0].link, None);
    }

    #[test]
    fn odd_text_elements_keep_their_feed_and_their_words() {
        let rss = b"<rss version=\"2.0\"><channel><title>C</title><item><title><p>Item <b>Title</b></p></title>\
            <link>http://example.com/1</link></item></channel></rss>";
        let f = parse_feed(rss, &base()).unwrap();
        assert_eq!(f.entries[0].title, "Item Title");
        let atom = b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>F</title><entry>\
            <title type=\"application/x-custom\">Custom</title><link href=\"http://example.com/2\"/></entry>\
            <entry><title type=\"application/octet-stream\">RW5jb2RlZA==</title>\
            <link href=\"http://example.com/3\"/></entry></feed>";
        let f = parse_feed(atom, &base()).unwrap();
        let titles: Vec<&str> = f.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Custom", "Encoded"]);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_feed(b"<html><body>not a feed", &base()).is_err());
        assert!(parse_feed(b"\x00\x01\x02", &base()).is_err());
    }
}
