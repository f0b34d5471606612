//! Lines that are page furniture wherever they stand: share and subscribe prompts,
//! counters, bylines, dates, credits, copyright, disclosures and shop buttons. Judges one
//! line at a time; blocks and repeats are `super`'s and `super::repeats`' job.

use super::credits::is_credit_line;
use super::words;

/// Lines that are page furniture wherever they stand (compared lower-case, without
/// surrounding punctuation).
const CHROME_LINES: &[&str] = &[
    "table of contents",
    "contents",
    "in this article",
    "on this page",
    "jump to",
    "about the author",
    "tags",
    "show caption",
    "toggle caption",
    "hide caption show caption",
    "share on pinterest",
    "share on linkedin",
    "share post",
    "share this post",
    "share this page",
    "hide caption",
    "learn more",
    "recommended reading",
    "loading paragraph",
    "loading image",
    // Medium's note under every image of a post.
    "press enter or click to view image in full size",
    "loading",
    "expand",
    "continue reading",
    "see more",
    "read full article",
    "was this article useful",
    "was this article helpful",
    "was this helpful",
    "was this page helpful",
    "did you find this helpful",
    "pin it",
    "pin it here",
    "print this page",
    "advertisement",
    "advertisements",
    "ad",
    "sponsored",
    "share",
    "share this",
    "share this article",
    "share this story",
    "share on facebook",
    "share on twitter",
    "share on x",
    "tweet",
    "email",
    "print",
    "copy link",
    "link copied",
    "read more",
    "read more:",
    "read next",
    "related",
    "related articles",
    "related stories",
    "related content",
    "more on this story",
    "more stories",
    "most read",
    "most popular",
    "trending",
    "trending now",
    "subscribe",
    "sign up",
    "sign in",
    "log in",
    "view all",
    "see all",
    "show more",
    "load more",
    "follow us",
    "skip to content",
    "skip to main content",
    "back to top",
    "home",
    "comments",
    "leave a comment",
    "listen",
    "listen to this article",
    "quick reads",
    "deep dives",
    "you may also like",
    "recommended",
    "recommended for you",
    "top stories",
    "latest news",
    "editor's picks",
    "watch",
    "video",
    "close",
    "menu",
    "search",
    // WordPress's like button under a post ("Like this:", then "Like Loading..."). Measured:
    // readability-pages F1 +0.0001, wcxb +0.00001 (11 pages won, none lost).
    "like this",
    "like loading",
];

const MONTHS: &[&str] = &[
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "may",
    "jun",
    "june",
    "jul",
    "july",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
];

/// "Jan 13, 2025", "13 March 2025", "2025-03-13", "Updated Dec 18, 2025 ⋅ 10 min read".
fn is_date_line(k: &str) -> bool {
    if words(k) > 6 {
        return false;
    }
    let w: Vec<&str> = k.split(' ').collect();
    let numbers = w
        .iter()
        .filter(|x| x.chars().all(|c| c.is_ascii_digit()))
        .count();
    let month = w.iter().any(|x| MONTHS.contains(x));
    let year = w
        .iter()
        .any(|x| x.len() == 4 && (x.starts_with("20") || x.starts_with("19")));
    (month && year && numbers >= 1 && numbers + 1 >= w.len().saturating_sub(2))
        || (w.len() == 3 && numbers == 3 && year)
}

pub fn is_chrome_line(line: &str, k: &str) -> bool {
    // Only a caption's credit runs longer than an affiliate note: past that, a line is
    // text. Most paragraphs are, and skipping the other rules halves cleanup's time.
    if words(k) > super::credits::MAX_NOTE {
        return super::credits::is_captioned_credit(line);
    }
    CHROME_LINES.contains(&k)
        || is_date_line(k)
        || is_byline(line, k)
        || is_counter(line, k)
        || is_credit(line, k)
        || is_notice(line, k)
        || is_invitation(line, k)
        || is_prompt(line, k)
        || is_credit_line(line, k)
}

/// Longest sign-up, paywall or rating prompt, in words.
const MAX_PROMPT: usize = 30;

/// Openings of a sentence that asks the reader to sign up for a newsletter.
const SIGN_UP: &[&str] = &[
    "sign up",
    "subscribe",
    "join",
    "get the",
    "get our",
    "want more",
    "enter your email",
];

/// What paywalls and rating widgets say, wherever in their line.
const PROMPTS: &[&str] = &[
    "already have an account",
    "to read the rest of",
    "to continue reading",
    "subscribe to read",
    "subscribe to continue",
    "unlock this article",
    "no votes so far",
    "be the first to rate",
    "rate this article",
    "rate this post",
    "link has been copied",
];

/// The page speaking to the reader inside the article: a newsletter's sign-up ("Love
/// movies? Our Watch Party newsletter … Sign up now"), a paywall's pitch ("This article is
/// exclusive to STAT+ subscribers", "Already have an account? Log in"), a rating widget
/// ("No votes so far! Be the first to rate this post"). News pages set these between and
/// after the paragraphs; an article about newsletters talks of them in longer sentences.
/// Measured on wcxb: 17 lines dropped, none in gold (P +0.0002); readability-pages
/// unchanged.
fn is_prompt(line: &str, k: &str) -> bool {
    if words(k) > MAX_PROMPT {
        return false;
    }
    if PROMPTS.iter().any(|p| k.contains(p))
        || (k.contains("exclusive to") && k.contains("subscribers"))
    {
        return true;
    }
    if !k.contains("newsletter") {
        return false;
    }
    k.contains("your inbox")
        || line.split(['.', '!', '?']).map(super::key).any(|s| {
            SIGN_UP.iter().any(|p| {
                s.strip_prefix(p)
                    .is_some_and(|r| r.is_empty() || r.starts_with(' '))
            })
        })
}

/// "By A. Writer | Apr 21, 2017 | Business", "by Amanda · Dec 20 · 1 comment" (a byline of
/// fields), "By Md Aynal Haque" (a byline alone).
fn is_byline(line: &str, k: &str) -> bool {
    let n = words(k);
    let fields = || {
        [" | ", " · ", " • ", " ⋅ "]
            .iter()
            .map(|sep| line.matches(sep).count())
            .max()
            .unwrap_or(0)
    };
    if n <= 16 && !line.ends_with(['.', '!', '?']) && fields() >= 2 {
        return true;
    }
    (2..=6).contains(&n)
        && k.starts_with("by ")
        && !line.ends_with(['.', '!', '?', ':'])
        && line
            .split_whitespace()
            .skip(1)
            .all(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
}

const COUNTED: &[&str] = &[
    "views", "view", "comments", "comment", "shares", "likes", "reads",
];

/// "1,693 views", "12.5K shares", "945 Views", "3 hours ago".
fn is_counter(line: &str, k: &str) -> bool {
    let n = words(k);
    if n > 6 {
        return false;
    }
    let all_digits = |w: &str| w.chars().all(|c| c.is_ascii_digit());
    if k.ends_with(" ago") && k.split(' ').next().is_some_and(all_digits) {
        return true;
    }
    if n > 4 {
        return false;
    }
    let mut it = line.split_whitespace();
    let (count, what) = (
        it.next().unwrap_or(""),
        it.next().unwrap_or("").to_lowercase(),
    );
    let numeric = count.chars().next().is_some_and(|c| c.is_ascii_digit())
        && count
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | 'k' | 'K' | 'm' | 'M'));
    if numeric && COUNTED.contains(&what.as_str()) {
        return true;
    }
    let mut kw = k.split(' ');
    kw.next()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit() || c == 'k'))
        && kw.next().is_some_and(|w| COUNTED.contains(&w))
}

/// "Last update: 1 hours ago", "Author: A. Writer", "Photo: Reuters", "Reporting by …",
/// "© 2025 Example News".
fn is_credit(line: &str, k: &str) -> bool {
    const LABELS: &[&str] = &[
        "last update",
        "last updated",
        "updated ",
        "published ",
        "posted ",
        "author ",
        "written by",
        "reporting by",
        "editing by",
        "photo ",
        "image ",
        "credit ",
        "source ",
        "getty images",
        "photograph ",
    ];
    let n = words(k);
    let starts = |p: &str| k.starts_with(p);
    if n <= 10
        && LABELS.iter().any(|p| starts(p))
        && (line.contains(':')
            || k.ends_with(" ago")
            || starts("reporting by")
            || starts("editing by")
            || starts("written by"))
    {
        return true;
    }
    n <= 30 && (line.starts_with('©') || starts("copyright ") || k.contains("all rights reserved"))
}

/// What a publisher's appeal for support says: "If you value stories like this, please
/// consider pitching in", "Support CNX Software! Donate via … become a Patron on Patreon".
/// Bare "donate" is not one: articles tell readers to donate old clothes. Measured: wcxb F1
/// +0.0001 (7 pages won, none lost), readability-pages unchanged.
const APPEALS: &[&str] = &[
    "consider supporting",
    "consider pitching in",
    "support our mission",
    "support our journalism",
    "support independent journalism",
    "supporting our journalism",
    "supporting our award winning journalism",
    "become a patron",
    "on patreon",
    "my patreon",
];

/// Disclosures, sign-in prompts, aggregators' preview disclaimers, appeals for support.
fn is_notice(_line: &str, k: &str) -> bool {
    let n = words(k);
    let starts = |p: &str| k.starts_with(p);
    n <= 40
        && (starts("disclosure ")
            || starts("affiliate disclosure")
            || k.contains("you need to login")
            || k.contains("you need to log in")
            || starts("recent stories by")
            || starts("latest posts by")
            || k.contains("provided for preview purposes")
            || k.contains("full article content is available")
            // An ad network's label over its links: "Promoted by Zergnet".
            || n <= 4 && starts("promoted by "))
        || n <= 60 && APPEALS.iter().any(|a| k.contains(a))
        || n <= 30
            && (k.contains("as an amazon associate") || k.contains("we may earn a commission"))
}

/// "Sign up for our newsletter …", "Follow us on …", "Click here to …", and shop buttons:
/// "View on Amazon", "Buy now from …", "Check price".
fn is_invitation(line: &str, k: &str) -> bool {
    const INVITATIONS: &[&str] = &[
        "sign up for",
        "subscribe to",
        "follow us",
        "click here",
        "download our app",
        "get the app",
        "read more ",
        "read also",
        "also read",
        "see also",
        "related ",
    ];
    const SHOP: &[&str] = &[
        "view on ",
        "buy now",
        "shop now",
        "check price",
        "see price",
        "get a quote",
        "view deal",
        "see deal",
        "buy on ",
        "compare prices",
    ];
    let n = words(k);
    let starts = |p: &str| k.starts_with(p);
    if n <= 12 && SHOP.iter().any(|p| starts(p)) {
        return true;
    }
    let invitation = INVITATIONS.iter().any(|p| starts(p));
    let always = starts("sign up for our") || starts("subscribe to our");
    n <= 25 && (always || (invitation && !line.ends_with(['.', '!', '?'])))
}
