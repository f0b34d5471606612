//! Topic queries: parse and compile once per config load, evaluate against an article's
//! [`Analysis`], explain every decision.
//!
//! A match carries a relevance score in 0..1. Each positive term scores by where it hits —
//! a title hit weighs 3, a lead hit 2, a body hit 0.5 at the body's start falling to 0.2 at
//! its end — saturating as `1 - e^(-w/2)`: a title hit alone scores 0.78, one early body
//! mention 0.22, one mention in the last paragraph about 0.1. AND takes the weakest of its
//! parts (every part must be really present), OR combines its parts as independent
//! evidence, NEAR scores the hits that stand close. A topic's `min_score` then drops
//! passing mentions.

mod eval;
mod parse;

use std::fmt;

pub use eval::Explanation;
pub use parse::{Node, ParseError};

use crate::analyze::{Analysis, Stemming};

/// A compiled topic query.
#[derive(Debug, Clone)]
pub struct Query {
    source: String,
    /// The query with its words stemmed for each language, by [`Stemming::index`].
    compiled: Vec<Node>,
}

impl Query {
    pub fn parse(source: &str) -> Result<Query, ParseError> {
        let root = parse::parse(source)?;
        let compiled = Stemming::ALL
            .iter()
            .map(|s| stem_node(&root, &s.stemmer(), s.capitalises_nouns()))
            .collect();
        Ok(Query {
            source: source.to_string(),
            compiled,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    fn for_article(&self, a: &Analysis) -> &Node {
        &self.compiled[a.stemming.index()]
    }

    /// The relevance score if the article satisfies the query, else `None`.
    pub fn score(&self, article: &Analysis) -> Option<f64> {
        eval::score(self.for_article(article), article)
    }

    /// Evaluates with a trace of every clause.
    pub fn explain(&self, article: &Analysis) -> Explanation {
        eval::explain(self.for_article(article), article)
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// The query with its words stemmed; in a language that capitalises every noun
/// (German), a capital marks no name, so names are stemmed like other words.
fn stem_node(node: &Node, stemmer: &rust_stemmers::Stemmer, nouns_capitalised: bool) -> Node {
    let stem_node = |n: &Node, s: &rust_stemmers::Stemmer| stem_node(n, s, nouns_capitalised);
    let stem = |words: &[String]| -> Vec<String> {
        words.iter().map(|w| stemmer.stem(w).into_owned()).collect()
    };
    match node {
        Node::Term { words, text } => Node::Term {
            words: stem(words),
            text: text.clone(),
        },
        Node::Phrase { words, text, marks } => Node::Phrase {
            words: stem(words),
            text: text.clone(),
            // German capitalises its nouns: there a capital marks no name.
            marks: marks
                .iter()
                .map(|m| match m {
                    parse::Mark::Name(_) if nouns_capitalised => parse::Mark::Plain,
                    m => m.clone(),
                })
                .collect(),
        },
        Node::And(items) => Node::And(items.iter().map(|n| stem_node(n, stemmer)).collect()),
        Node::Or(items) => Node::Or(items.iter().map(|n| stem_node(n, stemmer)).collect()),
        Node::Not(inner) => Node::Not(Box::new(stem_node(inner, stemmer))),
        Node::Near {
            left,
            right,
            within,
        } => Node::Near {
            left: Box::new(stem_node(left, stemmer)),
            right: Box::new(stem_node(right, stemmer)),
            within: *within,
        },
        Node::Scoped { field, inner } => Node::Scoped {
            field: *field,
            inner: Box::new(stem_node(inner, stemmer)),
        },
        Node::Name {
            word,
            capitals: false,
            text,
            ..
        } if nouns_capitalised => Node::Term {
            words: stem(std::slice::from_ref(word)),
            text: text.clone(),
        },
        Node::Name {
            word,
            capitals,
            text,
            ..
        } => Node::Name {
            word: word.clone(),
            stem: stemmer.stem(word).into_owned(),
            capitals: *capitals,
            text: text.clone(),
        },
        Node::All | Node::Prefix { .. } => node.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(query: &str, title: &str, text: &str) -> Option<f64> {
        Query::parse(query)
            .unwrap()
            .score(&Analysis::new(title, text))
    }

    const T: &str = "Envoys meet Putin in Moscow";
    const BODY: &str = "Talks on the Ukraine peace plan lasted five hours.\n\n\
        Negotiators said the next round would follow. Kyiv welcomed the negotiating effort.";

    #[test]
    fn boolean_semantics() {
        assert!(score("ukraine AND putin", T, BODY).is_some());
        assert!(score("ukraine AND nobel", T, BODY).is_none());
        assert!(score("nobel OR putin", T, BODY).is_some());
        assert!(score("ukraine NOT moscow", T, BODY).is_none());
        assert!(score("ukraine -nobel", T, BODY).is_some());
        assert!(score("\"peace plan\"", T, BODY).is_some());
        assert!(score("\"plan peace\"", T, BODY).is_none());
        assert!(score("*", T, BODY).is_some());
        assert!(score("negotiations", T, BODY).is_some(), "stems meet");
    }

    #[test]
    fn prefix_near_and_fields() {
        assert!(score("negotiat*", T, BODY).is_some());
        assert!(score("putin NEAR/3 moscow", T, BODY).is_some());
        assert!(score("putin NEAR/1 moscow", T, BODY).is_none());
        assert!(score("(putin OR kremlin) NEAR/5 envoys", T, BODY).is_some());
        assert!(score("kyiv NEAR/5 ukraine", T, BODY).is_none());
        assert!(score("title:putin", T, BODY).is_some());
        assert!(score("title:ukraine", T, BODY).is_none());
        assert!(score("lead:ukraine", T, BODY).is_some());
        assert!(score("lead:kyiv", T, BODY).is_none());
        assert!(score("title:(moscow AND envoys)", T, BODY).is_some());
    }

    #[test]
    fn title_hits_outscore_passing_mentions() {
        let q = "ukraine AND (talks OR ceasefire)";
        let strong = score(q, "Ukraine talks resume", "Negotiators met.").unwrap();
        let body = format!(
            "Ceasefire talks in Gaza continue.\n\n{}\n\nElsewhere, Ukraine was mentioned.",
            "Long reporting about Gaza. ".repeat(40)
        );
        let weak = score(q, "Gaza ceasefire holds", &body).unwrap();
        assert!(strong > 0.6, "{strong}");
        assert!(weak < crate::config::DEFAULT_MIN_SCORE, "{weak}");
    }

    #[test]
    fn a_phrase_stays_within_a_sentence() {
        let q = "\"security guarantees\"";
        assert!(score(q, "Talks", "They spoke of security. Guarantees came later.").is_none());
        assert!(score(q, "Talks", "They offered security guarantees.").is_some());
        // Abbreviations and initials end no sentence.
        assert!(score("\"Mr Smith\"", "Talks", "Envoy Mr. Smith arrived.").is_some());
        assert!(
            score(
                "\"John F Kennedy\"",
                "Airport",
                "At John F. Kennedy airport."
            )
            .is_some()
        );
        // A decimal is no sentence end either.
        assert!(score("\"6.8 quake\"", "Chile", "A 6.8 quake struck.").is_some());
    }

    #[test]
    fn words_are_found_in_unspaced_scripts() {
        assert!(score("地震", "大地震が発生", "東京で大きな揺れ。").is_some());
        assert!(score("東京", "大地震が発生", "東京で大きな揺れ。").is_some());
        assert!(score("京東", "大地震が発生", "東京で大きな揺れ。").is_none());
        assert!(score("서울", "서울에서 회담", "양국 대표가 만났다.").is_some());
        assert!(score("北京 AND 会谈", "北京会谈结束", "双方达成协议。").is_some());
        assert!(score("iPhone", "新型iPhone16が発売", "価格は上昇した。").is_some());
        // A phrase stays within a sentence here too.
        assert!(score("\"揺れ東京\"", "地震", "大きな揺れ。東京で停電。").is_none());
    }

    #[test]
    fn a_capitalised_word_is_a_name_not_a_stem() {
        assert!(score("Hamas", "Strikes near Hama", "Villages were shelled.").is_none());
        assert!(score("Hamas", "Hamas's leaders meet", "Talks went on.").is_some());
        assert!(score("Mars", "Stocks fell on Mar 3", "Markets slid.").is_none());
        assert!(score("Mars", "Rover lands on Mars", "Dust everywhere.").is_some());
        assert!(score("Hama", "Talks", "Officials said Hamas leaders met.").is_none());
        // Named so inside a sentence, a word is that name in the headline too.
        let hama = "Rebels seized Hama on Monday, witnesses said.";
        assert!(score("Hamas", "Syrian Rebels Seize Hama", hama).is_none());
        assert!(score("Hamas", "Hama residents fled", hama).is_none());
        // A common word in a headline-case query still meets its inflections: in small
        // letters, first in a sentence, in a Title Case headline.
        assert!(score("Wildfires", "Wildfire spreads", "Crews fought it.").is_some());
        assert!(
            score(
                "Interest Rates",
                "Bank acts",
                "It raised its interest rate."
            )
            .is_some()
        );
        assert!(score("Talks", "Peace Talk Resumes In Geneva", "Envoys met.").is_some());
        // Small letters keep stemming: "hamas" is stemmed as any word is.
        assert!(score("hamas", "Strikes near Hama", "Villages were shelled.").is_some());
    }

    #[test]
    fn phrases_keep_the_rules_of_names_and_acronyms() {
        let us = "\"US officials\"";
        assert!(score(us, "Talks", "Officials told us officials would come.").is_none());
        assert!(score(us, "Talks", "U.S. officials said so.").is_some());
        let hamas = "\"Hamas leaders\"";
        assert!(score(hamas, "Talks", "Fighters near Hama leaders said.").is_none());
        assert!(score(hamas, "Talks", "They said Hamas leaders met.").is_some());
        assert!(score("\"Peace Talks\"", "Geneva", "The peace talk resumed.").is_some());
    }

    #[test]
    fn a_word_in_capitals_is_an_acronym() {
        let q = "US AND tariffs";
        assert!(score(q, "Let us hope", "The tariffs end soon, they told us.").is_none());
        assert!(score(q, "Tariffs rise", "The U.S. imposed new tariffs.").is_some());
        assert!(score(q, "Tariffs rise", "The US imposed new tariffs.").is_some());
        assert!(
            score(
                "U.S. AND tariffs",
                "Tariffs rise",
                "The US imposed tariffs."
            )
            .is_some()
        );
        assert!(score("US OR UK", "Britain votes", "The UK election.").is_some());
        // Possessives and plurals of acronyms; dotted ones in phrases.
        assert!(score("EU AND tariffs", "Trade", "The EU's new tariff regime.").is_some());
        assert!(score("CEO", "Markets", "Two CEOs resigned.").is_some());
        assert!(score("\"U.S. officials\"", "Talks", "U.S. officials said so.").is_some());
        // Acronyms of four letters or more also as British style writes them.
        assert!(score("NATO", "Summit", "Nato leaders met in Vilnius.").is_some());
        assert!(score("WHO", "Health", "Officials who spoke declined.").is_none());
        // Words in capitals in a row are shouting: no acronym there.
        assert!(score("WHO", "WHO WILL PAY FOR THE PANDEMIC?", "Costs rise.").is_none());
        // A query in capitals throughout is shouted: its words are words, but for the
        // acronyms that are everyday words too.
        assert!(score("PEACE TALKS", "Peace talk resumes", "Envoys met.").is_some());
        assert!(score("UKRAINE", "Ukraine talks", "Envoys met.").is_some());
        assert!(score("OIL PRICES", "Markets", "Oil prices rose.").is_some());
        assert!(
            score(
                "ELECTIONS IN UKRAINE",
                "Vote",
                "Elections in Ukraine were held."
            )
            .is_some()
        );
        assert!(score("WHO OR UNICEF", "Aid", "Officials who spoke declined.").is_none());
        assert!(score("US AND NATO", "Talks", "Tell us about Nato.").is_none());
    }

    #[test]
    fn german_capitalises_nouns_so_capitals_name_nothing() {
        let text = "Die Gespräche über den Frieden wurden am Montag in Genf fortgesetzt, \
            sagte ein Sprecher der Regierung. Die Verhandlungen dauerten mehrere Stunden.";
        let a = Analysis::new("Friedensgespräche in Genf", text);
        assert_eq!(a.lang, Some("deu"));
        let q = Query::parse("Verhandlung").unwrap();
        assert!(q.score(&a).is_some(), "stemmed as German: Verhandlungen");
    }

    #[test]
    fn explains_each_hit_by_field_position_and_word() {
        let q = Query::parse("putin OR negotiations").unwrap();
        let text = q.explain(&Analysis::new(T, BODY)).to_string();
        // "Envoys meet Putin": the third word of the title; "Negotiators" opens the body.
        assert!(text.contains("title@2 \"putin\""), "{text}");
        assert!(text.contains("body@0 \"negotiators\""), "{text}");
        // NEAR names its pair the same way.
        let q = Query::parse("putin NEAR/3 moscow").unwrap();
        let text = q.explain(&Analysis::new(T, BODY)).to_string();
        assert!(
            text.contains("(title@2 \"putin\" … title@4 \"moscow\")"),
            "{text}"
        );
    }

    #[test]
    fn explains_a_failed_near() {
        let q = Query::parse("putin NEAR/3 kyiv").unwrap();
        let e = q.explain(&Analysis::new(T, BODY));
        assert_eq!(e.score, None);
        let text = e.to_string();
        assert!(text.contains("NEAR/3 failed: nearest pair"), "{text}");
        assert!(text.contains("words apart"), "{text}");
    }
}
