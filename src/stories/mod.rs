//! Stories: per topic, each matching article joins an active story or starts a new one,
//! and the decision whether it is worth a notice.
//!
//! Similarity combines TF-IDF cosine of the head (title and lead) and of the whole text
//! against the story's members, overlap of names and numbers, and SimHash near-duplicates
//! (syndicated copies and rewrites); stories go quiet after a window. Term statistics come
//! from the articles seen so far. An article that joins a story notifies only when it adds
//! enough over what the user was already told and the story has not notified recently.
//! Pure: state in, decision out; persistence is the store's job.

mod features;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use features::Features;

/// Story settings of one topic.
#[derive(Debug, Clone, Copy)]
pub struct StoryConfig {
    /// A story with no new article for this long is over.
    pub window: Duration,
    /// Share of new information an update needs to notify (0..1).
    pub update_novelty: f64,
    /// At most one update notice per story in this interval.
    pub min_update_interval: Duration,
}

impl Default for StoryConfig {
    fn default() -> StoryConfig {
        StoryConfig {
            window: Duration::from_secs(72 * 3600),
            update_novelty: 0.4,
            min_update_interval: Duration::from_secs(2 * 3600),
        }
    }
}

/// Similarity an article needs to join a story.
const JOIN_THRESHOLD: f64 = 0.28;
/// Hamming distance of SimHashes under which two texts are copies of each other.
const NEAR_DUPLICATE_BITS: u32 = 6;

/// Document frequencies of the terms seen so far.
#[derive(Debug, Clone, Default)]
pub struct TermStats {
    pub docs: u64,
    pub df: HashMap<String, u64>,
}

impl TermStats {
    fn idf(&self, term: &str) -> f64 {
        let df = self.df.get(term).copied().unwrap_or(0) as f64;
        ((self.docs as f64 + 1.0) / (df + 1.0)).ln() + 1.0
    }

    fn add(&mut self, f: &Features) {
        self.docs += 1;
        for t in f.all.keys() {
            *self.df.entry(t.clone()).or_default() += 1;
        }
    }
}

/// A story of one topic.
#[derive(Debug, Clone)]
pub struct Story {
    pub id: u64,
    pub topic: String,
    pub started: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub last_notified: Option<DateTime<Utc>>,
    pub sources: usize,
    members: Vec<Features>,
    /// Content terms, names and numbers of what the user has been told.
    told_terms: HashSet<String>,
    told_names: HashSet<String>,
    told_numbers: HashSet<String>,
}

/// What happened to one article.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub story: u64,
    pub new_story: bool,
    pub notify: bool,
    /// The sentence to show: the lead's most informative for a new story, the one that
    /// carries most new information for an update.
    pub whats_new: Option<String>,
    pub similarity: f64,
    pub novelty: f64,
    pub sources: usize,
}

/// All stories, across topics, and the term statistics they use.
#[derive(Debug, Default)]
pub struct Tracker {
    pub stats: TermStats,
    stories: Vec<Story>,
    next_id: u64,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker {
            next_id: 1,
            ..Tracker::default()
        }
    }

    /// Counts an article in the term statistics (every article, matching or not).
    pub fn observe(&mut self, f: &Features) {
        self.stats.add(f);
    }

    /// Places a matching article of `topic` into a story and decides whether to notify.
    pub fn assign(
        &mut self,
        topic: &str,
        f: &Features,
        at: DateTime<Utc>,
        cfg: &StoryConfig,
    ) -> Assignment {
        let window = chrono::Duration::from_std(cfg.window).unwrap_or(chrono::Duration::MAX);
        let mut best: Option<(usize, f64)> = None;
        for (i, s) in self.stories.iter().enumerate() {
            if s.topic != topic || at - s.last_seen > window {
                continue;
            }
            let sim = self.similarity(f, s);
            if best.is_none_or(|(_, b)| sim > b) {
                best = Some((i, sim));
            }
        }
        match best {
            Some((i, sim)) if sim >= JOIN_THRESHOLD => self.join(i, f, at, sim, cfg),
            best => self.start(topic, f, at, best.map_or(0.0, |b| b.1)),
        }
    }

    fn start(&mut self, topic: &str, f: &Features, at: DateTime<Utc>, sim: f64) -> Assignment {
        let id = self.next_id;
        self.next_id += 1;
        let mut story = Story {
            id,
            topic: topic.to_string(),
            started: at,
            last_seen: at,
            last_notified: Some(at),
            sources: 1,
            members: vec![f.clone()],
            told_terms: HashSet::new(),
            told_names: HashSet::new(),
            told_numbers: HashSet::new(),
        };
        tell(&mut story, f);
        self.stories.push(story);
        Assignment {
            story: id,
            new_story: true,
            notify: true,
            whats_new: most_informative(f, &HashSet::new(), 3),
            similarity: sim,
            novelty: 1.0,
            sources: 1,
        }
    }

    fn join(
        &mut self,
        i: usize,
        f: &Features,
        at: DateTime<Utc>,
        sim: f64,
        cfg: &StoryConfig,
    ) -> Assignment {
        let story = &mut self.stories[i];
        story.sources += 1;
        story.last_seen = story.last_seen.max(at);
        let novelty = novelty(f, story);
        let interval =
            chrono::Duration::from_std(cfg.min_update_interval).unwrap_or(chrono::Duration::MAX);
        let rested = story.last_notified.is_none_or(|t| at - t >= interval);
        let notify = novelty >= cfg.update_novelty && rested;
        let whats_new = notify
            .then(|| most_informative(f, &story.told_terms, usize::MAX))
            .flatten();
        if notify {
            story.last_notified = Some(at);
            tell(story, f);
        }
        story.members.push(f.clone());
        Assignment {
            story: story.id,
            new_story: false,
            notify,
            whats_new,
            similarity: sim,
            novelty,
            sources: story.sources,
        }
    }

    fn similarity(&self, f: &Features, s: &Story) -> f64 {
        if s.members
            .iter()
            .any(|m| (m.simhash ^ f.simhash).count_ones() <= NEAR_DUPLICATE_BITS && f.simhash != 0)
        {
            return 1.0;
        }
        let head = self.cosine(&f.head, s.members.iter().map(|m| &m.head));
        let all = self.cosine(&f.all, s.members.iter().map(|m| &m.all));
        let names = overlap(&f.names, s.members.iter().flat_map(|m| m.names.iter()));
        let numbers = overlap(&f.numbers, s.members.iter().flat_map(|m| m.numbers.iter()));
        // Weights chosen on ECB+ (dev): names separate look-alike events best.
        0.1 * head + 0.4 * all + 0.4 * names + 0.2 * numbers
    }

    /// Cosine between an article's TF-IDF vector and the centroid of the story's members.
    fn cosine<'a>(
        &self,
        v: &HashMap<String, f64>,
        members: impl Iterator<Item = &'a HashMap<String, f64>>,
    ) -> f64 {
        let mut centroid: HashMap<&str, f64> = HashMap::new();
        for m in members {
            for (t, w) in m {
                *centroid.entry(t.as_str()).or_default() += w;
            }
        }
        let idf = |t: &str| self.stats.idf(t);
        let mut dot = 0.0;
        let mut nv = 0.0;
        for (t, w) in v {
            let x = w * idf(t);
            nv += x * x;
            if let Some(c) = centroid.get(t.as_str()) {
                dot += x * c * idf(t);
            }
        }
        let nc: f64 = centroid.iter().map(|(t, c)| (c * idf(t)).powi(2)).sum();
        if nv == 0.0 || nc == 0.0 {
            0.0
        } else {
            dot / (nv.sqrt() * nc.sqrt())
        }
    }
}

/// Overlap coefficient of a set with the union of others: |A ∩ B| / min(|A|, |B|).
fn overlap<'a>(a: &HashSet<String>, b: impl Iterator<Item = &'a String>) -> f64 {
    let b: HashSet<&String> = b.collect();
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    a.iter().filter(|x| b.contains(x)).count() as f64 / smaller as f64
}

/// Records what a notice told the user about.
fn tell(story: &mut Story, f: &Features) {
    for (_, terms) in &f.sentences {
        story.told_terms.extend(terms.iter().cloned());
    }
    story.told_names.extend(f.names.iter().cloned());
    story.told_numbers.extend(f.numbers.iter().cloned());
}

/// Share of an article that is new to the user: new names and numbers, and sentences whose
/// content words are mostly untold.
fn novelty(f: &Features, s: &Story) -> f64 {
    let fresh = |set: &HashSet<String>, told: &HashSet<String>| {
        if set.is_empty() {
            0.0
        } else {
            set.iter().filter(|x| !told.contains(*x)).count() as f64 / set.len() as f64
        }
    };
    let new_sentences = if f.sentences.is_empty() {
        0.0
    } else {
        let novel = f
            .sentences
            .iter()
            .filter(|(_, terms)| {
                !terms.is_empty()
                    && terms.iter().filter(|t| !s.told_terms.contains(*t)).count() * 2 > terms.len()
            })
            .count();
        novel as f64 / f.sentences.len() as f64
    };
    0.5 * new_sentences
        + 0.3 * fresh(&f.names, &s.told_names)
        + 0.2 * fresh(&f.numbers, &s.told_numbers)
}

/// The sentence (among the first `limit`) with most content words not in `told`.
fn most_informative(f: &Features, told: &HashSet<String>, limit: usize) -> Option<String> {
    f.sentences
        .iter()
        .take(limit)
        .filter(|(s, _)| s.split_whitespace().count() >= 5)
        .max_by_key(|(_, terms)| terms.iter().filter(|t| !told.contains(*t)).count())
        .map(|(s, _)| s.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analysis;

    fn features(title: &str, text: &str) -> Features {
        Features::new(title, text, &Analysis::new(title, text))
    }

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000 + hours * 3600, 0).unwrap()
    }

    const QUAKE_A: (&str, &str) = (
        "Magnitude 6.1 earthquake strikes Sumatra, Indonesia",
        "A magnitude 6.1 earthquake struck off the coast of Sumatra in Indonesia on Monday, \
         the US Geological Survey said. Officials in Padang reported damaged buildings.",
    );
    const QUAKE_A2: (&str, &str) = (
        "Sumatra quake damages buildings in Padang",
        "Buildings were damaged in Padang after a magnitude 6.1 earthquake hit Sumatra, \
         Indonesia, officials said, as the US Geological Survey reported aftershocks.",
    );
    const QUAKE_B: (&str, &str) = (
        "Magnitude 5.4 earthquake shakes Los Angeles, California",
        "A magnitude 5.4 earthquake struck near Los Angeles in California on Monday, the US \
         Geological Survey said. Officials in Pasadena reported minor damage.",
    );

    #[test]
    fn same_event_joins_and_a_look_alike_event_does_not() {
        let mut t = Tracker::new();
        let cfg = StoryConfig::default();
        let docs: Vec<Features> = [QUAKE_A, QUAKE_A2, QUAKE_B]
            .iter()
            .map(|(h, x)| features(h, x))
            .collect();
        for d in &docs {
            t.observe(d);
        }
        let a = t.assign("quakes", &docs[0], at(0), &cfg);
        let a2 = t.assign("quakes", &docs[1], at(1), &cfg);
        let b = t.assign("quakes", &docs[2], at(2), &cfg);
        assert!(a.new_story && a.notify);
        assert_eq!(a2.story, a.story, "{a2:?}");
        assert!(!a2.new_story);
        assert_ne!(b.story, a.story, "{b:?}");
        assert!(b.new_story);
    }

    #[test]
    fn stories_go_quiet_after_their_window_and_updates_rest() {
        let mut t = Tracker::new();
        let cfg = StoryConfig::default();
        let d = features(QUAKE_A.0, QUAKE_A.1);
        t.observe(&d);
        let first = t.assign("q", &d, at(0), &cfg);
        // A verbatim copy an hour later: same story, nothing new, no notice.
        let copy = t.assign("q", &d, at(1), &cfg);
        assert_eq!(copy.story, first.story);
        assert!(!copy.notify);
        assert_eq!(copy.sources, 2);
        // After the window, the same text starts a new story.
        let later = t.assign("q", &d, at(80), &cfg);
        assert!(later.new_story);
        assert_ne!(later.story, first.story);
    }
}
