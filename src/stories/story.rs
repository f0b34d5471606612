//! One story's state: the sums of its members' features (and a few members' heads) for
//! comparing articles with it, and what the user has been told, for novelty. Deciding
//! whether an article belongs is left to `similarity`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::Features;
use super::interned::{Doc, Id, IdMap, IdSet};
use crate::hash::Fast;

/// How many member heads a story keeps for short texts.
pub(super) const MEMBER_HEADS: usize = 24;

/// What a story has told the user: content terms, names or numbers.
pub(super) type Told = HashSet<String, Fast>;
/// Told terms, as [`super::features::term_hash`]es.
pub(super) type ToldTerms = HashSet<u64, Fast>;

/// A story of one topic: the sums of its members' features and what the user was told.
#[derive(Debug, Clone)]
pub struct Story {
    pub id: i64,
    pub topic: String,
    pub started: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub last_notified: Option<DateTime<Utc>>,
    pub sources: usize,
    /// Members with text beyond their headline.
    pub(super) bodies: usize,
    pub(super) head: IdMap<f64>,
    pub(super) all: IdMap<f64>,
    pub(super) names: IdSet,
    /// Numbers, and per number how many members mention it.
    pub(super) numbers: IdMap<u32>,
    /// Words of the members' names, and per word how many members repeat it
    /// [`PROMINENT_MENTIONS`] times or more.
    pub(super) name_words: IdSet,
    pub(super) prominent: IdMap<u32>,
    pub(super) simhashes: Vec<u64>,
    /// The heads of the latest members, for short texts that compare best with one
    /// member rather than with the story's sum.
    pub(super) heads: Vec<Vec<(Id, f64)>>,
    /// IDF-weighted norms of `head` and `all`, and the corpus size they were computed at.
    pub(super) norms: Option<(u64, f64, f64)>,
    /// Content terms, names and numbers of what the user has been told.
    pub(super) told_terms: ToldTerms,
    pub(super) told_names: Told,
    pub(super) told_numbers: Told,
}

impl Story {
    pub(super) fn new(id: i64, topic: &str, at: DateTime<Utc>) -> Story {
        Story {
            id,
            topic: topic.to_string(),
            started: at,
            last_seen: at,
            last_notified: None,
            sources: 0,
            bodies: 0,
            head: IdMap::default(),
            all: IdMap::default(),
            names: IdSet::default(),
            numbers: IdMap::default(),
            name_words: IdSet::default(),
            prominent: IdMap::default(),
            simhashes: Vec::new(),
            heads: Vec::new(),
            norms: None,
            told_terms: ToldTerms::default(),
            told_names: Told::default(),
            told_numbers: Told::default(),
        }
    }

    /// Adds a member. Cached norms follow the sums term by term at the current `idf`, so
    /// a joined story is not measured over all its terms again (that refresh waits for the
    /// corpus to grow).
    pub(super) fn add(&mut self, doc: &Doc, at: DateTime<Utc>, idf: impl Fn(Id) -> f64) {
        let grow = |sums: &mut IdMap<f64>, v: &[(Id, f64)]| {
            let mut squares = 0.0;
            for &(t, w) in v {
                let c = sums.entry(t).or_default();
                squares += ((*c + w).powi(2) - c.powi(2)) * idf(t).powi(2);
                *c += w;
            }
            squares
        };
        let head = grow(&mut self.head, &doc.head);
        let all = grow(&mut self.all, &doc.all);
        if let Some((_, h, a)) = &mut self.norms {
            *h = (h.powi(2) + head).max(0.0).sqrt();
            *a = (a.powi(2) + all).max(0.0).sqrt();
        }
        self.names.extend(doc.names.iter().copied());
        for &n in &doc.numbers {
            *self.numbers.entry(n).or_default() += 1;
        }
        self.name_words.extend(doc.name_words.iter().copied());
        for &w in &doc.prominent {
            *self.prominent.entry(w).or_default() += 1;
        }
        if doc.simhash != 0 {
            self.simhashes.push(doc.simhash);
        }
        if self.heads.len() == MEMBER_HEADS {
            self.heads.remove(0);
        }
        self.heads.push(doc.head.clone());
        self.sources += 1;
        self.bodies += usize::from(!doc.headline_only);
        self.last_seen = self.last_seen.max(at);
    }

    /// Records what a notice told the user about.
    pub(super) fn tell(&mut self, f: &Features) {
        for (_, terms) in &f.sentences {
            self.told_terms.extend(terms.iter().copied());
        }
        self.told_names.extend(f.names.iter().cloned());
        self.told_numbers.extend(f.numbers.iter().cloned());
    }
}
