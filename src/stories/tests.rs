//! Unit tests of the tracker: joining, look-alike events, headlines, windows, novelty.

use super::novelty::MAX_SENTENCE;
use super::similarity::{CONTRADICTION_PENALTY, FULL_EVIDENCE_TERMS, JOIN_THRESHOLD};
use super::*;
use crate::analyze::Analysis;

fn features(title: &str, text: &str) -> Features {
    Features::new(title, text, &Analysis::new(title, text))
}

fn at(hours: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_764_000_000 + hours * 3600, 0).unwrap()
}

/// A stream of (headline, text) placed in one topic an hour apart, every article observed
/// first (as the term statistics would have it): each article's assignment.
fn place(articles: &[(&str, &str)]) -> Vec<Assignment> {
    let mut t = Tracker::new();
    let docs: Vec<Features> = articles.iter().map(|(h, x)| features(h, x)).collect();
    for d in &docs {
        t.observe(d);
    }
    let cfg = StoryConfig::default();
    (0..)
        .zip(&docs)
        .map(|(i, d)| t.assign("all", d, at(i), &cfg))
        .collect()
}

const QUAKE_A: (&str, &str) = (
    "Magnitude 6.1 earthquake strikes Sumatra, Indonesia",
    "A magnitude 6.1 earthquake struck off the coast of Sumatra in Indonesia on Monday, \
     the US Geological Survey said. Officials in Padang reported damaged buildings.",
);
const QUAKE_A2: (&str, &str) = (
    "Sumatra quake damages buildings in Padang",
    "Buildings were damaged in Padang after a magnitude 6.1 earthquake hit Sumatra, \
     Indonesia, officials said, as the US Geological Survey reported aftershocks.",
);
const QUAKE_B: (&str, &str) = (
    "Magnitude 5.4 earthquake shakes Los Angeles, California",
    "A magnitude 5.4 earthquake struck near Los Angeles in California on Monday, the US \
     Geological Survey said. Officials in Pasadena reported minor damage.",
);

#[test]
fn same_event_joins_and_a_look_alike_event_does_not() {
    let [a, a2, b] = <[Assignment; 3]>::try_from(place(&[QUAKE_A, QUAKE_A2, QUAKE_B])).unwrap();
    assert!(a.new_story && a.notify);
    assert_eq!(a2.story, a.story, "{a2:?}");
    assert!(!a2.new_story);
    assert_ne!(b.story, a.story, "{b:?}");
    assert!(b.new_story);
}

#[test]
fn a_sentence_without_end_is_clipped_in_the_notice() {
    let mut t = Tracker::new();
    let words: Vec<String> = (0..400).map(|i| format!("harbour{i}")).collect();
    let doc = features("Harbour report", &words.join(" "));
    t.observe(&doc);
    let a = t.assign("all", &doc, at(0), &StoryConfig::default());
    let shown = a.whats_new.unwrap();
    assert!(shown.chars().count() <= MAX_SENTENCE, "{shown}");
    assert!(
        shown.starts_with("harbour0 harbour1 ") && shown.ends_with("…"),
        "{shown}"
    );
}

#[test]
fn a_headline_compares_with_the_nearest_member_not_only_the_sum() {
    let [a, b, c] = <[Assignment; 3]>::try_from(place(&[
        QUAKE_A,
        (
            "Sumatra quake: rescuers search collapsed school in Padang",
            "",
        ),
        (
            "Rescuers search a collapsed school in Padang after Sumatra quake",
            "",
        ),
    ]))
    .unwrap();
    assert_eq!(b.story, a.story, "{b:?}");
    assert_eq!(c.story, a.story, "{c:?}");
    // Nearly the words of the second member: 0.9, where the story's sum gives 0.57.
    assert!(c.similarity > 0.8, "{c:?}");
}

#[test]
fn headlines_of_one_event_join_on_less_evidence() {
    let short = "Klitschko keeps heavyweight titles";
    assert!(join_threshold(features(short, "").all.len()) < JOIN_THRESHOLD);
    let [a, b, c] = <[Assignment; 3]>::try_from(place(&[
        (
            "Klitschko retains heavyweight titles against Thompson in Bern",
            "",
        ),
        (short, ""),
        ("Central bank raises interest rates to fight inflation", ""),
    ]))
    .unwrap();
    // About 0.26: a full article would need 0.28.
    assert_eq!(b.story, a.story, "{b:?}");
    assert!(c.new_story, "{c:?}");
}

#[test]
fn stories_go_quiet_after_their_window_and_updates_rest() {
    let mut t = Tracker::new();
    let cfg = StoryConfig::default();
    let d = features(QUAKE_A.0, QUAKE_A.1);
    t.observe(&d);
    let first = t.assign("q", &d, at(0), &cfg);
    // A verbatim copy an hour later: same story, nothing new, no notice.
    let copy = t.assign("q", &d, at(1), &cfg);
    assert_eq!(copy.story, first.story);
    assert!(!copy.notify);
    assert_eq!(copy.sources, 2);
    // After the window, the same text starts a new story.
    let later = t.assign("q", &d, at(80), &cfg);
    assert!(later.new_story);
    assert_ne!(later.story, first.story);
}

const BOUT_A: (&str, &str) = (
    "Klitschko keeps heavyweight titles, stops Thompson in Bern",
    "Wladimir Klitschko retained his heavyweight titles on Saturday, stopping Tony \
     Thompson in the sixth round in Bern. The referee ended it after Thompson was down \
     twice. Klitschko said Thompson was a tough opponent. The fight was a rematch that \
     Thompson had asked for.",
);
const BOUT_A2: (&str, &str) = (
    "Thompson stopped by Klitschko in the sixth round",
    "Tony Thompson was stopped by Wladimir Klitschko in the sixth round in Bern on \
     Saturday. His trainer Pat Burns said Thompson was beaten by a stronger man, and \
     that Thompson would fight again. Coach Pat Burns praised Klitschko. Asked about \
     retirement, Thompson laughed.",
);
const BOUT_B: (&str, &str) = (
    "Klitschko keeps heavyweight titles, stops Rahman in Mannheim",
    "Wladimir Klitschko retained his heavyweight titles on Saturday, stopping Hasim \
     Rahman in the seventh round in Mannheim. The referee ended it after Rahman was down \
     twice. Klitschko said Rahman was a tough opponent. The fight was a bout that \
     Rahman had asked for.",
);

#[test]
fn a_look_alike_event_with_other_main_actors_starts_its_own_story() {
    let [a, a2, b] = <[Assignment; 3]>::try_from(place(&[BOUT_A, BOUT_A2, BOUT_B])).unwrap();
    // A follow-up that adds a person (Burns) and keeps the story's main actor joins.
    assert_eq!(a2.story, a.story, "{a2:?}");
    // Same champion, same words, but its challenger is new and the story's is absent.
    assert!(b.new_story, "{b:?}");
    assert!(
        b.similarity + CONTRADICTION_PENALTY >= JOIN_THRESHOLD,
        "{b:?}"
    );
}

const REHAB: (&str, &str) = (
    "Actress enters treatment centre",
    "A publicist for Tara Reid said on Monday that the actress had checked herself into \
     Promises, a treatment centre in Malibu. Reid, who starred in American Pie, asked for \
     privacy, her publicist Jack Ketsoyan told People magazine.",
);

#[test]
fn a_title_case_headline_matches_the_words_of_names() {
    let headline = ("Tara Reid Checks Into Promises Rehab Clinic", "");
    let f = features(headline.0, headline.1);
    assert!(f.name_words.contains_key("reid"), "{f:?}");
    let placed = place(&[REHAB, QUAKE_A, QUAKE_B, headline]);
    let (a, h) = (&placed[0], &placed[3]);
    // The headline's capitalised words are one span, not a name; three of them name the
    // story's actor and place.
    assert_eq!(h.story, a.story, "{h:?}");
}

#[test]
fn a_long_headline_still_joins_on_less_evidence_than_an_article() {
    // A headline that is one long sentence (14 terms) is still a headline: it shares
    // fewer words with its story than a whole article would.
    let t = join_threshold(14);
    assert!(t < JOIN_THRESHOLD, "{t}");
    assert!(t > join_threshold(6), "{t}");
    assert_eq!(join_threshold(FULL_EVIDENCE_TERMS as usize), JOIN_THRESHOLD);
    assert_eq!(join_threshold(300), JOIN_THRESHOLD);
}

#[test]
fn names_and_numbers_one_side_lacks_are_not_evidence_against_joining() {
    // A story started by a headline that names nobody and gives no figure, joined by the
    // full report of the same event, which has both.
    let placed = place(&[
        QUAKE_B,
        REHAB,
        (
            "Two gang members arrested in killing of sheriff's deputy",
            "",
        ),
        (
            "Police hold two suspects in the murder of a deputy",
            "Detectives arrested two gang members over the shooting of a sheriff's deputy \
             outside his home, police said. The deputy was shot as he left for work at the \
             jail. Juan Escalante, 27, had served for three years. Chief Charlie Beck \
             declined to say what led detectives to the gang.",
        ),
    ]);
    let (story, report) = (&placed[2], &placed[3]);
    // About 0.32; counting the missing names and numbers as no overlap gives 0.24.
    assert_eq!(report.story, story.story, "{report:?}");
}

#[test]
fn the_vocabulary_forgets_rare_terms_of_closed_stories_and_keeps_open_ones() {
    const CAP: usize = 400;
    let mut t = Tracker::with_vocab_cap(CAP);
    let cfg = StoryConfig::default();
    // An open story, joined again at the end.
    let open = features(QUAKE_A.0, QUAKE_A.1);
    t.observe(&open);
    let first = t.assign("q", &open, at(0), &cfg);
    let mut most = 0;
    let mut forgotten = None;
    for i in 0..200 {
        // Articles of words never seen before, each its own story, a day apart: their
        // stories close, and their terms are seen once.
        let words: Vec<String> = (0..20).map(|j| format!("w{i}x{j}")).collect();
        let f = features(&format!("Report {i}"), &words.join(" "));
        t.observe(&f);
        t.assign("other", &f, at(24 * (i + 1)), &cfg);
        most = most.max(t.vocab.len());
        forgotten = forgotten.or(t.take_forgotten());
    }
    assert!(most <= CAP + 30, "{most}");
    // Only terms seen in a single article (or none: closed stories' names) went.
    assert_eq!(forgotten, Some(2));
    // The open story kept its terms and their document frequencies, and a copy joins it.
    assert!(open.all.contains_key("sumatra"), "{open:?}");
    let (sumatra, unseen) = (t.vocab.id("sumatra"), t.vocab.id("unseen"));
    assert!(t.idf(sumatra) < t.idf(unseen));
    let copy = t.assign("q", &open, at(1), &cfg);
    assert_eq!(copy.story, first.story, "{copy:?}");
}

#[test]
fn a_report_joins_a_story_of_headlines_by_its_head_and_the_words_of_names() {
    // The story so far is one Title Case headline; the full report of it compares with its
    // own head and the words of names, as a headline would.
    let placed = place(&[
        QUAKE_A,
        QUAKE_B,
        ("Tara Reid Checks Into Promises Rehab Clinic", ""),
        REHAB,
    ]);
    let (headline, report) = (&placed[2], &placed[3]);
    // About 0.31; compared as an article with a body would be, 0.21.
    assert_eq!(report.story, headline.story, "{report:?}");
}

/// A follow-up's similarity after its story was quiet for `hours`.
fn similarity_after(hours: i64) -> Assignment {
    let mut t = Tracker::new();
    let (a, a2) = (
        features(QUAKE_A.0, QUAKE_A.1),
        features(QUAKE_A2.0, QUAKE_A2.1),
    );
    t.observe(&a);
    t.observe(&a2);
    let cfg = StoryConfig::default();
    t.assign("all", &a, at(0), &cfg);
    t.assign("all", &a2, at(hours), &cfg)
}

#[test]
fn a_story_quiet_for_days_needs_more_likeness_to_take_a_report() {
    let fresh = similarity_after(1);
    assert!(!fresh.new_story, "{fresh:?}");
    // The first third of the window costs nothing.
    assert_eq!(similarity_after(24).similarity, fresh.similarity);
    // Then the similarity fades, to 0.8 of itself as the window ends.
    let late = similarity_after(60).similarity;
    let later = similarity_after(71).similarity;
    assert!(late < fresh.similarity && later < late, "{late} {later}");
    assert!(later > 0.8 * fresh.similarity, "{later}");
    let window = chrono::Duration::hours(72);
    assert_eq!(similarity::decay(chrono::Duration::hours(72), window), 0.8);
    assert_eq!(similarity::decay(chrono::Duration::hours(100), window), 0.8);
}

#[test]
fn a_big_story_s_stray_numbers_do_not_vouch_for_a_newcomer() {
    use super::similarity::numbers_overlap;
    let mut t = Tracker::new();
    let mut story = Story::new(1, "all", at(0));
    // Ten reports of one riot: all give the year, each an age or a count of its own.
    for i in 0..10 {
        let f = features(
            "Riots in Athens",
            &format!(
                "Riots went on in Athens in 2008. A man of {} was hurt.",
                30 + i
            ),
        );
        let doc = t.intern(&f);
        story.add(&doc, at(i), |_| 1.0);
    }
    let stray = t.intern(&features(
        "Office shooting",
        "A man of 31 shot a man of 35.",
    ));
    assert_eq!(numbers_overlap(&stray.numbers, &story), Some(0.0));
    let report = t.intern(&features(
        "Athens riots",
        "The riots of 2008 hurt a man of 33.",
    ));
    assert_eq!(numbers_overlap(&report.numbers, &story), Some(1.0));
    // A small story has no stray numbers yet: each member's numbers are its own.
    let mut small = Story::new(2, "all", at(0));
    let first = t.intern(&features(
        "Riots in Athens",
        "A man of 31 was hurt in 2008.",
    ));
    small.add(&first, at(0), |_| 1.0);
    assert_eq!(numbers_overlap(&stray.numbers, &small), Some(0.5));
}

#[test]
fn a_breaking_story_takes_its_second_report_on_less_likeness() {
    let first = features(
        "Navy captures pirates in Gulf of Aden",
        "The Indian navy captured 23 pirates who threatened a merchant vessel in the Gulf of \
         Aden on Saturday, officials said.",
    );
    let second = features(
        "Warship foils hijack attempt",
        "Commandos from an Indian warship caught pirates in the act off Somalia, rescuing a \
         merchant ship, the navy said. Rifles and grenades were seized from two skiffs.",
    );
    let place_after = |hours| {
        let mut t = Tracker::new();
        t.observe(&first);
        t.observe(&second);
        let cfg = StoryConfig::default();
        let a = t.assign("all", &first, at(0), &cfg);
        (a, t.assign("all", &second, at(hours), &cfg))
    };
    // The same likeness either way, under the full bar and over the breaking one.
    let (a, soon) = place_after(1);
    let (_, later) = place_after(5);
    assert_eq!(soon.similarity, later.similarity);
    assert!(soon.similarity < JOIN_THRESHOLD, "{soon:?}");
    assert_eq!(soon.story, a.story, "an hour later it joins: {soon:?}");
    assert!(
        later.new_story,
        "five hours later it is news of its own: {later:?}"
    );
    let (_, earlier) = place_after(-5);
    assert!(
        earlier.new_story,
        "so is one dated five hours before: {earlier:?}"
    );
}

#[test]
fn whats_new_prefers_the_lead_to_richer_background_deep_down() {
    let told = features(
        "Gunman kills one at Vancouver office party",
        "A former employee opened fire at an office party in Vancouver on Friday, killing one \
         man, police said.",
    );
    let mut story = Story::new(1, "all", at(0));
    story.tell(&told);
    let filler = "Police said the investigation continued. ".repeat(7);
    let update = features(
        "Vancouver man charged with murder",
        &format!(
            "A 61-year-old man was charged with first-degree murder on Saturday, prosecutors \
             announced. {filler}Neighbours recalled picnics, parades, barbecues, bowling \
             leagues, raffles and choir concerts organised by colleagues across decades."
        ),
    );
    let untold = |s: &str| {
        let (_, terms) = update
            .sentences
            .iter()
            .find(|(x, _)| x.contains(s))
            .unwrap();
        terms
            .iter()
            .filter(|t| !story.told_terms.contains(t))
            .count()
    };
    // The background sentence holds more words the user was not told…
    assert!(untold("Neighbours") > untold("charged"));
    // …but the lead is what happened.
    let shown = super::novelty::most_informative(&update, &story.told_terms, usize::MAX).unwrap();
    assert!(
        shown.contains("charged with first-degree murder"),
        "{shown}"
    );
}

#[test]
fn japanese_reports_group_by_their_words_not_by_being_japanese() {
    let quake = (
        "宮城県沖でM7.1の地震 津波注意報は解除",
        "10日午前11時8分ごろ、宮城県沖を震源とするマグニチュード7.1の地震がありました。\
         気象庁は宮城県と福島県の沿岸に津波警報を出しましたが、その後解除しました。",
    );
    let baseball = (
        "大谷翔平 オープン戦で今季初本塁打",
        "ドジャースの大谷翔平選手は10日、アリゾナ州で行われたオープン戦に出場し、\
         3回に今季初となるホームランを打ちました。チームは5対3で勝ちました。",
    );
    let follow_up = (
        "宮城県沖地震 新たに仙台空港が閉鎖",
        "宮城県沖で10日に発生したマグニチュード7.1の地震の影響で、仙台空港が滑走路の\
         点検のため閉鎖されました。政府は非常災害対策本部を設置しました。",
    );
    let [q, b, f] = <[Assignment; 3]>::try_from(place(&[quake, baseball, follow_up])).unwrap();
    assert_ne!(b.story, q.story, "{b:?}");
    assert_eq!(f.story, q.story, "{f:?}");
    // What it adds counts, and the notice can show a sentence of it.
    assert!(f.novelty >= StoryConfig::default().update_novelty, "{f:?}");
    assert!(f.whats_new.is_some_and(|w| w.contains("仙台空港")));
}
