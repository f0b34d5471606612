//! Text analysis, done once per article: normalised, stemmed tokens with positions and
//! fields (title, lead, body), indexed for every topic to evaluate against.
//!
//! Normalisation folds case and accents, drops possessive `'s` (Zelensky's → zelensky),
//! splits on hyphens, and stems with the English Snowball stemmer. Language detection and
//! per-language stemmers are left to the matching work; query terms go through the same
//! [`normalize_term`] so both sides always agree.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Where in the article a token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Title,
    Lead,
    Body,
}

/// An analysed article: every token's term and position, plus an index term → positions.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Normalised, stemmed terms in reading order; a token's position is its index.
    pub terms: Vec<String>,
    /// First position of the lead and of the body (the title starts at 0).
    lead_start: usize,
    body_start: usize,
    index: HashMap<String, Vec<u32>>,
}

impl Analysis {
    /// Analyses a title and a text whose paragraphs are separated by blank lines; the lead
    /// is the first paragraph.
    pub fn new(title: &str, text: &str) -> Analysis {
        let stemmer = Stemmer::create(Algorithm::English);
        let (lead, body) = split_lead(text);
        let mut terms = Vec::new();
        push_terms(&stemmer, title, &mut terms);
        let lead_start = terms.len();
        push_terms(&stemmer, lead, &mut terms);
        let body_start = terms.len();
        push_terms(&stemmer, body, &mut terms);
        let mut index: HashMap<String, Vec<u32>> = HashMap::new();
        for (pos, term) in terms.iter().enumerate() {
            index.entry(term.clone()).or_default().push(pos as u32);
        }
        Analysis {
            terms,
            lead_start,
            body_start,
            index,
        }
    }

    /// Positions of a term, ascending.
    pub fn positions(&self, term: &str) -> &[u32] {
        self.index.get(term).map_or(&[], Vec::as_slice)
    }

    /// Positions where every term of `phrase` follows the previous one.
    pub fn phrase_positions(&self, phrase: &[String]) -> Vec<u32> {
        let Some((first, rest)) = phrase.split_first() else {
            return Vec::new();
        };
        self.positions(first)
            .iter()
            .copied()
            .filter(|&p| {
                rest.iter()
                    .enumerate()
                    .all(|(i, t)| self.terms.get(p as usize + i + 1).is_some_and(|x| x == t))
            })
            .collect()
    }

    pub fn field_of(&self, pos: u32) -> Field {
        let pos = pos as usize;
        if pos < self.lead_start {
            Field::Title
        } else if pos < self.body_start {
            Field::Lead
        } else {
            Field::Body
        }
    }

    /// How far into the body a position is: 0 at its start, 1 at its end; 0 outside it.
    pub fn body_depth(&self, pos: u32) -> f64 {
        let pos = pos as usize;
        let body_len = self.terms.len().saturating_sub(self.body_start);
        if pos < self.body_start || body_len == 0 {
            return 0.0;
        }
        (pos - self.body_start) as f64 / body_len as f64
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// The first paragraph (or, for text without paragraph breaks, its first ~60 words) and the
/// rest.
fn split_lead(text: &str) -> (&str, &str) {
    let text = text.trim();
    if let Some(i) = text.find("\n\n") {
        return (&text[..i], &text[i..]);
    }
    let mut words = 0;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            words += 1;
            if words >= 60 {
                return (&text[..i], &text[i..]);
            }
        }
    }
    (text, "")
}

fn push_terms(stemmer: &Stemmer, text: &str, out: &mut Vec<String>) {
    for word in words(text) {
        out.push(stemmer.stem(&word).into_owned());
    }
}

/// Splits text into normalised words (before stemming).
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || is_apostrophe(c)))
        .filter_map(|raw| {
            let folded = fold(raw);
            let word = strip_apostrophes(&folded);
            (!word.is_empty()).then_some(word)
        })
}

/// Normalises and stems one query word so it meets the article's terms.
pub fn normalize_term(word: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::English);
    words(word).map(|w| stemmer.stem(&w).into_owned()).collect()
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

/// Lower-cases and removes accents: `Zelenskyy` → `zelenskyy`, `Élysée` → `elysee`.
fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `zelensky's` → `zelensky`, `o'brien` → `obrien`, `'quoted'` → `quoted`.
fn strip_apostrophes(word: &str) -> String {
    let trimmed = word.trim_matches(is_apostrophe);
    let base = match trimmed.rfind(is_apostrophe) {
        Some(i) if trimmed[i..].chars().skip(1).collect::<String>() == "s" => &trimmed[..i],
        _ => trimmed,
    };
    base.chars().filter(|c| !is_apostrophe(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_possessives_and_hyphens() {
        let w: Vec<String> = words("Zelensky's peace-talks in the Élysée, O’Brien").collect();
        assert_eq!(
            w,
            [
                "zelensky", "peace", "talks", "in", "the", "elysee", "obrien"
            ]
        );
    }

    #[test]
    fn stems_so_inflections_meet() {
        assert_eq!(
            normalize_term("negotiations"),
            normalize_term("negotiating")
        );
        assert_eq!(normalize_term("talks"), normalize_term("talk"));
    }

    #[test]
    fn fields_and_phrases() {
        let a = Analysis::new(
            "Envoys meet Putin",
            "Peace talks resume in Miami.\n\nThe talks lasted five hours.",
        );
        assert_eq!(a.field_of(0), Field::Title);
        let peace_talks = normalize_term("peace talks");
        let hits = a.phrase_positions(&peace_talks);
        assert_eq!(hits, vec![3]);
        assert_eq!(a.field_of(hits[0]), Field::Lead);
        let talks = a.positions(&normalize_term("talks")[0]);
        assert_eq!(talks.len(), 2);
        assert_eq!(a.field_of(talks[1]), Field::Body);
    }
}
