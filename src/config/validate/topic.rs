//! One `[[topics]]` table: name, query (its parse error with a caret), scores, languages,
//! feed filter, urgency, story settings and digest.
//!
//! Unique names and channel names are checked by the caller, which sees every topic.

use std::time::Duration;

use super::{Failure, duration_at, fail, item, per_hour, positive_duration_at};
use crate::config::raw;
use crate::config::span::Seg;
use crate::config::{DEFAULT_MIN_SCORE, FeedConfig, TopicConfig, Urgency};
use crate::matching::Query;
use crate::stories::StoryConfig;

/// One `[[topics]]` table; `feeds` are the validated feeds its `feeds` filter names.
pub(super) fn validate_topic(
    i: usize,
    t: raw::RawTopic,
    feeds: &[FeedConfig],
) -> Result<TopicConfig, Failure> {
    let name = t.name.trim().to_string();
    if name.is_empty() {
        return Err(fail(item("topics", i, "name"), "topic name is empty"));
    }
    if name.contains(char::is_control) {
        return Err(fail(
            item("topics", i, "name"),
            "a topic name is one line, without control characters",
        ));
    }
    let query = Query::parse(&t.query).map_err(|e| Failure {
        path: item("topics", i, "query"),
        message: format!("{}\n    {}\n    {:>col$}", e, t.query, "^", col = e.column),
        char_in_string: Some(e.column.saturating_sub(1)),
    })?;
    let min_score = t.min_score.unwrap_or(DEFAULT_MIN_SCORE);
    if !(0.0..=1.0).contains(&min_score) {
        return Err(fail(
            item("topics", i, "min_score"),
            format!("{min_score} is outside 0..1"),
        ));
    }
    let languages = languages(i, &t.languages)?;
    for (j, f) in t.feeds.iter().enumerate() {
        if !feeds.iter().any(|feed| feed.is_called(f)) {
            let mut path = item("topics", i, "feeds");
            path.push(Seg::Index(j));
            return Err(fail(
                path,
                format!("no feed is named {f:?}, has that URL or that tag"),
            ));
        }
    }
    let urgency = match t.urgency.as_deref() {
        None => Urgency::Normal,
        Some(u) => Urgency::parse(u).ok_or_else(|| {
            fail(
                item("topics", i, "urgency"),
                format!("urgency {u:?} is not one of low, normal, critical"),
            )
        })?,
    };
    let stories = story_config(i, &t)?;
    let digest = duration_at(&t.digest, item("topics", i, "digest"))?;
    if let Some(d) = digest
        && d < Duration::from_secs(60)
    {
        return Err(fail(
            item("topics", i, "digest"),
            "a digest interval is at least \"1m\"",
        ));
    }
    Ok(TopicConfig {
        max_per_hour: per_hour(t.max_per_hour, item("topics", i, "max_per_hour"))?,
        digest,
        channels: t.channels,
        stories,
        name,
        description: t.description.filter(|d| !d.trim().is_empty()),
        query,
        min_score,
        languages,
        feeds: t.feeds,
        urgency,
        enabled: t.enabled.unwrap_or(true),
    })
}

/// The topic's languages as the 639-3 codes language detection reports.
fn languages(i: usize, codes: &[String]) -> Result<Vec<String>, Failure> {
    let mut languages = Vec::new();
    for (j, code) in codes.iter().enumerate() {
        let mut path = item("topics", i, "languages");
        path.push(Seg::Index(j));
        languages.push(language_code(code).ok_or_else(|| {
            fail(
                path,
                format!("unknown language {code:?} (use codes like \"en\" or \"deu\")"),
            )
        })?);
    }
    Ok(languages)
}

/// The topic's story settings, defaults filled in.
fn story_config(i: usize, t: &raw::RawTopic) -> Result<StoryConfig, Failure> {
    let defaults = StoryConfig::default();
    let update_novelty = t.update_novelty.unwrap_or(defaults.update_novelty);
    if !(0.0..=1.0).contains(&update_novelty) {
        return Err(fail(
            item("topics", i, "update_novelty"),
            format!("{update_novelty} is outside 0..1"),
        ));
    }
    Ok(StoryConfig {
        window: positive_duration_at(&t.story_window, item("topics", i, "story_window"))?
            .unwrap_or(defaults.window),
        update_novelty,
        min_update_interval: duration_at(
            &t.min_update_interval,
            item("topics", i, "min_update_interval"),
        )?
        .unwrap_or(defaults.min_update_interval),
    })
}

/// ISO 639-1 codes users write, to the 639-3 codes language detection reports.
const LANGUAGE_CODES: &[(&str, &str)] = &[
    ("en", "eng"),
    ("de", "deu"),
    ("fr", "fra"),
    ("es", "spa"),
    ("it", "ita"),
    ("pt", "por"),
    ("nl", "nld"),
    ("ru", "rus"),
    ("uk", "ukr"),
    ("pl", "pol"),
    ("sv", "swe"),
    ("da", "dan"),
    ("no", "nob"),
    ("nb", "nob"),
    ("fi", "fin"),
    ("tr", "tur"),
    ("el", "ell"),
    ("hu", "hun"),
    ("ro", "ron"),
    ("ar", "ara"),
    ("cs", "ces"),
    ("ja", "jpn"),
    ("zh", "cmn"),
    ("ko", "kor"),
    ("he", "heb"),
    ("hi", "hin"),
    ("ta", "tam"),
    ("bg", "bul"),
    ("hr", "hrv"),
    ("sr", "srp"),
    ("sk", "slk"),
    ("sl", "slv"),
    ("lt", "lit"),
    ("lv", "lav"),
    ("et", "est"),
    ("be", "bel"),
    ("ka", "kat"),
    ("fa", "pes"),
    ("id", "ind"),
    ("vi", "vie"),
    ("th", "tha"),
];

fn language_code(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_lowercase();
    LANGUAGE_CODES
        .iter()
        .find(|(two, _)| *two == code)
        .map(|(_, three)| three.to_string())
        .or_else(|| whatlang::Lang::from_code(code.as_str()).map(|l| l.code().to_string()))
}
