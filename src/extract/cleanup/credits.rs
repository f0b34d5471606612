//! Lines that say who made an article and how to take it rather than what it says: review
//! credits ("Fact-checked by …"), reading-time labels, photo agency credits and affiliate
//! notes. Judges one line at a time, like `super::chrome`; a line that ends as a sentence is
//! kept unless its opening could start no sentence.
//!
//! Dated bylines ("Published August 7, 2023 by …") are left alone on purpose: for text
//! without metadata (archives, `backtest`) the dateline is the article's only date, and
//! story grouping reads it (ECB+ dev B³-F1 0.949 with them, 0.941 without; extraction
//! scores the same either way).

use super::words;

/// Longest review credit, in words.
const MAX_REVIEW_CREDIT: usize = 20;
/// Longest photo credit, in words.
const MAX_PHOTO_CREDIT: usize = 8;
/// Longest affiliate note, in words: the longest line any chrome rule takes.
pub(super) const MAX_NOTE: usize = 45;

/// Openings no sentence has: these lines go however they end.
const REVIEW_ROLES: &[&str] = &[
    "reviewed by ",
    "medically reviewed by ",
    "fact checked by ",
    "expert reviewed by ",
];

/// Where the last words of a photo credit name an agency.
const AGENCIES: &[&str] = &[
    "getty images",
    "reuters",
    "shutterstock",
    "istock",
    "afp",
    "associated press",
    "ap photo",
    "alamy",
];

pub fn is_credit_line(line: &str, k: &str) -> bool {
    is_review_credit(k)
        || is_reading_label(line, k)
        || is_photo_credit(line, k)
        || is_captioned_credit(line)
        || is_affiliate_note(k)
}

/// Labels that open the credit at the end of a photo's caption (compared lower-case).
const CREDIT_LABELS: &[&str] = &[
    "photo:",
    "photos:",
    "photo by",
    "photo courtesy",
    "photo via",
    "photo credit:",
    "photograph:",
    "photographs:",
    "photography by",
    "image:",
    "image by",
    "image courtesy",
    "image via",
    "image credit:",
    "image source:",
    "picture:",
    "pictures:",
    "credit:",
    "credits:",
    "illustration:",
    "illustration by",
    "ap photo/",
];
/// Longest caption, in words.
const MAX_CAPTION: usize = 60;
/// Longest credit after its label, in words.
const MAX_CREDIT: usize = 10;
/// How the words that open [`CREDIT_LABELS`] begin.
const CREDIT_WORDS: &[&str] = &["photo", "image", "pictu", "credi", "illus"];
/// Bytes at the end of a caption searched for the credit's label: room for the label and
/// [`MAX_CREDIT`] long words.
const CREDIT_TAIL: usize = 200;

/// A caption that ends with its photo's credit: "Hikers on the ridge. Photo: iRunFar/Bryon
/// Powell", "Guests pick pastries. | Photo by Lisa Jennings", "… (AP Photo/Evan Vucci)".
/// Pages that keep captions out of `<figcaption>` put them among the paragraphs; the
/// credit after the caption's last sentence is what no article sentence has. Measured on
/// wcxb: P +0.0004, F1 +0.0003 (56 captions dropped, 2 kept in gold); readability-pages
/// unchanged.
pub(super) fn is_captioned_credit(line: &str) -> bool {
    // One cheap pass first: most lines end without a word that could open a credit.
    let may_credit = line.split_whitespace().rev().take(MAX_CREDIT + 2).any(|w| {
        let w = w.trim_start_matches(['(', '|']).as_bytes();
        w.len() >= 5
            && CREDIT_WORDS
                .iter()
                .any(|k| w[..5].eq_ignore_ascii_case(k.as_bytes()))
    });
    if !may_credit || line.split_whitespace().count() > MAX_CAPTION {
        return false;
    }
    // The credit closes the line: only its last bytes can hold the label.
    let mut from = line.len().saturating_sub(CREDIT_TAIL);
    while !line.is_char_boundary(from) {
        from += 1;
    }
    // ASCII lower-casing keeps byte offsets valid in `line`.
    let low = line[from..].to_ascii_lowercase();
    CREDIT_LABELS.iter().any(|label| {
        let Some(at) = low.rfind(label).map(|i| i + from) else {
            return false;
        };
        let before = line[..at].trim_end();
        let opens = before.is_empty()
            || before.ends_with([
                '.', '!', '?', '|', '(', ';', ')', '"', '”', '\'', '’', '–', '—',
            ]);
        let credit = line[at + label.len()..]
            .trim()
            .trim_end_matches(['.', ')', ' ']);
        let n = credit.split_whitespace().count();
        opens
            && (1..=MAX_CREDIT).contains(&n)
            && !credit.ends_with(['?', '!'])
            && ![". ", "? ", "! "].iter().any(|s| credit.contains(s))
    })
}

/// "Reviewed by Justin Meserole, on December 9, 2024.", "Fact-checked by Paul Rankin".
fn is_review_credit(k: &str) -> bool {
    words(k) <= MAX_REVIEW_CREDIT && REVIEW_ROLES.iter().any(|r| k.starts_with(r))
}

/// "Reading Time: 11 minutes", "Estimated reading time:", "6 min read · Dec 1, 2025".
fn is_reading_label(line: &str, k: &str) -> bool {
    if words(k) > 10 {
        return false;
    }
    let w: Vec<&str> = k.split(' ').collect();
    let minutes_read = w.len() >= 3
        && w[0].chars().all(|c| c.is_ascii_digit())
        && matches!(w[1], "min" | "mins" | "minute" | "minutes")
        && w[2].starts_with("read");
    !line.ends_with(['.', '!', '?'])
        && (k.starts_with("reading time")
            || k.starts_with("estimated reading time")
            || minutes_read)
}

/// "Amr Dalsh / Reuters", "DGLimages via Getty Images": a short line ending with an agency.
fn is_photo_credit(line: &str, k: &str) -> bool {
    words(k) <= MAX_PHOTO_CREDIT
        && !line.ends_with(['.', '!', '?'])
        && AGENCIES.iter().any(|a| k.ends_with(a))
}

/// "This article contains affiliate links that may earn us a commission", "Purchases made
/// through links earn us a small commission, at no extra cost to you."
fn is_affiliate_note(k: &str) -> bool {
    let has = |s: &str| k.contains(s);
    // The rarer words first: most lines have none of them.
    let earns = (has("commission") && (has("link") || has("purchase") || has(" buy")))
        || has("affiliate link")
        || has("paid promotion");
    earns
        && words(k) <= MAX_NOTE
        && (has("may ") || has("no extra cost") || has("no additional cost") || has("at no cost"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::cleanup::key;

    fn credit(line: &str) -> bool {
        is_credit_line(line, &key(line))
    }

    #[test]
    fn credits_labels_and_notes_are_chrome() {
        for line in [
            "Reviewed by Justin C. Meserole, Trial Attorney, on December 9, 2024.",
            "Fact-checked by Paul Rankin",
            "Reading Time: 11 minutes",
            "6 min readDec 1, 2025",
            "Amr Dalsh / Reuters",
            "DGLimages via Getty Images",
            "Hikers on the ridge above Silverton. Photo: iRunFar/Bryon Powell",
            "Guests pick their pastries from glass cabinets. | Photo by Lisa Jennings",
            "A compact camera is a useful companion. Photo by: 'Jim Varga'.",
            "Sunscreen matters on sunny days. Credit: Sam Schild",
            "The president speaks in the Rose Garden. (AP Photo/Evan Vucci)",
            "Photo courtesy Method Architecture",
            "This article contains affiliate links that may earn us a commission at no extra cost to you.",
            "Purchases made through links earn us a small commission, at no extra cost to you.",
        ] {
            assert!(credit(line), "{line}");
        }
    }

    #[test]
    fn datelines_stay_as_the_texts_date() {
        for line in [
            "Published August 7, 2023 by Nicole Burke",
            "Posted on December 18, 2025 Posted by John Scalzi 59 Comments",
            "Paramita (Guha) Ghosh Published: January 3, 2024",
        ] {
            assert!(!credit(line), "{line}");
        }
    }

    #[test]
    fn sentences_that_open_alike_stay() {
        for line in [
            "By 2030, the market will have doubled, analysts said.",
            "By May, prices had risen by five percent.",
            "Published in 2019, the book sold a million copies.",
            "The photo was taken by a Reuters photographer in Kyiv.",
            "Affiliates earn a commission when readers buy through their links.",
            "Reading time matters less than what readers remember, the study found.",
            "The new sensor can take a photo: a 50-megapixel image in low light.",
            "Photo composition techniques",
            "Credit never expires",
            "She signed her name. Credit: the bank said. It approved the loan quickly.",
        ] {
            assert!(!credit(line), "{line}");
        }
    }
}
