//! What a story compares: per article, TF vectors of the head (title and lead) and of the
//! whole text, the names (capitalised spans) it mentions and how often each word of them
//! occurs, the numbers it mentions, a SimHash fingerprint for near-duplicates, and its
//! sentences with their content words.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::analyze::{Analysis, Field};
use crate::hash::Fast;

/// Words too common to tell stories apart, whatever the corpus says.
/// A `match` rather than a list: it runs for every word of every article.
#[rustfmt::skip]
fn is_stop(term: &str) -> bool {
    matches!(
        term,
        "the" | "a" | "an" | "and" | "or" | "of" | "to" | "in" | "on" | "for" | "with" | "at" |
        "by" | "from" | "is" | "was" | "are" | "were" | "be" | "been" | "has" | "have" |
        "had" | "it" | "its" | "that" | "this" | "as" | "he" | "she" | "they" | "his" | "her" |
        "their" | "said" | "says" | "will" | "would" | "not" | "but" | "who" | "which" |
        "after" | "than" | "also" | "more" | "about" | "into" | "over"
    )
}

/// Capitalised words that start sentences or name nothing. A `match`: it runs for every
/// capitalised word.
#[rustfmt::skip]
fn is_not_name(word: &str) -> bool {
    matches!(
        word,
        "The" | "A" | "An" | "And" | "But" | "He" | "She" | "It" | "They" | "We" | "I" | "In" |
        "On" | "At" | "This" | "That" | "These" | "Those" | "His" | "Her" | "Their" | "Its" |
        "As" | "If" | "When" | "While" | "After" | "Before" | "Mr" | "Mrs" | "Ms" | "Dr" |
        "Monday" | "Tuesday" | "Wednesday" | "Thursday" | "Friday" | "Saturday" | "Sunday"
    )
}

/// One article, as stories see it.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// Term frequencies of the title and lead.
    pub(crate) head: HashMap<String, f64, Fast>,
    /// Term frequencies of the whole article.
    pub(crate) all: HashMap<String, f64, Fast>,
    pub(crate) names: HashSet<String, Fast>,
    /// How often each word of a name occurs ("Wladimir Klitschko", "Klitschko": klitschko 2).
    pub(crate) name_words: HashMap<String, u32, Fast>,
    pub(crate) numbers: HashSet<String, Fast>,
    pub(crate) simhash: u64,
    /// Sentences with the content terms each holds, as [`term_hash`]es, sorted, once each.
    pub(crate) sentences: Vec<(String, Vec<u64>)>,
}

/// The text's sentences with the content terms of each. The sentences hold the text's words
/// in order, so their terms are the analysis's, taken in step; should the two ever disagree,
/// the rest is stemmed anew.
fn sentences(text: &str, a: &Analysis) -> Vec<(String, Vec<u64>)> {
    let mut terms = InStep {
        analysed: a.text_terms(),
        in_step: true,
        stemmer: a.stemming.stemmer(),
    };
    crate::extract::split_sentences(&text.replace("\n\n", " "))
        .into_iter()
        .map(|s| {
            let joined = crate::analyze::join_initialisms(s);
            let mut content = Vec::new();
            let mut previous: Option<Cow<str>> = None;
            for t in crate::analyze::tokens(&joined).filter_map(|raw| terms.term(raw)) {
                if let Some(pair) = character_pair(previous.as_deref().unwrap_or(""), &t) {
                    content.push(term_hash(&pair));
                }
                if is_content(&t) {
                    content.push(term_hash(&t));
                }
                previous = Some(t);
            }
            content.sort_unstable();
            content.dedup();
            (s.to_string(), content)
        })
        .collect()
}

/// The analysis's (word, term) pairs, taken one per token of the text.
struct InStep<'a, I: Iterator<Item = (&'a str, &'a str)>> {
    analysed: I,
    in_step: bool,
    stemmer: rust_stemmers::Stemmer,
}

impl<'a, I: Iterator<Item = (&'a str, &'a str)>> InStep<'a, I> {
    /// The term of a raw token, or `None` for a token that is no word.
    fn term(&mut self, raw: &str) -> Option<Cow<'a, str>> {
        // A plain token is its word lower-cased: compared without a copy.
        let folded = if crate::analyze::is_plain(raw) {
            None
        } else {
            Some(crate::analyze::word(raw)?)
        };
        let next = self.analysed.next();
        if self.in_step {
            let same = |w: &str| match &folded {
                None => w.eq_ignore_ascii_case(raw),
                Some(f) => f == w,
            };
            match next {
                Some((w, term)) if same(w) => return Some(Cow::Borrowed(term)),
                _ => self.in_step = false,
            }
        }
        let w = folded.unwrap_or_else(|| raw.to_ascii_lowercase());
        Some(Cow::Owned(self.stemmer.stem(&w).into_owned()))
    }
}

/// Counts one occurrence of `term`, cloning it only the first time.
fn count(tf: &mut HashMap<String, f64, Fast>, term: &str) {
    match tf.get_mut(term) {
        Some(n) => *n += 1.0,
        None => {
            tf.insert(term.to_string(), 1.0);
        }
    }
}

/// Two characters of an unspaced script in a row (Chinese, Japanese, Korean), as one term:
/// alone a character says little (and is too short to count), while pairs are what words
/// of these scripts mostly are ("地震", "東京"). Pairs of hiragana are grammar ("した",
/// "ている"), not content.
fn character_pair(first: &str, second: &str) -> Option<String> {
    let single = |t: &str| {
        let mut c = t.chars();
        c.next()
            .filter(|&ch| c.next().is_none() && crate::analyze::is_unspaced(ch))
    };
    let (a, b) = (single(first)?, single(second)?);
    let hiragana = |c: char| ('\u{3040}'..='\u{309F}').contains(&c);
    (!(hiragana(a) && hiragana(b))).then(|| format!("{a}{b}"))
}

fn is_content(term: &str) -> bool {
    term.chars().nth(1).is_some() && !is_stop(term)
}

/// A sentence's term as novelty compares it: a 64-bit hash, which spares a string per
/// word; two terms of one story colliding is a chance of about 1 in 10^13.
pub(crate) fn term_hash(term: &str) -> u64 {
    use std::hash::BuildHasher;
    Fast::default().hash_one(term)
}

impl Features {
    pub fn new(title: &str, text: &str, a: &Analysis) -> Features {
        if a.says_nothing() {
            return Features::default();
        }
        let mut head: HashMap<String, f64, Fast> = HashMap::default();
        let mut all: HashMap<String, f64, Fast> = HashMap::default();
        let mut previous = "";
        for (pos, term) in a.terms.iter().enumerate() {
            let pair = character_pair(previous, term);
            previous = term;
            for t in pair.iter().map(String::as_str).chain([term.as_str()]) {
                if t.is_empty() || !is_content(t) {
                    continue;
                }
                count(&mut all, t);
                if a.field_of(pos as u32) != Field::Body {
                    count(&mut head, t);
                }
            }
        }
        for v in head.values_mut().chain(all.values_mut()) {
            *v = 1.0 + v.ln();
        }
        let sentences = sentences(text, a);
        let joined = format!("{title}. {text}");
        let title_spans = name_spans(title);
        let text_spans = name_spans(text);
        let mut name_words: HashMap<String, u32, Fast> = HashMap::default();
        for span in title_spans.iter().chain(&text_spans) {
            for w in span.split(' ') {
                let w = w.trim_end_matches("'s").trim_end_matches("’s");
                *name_words.entry(w.to_string()).or_default() += 1;
            }
        }
        // In a Title Case title every word is capitalised: its spans are the whole title,
        // not names. Its words still count as name words (a headline alone has no others).
        let mut names: HashSet<String, Fast> = text_spans.into_iter().collect();
        if !crate::analyze::is_title_case(title) {
            names.extend(title_spans);
        }
        Features {
            head,
            all,
            names,
            name_words,
            numbers: numbers(&joined),
            simhash: simhash(&a.terms),
            sentences,
        }
    }
}

/// Capitalised spans, lower-cased: "Steve Witkoff", "Miami", "U.S." — a single capitalised
/// word counts unless it starts a sentence.
#[cfg(test)]
fn names(text: &str) -> HashSet<String> {
    name_spans(text).into_iter().collect()
}

/// Every occurrence of a name, lower-cased, in order.
fn name_spans(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut span: Vec<&str> = Vec::new();
    let mut span_opens_sentence = false;
    let mut sentence_start = true;
    let mut flush = |span: &mut Vec<&str>, opens: bool| {
        if span.len() > 1 || (span.len() == 1 && !opens) {
            out.push(span.join(" ").to_lowercase());
        }
        span.clear();
    };
    for raw in text.split_whitespace() {
        // Most words open with a small letter or a digit, which trimming keeps.
        let plain = raw.as_bytes()[0].is_ascii_lowercase() || raw.as_bytes()[0].is_ascii_digit();
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let capital = !plain
            && word.chars().next().is_some_and(char::is_uppercase)
            && word.chars().any(char::is_lowercase)
            && !is_not_name(word);
        if capital {
            if span.is_empty() {
                span_opens_sentence = sentence_start;
            }
            span.push(word);
        }
        let closes = raw.ends_with([',', '.', ';', ':', '!', '?', '"', '”', ')']);
        if !capital || closes {
            flush(&mut span, span_opens_sentence);
        }
        sentence_start = raw.ends_with(['.', '!', '?']);
    }
    flush(&mut span, span_opens_sentence);
    out
}

/// Numbers mentioned: "28", "5.1", "2008", "1,200" → "1200".
pub fn numbers(text: &str) -> HashSet<String, Fast> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .filter(|n| n.bytes().any(|b| b.is_ascii_digit()))
        .map(|n| n.trim_matches(['.', ',']).replace(',', ""))
        .collect()
}

/// 64-bit SimHash over word 3-shingles: near-identical texts differ in few bits.
pub fn simhash(terms: &[String]) -> u64 {
    let words: Vec<&str> = terms
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect();
    if words.len() < 3 {
        return 0;
    }
    // Each bit's count of set hashes, eight bits to a word: byte i of `lanes[j]` counts
    // bit 8j + i, and is moved into `counts` before it could overflow.
    let mut counts = [0u32; 64];
    let mut lanes = [0u64; 8];
    let mut flush = |lanes: &mut [u64; 8]| {
        for (j, lane) in lanes.iter_mut().enumerate() {
            for i in 0..8 {
                counts[8 * j + i] += (*lane >> (8 * i) & 0xff) as u32;
            }
            *lane = 0;
        }
    };
    let shingles = words.len() - 2;
    for (n, w) in words.windows(3).enumerate() {
        let h = fnv(w);
        for (j, lane) in lanes.iter_mut().enumerate() {
            *lane += SPREAD[(h >> (8 * j) & 0xff) as usize];
        }
        if n % 255 == 254 {
            flush(&mut lanes);
        }
    }
    flush(&mut lanes);
    // A bit is set when more shingles set it than not.
    counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c as usize * 2 > shingles)
        .fold(0u64, |acc, (bit, _)| acc | 1 << bit)
}

/// `SPREAD[b]` holds bit i of `b` in its byte i.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            if b >> i & 1 == 1 {
                table[b] |= 1 << (8 * i);
            }
            i += 1;
        }
        b += 1;
    }
    table
};

fn fnv(words: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for w in words {
        for b in w.bytes().chain(std::iter::once(b' ')) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        let n = names(
            "Steve Witkoff met Vladimir Putin in Moscow. Officials said the talks went well.",
        );
        assert!(n.contains("steve witkoff"), "{n:?}");
        assert!(n.contains("vladimir putin"));
        assert!(n.contains("moscow"));
        assert!(
            !n.contains("officials"),
            "sentence-initial word is not a name"
        );
        let nums = numbers("A 28-point plan, cut to 20 points; 1,200 troops in 2025.");
        assert!(
            nums.contains("28")
                && nums.contains("20")
                && nums.contains("1200")
                && nums.contains("2025")
        );
    }

    #[test]
    fn a_title_case_title_gives_name_words_but_no_names() {
        let text = "Tara Reid checked into a treatment centre, her publicist said.";
        let a = Analysis::new("Tara Reid Checks Into Rehab Clinic", text);
        let f = Features::new("Tara Reid Checks Into Rehab Clinic", text, &a);
        assert_eq!(f.names.iter().collect::<Vec<_>>(), ["tara reid"]);
        assert_eq!(f.name_words.get("tara"), Some(&2));
        assert_eq!(f.name_words.get("rehab"), Some(&1));
        let a = Analysis::new("Tara Reid checks into rehab", text);
        let f = Features::new("Tara Reid checks into rehab", text, &a);
        assert_eq!(f.names.iter().collect::<Vec<_>>(), ["tara reid"]);
        assert!(crate::analyze::is_title_case(
            "Obama Administration Flips Bush Endangered Species Ruling"
        ));
        assert!(!crate::analyze::is_title_case(
            "Obama flips Bush endangered species ruling"
        ));
        assert!(!crate::analyze::is_title_case("Steve Witkoff"));
    }

    #[test]
    fn a_dateline_alone_gives_nothing_to_compare() {
        let line = "Updated: Monday, 28 November 2005, 02: 24 GMT";
        let f = Features::new(line, "", &Analysis::new(line, ""));
        assert!(
            f.all.is_empty() && f.names.is_empty() && f.numbers.is_empty(),
            "{f:?}"
        );
    }

    #[test]
    fn sentence_terms_are_the_analysis_terms() {
        let title = "Envoys meet in Paris";
        let text = "Zelenskyy's envoy met Élysée officials on Monday. The O'Brien plan \
                    moved on.\n\nTalks resume, 'quoted' sources said. Nothing else.";
        let a = Analysis::new(title, text);
        let f = Features::new(title, text, &a);
        let stemmer = a.stemming.stemmer();
        assert_eq!(f.sentences.len(), 4, "{:?}", f.sentences);
        for (s, terms) in &f.sentences {
            let mut stemmed: Vec<u64> = crate::analyze::words(s)
                .map(|w| stemmer.stem(&w).into_owned())
                .filter(|t| is_content(t))
                .map(|t| term_hash(&t))
                .collect();
            stemmed.sort_unstable();
            stemmed.dedup();
            assert_eq!(terms, &stemmed, "{s}");
        }
        assert!(
            f.sentences[0].1.contains(&term_hash("elyse")),
            "{:?}",
            f.sentences[0]
        );
    }

    #[test]
    fn simhash_counts_every_bit_of_every_shingle() {
        // The plain definition: +1 for a set bit, -1 for a clear one; positive sums set.
        let plain = |terms: &[String]| {
            let words: Vec<&str> = terms.iter().map(String::as_str).collect();
            let mut weights = [0i64; 64];
            for w in words.windows(3) {
                let h = fnv(w);
                for (bit, weight) in weights.iter_mut().enumerate() {
                    *weight += if h >> bit & 1 == 1 { 1 } else { -1 };
                }
            }
            (0..64)
                .filter(|&b| weights[b] > 0)
                .fold(0u64, |acc, b| acc | 1 << b)
        };
        // Long enough that the byte counters are moved over more than once.
        let terms: Vec<String> = (0..1200u32)
            .map(|i| format!("w{}", i.wrapping_mul(2_654_435_761) % 97))
            .collect();
        for len in [3, 4, 100, 257, 258, 600, 1200] {
            assert_eq!(simhash(&terms[..len]), plain(&terms[..len]), "{len} terms");
        }
    }

    #[test]
    fn simhash_is_close_for_rewrites() {
        let a: Vec<String> =
            "the envoys met putin in moscow for five hours on tuesday and discussed the plan"
                .split(' ')
                .map(String::from)
                .collect();
        let mut b = a.clone();
        b[12] = "debated".into();
        let far: Vec<String> =
            "an earthquake struck the coast of indonesia killing dozens of people overnight"
                .split(' ')
                .map(String::from)
                .collect();
        let d = |x: u64, y: u64| (x ^ y).count_ones();
        assert!(d(simhash(&a), simhash(&b)) < d(simhash(&a), simhash(&far)));
    }
}
