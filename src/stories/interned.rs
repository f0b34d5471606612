//! Articles in interned form: terms, names and numbers as small integers with their
//! document frequencies, so stories compare integers rather than strings. What the
//! numbers mean for similarity is left to `similarity`.

use std::collections::{HashMap, HashSet};

use super::similarity::PROMINENT_MENTIONS;
use super::{Features, Tracker};
use crate::hash::Fast;

/// Terms, names and numbers are interned: stories compare small integers, not strings.
pub(super) type Id = u32;
pub(super) type IdMap<V> = HashMap<Id, V, Fast>;
pub(super) type IdSet = HashSet<Id, Fast>;

/// ln(docs + 1) of a corpus of `docs` articles, for [`Vocab::idf`].
pub(super) fn ln_docs(docs: u64) -> f64 {
    (docs as f64 + 1.0).ln()
}

/// Interned strings and the document frequency of each (zero for names and numbers).
#[derive(Debug, Default)]
pub(super) struct Vocab {
    ids: HashMap<String, Id, Fast>,
    df: Vec<u64>,
    /// ln(df + 1) of each term, kept beside `df`: IDF is asked for far more often than a
    /// document frequency changes.
    ln_df: Vec<f64>,
    /// Ids of forgotten strings, handed out again before new ones.
    free: Vec<Id>,
}

impl Vocab {
    pub(super) fn id(&mut self, s: &str) -> Id {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.free.pop().unwrap_or_else(|| {
            self.df.push(0);
            self.ln_df.push(0.0);
            (self.df.len() - 1) as Id
        });
        self.ids.insert(s.to_string(), id);
        id
    }

    /// Strings interned.
    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Forgets the rarest strings not in `keep` until at most `target` remain (or all
    /// that may go are gone): those with no document frequency first (names and numbers of
    /// stories that closed), then those seen in one document, and so on. Returns the
    /// document frequency below which strings were forgotten.
    pub(super) fn forget_rare(&mut self, target: usize, keep: &IdSet) -> u64 {
        const MOST: usize = 64;
        let mut by_df = [0usize; MOST];
        for &id in self.ids.values() {
            if !keep.contains(&id) {
                by_df[(self.df[id as usize] as usize).min(MOST - 1)] += 1;
            }
        }
        let mut left = self.ids.len();
        let mut below = 0;
        while below < MOST - 1 && left > target {
            left -= by_df[below];
            below += 1;
        }
        let below = below.max(1) as u64;
        let (df, ln_df, free) = (&mut self.df, &mut self.ln_df, &mut self.free);
        self.ids.retain(|_, &mut id| {
            let i = id as usize;
            if df[i] >= below || keep.contains(&id) {
                return true;
            }
            df[i] = 0;
            ln_df[i] = 0.0;
            free.push(id);
            false
        });
        below
    }

    /// Sets the document frequency of `id`.
    pub(super) fn set_df(&mut self, id: Id, df: u64) {
        self.df[id as usize] = df;
        self.ln_df[id as usize] = (df as f64 + 1.0).ln();
    }

    /// Counts one more document holding `id`.
    pub(super) fn count(&mut self, id: Id) {
        self.set_df(id, self.df[id as usize] + 1);
    }

    /// Inverse document frequency of `id`, ln((docs + 1) / (df + 1)) + 1, given
    /// [`ln_docs`] of the corpus.
    pub(super) fn idf(&self, id: Id, ln_docs: f64) -> f64 {
        ln_docs - self.ln_df.get(id as usize).copied().unwrap_or(0.0) + 1.0
    }

    pub(super) fn set<'a>(&mut self, items: impl Iterator<Item = &'a String>) -> IdSet {
        items.map(|s| self.id(s)).collect()
    }
}

/// An article in interned form.
pub(super) struct Doc {
    pub(super) head: Vec<(Id, f64)>,
    pub(super) all: Vec<(Id, f64)>,
    pub(super) names: IdSet,
    pub(super) numbers: IdSet,
    /// Words of its names, and those it repeats [`PROMINENT_MENTIONS`] times or more.
    pub(super) name_words: IdSet,
    pub(super) prominent: Vec<Id>,
    pub(super) simhash: u64,
    /// A headline without text.
    pub(super) headline_only: bool,
}

impl Tracker {
    /// The article in interned form.
    pub(super) fn intern(&mut self, f: &Features) -> Doc {
        let mut vector = |v: &HashMap<String, f64, Fast>| -> Vec<(Id, f64)> {
            v.iter().map(|(t, w)| (self.vocab.id(t), *w)).collect()
        };
        let head = vector(&f.head);
        let all = vector(&f.all);
        Doc {
            head,
            all,
            names: self.vocab.set(f.names.iter()),
            numbers: self.vocab.set(f.numbers.iter()),
            name_words: self.vocab.set(f.name_words.keys()),
            prominent: f
                .name_words
                .iter()
                .filter(|&(_, &n)| n >= PROMINENT_MENTIONS)
                .map(|(w, _)| self.vocab.id(w))
                .collect(),
            simhash: f.simhash,
            headline_only: f.sentences.is_empty(),
        }
    }
}
