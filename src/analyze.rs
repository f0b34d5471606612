//! Text analysis, done once per article: language, normalised words, stemmed terms with
//! positions and fields (title, lead, body), indexed for every topic to evaluate against.
//!
//! Normalisation folds case and accents, drops possessive `'s` (Zelensky's → zelensky) and
//! splits on hyphens. Terms are stemmed with the Snowball stemmer of the article's language
//! (detected with whatlang; English when detection is unsure or the language has no
//! stemmer). Queries are compiled once per stemmer ([`Stemming`]) so that both sides
//! always agree.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::hash::Fast;

/// Where in the article a token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Title,
    Lead,
    Body,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Lead => "lead",
            Field::Body => "body",
        }
    }
}

/// Positions left empty between fields so that phrases and proximity never span them.
const FIELD_GAP: usize = 50;

/// The stemmers newswatch uses, by index; [`Stemming::ALL`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stemming(usize);

const ALGORITHMS: [(whatlang::Lang, Algorithm); 17] = [
    (whatlang::Lang::Eng, Algorithm::English),
    (whatlang::Lang::Ara, Algorithm::Arabic),
    (whatlang::Lang::Dan, Algorithm::Danish),
    (whatlang::Lang::Nld, Algorithm::Dutch),
    (whatlang::Lang::Fin, Algorithm::Finnish),
    (whatlang::Lang::Fra, Algorithm::French),
    (whatlang::Lang::Deu, Algorithm::German),
    (whatlang::Lang::Ell, Algorithm::Greek),
    (whatlang::Lang::Hun, Algorithm::Hungarian),
    (whatlang::Lang::Ita, Algorithm::Italian),
    (whatlang::Lang::Nob, Algorithm::Norwegian),
    (whatlang::Lang::Por, Algorithm::Portuguese),
    (whatlang::Lang::Ron, Algorithm::Romanian),
    (whatlang::Lang::Rus, Algorithm::Russian),
    (whatlang::Lang::Spa, Algorithm::Spanish),
    (whatlang::Lang::Swe, Algorithm::Swedish),
    (whatlang::Lang::Tur, Algorithm::Turkish),
];

/// Characters of the text, after the title, that language detection reads. Trigram
/// detection is reliable on a few sentences and costs time in proportion to what it reads:
/// at 2,000 it was a tenth of `backtest`'s time.
const LANG_SAMPLE: usize = 600;

impl Stemming {
    pub const ENGLISH: Stemming = Stemming(0);
    /// Every stemming a query is compiled for.
    pub const ALL: [Stemming; 17] = {
        let mut all = [Stemming(0); 17];
        let mut i = 0;
        while i < 17 {
            all[i] = Stemming(i);
            i += 1;
        }
        all
    };

    fn for_lang(lang: Option<whatlang::Lang>) -> Stemming {
        lang.and_then(|l| ALGORITHMS.iter().position(|(wl, _)| *wl == l))
            .map_or(Stemming::ENGLISH, Stemming)
    }

    pub fn stemmer(self) -> Stemmer {
        Stemmer::create(ALGORITHMS[self.0].1)
    }

    pub fn index(self) -> usize {
        self.0
    }

    /// Whether the language writes every noun with a capital, so a capital marks no name.
    pub fn capitalises_nouns(self) -> bool {
        matches!(ALGORITHMS[self.0].1, Algorithm::German)
    }
}

/// Words whose stems the process keeps, per stemming: enough for the everyday vocabulary of
/// news, a few megabytes. Words met after that are stemmed each time; the commonest came
/// first. (Starting afresh when full cost more than it saved on a stream of fresh words.)
const STEMS_KEPT: usize = 50_000;

/// Word → stem.
type Stems = HashMap<Box<str>, Box<str>, Fast>;

/// Stems of words seen before, per stemming (by [`Stemming::index`]), shared by the
/// process's threads so that their number does not multiply the memory. Most of an
/// article's words were in earlier articles, and stemming costs more than a lookup.
static STEMS: LazyLock<Mutex<Vec<Stems>>> =
    LazyLock::new(|| Mutex::new(ALGORITHMS.iter().map(|_| Stems::default()).collect()));

/// English's commonest words. In English prose they are a third to a half of the words;
/// in other languages written in Latin letters a few percent ("in", "is", "was" in German).
const ENGLISH_MARKERS: [&str; 40] = [
    "the", "of", "and", "to", "a", "in", "is", "that", "for", "on", "with", "as", "was", "by",
    "at", "it", "from", "he", "said", "are", "be", "has", "have", "his", "an", "this", "but",
    "not", "were", "who", "they", "their", "its", "been", "had", "which", "or", "after", "would",
    "about",
];

/// The sample's language, when detection is reliable. Plainly English text is told by
/// its commonest words, which costs a hundredth of trigram detection (whatlang), the
/// judge of everything else.
fn detect_lang(sample: &str) -> Option<whatlang::Lang> {
    if is_plainly_english(sample) {
        return Some(whatlang::Lang::Eng);
    }
    whatlang::detect(sample)
        .filter(|i| i.is_reliable())
        .map(|i| i.lang())
}

/// At least 20 words, nearly all in ASCII letters, a fifth of them among
/// [`ENGLISH_MARKERS`] and "the" at least twice. News English, dense with names, runs
/// from a fifth to a half; other Latin-script languages stay under a tenth.
fn is_plainly_english(sample: &str) -> bool {
    let (mut words, mut foreign, mut markers, mut the) = (0usize, 0usize, 0usize, 0usize);
    for w in sample
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
    {
        words += 1;
        if !w.is_ascii() {
            foreign += 1;
        } else if w.len() <= 5
            && let Some(m) = ENGLISH_MARKERS.iter().find(|m| m.eq_ignore_ascii_case(w))
        {
            markers += 1;
            the += usize::from(*m == "the");
        }
    }
    words >= 20 && foreign * 20 <= words && markers * 5 >= words && the >= 2
}

/// An analysed article.
#[derive(Debug)]
pub struct Analysis {
    /// Detected language (ISO 639-3, e.g. `eng`), when detection was reliable.
    pub lang: Option<&'static str>,
    pub stemming: Stemming,
    /// Stemmed terms in reading order; a token's position is its index. Empty strings
    /// separate the fields.
    pub terms: Vec<String>,
    /// The same tokens folded but not stemmed (for prefix queries and explanations).
    pub words: Vec<String>,
    /// How each word is written ([`CAPITALS`], [`CAPITALISED`], [`NAMED`]): where a query's
    /// acronym may match, and which words are names.
    cases: Vec<u8>,
    /// First position of the lead and of the body (the title starts at 0).
    lead_start: usize,
    body_start: usize,
    /// All it says is a dateline that opens a story: "KYIV, Ukraine (AP) —".
    kicker: bool,
    /// Positions of each term and of each word, built when a query first asks: stories
    /// and `*` topics never do.
    index: OnceLock<HashMap<String, Vec<u32>>>,
    word_index: OnceLock<HashMap<String, Vec<u32>>>,
}

impl Analysis {
    /// Analyses a title and a text whose paragraphs are separated by blank lines; the lead
    /// is the first paragraph.
    pub fn new(title: &str, text: &str) -> Analysis {
        let (lead, body) = split_lead(text);
        let sample: String = title
            .chars()
            .chain(" ".chars())
            .chain(text.chars().take(LANG_SAMPLE))
            .collect();
        let detected = detect_lang(&sample);
        let stemming = Stemming::for_lang(detected);
        let stemmer = stemming.stemmer();
        let mut words: Vec<String> = Vec::new();
        let mut cases = Vec::new();
        push_words(&mut words, &mut cases, title, is_title_case(title));
        let lead_start = words.len() + FIELD_GAP;
        words.resize(lead_start, String::new());
        cases.resize(lead_start, 0);
        push_words(&mut words, &mut cases, lead, false);
        let body_start = words.len() + FIELD_GAP;
        words.resize(body_start, String::new());
        cases.resize(body_start, 0);
        push_words(&mut words, &mut cases, body, false);
        let terms = {
            let mut all = STEMS.lock().unwrap_or_else(PoisonError::into_inner);
            let stems = &mut all[stemming.index()];
            words
                .iter()
                .map(|w| match stems.get(w.as_str()) {
                    _ if w.is_empty() => String::new(),
                    Some(stem) => String::from(&**stem),
                    None => {
                        let stem = stemmer.stem(w);
                        if stems.len() < STEMS_KEPT {
                            stems.insert(w.as_str().into(), stem.as_ref().into());
                        }
                        stem.into_owned()
                    }
                })
                .collect()
        };
        Analysis {
            lang: detected.map(|l| l.code()),
            stemming,
            index: OnceLock::new(),
            word_index: OnceLock::new(),
            terms,
            words,
            cases,
            kicker: is_kicker(title, text),
            lead_start,
            body_start,
        }
    }

    /// Positions of a stemmed term, ascending.
    pub fn positions(&self, term: &str) -> &[u32] {
        let index = self.index.get_or_init(|| index_of(&self.terms));
        index.get(term).map_or(&[], Vec::as_slice)
    }

    /// Positions of words starting with `prefix` (folded, unstemmed), ascending.
    pub fn prefix_positions(&self, prefix: &str) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .word_index
            .get_or_init(|| index_of(&self.words))
            .iter()
            .filter(|(w, _)| w.starts_with(prefix))
            .flat_map(|(_, p)| p.iter().copied())
            .collect();
        out.sort_unstable();
        out
    }

    /// Positions of a name: the words of its stem, less other names of that stem. A word
    /// the article capitalises inside a sentence is a name wherever it stands, and only the
    /// name itself is it: "Hama" is not `Hamas`, "Mar 3" not `Mars`, also in a Title Case
    /// headline of an article that names it so. Small letters, a sentence's first word and
    /// a Title Case headline alone say nothing, so `Wildfires` meets "Wildfire spreads".
    pub fn name_positions(&self, name: &str, stem: &str) -> Vec<u32> {
        self.positions(stem)
            .iter()
            .copied()
            .filter(|&p| self.is_name_at(p, name))
            .collect()
    }

    /// Whether the word at `pos` may be the name `name`: it is, or it is no other name
    /// (the article never capitalises it inside a sentence).
    pub fn is_name_at(&self, pos: u32, name: &str) -> bool {
        let w = self.word(pos);
        w == name
            || !self
                .word_index
                .get_or_init(|| index_of(&self.words))
                .get(w)
                .is_some_and(|ps| ps.iter().any(|&p| self.case(p) & NAMED != 0))
    }

    /// Whether the word at `pos` is the acronym `word` as the article writes it: in
    /// capitals, or from four letters also as a word ("Nato"); with its plural "s".
    pub fn is_capital_at(&self, pos: u32, word: &str) -> bool {
        let w = self.word(pos);
        let c = self.case(pos);
        (w == word || w.strip_suffix('s') == Some(word))
            && (c & CAPITALS != 0 || word.chars().count() >= 4 && c & CAPITALISED != 0)
    }

    fn case(&self, pos: u32) -> u8 {
        self.cases.get(pos as usize).copied().unwrap_or(0)
    }

    /// Positions of an acronym where the text writes it in capitals, or with its plural
    /// "s" (CEOs); one of four letters or more also as a word (Nato, Nasa, Unicef), as
    /// British style has them. Not "us", "who".
    pub fn capital_positions(&self, word: &str) -> Vec<u32> {
        let index = self.word_index.get_or_init(|| index_of(&self.words));
        let mut out: Vec<u32> = [word.to_string(), format!("{word}s")]
            .iter()
            .filter_map(|w| index.get(w.as_str()))
            .flatten()
            .copied()
            .filter(|&p| self.is_capital_at(p, word))
            .collect();
        out.sort_unstable();
        out
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

    /// Whether the article says nothing: no words, or only a dateline, as when a feed or
    /// archive gives a dateline for a headline. A date is no evidence of what happened: as a
    /// headline it gathered headlines of unrelated events into stories. ECB+ (dev)
    /// titles-only B³-F1 0.677 → 0.716, C_det 0.580 → 0.581; full text unchanged.
    pub fn says_nothing(&self) -> bool {
        self.kicker
            || self.words.iter().all(|w| {
                let digits = w.trim_end_matches(|c: char| c.is_alphabetic());
                let number = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
                w.is_empty() || number || DATELINE_WORDS.contains(&w.as_str())
            })
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

    /// A position counted from the start of its field: the n-th word of the title, lead
    /// or body (0-based), as `explain` shows it.
    pub fn position_in_field(&self, pos: u32) -> u32 {
        let start = match self.field_of(pos) {
            Field::Title => 0,
            Field::Lead => self.lead_start,
            Field::Body => self.body_start,
        };
        pos - start as u32
    }

    /// A hit as `explain` shows it: `lead@4 "talks"`.
    pub fn hit(&self, pos: u32) -> String {
        format!(
            "{}@{} {:?}",
            self.field_of(pos).name(),
            self.position_in_field(pos),
            self.word(pos)
        )
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

    /// The words of the text (lead and body) in order, each with its stemmed term.
    pub fn text_terms(&self) -> impl Iterator<Item = (&str, &str)> {
        let from = self.lead_start.min(self.words.len());
        self.words[from..]
            .iter()
            .zip(&self.terms[from..])
            .filter(|(w, _)| !w.is_empty())
            .map(|(w, t)| (w.as_str(), t.as_str()))
    }

    /// The word at a position as it was folded (for explanations).
    pub fn word(&self, pos: u32) -> &str {
        self.words.get(pos as usize).map_or("", String::as_str)
    }
}

/// Words of a dateline that opens a report and ends in a dash or colon before its text:
/// "KYIV, Ukraine (AP) —", "WASHINGTON (Reuters) -". At most this many words.
const KICKER_WORDS: usize = 8;

/// Whether a title and text together are only the dateline a report opens with.
fn is_kicker(title: &str, text: &str) -> bool {
    let (title, text) = (title.trim(), text.trim());
    let last = if text.is_empty() { title } else { text };
    last.ends_with(['-', '—', '–', ':'])
        && title
            .split_whitespace()
            .chain(text.split_whitespace())
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .nth(KICKER_WORDS)
            .is_none()
}

/// Words of a dateline: "Updated: Monday, 28 November 2005, 02:24 GMT", "10:24 AM, MON 22
/// JUL 2013", "Article posted on 08.07.2012".
#[rustfmt::skip]
const DATELINE_WORDS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun", "am", "pm", "a",
    "p", "m", "gmt", "utc", "et", "est", "edt", "pt", "pst", "pdt", "ct", "cst", "cdt", "bst",
    "cet", "cest", "ist", "updated", "last", "posted", "published", "modified", "on", "at",
    "article", "date", "st", "nd", "rd", "th",
];

fn index_of(tokens: &[String]) -> HashMap<String, Vec<u32>> {
    let mut index: HashMap<String, Vec<u32>> = HashMap::new();
    for (pos, t) in tokens.iter().enumerate() {
        if !t.is_empty() {
            index.entry(t.clone()).or_default().push(pos as u32);
        }
    }
    index
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

/// Splits text into normalised words (before stemming).
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    tokens(text).filter_map(word)
}

/// A word written in capitals ("US", "U.S.", "NATO's", "CEOs") amid words that are not:
/// in a headline or sentence all in capitals, capitals say nothing.
pub const CAPITALS: u8 = 1;
/// A word starting with a capital (and not all in capitals).
pub const CAPITALISED: u8 = 2;
/// A capitalised word inside a sentence of text or sentence-case headline: a name.
pub const NAMED: u8 = 4;

/// Appends the words of `text` to `out` and how each is written to `cases`. Initialisms
/// are one word: "U.S." is "US". Sentences are a position apart, so a phrase never spans
/// two ("…on security. Guarantees…" holds no "security guarantees"). In a Title Case
/// headline (`title_case`) every word has a capital, so none is named by it.
fn push_words(out: &mut Vec<String>, cases: &mut Vec<u8>, text: &str, title_case: bool) {
    let text = join_initialisms(text);
    let from = out.len();
    let mut end = None;
    let mut last_raw = "";
    let mut sentence_start = true;
    for raw in tokens(&text) {
        let start = raw.as_ptr() as usize - text.as_ptr() as usize;
        if let Some(end) = end
            && ends_sentence(&text[end..start], last_raw)
        {
            out.push(String::new());
            cases.push(0);
            sentence_start = true;
        }
        end = Some(start + raw.len());
        last_raw = raw;
        if let Some(w) = word(raw) {
            // "NATO's" and "CEOs" are in capitals but for their ending.
            let stem = raw
                .trim_end_matches(['s', 'S'])
                .trim_end_matches(is_apostrophe);
            let case = if in_capitals(raw) || stem.len() < raw.len() && in_capitals(stem) {
                CAPITALS
            } else if !raw.chars().next().is_some_and(char::is_uppercase) {
                0
            } else if sentence_start || title_case {
                CAPITALISED
            } else {
                CAPITALISED | NAMED
            };
            out.push(w);
            cases.push(case);
            sentence_start = false;
        }
    }
    // Three words in capitals in a row are shouting, not acronyms: "WHO WILL PAY".
    let mut run = from;
    for i in from..=out.len() {
        if i < out.len() && cases[i] & CAPITALS != 0 {
            continue;
        }
        if i - run >= SHOUTING {
            for c in &mut cases[run..i] {
                *c = CAPITALISED;
            }
        }
        run = i + 1;
    }
}

/// Words in capitals in a row that are shouting rather than acronyms.
const SHOUTING: usize = 3;

/// Whether a headline capitalises (nearly) every word of four letters or more: "Obama
/// Administration Flips Bush Endangered Species Ruling", not "Obama flips Bush ruling".
pub fn is_title_case(title: &str) -> bool {
    let long: Vec<&str> = title
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    let capitalised = long
        .iter()
        .filter(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
        })
        .count();
    long.len() >= 3 && capitalised * 5 >= long.len() * 4
}

/// Whether what stands between two words ends a sentence: a full stop, question or
/// exclamation mark before a space (or a Chinese or Japanese one), unless the word before
/// is an abbreviation ("Mr.", "Gov.", "St.") or an initial ("John F. Kennedy").
fn ends_sentence(between: &str, before: &str) -> bool {
    // Chinese and Japanese marks end a sentence with no space after them.
    if !between.is_ascii() && between.contains(['。', '！', '？']) {
        return true;
    }
    let Some(mark) = between.find(['.', '!', '?']) else {
        return false;
    };
    if !between[mark..].contains(char::is_whitespace) {
        return false;
    }
    if between[mark..].starts_with('.') {
        let initial = before.chars().count() == 1 && before.chars().all(char::is_uppercase);
        if initial || is_abbreviation(before) {
            return false;
        }
    }
    true
}

/// Titles and abbreviations written with a stop inside sentences.
#[rustfmt::skip]
fn is_abbreviation(word: &str) -> bool {
    matches!(
        word,
        "Mr" | "Mrs" | "Ms" | "Dr" | "Prof" | "St" | "Jr" | "Sr" | "Gen" | "Gov" | "Sen" |
        "Rep" | "Lt" | "Col" | "Capt" | "Sgt" | "Rev" | "Mt" | "Ft" | "No" | "vs" | "etc" |
        "Inc" | "Corp" | "Co" | "Ltd" | "Jan" | "Feb" | "Mar" | "Apr" | "Jun" | "Jul" |
        "Aug" | "Sep" | "Sept" | "Oct" | "Nov" | "Dec" | "approx" |
        // The last letters of a.m., p.m., e.g. and i.e.
        "m" | "g" | "e"
    )
}

/// Two letters or more, all capitals: "US", "NATO", "ΕΕ".
pub fn in_capitals(raw: &str) -> bool {
    let mut letters = 0;
    for c in raw.chars() {
        if !c.is_uppercase() {
            return false;
        }
        letters += 1;
    }
    letters >= 2
}

/// Initialisms written with stops as one word, for tokenising: "U.S." → "US", "U.N.-led"
/// → "UN-led", "J.R.R. Tolkien" → "JRR Tolkien". Single capitals with stops, two or more:
/// a sentence ending in one ("Plan B. Then") is no initialism.
pub fn join_initialisms(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    // A capital, a stop, a capital: rare enough that most texts are returned as they are.
    let starts_one = |i: usize| {
        b[i].is_ascii_uppercase()
            && b.get(i + 1) == Some(&b'.')
            && b.get(i + 2).is_some_and(u8::is_ascii_uppercase)
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
    };
    let Some(first) = (0..b.len().saturating_sub(2)).find(|&i| starts_one(i)) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut from = first;
    while let Some(start) = (from..b.len().saturating_sub(2)).find(|&j| starts_one(j)) {
        // Letters of the initialism: "X." repeated, the last stop optional ("U.S" in URLs
        // and careless copy).
        let mut j = start;
        let mut letters = Vec::new();
        while j < b.len()
            && b[j].is_ascii_uppercase()
            && (j + 1 == b.len() || !b[j + 1].is_ascii_alphanumeric())
        {
            letters.push(b[j]);
            if b.get(j + 1) == Some(&b'.') {
                j += 2;
            } else {
                j += 1;
                break;
            }
        }
        if letters.len() < 2 {
            from = start + 1;
            continue;
        }
        out.push_str(&text[i..start]);
        out.extend(letters.iter().map(|&c| c as char));
        i = j;
        from = j;
    }
    out.push_str(&text[i..]);
    Cow::Owned(out)
}

/// Raw tokens of text: runs of letters, digits and apostrophes, as written. Chinese and
/// Japanese write no spaces between words, nor Korean between a word and its particles:
/// each of their characters is a token, so a query's word is found inside a run as the
/// characters in a row ("地震" in "大地震が発生").
pub fn tokens(text: &str) -> impl Iterator<Item = &str> + '_ {
    Tokens {
        runs: text.split(|c: char| !(c.is_alphanumeric() || is_apostrophe(c))),
        // Most texts are ASCII: their runs need no second look.
        plain: text.is_ascii(),
        rest: "",
    }
}

/// The iterator of [`tokens`], over the runs of letters and digits.
struct Tokens<'a, I: Iterator<Item = &'a str>> {
    runs: I,
    plain: bool,
    /// What is left of a run of an unspaced script.
    rest: &'a str,
}

impl<'a, I: Iterator<Item = &'a str>> Iterator for Tokens<'a, I> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            let raw = self.runs.find(|r| !r.is_empty())?;
            if self.plain || raw.is_ascii() || !raw.chars().any(is_unspaced) {
                return Some(raw);
            }
            self.rest = raw;
        }
        // Each character of an unspaced script alone, other letters and digits in runs,
        // letters apart from digits as this copy glues them ("新型iPhone16が発売" →
        // …, "iPhone", "16", …).
        let first = self.rest.chars().next()?;
        let len = if is_unspaced(first) {
            first.len_utf8()
        } else {
            let digit = first.is_numeric();
            self.rest
                .find(|c: char| is_unspaced(c) || c.is_numeric() != digit)
                .unwrap_or(self.rest.len())
        };
        let (token, tail) = self.rest.split_at(len);
        self.rest = tail;
        Some(token)
    }
}

/// Han ideographs, kana and Hangul: scripts written without spaces between words.
pub fn is_unspaced(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
        | '\u{FF66}'..='\u{FF9F}' // half-width katakana
        | '\u{20000}'..='\u{2FA1F}' // CJK extensions B–F, compatibility supplement
    )
}

/// A raw token as a normalised word, if anything is left of it.
pub fn word(raw: &str) -> Option<String> {
    // Plain ASCII letters and digits need no folding: one lower-cased copy.
    if is_plain(raw) {
        return Some(raw.to_ascii_lowercase());
    }
    let folded = fold(raw);
    let word = strip_apostrophes(&folded);
    (!word.is_empty()).then_some(word)
}

/// ASCII letters and digits only: its word is the token lower-cased.
pub fn is_plain(raw: &str) -> bool {
    raw.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

/// Lower-cases and removes accents: `Zelenskyy` → `zelenskyy`, `Élysée` → `elysee`,
/// `Łódź` → `lodz`, `Straße` → `strasse`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
    {
        // Letters that carry their mark inside, so decomposition leaves them be: "Łódź",
        // "Straße" and "Ærø" are written "Lodz", "Strasse" and "Aero" by those who can't
        // type them.
        match c {
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'þ' => out.push_str("th"),
            'ø' => out.push('o'),
            'ł' => out.push('l'),
            'đ' | 'ð' => out.push('d'),
            'ı' => out.push('i'),
            _ => out.push(c),
        }
    }
    out
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

    fn stem(w: &str) -> String {
        Stemming::ENGLISH.stemmer().stem(w).into_owned()
    }

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
    fn letters_with_their_mark_inside_fold_as_people_type_them() {
        let w: Vec<String> = words("Łódź Straße STRASSE Ærø Wałęsa Þór Ðakovo Øresund").collect();
        assert_eq!(
            w,
            [
                "lodz", "strasse", "strasse", "aero", "walesa", "thor", "dakovo", "oresund"
            ]
        );
    }

    #[test]
    fn stems_so_inflections_meet() {
        assert_eq!(stem("negotiations"), stem("negotiating"));
        assert_eq!(stem("talks"), stem("talk"));
    }

    #[test]
    fn fields_phrases_and_gaps() {
        let a = Analysis::new(
            "Envoys meet Putin",
            "Peace talks resume in Miami.\n\nThe talks lasted five hours.",
        );
        assert_eq!(a.field_of(0), Field::Title);
        let hits = a.phrase_positions(&[stem("peace"), stem("talks")]);
        assert_eq!(hits.len(), 1);
        assert_eq!(a.field_of(hits[0]), Field::Lead);
        let talks = a.positions(&stem("talks"));
        assert_eq!(talks.len(), 2);
        assert_eq!(a.field_of(talks[1]), Field::Body);
        // "Putin" ends the title and "Peace" starts the lead: not a phrase.
        assert!(
            a.phrase_positions(&[stem("putin"), stem("peace")])
                .is_empty()
        );
        assert_eq!(a.prefix_positions("envo"), vec![0]);
    }

    #[test]
    fn detects_language_and_stems_by_it() {
        let a = Analysis::new(
            "Friedensgespräche in Genf",
            "Die Verhandlungen zwischen den Delegationen wurden am Dienstag fortgesetzt, \
             nachdem die Gespräche in der vergangenen Woche unterbrochen worden waren.",
        );
        assert_eq!(a.lang, Some("deu"));
        let german = Stemmer::create(Algorithm::German);
        assert!(!a.positions(&german.stem("verhandlungen")).is_empty());
    }

    #[test]
    fn plain_english_is_told_by_its_commonest_words() {
        let english = "The talks in Geneva resumed on Tuesday after a week in which the \
                       delegations had been unable to agree on the order of the agenda, \
                       officials said.";
        assert!(is_plainly_english(english));
        assert_eq!(Analysis::new("Talks resume", english).lang, Some("eng"));
        // Dutch in plain ASCII letters shares "in", "is", "was" and "of" with English.
        let dutch = "De onderhandelingen in Genève werden dinsdag hervat, nadat de \
                     delegaties een week lang niet eens waren over de agenda. Het overleg \
                     was moeizaam en of er een akkoord komt is nog niet duidelijk, zei een \
                     woordvoerder van het ministerie in Den Haag.";
        assert!(!is_plainly_english(dutch));
        assert_eq!(Analysis::new("Overleg hervat", dutch).lang, Some("nld"));
        // Too short to tell: trigram detection decides.
        assert!(!is_plainly_english("The talks and the agenda"));
    }

    #[test]
    fn initialisms_are_one_word_and_capitals_are_noted() {
        for (text, joined) in [
            ("The U.S. imposed", "The US imposed"),
            ("a U.N.-led force", "a UN-led force"),
            ("J.R.R. Tolkien", "JRR Tolkien"),
            ("in Washington, D.C.", "in Washington, DC"),
            ("the U.S", "the US"),
            ("Plan B. Then", "Plan B. Then"),
            ("A.Bc", "A.Bc"),
            ("no initialism here.", "no initialism here."),
        ] {
            assert_eq!(join_initialisms(text), joined, "{text}");
        }
        let a = Analysis::new("US and us", "The U.S. said NATO, Nato and nato.");
        let us: Vec<u32> = a.capital_positions("us");
        assert_eq!(
            us.len(),
            2,
            "title US and lead U.S., not the pronoun: {us:?}"
        );
        // "NATO" and "Nato" (British style), not "nato".
        assert_eq!(a.capital_positions("nato").len(), 2);
        assert!(in_capitals("ΕΕ") && !in_capitals("A") && !in_capitals("G7"));
    }

    #[test]
    fn unspaced_scripts_are_read_a_character_at_a_time() {
        let t: Vec<&str> = tokens("大地震が発生 GDP増加 서울에서 Tokyo").collect();
        assert_eq!(
            t,
            [
                "大", "地", "震", "が", "発", "生", "GDP", "増", "加", "서", "울", "에", "서",
                "Tokyo"
            ]
        );
        // Among those characters, letters and digits glued together are apart; elsewhere
        // a word such as G7 stays whole.
        let t: Vec<&str> = tokens("新型iPhone16が発売 G7").collect();
        assert_eq!(t, ["新", "型", "iPhone", "16", "が", "発", "売", "G7"]);
    }

    #[test]
    fn a_datelines_opening_alone_says_nothing() {
        for (title, text) in [
            ("", "KYIV, Ukraine (AP) —"),
            ("WASHINGTON (Reuters) -", ""),
            ("MOSCOW, March 3 (Reuters) -", ""),
        ] {
            assert!(Analysis::new(title, text).says_nothing(), "{title}{text}");
        }
        let report = Analysis::new("Talks resume", "KYIV, Ukraine (AP) — Envoys met on Monday.");
        assert!(!report.says_nothing());
        assert!(!Analysis::new("Markets: what to watch", "").says_nothing());
    }

    #[test]
    fn a_dateline_alone_says_nothing() {
        for line in [
            "Updated: Monday, 28 November 2005, 02: 24 GMT",
            "10: 24 AM, MON 22 JUL 2013",
            "Article posted on 08. 07. 2012",
            "12 January 2010 @ 09: 29 pm",
            "November 28th, 2005",
            "27 / 09 / 2013",
            "",
        ] {
            assert!(Analysis::new(line, "").says_nothing(), "{line}");
        }
        for (title, text) in [
            ("Turkmen election to have 2 parties for 1st time", ""),
            ("March on Washington", ""),
            ("28 November 2005", "The council approved the harbour plan."),
        ] {
            assert!(!Analysis::new(title, text).says_nothing(), "{title}");
        }
    }
}
