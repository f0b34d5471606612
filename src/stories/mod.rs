//! Stories: per topic, each matching article joins an active story or starts a new one,
//! and the decision whether it is worth a notice.
//!
//! Similarity combines TF-IDF cosine of the head (title and lead) and of the whole text
//! against the story so far, overlap of names and numbers, and SimHash near-duplicates
//! (syndicated copies and rewrites), less when article and story each repeat a name the
//! other lacks (look-alike events with other main actors), and less as the story stays
//! quiet (past a third of its window); stories are over after the window. A story of one
//! report from the last few hours asks less of the second. Term statistics come from the
//! articles seen so far. An article that joins a story notifies only when it adds enough
//! over what the user was already told and the story has not notified recently.
//!
//! Pure: state in, decision out. The store persists what [`Assignment`]s say and hands
//! back [`Restored`] stories on start, so the tracker survives restarts.
//!
//! Cost: a story keeps the sums of its members' vectors (and the heads of its latest few
//! members, for headlines), not the members, so comparing an article with a story costs one
//! pass over the article's terms whatever the story's size. An inverted index narrows the
//! open stories to those sharing a name, a number or a distinctive term with the article,
//! so a busy window costs little more than a quiet one. Stories past their window are
//! dropped, from the index too, so memory stays flat on an endless stream.
//!
//! Map: `features` (an article as stories see it), `interned` (the same as small integers,
//! with term statistics), `index` (which stories to compare), `story` (one story's state),
//! `similarity` (article against story,
//! and the bar to join), `novelty` (what an update adds and the sentence to show); this file
//! holds the tracker that ties them together.

mod features;
mod index;
mod interned;
mod novelty;
mod similarity;
mod story;

use std::time::Duration;

use chrono::{DateTime, Utc};

pub use features::Features;
pub use story::Story;

use index::Index;
use interned::{Doc, Vocab, ln_docs};
use novelty::{most_informative, novelty};
use similarity::{decay, join_threshold, young_story_share};
use story::ToldTerms;

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
            update_novelty: 0.5,
            min_update_interval: Duration::from_secs(2 * 3600),
        }
    }
}

/// What happened to one article.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub story: i64,
    pub new_story: bool,
    pub notify: bool,
    /// The sentence to show: the lead's most informative for a new story, the one that
    /// carries most new information for an update.
    pub whats_new: Option<String>,
    pub similarity: f64,
    pub novelty: f64,
    /// Articles in the story so far, this one included.
    pub sources: usize,
    /// The story's state after this article, for the store.
    pub started: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub last_notified: Option<DateTime<Utc>>,
}

/// A stored story handed back on start: its members in order, and which of them notified.
pub struct Restored {
    pub id: i64,
    pub topic: String,
    pub last_notified: Option<DateTime<Utc>>,
    pub members: Vec<(Features, DateTime<Utc>, bool)>,
}

/// All stories, across topics, and the term statistics they use.
#[derive(Debug)]
pub struct Tracker {
    /// Articles counted in the document frequencies, and ln(docs + 1) for IDF.
    docs: u64,
    ln_docs: f64,
    vocab: Vocab,
    stories: Vec<Story>,
    /// Which open stories share what with an article.
    index: Index,
    next_id: i64,
    /// Interned strings the vocabulary holds at most ([`VOCAB_CAP`]), and the number that
    /// makes it forget its rarest.
    vocab_cap: usize,
    forget_at: usize,
    /// The document frequency below which terms were last forgotten, until the store
    /// forgets them too ([`Tracker::take_forgotten`]).
    forgotten: Option<u64>,
}

/// Interned strings (terms, names, numbers) the vocabulary holds before it forgets the
/// rarest of those no open story uses, down to three quarters of this. Every one costs
/// about 100 bytes, so the vocabulary stays under about 20 MB however long the daemon
/// runs. The 10,000-article benchmark streams give the same output with it as without. A
/// forgotten term that comes back counts its documents from zero, which only moves the IDF
/// of terms seen once or twice.
const VOCAB_CAP: usize = 200_000;

impl Default for Tracker {
    fn default() -> Tracker {
        Tracker::new()
    }
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker::with_vocab_cap(VOCAB_CAP)
    }

    fn with_vocab_cap(vocab_cap: usize) -> Tracker {
        Tracker {
            docs: 0,
            ln_docs: 0.0,
            vocab: Vocab::default(),
            stories: Vec::new(),
            index: Index::default(),
            next_id: 1,
            vocab_cap,
            forget_at: vocab_cap,
            forgotten: None,
        }
    }

    /// A tracker continuing from stored state: the number of articles seen and each
    /// term's document frequency, the stories still open, and the first unused story id.
    pub fn restore(
        docs: u64,
        df: impl IntoIterator<Item = (String, u64)>,
        stories: Vec<Restored>,
        next_id: i64,
    ) -> Tracker {
        let mut t = Tracker {
            docs,
            ln_docs: ln_docs(docs),
            next_id: next_id.max(1),
            ..Tracker::new()
        };
        for (term, n) in df {
            let id = t.vocab.id(&term);
            t.vocab.set_df(id, n);
        }
        for r in stories {
            let Some(first) = r.members.first() else {
                continue;
            };
            let mut story = Story::new(r.id, &r.topic, first.1);
            for (f, at, notified) in &r.members {
                let doc = t.intern(f);
                t.index.add(&story, &doc);
                story.add(&doc, *at, |id| t.idf(id));
                if *notified {
                    story.tell(f);
                }
            }
            story.last_notified = r.last_notified;
            t.next_id = t.next_id.max(r.id + 1);
            t.stories.push(story);
        }
        t.forget_if_full();
        t
    }

    /// The document frequency below which terms were forgotten since the last call: the
    /// store should forget them too, or they come back on the next start.
    pub fn take_forgotten(&mut self) -> Option<u64> {
        self.forgotten.take()
    }

    /// Forgets the rarest interned strings no open story uses once there are too many.
    fn forget_if_full(&mut self) {
        if self.vocab.len() <= self.forget_at {
            return;
        }
        let mut keep = interned::IdSet::default();
        for s in &self.stories {
            keep.extend(s.head.keys().chain(s.all.keys()));
            keep.extend(s.names.iter().chain(s.numbers.keys()).chain(&s.name_words));
        }
        let below = self.vocab.forget_rare(self.vocab_cap * 3 / 4, &keep);
        self.forgotten = Some(self.forgotten.map_or(below, |b| b.max(below)));
        // When open stories hold most of it, wait for a quarter of the cap to come in
        // before looking again.
        self.forget_at = self.vocab_cap.max(self.vocab.len() + self.vocab_cap / 4);
    }

    /// Stories currently open.
    pub fn open_stories(&self) -> usize {
        self.stories.len()
    }

    /// Counts an article in the term statistics (every article, matching or not).
    pub fn observe(&mut self, f: &Features) {
        self.forget_if_full();
        self.docs += 1;
        self.ln_docs = ln_docs(self.docs);
        for t in f.all.keys() {
            let id = self.vocab.id(t);
            self.vocab.count(id);
        }
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
        self.close(topic, at, window);
        let doc = self.intern(f);
        let query = self.query(&doc);
        let candidates = self
            .index
            .candidates(&doc, self.stories.len(), |t| self.idf(t));
        let threshold = join_threshold(doc.all.len());
        // The candidate that clears its bar by most: (story, similarity, margin).
        let mut best: Option<(usize, f64, f64)> = None;
        for i in 0..self.stories.len() {
            let s = &self.stories[i];
            if s.topic != topic || !candidates.contains(&s.id) {
                continue;
            }
            let quiet = at - s.last_seen;
            let bar = threshold * young_story_share(s.sources, quiet);
            let sim = self.similarity(&doc, &query, i) * decay(quiet, window);
            if best.is_none_or(|(_, _, b)| sim - bar > b) {
                best = Some((i, sim, sim - bar));
            }
        }
        match best {
            Some((i, sim, margin)) if margin >= 0.0 => self.join(i, f, &doc, at, sim, cfg),
            best => self.start(topic, f, &doc, at, best.map_or(0.0, |b| b.1)),
        }
    }

    /// Stories of `topic` past their window are over: drops them for good.
    fn close(&mut self, topic: &str, at: DateTime<Utc>, window: chrono::Duration) {
        let over = |s: &Story| s.topic == topic && at - s.last_seen > window;
        if !self.stories.iter().any(over) {
            return;
        }
        let (closed, open): (Vec<Story>, Vec<Story>) = std::mem::take(&mut self.stories)
            .into_iter()
            .partition(over);
        self.index.close(&closed, &open);
        self.stories = open;
    }

    fn start(
        &mut self,
        topic: &str,
        f: &Features,
        doc: &Doc,
        at: DateTime<Utc>,
        sim: f64,
    ) -> Assignment {
        let id = self.next_id;
        self.next_id += 1;
        let mut story = Story::new(id, topic, at);
        self.index.add(&story, doc);
        story.add(doc, at, |t| self.vocab.idf(t, self.ln_docs));
        story.tell(f);
        story.last_notified = Some(at);
        let a = Assignment {
            story: id,
            new_story: true,
            notify: true,
            whats_new: most_informative(f, &ToldTerms::default(), 3),
            similarity: sim,
            novelty: 1.0,
            sources: 1,
            started: at,
            last_seen: at,
            last_notified: story.last_notified,
        };
        self.stories.push(story);
        a
    }

    fn join(
        &mut self,
        i: usize,
        f: &Features,
        doc: &Doc,
        at: DateTime<Utc>,
        sim: f64,
        cfg: &StoryConfig,
    ) -> Assignment {
        let story = &mut self.stories[i];
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
            story.tell(f);
        }
        self.index.add(story, doc);
        story.add(doc, at, |t| self.vocab.idf(t, self.ln_docs));
        Assignment {
            story: story.id,
            new_story: false,
            notify,
            whats_new,
            similarity: sim,
            novelty,
            sources: story.sources,
            started: story.started,
            last_seen: story.last_seen,
            last_notified: story.last_notified,
        }
    }
}

#[cfg(test)]
mod tests;
