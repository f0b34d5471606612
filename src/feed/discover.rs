//! Feed discovery for `newswatch feeds add`: the URL is a feed itself; else the feeds its
//! page advertises (`<link rel="alternate">` with a feed type); else, when the page
//! advertises none that can be read, the paths sites commonly serve feeds at.
//!
//! Every candidate is fetched and parsed with the daemon's fetcher (its User-Agent,
//! timeouts, politeness and size caps) and parser, so only feeds the daemon can read are
//! offered, each with its title, format and entry count. Choosing among them and editing
//! the config are the caller's job.

use url::Url;

use super::{FeedFormat, ParsedFeed, parse_feed};
use crate::config::DaemonConfig;
use crate::fetch::{FetchError, FetchOutcome, Fetched, Fetcher, Overflow, Validators};

/// Link types that announce a feed (`application/json` is JSON Feed's older type).
const FEED_TYPES: [&str; 4] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
];

/// Where sites commonly serve a feed, tried in this order from the folder of the URL given,
/// then from the site's root.
pub const COMMON_PATHS: [&str; 7] = [
    "/feed",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feeds/posts/default",
];

/// Where a site at `url` may serve a feed: the common paths in the URL's folder first (a
/// blog at example.org/blog/ serves example.org/blog/feed), then at the site's root.
fn common_candidates(url: &Url) -> Vec<Url> {
    let mut folder = url.clone();
    folder.set_query(None);
    folder.set_fragment(None);
    let path = folder.path().to_string();
    if !path.ends_with('/') {
        // "/blog" is a folder; "/blog/index.html" is a page in one.
        let last = path.rsplit('/').next().unwrap_or_default();
        if last.contains('.') {
            folder = folder.join("./").unwrap_or(folder);
        } else {
            folder.set_path(&format!("{path}/"));
        }
    }
    let mut bases = Vec::new();
    if folder.path() != "/" {
        bases.push(folder);
    }
    bases.extend(url.join("/").ok());
    bases
        .iter()
        .flat_map(|base| COMMON_PATHS.iter().filter_map(|p| base.join(&p[1..]).ok()))
        .collect()
}

/// At most this many advertised feeds are fetched from one page.
const MAX_ADVERTISED: usize = 12;

/// A feed that was found and read.
#[derive(Debug, Clone)]
pub struct Found {
    /// Where to poll it: where it was found, or where it moved for good (301/308).
    pub url: Url,
    pub format: FeedFormat,
    pub title: Option<String>,
    /// The site the feed belongs to.
    pub site: Option<Url>,
    pub entries: usize,
}

/// How the feeds were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The URL is a feed.
    Direct,
    /// The page's `<link rel="alternate">` elements.
    Advertised,
    /// A common feed path of the site.
    CommonPath,
}

/// What discovery found: readable feeds, best first, and advertised ones it could not read.
#[derive(Debug)]
pub struct Discovery {
    pub via: Via,
    pub feeds: Vec<Found>,
    /// Advertised feeds that could not be fetched or read, with why.
    pub unreadable: Vec<(Url, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("cannot fetch {url}")]
    Fetch {
        url: Url,
        #[source]
        source: FetchError,
    },
    #[error("no feed found at {url}: {reason}")]
    NotFound { url: Url, reason: String },
}

/// Finds the feeds at `url`: the feed itself, the page's advertised feeds, or a feed at a
/// common path. `progress` hears of each candidate tried (its URL).
pub async fn discover(
    fetcher: &Fetcher,
    daemon: &DaemonConfig,
    url: &Url,
    progress: &mut dyn FnMut(&Url),
) -> Result<Discovery, DiscoverError> {
    progress(url);
    let page = fetch_page(fetcher, daemon, url).await?;
    let mut unreadable = Vec::new();
    match as_feed(&page, daemon).await {
        Ok(feed) => {
            return Ok(Discovery {
                via: Via::Direct,
                feeds: vec![found(fetcher, url, &page.url, &feed)],
                unreadable,
            });
        }
        // A broken feed, not a page: say so before offering the site's other feeds.
        Err(why) if looks_like_feed(&page.body) => unreadable.push((url.clone(), why)),
        Err(_) => {}
    }
    let advertised = advertised_feeds(page).await;
    let mut feeds: Vec<Found> = Vec::new();
    for (candidate, _) in advertised.iter().take(MAX_ADVERTISED) {
        progress(candidate);
        match read_feed(fetcher, daemon, candidate).await {
            Ok(f) if feeds.iter().any(|o| o.url == f.url) => {}
            Ok(f) => feeds.push(f),
            Err(why) => unreadable.push((candidate.clone(), why)),
        }
    }
    if !feeds.is_empty() {
        return Ok(Discovery {
            via: Via::Advertised,
            feeds,
            unreadable,
        });
    }
    for candidate in common_candidates(url) {
        if &candidate == url || advertised.iter().any(|(u, _)| u == &candidate) {
            continue;
        }
        progress(&candidate);
        match read_feed(fetcher, daemon, &candidate).await {
            Ok(f) => {
                return Ok(Discovery {
                    via: Via::CommonPath,
                    feeds: vec![f],
                    unreadable,
                });
            }
            Err(why) => tracing::debug!(url = %candidate, error = %why, "no feed here"),
        }
    }
    Err(DiscoverError::NotFound {
        url: url.clone(),
        reason: not_found(advertised.is_empty(), &unreadable),
    })
}

/// The page at `url`, cut at the larger of the feed and page caps.
async fn fetch_page(
    fetcher: &Fetcher,
    daemon: &DaemonConfig,
    url: &Url,
) -> Result<Fetched, DiscoverError> {
    let limit = daemon.max_feed_size.max(daemon.max_page_size);
    match fetcher
        .get(url, &Validators::default(), limit, Overflow::Truncate)
        .await
    {
        Ok(FetchOutcome::Fetched(f)) => Ok(*f),
        Ok(FetchOutcome::NotModified) => Err(DiscoverError::NotFound {
            url: url.clone(),
            reason: "the server answered 304 to an unconditional GET".into(),
        }),
        Err(source) => Err(DiscoverError::Fetch {
            url: url.clone(),
            source,
        }),
    }
}

/// The page read as a feed, if it is one. A feed cut at the cap is not a feed (a page cut
/// there still has its `<head>`).
async fn as_feed(page: &Fetched, daemon: &DaemonConfig) -> Result<ParsedFeed, String> {
    if page.truncated || page.body.len() as u64 > daemon.max_feed_size {
        return Err(format!(
            "larger than max_feed_size ({} bytes)",
            daemon.max_feed_size
        ));
    }
    let (body, base) = (page.body.clone(), page.url.clone());
    tokio::task::spawn_blocking(move || {
        parse_feed(&body, &base).map_err(|e| match std::error::Error::source(&e) {
            Some(why) => format!("{e}: {why}"),
            None => e.to_string(),
        })
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()))
}

/// Whether a body is meant as a feed (XML or JSON, not an HTML page), readable or not.
fn looks_like_feed(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    let start = head.trim_start_matches('\u{feff}').trim_start();
    let xml = ["<?xml", "<rss", "<feed", "<rdf"]
        .iter()
        .any(|p| start.starts_with(p));
    (xml || start.starts_with('{')) && !head.contains("<html")
}

/// Why nothing was found.
fn not_found(advertised_none: bool, unreadable: &[(Url, String)]) -> String {
    if advertised_none {
        format!(
            "it is not a feed, its page advertises none (<link rel=\"alternate\">), and none of {} is one",
            COMMON_PATHS.join(", ")
        )
    } else {
        format!(
            "it is not a feed, the {} feed(s) its page advertises cannot be read ({}), and none of {} is one",
            unreadable.len(),
            unreadable
                .iter()
                .map(|(u, why)| format!("{u}: {why}"))
                .collect::<Vec<_>>()
                .join("; "),
            COMMON_PATHS.join(", ")
        )
    }
}

/// A found feed, at the address it moved to for good if it did.
fn found(fetcher: &Fetcher, asked: &Url, fetched_at: &Url, feed: &ParsedFeed) -> Found {
    let url = match fetcher.moved(asked) {
        Some(to) => to,
        None if asked.scheme() != fetched_at.scheme() && asked.host() == fetched_at.host() => {
            // http → https on the same host: poll the secure address.
            fetched_at.clone()
        }
        None => asked.clone(),
    };
    Found {
        url,
        format: feed.format,
        title: feed.title.clone().filter(|t| !t.trim().is_empty()),
        site: feed.link.clone(),
        entries: feed.entries.len(),
    }
}

/// Fetches and parses one candidate as the daemon would; the error says why it is no feed.
async fn read_feed(fetcher: &Fetcher, daemon: &DaemonConfig, url: &Url) -> Result<Found, String> {
    let fetched: Fetched = match fetcher
        .get(
            url,
            &Validators::default(),
            daemon.max_feed_size,
            Overflow::Fail,
        )
        .await
    {
        Ok(FetchOutcome::Fetched(f)) => *f,
        Ok(FetchOutcome::NotModified) => return Err("304 to an unconditional GET".into()),
        Err(e) => return Err(crate::error_chain(&e)),
    };
    let base = fetched.url.clone();
    let feed = tokio::task::spawn_blocking(move || parse_feed(&fetched.body, &base))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| crate::error_chain(&e))?;
    Ok(found(fetcher, url, &fetched.url, &feed))
}

/// The feeds a page advertises, in page order, without repeats: URL and title.
async fn advertised_feeds(page: Fetched) -> Vec<(Url, Option<String>)> {
    tokio::task::spawn_blocking(move || {
        let html = crate::fetch::decode_html(&page.body, page.content_type.as_deref());
        feed_links(&html, &page.url)
    })
    .await
    .unwrap_or_default()
}

/// `<link rel="alternate" type="…feed type…" href>` of an HTML page, resolved against its
/// `<base href>` or its URL; http(s) only.
pub fn feed_links(html: &str, page_url: &Url) -> Vec<(Url, Option<String>)> {
    let doc = scraper::Html::parse_document(html);
    let select = |css: &str| scraper::Selector::parse(css).ok();
    let base = select("base[href]")
        .and_then(|s| doc.select(&s).next())
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.join(h.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let Some(links) = select("link[href]") else {
        return Vec::new();
    };
    let mut out: Vec<(Url, Option<String>)> = Vec::new();
    for link in doc.select(&links) {
        let el = link.value();
        let rel_alternate = el.attr("rel").is_some_and(|r| {
            r.split_ascii_whitespace()
                .any(|t| t.eq_ignore_ascii_case("alternate"))
        });
        let kind = el.attr("type").map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        if !rel_alternate || !kind.is_some_and(|k| FEED_TYPES.contains(&k.as_str())) {
            continue;
        }
        let Some(url) = el
            .attr("href")
            .and_then(|h| base.join(h.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
        else {
            continue;
        };
        if !out.iter().any(|(u, _)| u == &url) {
            let title = el
                .attr("title")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty());
            out.push((url, title));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_paths_are_tried_in_the_folder_then_at_the_root() {
        let urls = |u: &str| -> Vec<String> {
            common_candidates(&Url::parse(u).unwrap())
                .iter()
                .map(Url::to_string)
                .collect()
        };
        let blog = urls("https://example.org/blog/");
        assert_eq!(blog[0], "https://example.org/blog/feed");
        assert!(blog.contains(&"https://example.org/feed".to_string()));
        assert!(
            blog.iter()
                .position(|u| u == "https://example.org/blog/rss.xml")
                < blog.iter().position(|u| u == "https://example.org/feed")
        );
        assert_eq!(
            urls("https://example.org/blog")[0],
            "https://example.org/blog/feed"
        );
        assert_eq!(
            urls("https://example.org/blog/index.html?x=1")[0],
            "https://example.org/blog/feed"
        );
        let root = urls("https://example.org/");
        assert_eq!(root[0], "https://example.org/feed");
        assert_eq!(root.len(), COMMON_PATHS.len());
    }

    #[test]
    fn finds_alternate_feed_links_of_feed_types() {
        let page = r#"<html><head>
            <link rel="stylesheet" href="/style.css">
            <link rel="alternate" type="application/rss+xml" title="Main" href="/feed.xml">
            <link rel="Alternate home" type="application/atom+xml; charset=utf-8" href="comments/atom">
            <link rel="alternate" type="text/html" hreflang="de" href="/de/">
            <link rel="alternate" type="application/feed+json" href="https://cdn.example/feed.json">
            <link rel="alternate" type="application/rss+xml" href="/feed.xml">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link type="application/rss+xml" href="/not-alternate.xml">
            </head><body></body></html>"#;
        let url = Url::parse("https://site.example/blog/post").unwrap();
        let links = feed_links(page, &url);
        let urls: Vec<&str> = links.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://site.example/feed.xml",
                "https://site.example/blog/comments/atom",
                "https://cdn.example/feed.json"
            ]
        );
        assert_eq!(links[0].1.as_deref(), Some("Main"));
        let with_base = r#"<head><base href="https://other.example/x/"><link rel="alternate" type="application/rss+xml" href="rss"></head>"#;
        assert_eq!(
            feed_links(with_base, &url)[0].0.as_str(),
            "https://other.example/x/rss"
        );
    }
}
