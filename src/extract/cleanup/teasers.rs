//! Teasers for other pages: excerpts cut short with an ellipsis ("Did you know that 60% of
//! travellers…"), listed after or beside the article with their titles.

/// Excerpts in a row (titles between them allowed) that make a list of teasers.
const MIN_RUN: usize = 2;
/// An excerpt is a paragraph of at least this many words ending in an ellipsis.
const MIN_WORDS: usize = 6;
/// Titles between excerpts are at most this many words.
const TITLE_WORDS: usize = 12;
/// A page where excerpts hold more than this share of the text is a listing: they are its
/// content.
const LISTING_SHARE: f64 = 0.5;

fn is_excerpt(line: &str) -> bool {
    let t = line.trim_end();
    (t.ends_with("...") || t.ends_with('…')) && t.split_whitespace().count() >= MIN_WORDS
}

fn is_title(line: &str) -> bool {
    line.split_whitespace().count() <= TITLE_WORDS && !line.trim_end().ends_with(['.', '!', '?'])
}

/// Drops runs of [`MIN_RUN`] or more excerpts and the titles above and between them,
/// unless excerpts are most of the text.
pub fn drop_teasers(lines: &mut Vec<String>) {
    let total: usize = lines.iter().map(String::len).sum();
    let excerpts: usize = lines
        .iter()
        .filter(|l| is_excerpt(l))
        .map(String::len)
        .sum();
    if excerpts == 0 || excerpts as f64 > total as f64 * LISTING_SHARE {
        return;
    }
    let mut keep = vec![true; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        if !is_excerpt(&lines[i]) {
            i += 1;
            continue;
        }
        let (mut last, mut members, mut k) = (i, 1, i + 1);
        while k < lines.len() {
            if is_excerpt(&lines[k]) {
                (last, members) = (k, members + 1);
            } else if !(is_title(&lines[k]) && k + 1 < lines.len()) {
                break;
            }
            k += 1;
        }
        if members >= MIN_RUN {
            let title_above = i > 0 && is_title(&lines[i - 1]) && !lines[i - 1].ends_with(':');
            let first = if title_above { i - 1 } else { i };
            keep[first..=last].fill(false);
        }
        i = last + 1;
    }
    let mut keep = keep.into_iter();
    lines.retain(|_| keep.next().unwrap_or(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        drop_teasers(&mut v);
        v
    }

    #[test]
    fn drops_runs_of_excerpts_with_their_titles() {
        let story = "The story itself, told in full sentences, with enough words to be the bulk of the page and then some more words to make it long.";
        let got = run(&[
            story,
            story,
            "Coffee in hotels",
            "Did you know that most travellers value great coffee at...",
            "Plastic pod alternatives",
            "Exploring alternatives to plastic pods for the office kitchen…",
        ]);
        assert_eq!(got, [story, story]);
        // One excerpt alone is the writer's own trailing off.
        let one = [
            story,
            "And then, as the rain came down, we all went home and…",
            story,
        ];
        assert_eq!(run(&one), one);
        // A listing page of excerpts keeps them.
        let listing = [
            "Upcoming events",
            "The largest conference on data platforms, bringing together...",
            "Join us in Boston for a day of talks on security and more...",
        ];
        assert_eq!(run(&listing), listing);
    }
}
