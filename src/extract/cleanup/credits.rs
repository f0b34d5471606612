//! Lines that say who made an article and how to take it rather than what it says:
//! bylines with dates and roles ("Fact-checked by …", "Published … by …"), reading-time
//! labels, photo agency credits and affiliate notes. Judges one line at a time, like
//! `super::chrome`; a line that ends as a sentence is kept unless its opening could start
//! no sentence.

use super::chrome::MONTHS;
use super::words;

/// Longest attribution line, in words.
const MAX_ATTRIBUTION: usize = 20;
/// Longest photo credit, in words.
const MAX_PHOTO_CREDIT: usize = 8;
/// Longest affiliate note, in words.
const MAX_NOTE: usize = 45;

/// Openings of attribution lines that could also open a sentence ("Published in 2019, the
/// book …"): such a line goes only when it does not end as one.
const ROLES: &[&str] = &[
    "written by ",
    "tested by ",
    "edited by ",
    "recipe by ",
    "words ",
    "posted by ",
    "posted on ",
    "published on ",
    "published ",
    "updated on ",
];

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
    is_attribution(line, k)
        || is_reading_label(line, k)
        || is_photo_credit(line, k)
        || is_affiliate_note(k)
}

/// A month name or a year among the words: the line carries a date.
fn has_date(k: &str) -> bool {
    k.split(' ').any(|w| {
        MONTHS.contains(&w)
            || (w.len() == 4
                && (w.starts_with("19") || w.starts_with("20"))
                && w.chars().all(|c| c.is_ascii_digit()))
    })
}

/// "By Scott Levine – Updated Sep 9, 2025 | Fact-checked by Frank Bass", "Posted on
/// December 18, 2025 by John", "Reviewed by Justin Meserole, on December 9, 2024.",
/// "Paramita Ghosh Published: January 3, 2024".
fn is_attribution(line: &str, k: &str) -> bool {
    let n = words(k);
    if n > MAX_ATTRIBUTION {
        return false;
    }
    if REVIEW_ROLES.iter().any(|r| k.starts_with(r)) {
        return true;
    }
    let sentence = line.ends_with(['.', '!', '?', ':']);
    let dated = has_date(k);
    // "By Name …": a name after "By" (not "By 2030, …"), and a date: bare names are
    // `super::chrome`'s byline.
    let by_name = ["By ", "by ", "By: ", "BY "].iter().any(|p| {
        line.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(char::is_uppercase))
    });
    if by_name {
        return dated && !sentence;
    }
    if ROLES.iter().any(|r| k.starts_with(r)) {
        return dated && !sentence;
    }
    // A name, then "Published: …" or "Updated …" with a date.
    n <= 10 && dated && !sentence && [" published ", " updated "].iter().any(|w| k.contains(w))
}

/// "Reading Time: 11 minutes", "Estimated reading time:", "6 min read · Dec 1, 2025".
fn is_reading_label(line: &str, k: &str) -> bool {
    let n = words(k);
    let w: Vec<&str> = k.split(' ').collect();
    let minutes_read = w.len() >= 3
        && w[0].chars().all(|c| c.is_ascii_digit())
        && matches!(w[1], "min" | "mins" | "minute" | "minutes")
        && w[2].starts_with("read");
    n <= 10
        && !line.ends_with(['.', '!', '?'])
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
    let hedged =
        has("may ") || has("no extra cost") || has("no additional cost") || has("at no cost");
    words(k) <= MAX_NOTE
        && hedged
        && ((has("commission") && (has("link") || has("purchase") || has(" buy")))
            || has("affiliate link")
            || has("paid promotion"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::cleanup::key;

    fn credit(line: &str) -> bool {
        is_credit_line(line, &key(line))
    }

    #[test]
    fn attributions_labels_credits_and_notes_are_chrome() {
        for line in [
            "By Scott Levine – Updated Sep 9, 2025 at 1:00 PM EST | Fact-checked by Frank Bass",
            "by Meaghan Weeden ● December 23, 2025 ● 6 min read",
            "Posted on December 18, 2025 Posted by John Scalzi 59 Comments",
            "Published August 7, 2023 by Nicole Burke",
            "Reviewed by Justin C. Meserole, Trial Attorney, on December 9, 2024.",
            "Fact-checked by Paul Rankin",
            "Paramita (Guha) Ghosh Published: January 3, 2024",
            "Reading Time: 11 minutes",
            "6 min readDec 1, 2025",
            "Amr Dalsh / Reuters",
            "DGLimages via Getty Images",
            "This article contains affiliate links that may earn us a commission at no extra cost to you.",
            "Purchases made through links earn us a small commission, at no extra cost to you.",
        ] {
            assert!(credit(line), "{line}");
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
        ] {
            assert!(!credit(line), "{line}");
        }
    }
}
