//! Lines that are chrome because of where or how often they appear: breadcrumb runs at
//! either end, repeated short labels, and a second copy of the article.

use std::collections::{HashMap, HashSet};

use super::words;
use crate::hash::Fast;

/// Lines with their keys, as cleanup passes them along.
type Keyed = Vec<(String, String)>;

/// Runs of two or more very short lines (HOME / WORLD) at the start or end.
pub fn drop_breadcrumbs(lines: &mut Keyed) {
    let crumb = |(l, _): &(String, String)| {
        let n = l.split_whitespace().count();
        n <= 2 && !l.ends_with(['.', '!', '?', '"', '”']) && l.chars().count() <= 24
    };
    let lead = lines.iter().take_while(|l| crumb(l)).count();
    if lead >= 2 {
        lines.drain(..lead);
    }
    let tail = lines.iter().rev().take_while(|l| crumb(l)).count();
    if tail >= 2 {
        lines.truncate(lines.len() - tail);
    }
}

/// A short line seen before (a repeated section label, "WORLD" twice) is chrome.
pub fn drop_repeated_short_lines(lines: &mut Keyed) {
    let mut seen: HashSet<String, Fast> = HashSet::default();
    lines.retain(|(_, k)| words(k) > 6 || seen.insert(k.clone()));
}

/// Paragraphs in a row that repeat an earlier run of as many: pages that ship the article
/// twice (a desktop and a mobile copy, a print version) and show one.
const REPEATED_RUN: usize = 3;

/// Drops runs of [`REPEATED_RUN`] distinct paragraphs seen before in the same order. A
/// single repeated paragraph stays: pull quotes and refrains repeat on purpose.
pub fn drop_repeated_runs(lines: &mut Keyed) {
    if lines.len() < 2 * REPEATED_RUN {
        return;
    }
    let keys: Vec<&str> = lines.iter().map(|(_, k)| k.as_str()).collect();
    let mut first: HashMap<&[&str], usize, Fast> = HashMap::default();
    let mut keep = vec![true; lines.len()];
    for start in 0..=keys.len() - REPEATED_RUN {
        let run = &keys[start..start + REPEATED_RUN];
        let distinct = run.iter().enumerate().all(|(i, k)| !run[..i].contains(k));
        if !distinct {
            continue;
        }
        match first.get(run) {
            Some(&seen) if seen + REPEATED_RUN <= start => {
                keep[start..start + REPEATED_RUN].fill(false);
            }
            Some(_) => {}
            None => {
                first.insert(run, start);
            }
        }
    }
    let mut keep = keep.into_iter();
    lines.retain(|_| keep.next().unwrap_or(true));
}
