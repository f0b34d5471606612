//! One new entry's article: its page fetched and extracted (else the feed's own text),
//! matched against the topics, placed in their stories and recorded with its notices.
//!
//! Fetching the feed and deciding which entries are new is [`super::poll`]'s; delivering
//! the notices is [`super::deliver`]'s.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::{Loaded, forget_terms, restore_tracker};
use crate::analyze::Analysis;
use crate::config::{Config, FeedConfig, Urgency};
use crate::extract::{self, Article};
use crate::feed::FeedEntry;
use crate::fetch::{FetchOutcome, Overflow, Validators};
use crate::notify::Notice;
use crate::store::{FeedId, NewArticle, NoticeId, Placed, Store, StoreError};
use crate::stories::{Assignment, Features, Tracker};

/// Text shorter than this from a page means extraction found no article; use the feed's.
const MIN_PAGE_TEXT: usize = 200;

/// An article read and matched, before it is placed in stories.
pub(super) struct Built {
    pub(super) article: NewArticle,
    pub(super) features: Features,
    pub(super) matches: Vec<(String, f64)>,
    /// First sentences, for a notice when no sentence stands out.
    pub(super) lead: String,
}

/// Reads an entry's article (its page, else the feed's text) and matches it.
pub(super) async fn build_article(
    loaded: &Loaded,
    feed: &FeedConfig,
    entry: &FeedEntry,
    source: &str,
) -> Built {
    let cfg = &loaded.config;
    let page = match (&entry.link, cfg.daemon.fetch_articles) {
        (Some(link), true) => fetch_article(loaded, link, &feed.extract).await,
        _ => None,
    };
    let feed_text = entry.content.as_deref().map(extract::text_from_fragment);
    // Where the feed says which part of its pages is the article, a short article is
    // taken as the page has it, unless the feed's own text says more.
    let vouched = |page: &str| {
        !feed.extract.is_empty()
            && !page.trim().is_empty()
            && page.len() >= feed_text.as_deref().map_or(0, str::len)
    };
    let (text, origin, page_title, published) = match page {
        Some(a) if a.text.chars().count() >= MIN_PAGE_TEXT || vouched(&a.text) => {
            (a.text, "page", Some(a.title), a.published)
        }
        page => (
            feed_text.unwrap_or_default(),
            "feed",
            page.map(|a| a.title),
            None,
        ),
    };
    let title = if entry.title.is_empty() {
        page_title.unwrap_or_default()
    } else {
        entry.title.clone()
    };
    let analysis = Analysis::new(&title, &text);
    let matches = match_topics(cfg, Some(feed), &analysis);
    let features = Features::new(&title, &text, &analysis);
    Built {
        lead: extract::lead_sentences(&text, 220),
        article: NewArticle {
            entry_key: entry.key.clone(),
            url: entry.link.as_ref().map(|l| l.to_string()),
            title,
            text,
            published: entry.published.or(published),
            source: source.to_string(),
            origin,
            terms: features.all.keys().cloned().collect(),
            matches: Vec::new(),
        },
        features,
        matches,
    }
}

/// Places a built article in its topics' stories and records it with the notices it
/// raises, as one step under the tracker's lock. If the write fails, the tracker is rebuilt
/// from the store, so it never remembers an article the store lost.
pub(super) fn place_and_record(
    store: &Store,
    tracker: &Mutex<Tracker>,
    cfg: &Config,
    feed: FeedId,
    built: Built,
    now: DateTime<Utc>,
) -> Result<Vec<NoticeId>, StoreError> {
    let mut tracker = tracker.lock().unwrap_or_else(|p| p.into_inner());
    if store.has_entry(feed, &built.article.entry_key)? {
        return Ok(Vec::new());
    }
    let Built {
        mut article,
        features,
        matches,
        lead,
    } = built;
    tracker.observe(&features);
    forget_terms(store, &mut tracker);
    // A story's clock is the articles' publication time; a date in the future is now.
    let at = article.published.filter(|p| *p <= now).unwrap_or(now);
    article.matches = matches
        .into_iter()
        .map(|(topic, score)| {
            let t = cfg.topics.iter().find(|t| t.name == topic);
            let story_cfg = t.map(|t| t.stories).unwrap_or_default();
            let a = tracker.assign(&topic, &features, at, &story_cfg);
            // A muted story takes its articles silently.
            let muted = !a.new_story && store.story_muted(a.story).unwrap_or(false);
            let urgency = t.map(|t| t.urgency).unwrap_or_default();
            let notice =
                (a.notify && !muted).then(|| notice_for(&article, &topic, &a, &lead, urgency));
            Placed {
                topic,
                score,
                at,
                story: a,
                notice,
            }
        })
        .collect();
    store.record_article(feed, &article, now).inspect_err(|_| {
        match restore_tracker(store, cfg) {
            Ok(t) => *tracker = t,
            Err(err) => {
                tracing::error!(error = %crate::error_chain(&err), "cannot rebuild stories from the store")
            }
        }
    })
}

/// The notice an article raises in a story: for a new story its lead, for an update what
/// it adds.
fn notice_for(
    article: &NewArticle,
    topic: &str,
    a: &Assignment,
    lead: &str,
    urgency: Urgency,
) -> Notice {
    Notice {
        id: None,
        published: article.published,
        topic: topic.to_string(),
        headline: article.title.clone(),
        source: article.source.clone(),
        url: article.url.as_deref().and_then(|u| url::Url::parse(u).ok()),
        body: a.whats_new.clone().unwrap_or_else(|| lead.to_string()),
        urgency,
        story: Some(a.story),
        update: !a.new_story,
        sources: a.sources,
    }
}

/// Every enabled topic the article matches at or above the topic's minimum score; `feed`
/// (when known) applies topics' feed restrictions. An article that says nothing (no words,
/// or only a dateline) matches none, not even `*`: there is nothing to match on, and its
/// notice would say nothing.
pub fn match_topics(
    cfg: &Config,
    feed: Option<&FeedConfig>,
    analysis: &Analysis,
) -> Vec<(String, f64)> {
    if analysis.says_nothing() {
        return Vec::new();
    }
    cfg.topics
        .iter()
        .filter(|t| t.enabled && t.accepts_language(analysis.lang))
        .filter(|t| feed.is_none_or(|f| t.reads(f)))
        .filter_map(|t| {
            t.query
                .score(analysis)
                .filter(|s| *s >= t.min_score)
                .map(|s| (t.name.clone(), s))
        })
        .collect()
}

async fn fetch_article(
    loaded: &Loaded,
    link: &url::Url,
    overrides: &extract::Overrides,
) -> Option<Article> {
    let limit = loaded.config.daemon.max_page_size;
    let fetched = match loaded
        .fetcher
        .get(link, &Validators::default(), limit, Overflow::Truncate)
        .await
    {
        Ok(FetchOutcome::Fetched(f)) => *f,
        Ok(FetchOutcome::NotModified) => return None,
        Err(err) => {
            tracing::warn!(url = %link, error = %crate::error_chain(&err), "article fetch failed; using the feed's text");
            return None;
        }
    };
    let page_url = fetched.url.clone();
    let overrides = overrides.clone();
    tokio::task::spawn_blocking(move || {
        let html = crate::fetch::decode_html(&fetched.body, fetched.content_type.as_deref());
        extract::extract_with(&html, Some(&page_url), &overrides)
    })
    .await
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(title: &str, text: &str) -> Vec<String> {
        let cfg = crate::config::parse(
            "[[topics]]\nname = \"all\"\nquery = \"*\"\n\n\
             [[topics]]\nname = \"dates\"\nquery = \"november\"\n",
            "test.toml",
        )
        .unwrap();
        let matches = match_topics(&cfg, None, &Analysis::new(title, text));
        matches.into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn an_article_that_says_nothing_matches_no_topic() {
        assert_eq!(topics("Harbour plan approved", ""), ["all"]);
        assert_eq!(
            topics("Harbour plan approved", "Updated 28 November 2005"),
            ["all", "dates"]
        );
        assert!(topics("Updated: Monday, 28 November 2005, 02: 24 GMT", "").is_empty());
        assert!(topics("", "").is_empty());
    }
}
