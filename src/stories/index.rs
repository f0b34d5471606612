//! Which open stories an article could join, without comparing it with every one: an
//! inverted index from terms, names and numbers to the stories that contain them. On a
//! busy stream hundreds of stories are open at once, and almost all of them share only
//! common words with a given article. Scoring decides; this only narrows the field.

use std::collections::HashSet;

use super::interned::{Doc, Id, IdMap};
use super::story::Story;
use crate::hash::Fast;

/// An article's most distinctive terms (by TF-IDF) that look up candidate stories. A story
/// that shares none of them, and no name or number, has only common words in common with the
/// article, too little to join. Measured on ECB+ (dev): the same stories as comparing with
/// every open story, full text and titles-only. On a dense stream (ECB+ 22 times over in one
/// window, each copy with words of its own: 800 stories open) `story_bench` went from 413
/// to about 930 articles/s.
pub(super) const LOOKUP_TERMS: usize = 32;
/// A key shared by more open stories than this (and by more than [`COMMON_SHARE`] of them)
/// tells nothing about which one an article belongs to: a year, a country, a large number of
/// a common word. Looking it up would make every story a candidate again.
const COMMON_STORIES: usize = 64;
const COMMON_SHARE: f64 = 0.125;

/// Story ids per term, name and number of the open stories.
#[derive(Debug, Default)]
pub(super) struct Index {
    postings: IdMap<Vec<i64>>,
    /// Entries in `postings`, and those that belong to closed stories.
    entries: usize,
    stale: usize,
}

pub(super) type Candidates = HashSet<i64, Fast>;

impl Index {
    /// Records what `doc` brings to story `s`: call before adding it to the story.
    pub(super) fn add(&mut self, s: &Story, doc: &Doc) {
        let new_terms = doc
            .all
            .iter()
            .map(|&(t, _)| t)
            .filter(|t| !s.all.contains_key(t));
        let new_names = doc.names.iter().filter(|t| !s.names.contains(*t));
        let new_numbers = doc.numbers.iter().filter(|t| !s.numbers.contains_key(*t));
        let new_words = doc.name_words.iter().filter(|t| !s.name_words.contains(*t));
        let ids: Vec<Id> = new_terms
            .chain(new_names.copied())
            .chain(new_numbers.copied())
            .chain(new_words.copied())
            .collect();
        for t in ids {
            self.postings.entry(t).or_default().push(s.id);
            self.entries += 1;
        }
    }

    /// Forgets closed stories. Their entries stay until they outnumber the live ones, then
    /// the index is rebuilt from the open stories: memory follows the open stories, and the
    /// rebuild's cost is spread over the closings that caused it.
    pub(super) fn close(&mut self, closed: &[Story], open: &[Story]) {
        self.stale += closed.iter().map(entries).sum::<usize>();
        if self.stale * 2 <= self.entries {
            return;
        }
        self.postings.clear();
        self.entries = 0;
        self.stale = 0;
        for s in open {
            let ids = s
                .all
                .keys()
                .chain(&s.names)
                .chain(s.numbers.keys())
                .chain(&s.name_words);
            for &t in ids {
                self.postings.entry(t).or_default().push(s.id);
                self.entries += 1;
            }
        }
    }

    /// Stories sharing a name, a number or one of the article's most distinctive terms
    /// (`idf` weighs them). May name closed stories; the caller skips those.
    pub(super) fn candidates(&self, doc: &Doc, open: usize, idf: impl Fn(Id) -> f64) -> Candidates {
        let mut terms: Vec<(Id, f64)> = doc.all.iter().map(|&(t, w)| (t, w * idf(t))).collect();
        if terms.len() > LOOKUP_TERMS {
            terms.select_nth_unstable_by(LOOKUP_TERMS - 1, |a, b| {
                b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
            });
            terms.truncate(LOOKUP_TERMS);
        }
        let keys = terms
            .iter()
            .map(|(t, _)| t)
            .chain(&doc.names)
            .chain(&doc.numbers)
            .chain(&doc.name_words);
        let common = COMMON_STORIES.max((COMMON_SHARE * open as f64) as usize);
        let mut found = Candidates::default();
        for t in keys {
            match self.postings.get(t) {
                Some(ids) if ids.len() <= common => found.extend(ids.iter().copied()),
                _ => {}
            }
        }
        found
    }
}

/// Index entries a story holds.
fn entries(s: &Story) -> usize {
    s.all.len() + s.names.len() + s.numbers.len() + s.name_words.len()
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::super::{Features, StoryConfig, Tracker};
    use crate::analyze::Analysis;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000 + hours * 3600, 0).unwrap()
    }

    /// Story `i` of many alike: the same common words, and words of its own.
    fn report(i: usize) -> Features {
        let title = format!("Harbour plan for zorvik{i} and quellan{i}");
        let text = format!(
            "Residents of zorvik{i} met over the quellan{i} works, the brannoc{i} budget and \
             the tivel{i} road. The city council listened to the harbour plan."
        );
        Features::new(&title, &text, &Analysis::new(&title, &text))
    }

    /// A tracker with `stories` reports in one topic, all observed first.
    fn tracker_with(stories: usize) -> (Tracker, Vec<i64>) {
        let mut t = Tracker::new();
        let reports: Vec<Features> = (0..stories).map(report).collect();
        for f in &reports {
            t.observe(f);
        }
        let cfg = StoryConfig::default();
        let ids = reports
            .iter()
            .map(|f| t.assign("all", f, at(0), &cfg).story)
            .collect();
        (t, ids)
    }

    #[test]
    fn only_stories_sharing_distinctive_terms_are_candidates() {
        let (mut t, ids) = tracker_with(120);
        assert_eq!(t.open_stories(), 120, "each report is its own story");
        let f = report(42);
        t.observe(&f);
        let doc = t.intern(&f);
        let found = t.index.candidates(&doc, t.stories.len(), |id| t.idf(id));
        assert!(found.contains(&ids[42]), "{found:?}");
        assert!(
            found.len() < 10,
            "common words made {} candidates",
            found.len()
        );
        let placed = t.assign("all", &f, at(1), &StoryConfig::default());
        assert_eq!(placed.story, ids[42]);
    }

    #[test]
    fn closed_stories_leave_the_index() {
        let (mut t, _) = tracker_with(200);
        let open_entries = t.index.entries;
        let late = at(24 * 30);
        let f = report(1000);
        t.observe(&f);
        t.assign("all", &f, late, &StoryConfig::default());
        assert_eq!(t.open_stories(), 1);
        assert!(
            t.index.entries < open_entries / 50,
            "{} entries left of {open_entries}",
            t.index.entries
        );
    }
}
