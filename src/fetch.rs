//! HTTP: one shared `reqwest::Client` with timeouts, conditional GET, a size cap enforced
//! while streaming, and charset decoding for HTML.
//!
//! It fetches and decodes; parsing feeds and pages is left to `crate::feed` and
//! `crate::extract`, and deciding when to fetch to the daemon.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use url::Url;

use crate::config::DaemonConfig;

/// Cache validators from an earlier response, sent back for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A successful response body.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub url: Url,
    pub content_type: Option<String>,
    pub validators: Validators,
    pub body: Vec<u8>,
    /// The body was cut at the size cap (only with [`Overflow::Truncate`]).
    pub truncated: bool,
    /// How long the server says the response stays fresh (Cache-Control max-age, Expires).
    pub fresh_for: Option<Duration>,
}

#[derive(Debug)]
pub enum FetchOutcome {
    NotModified,
    Fetched(Box<Fetched>),
}

/// What to do with a body over the size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Feeds: a cut feed is not a feed; fail.
    Fail,
    /// Pages: keep the first `limit` bytes; the article is near the top.
    Truncate,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("request failed")]
    Request(#[source] reqwest::Error),
    #[error("HTTP status {code}")]
    Status {
        code: u16,
        /// The server's Retry-After (429, 503), if it sent one.
        retry_after: Option<Duration>,
    },
    #[error("response larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// How long a response stays fresh: Cache-Control max-age (no-cache/no-store: none),
/// else Expires.
pub fn freshness(headers: &HeaderMap, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    if let Some(cc) = header_str(headers, reqwest::header::CACHE_CONTROL) {
        let mut max_age = None;
        for part in cc.split(',').map(str::trim) {
            let lower = part.to_ascii_lowercase();
            if lower == "no-cache" || lower == "no-store" {
                return None;
            }
            if let Some(v) = lower.strip_prefix("max-age=") {
                max_age = v.trim_matches('"').parse::<u64>().ok();
            }
        }
        if let Some(secs) = max_age {
            return Some(Duration::from_secs(secs));
        }
    }
    let expires = header_str(headers, reqwest::header::EXPIRES)?;
    let at = chrono::DateTime::parse_from_rfc2822(expires.trim()).ok()?;
    (at.with_timezone(&chrono::Utc) - now).to_std().ok()
}

/// A Retry-After value: seconds, or an HTTP date (capped at a week).
pub fn retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(WEEK));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or_default()
            .min(WEEK),
    )
}

/// The daemon's HTTP client.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    hosts: Arc<Hosts>,
    /// Permanent redirects (301, 308) seen: from → to.
    moves: Moves,
}

type Moves = Arc<std::sync::Mutex<HashMap<Url, Url>>>;

/// Politeness per host: at most `concurrency` requests at once, starts `delay` apart.
#[derive(Debug)]
struct Hosts {
    concurrency: usize,
    delay: Duration,
    map: std::sync::Mutex<HashMap<String, Arc<Host>>>,
}

#[derive(Debug)]
struct Host {
    permits: tokio::sync::Semaphore,
    next_start: tokio::sync::Mutex<tokio::time::Instant>,
}

/// Hosts remembered before idle ones are forgotten.
const REMEMBERED_HOSTS: usize = 1024;

impl Hosts {
    fn get(&self, host: &str) -> Arc<Host> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= REMEMBERED_HOSTS {
            map.retain(|_, h| Arc::strong_count(h) > 1);
        }
        map.entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(Host {
                    permits: tokio::sync::Semaphore::new(self.concurrency),
                    next_start: tokio::sync::Mutex::new(tokio::time::Instant::now()),
                })
            })
            .clone()
    }
}

/// Installs rustls' `ring` provider for every HTTP client of the process; must run before
/// a client is built. Several calls may race; only the first install wins, which is fine.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Fetcher {
    pub fn new(cfg: &DaemonConfig) -> Result<Fetcher, FetchError> {
        install_crypto();
        let moves: Moves = Arc::default();
        let seen = moves.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > 10 {
                return attempt.error("more than 10 redirects");
            }
            if matches!(attempt.status().as_u16(), 301 | 308)
                && let Some(from) = attempt.previous().last()
            {
                let mut moves = seen.lock().unwrap_or_else(|p| p.into_inner());
                if moves.len() > 4096 {
                    moves.clear();
                }
                moves.insert(from.clone(), attempt.url().clone());
            }
            if matches!(attempt.url().scheme(), "http" | "https") {
                attempt.follow()
            } else {
                attempt.error("redirect to a non-http URL")
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.fetch_timeout)
            .read_timeout(cfg.fetch_timeout.min(Duration::from_secs(30)))
            .redirect(redirects)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(FetchError::Client)?;
        Ok(Fetcher {
            client,
            hosts: Arc::new(Hosts {
                concurrency: cfg.per_host_concurrency,
                delay: cfg.per_host_delay,
                map: Default::default(),
            }),
            moves,
        })
    }

    /// GETs `url`, conditionally when validators are given, reading at most `limit` bytes.
    /// Where `url` has moved for good, following permanent redirects seen so far (each
    /// answer is taken once: it is removed).
    pub fn moved(&self, url: &Url) -> Option<Url> {
        let mut moves = self.moves.lock().unwrap_or_else(|p| p.into_inner());
        let mut at = url.clone();
        let mut moved = false;
        for _ in 0..10 {
            match moves.remove(&at) {
                Some(next) => {
                    at = next;
                    moved = true;
                }
                None => break,
            }
        }
        moved.then_some(at)
    }

    pub async fn get(
        &self,
        url: &Url,
        validators: &Validators,
        limit: u64,
        overflow: Overflow,
    ) -> Result<FetchOutcome, FetchError> {
        let host = self.hosts.get(url.host_str().unwrap_or_default());
        let _permit = host.permits.acquire().await;
        {
            let mut next = host.next_start.lock().await;
            tokio::time::sleep_until(*next).await;
            *next = tokio::time::Instant::now() + self.hosts.delay;
        }
        let mut req = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            req = req.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            req = req.header(IF_MODIFIED_SINCE, lm);
        }
        let resp = req.send().await.map_err(FetchError::Request)?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                code: status.as_u16(),
                retry_after: resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| retry_after(v, chrono::Utc::now())),
            });
        }
        if overflow == Overflow::Fail && resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let headers = resp.headers().clone();
        let final_url = resp.url().clone();
        let mut body = Vec::new();
        let mut truncated = false;
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(FetchError::Request)?;
            let room = (limit as usize).saturating_sub(body.len());
            if chunk.len() > room {
                if overflow == Overflow::Fail {
                    return Err(FetchError::TooLarge { limit });
                }
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchOutcome::Fetched(Box::new(Fetched {
            status: status.as_u16(),
            url: final_url,
            content_type: header_str(&headers, CONTENT_TYPE),
            validators: Validators {
                etag: header_str(&headers, ETAG),
                last_modified: header_str(&headers, LAST_MODIFIED),
            },
            fresh_for: freshness(&headers, chrono::Utc::now()),
            body,
            truncated,
        })))
    }
}

fn header_str(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Decodes an HTML body: BOM, then the HTTP charset, then `<meta charset>`, then detection.
///
/// One exception avoids the commonest mojibake: a body that is valid UTF-8 and has
/// non-ASCII characters is UTF-8, whatever a header or meta tag claims (legacy-encoded
/// text is practically never valid UTF-8 by chance; re-encoded pages keep stale tags).
pub fn decode_html(body: &[u8], content_type: Option<&str>) -> String {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(body) {
        return enc
            .decode_without_bom_handling(&body[bom_len..])
            .0
            .into_owned();
    }
    if !body.is_ascii()
        && let Ok(text) = std::str::from_utf8(body)
    {
        return text.to_string();
    }
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(body))
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
    let encoding = declared.unwrap_or_else(|| {
        if std::str::from_utf8(body).is_ok() {
            encoding_rs::UTF_8
        } else {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(body, true);
            det.guess(None, chardetng::Utf8Detection::Allow)
        }
    });
    encoding.decode_with_bom_removal(body).0.into_owned()
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// `<meta charset=...>` or `<meta http-equiv content="...; charset=...">` in the first 4 KiB.
fn meta_charset(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(i) = rest.find("<meta") {
        rest = &rest[i + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(j) = tag.find("charset=") {
            let value = tag[j + 8..].trim_start_matches(['"', '\'']);
            let end = value
                .find(|c: char| c == '"' || c == '\'' || c == ';' || c.is_whitespace() || c == '/')
                .unwrap_or(value.len());
            if end > 0 {
                return Some(value[..end].to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_from_cache_control_or_expires() {
        let now = chrono::DateTime::parse_from_rfc3339("2025-12-02T06:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            h
        };
        let f = |pairs| freshness(&headers(pairs), now);
        assert_eq!(
            f(&[("cache-control", "public, max-age=1800")]),
            Some(Duration::from_secs(1800))
        );
        assert_eq!(f(&[("cache-control", "no-cache, max-age=1800")]), None);
        assert_eq!(
            f(&[("expires", "Tue, 02 Dec 2025 07:00:00 GMT")]),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(f(&[("expires", "0")]), None);
        assert_eq!(f(&[]), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2025-12-02T06:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Tue, 02 Dec 2025 07:30:00 GMT", now),
            Some(Duration::from_secs(5400))
        );
        assert_eq!(
            retry_after("Mon, 01 Dec 2025 07:30:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after("99999999", now),
            Some(Duration::from_secs(7 * 24 * 3600))
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn decodes_by_header_meta_and_detection() {
        let latin1 = b"<p>Caf\xe9 Z\xfcrich</p>";
        assert_eq!(
            decode_html(latin1, Some("text/html; charset=ISO-8859-1")),
            "<p>Café Zürich</p>"
        );
        let with_meta = b"<html><head><meta charset=\"windows-1252\"></head><p>Caf\xe9</p>";
        assert!(decode_html(with_meta, None).contains("Café"));
        let http_equiv = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><p>\xe9t\xe9</p>";
        assert!(decode_html(http_equiv, None).contains("été"));
        assert_eq!(decode_html("Grüße".as_bytes(), None), "Grüße");
        // Valid UTF-8 with non-ASCII text wins over a stale legacy declaration.
        let stale = "<meta charset=gb2312><p>人工智能</p>".as_bytes();
        assert!(decode_html(stale, None).contains("人工智能"));
        let bom = b"\xef\xbb\xbfhi";
        assert_eq!(decode_html(bom, Some("text/html; charset=latin1")), "hi");
    }
}
