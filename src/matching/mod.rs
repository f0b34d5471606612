//! Topic queries: parse once per config load, evaluate against an article's [`Analysis`].
//!
//! A match carries a relevance score in 0..1. Each positive term scores by where it hits —
//! a title hit weighs 3, a lead hit 2, a body hit 0.5 at the body's start falling to 0.2 at
//! its end — saturating as `1 - e^(-w/2)`: a title hit alone scores 0.78, one early body
//! mention 0.22, one mention in the last paragraph about 0.1. AND takes the weakest of its
//! parts (every part must be really present), OR combines its parts as independent
//! evidence. A topic's `min_score` then drops passing mentions.

mod parse;

use std::fmt;

pub use parse::{Node, ParseError};

use crate::analyze::{Analysis, Field};

/// A compiled topic query.
#[derive(Debug, Clone)]
pub struct Query {
    source: String,
    root: Node,
}

impl Query {
    pub fn parse(source: &str) -> Result<Query, ParseError> {
        Ok(Query {
            source: source.to_string(),
            root: parse::parse(source)?,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The relevance score if the article satisfies the query, else `None`.
    pub fn score(&self, article: &Analysis) -> Option<f64> {
        eval(&self.root, article).map(|s| s.unwrap_or(1.0).clamp(0.0, 1.0))
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// `None`: not matched. `Some(None)`: matched without positive evidence (a satisfied NOT).
fn eval(node: &Node, a: &Analysis) -> Option<Option<f64>> {
    match node {
        Node::All => Some(Some(1.0)),
        Node::Term { terms, .. } | Node::Phrase { terms, .. } => {
            let hits = if terms.len() == 1 {
                a.positions(&terms[0]).to_vec()
            } else {
                a.phrase_positions(terms)
            };
            (!hits.is_empty()).then(|| Some(leaf_score(a, &hits)))
        }
        Node::Not(inner) => match eval(inner, a) {
            Some(_) => None,
            None => Some(None),
        },
        Node::And(items) => {
            let mut weakest: Option<f64> = None;
            for item in items {
                if let Some(s) = eval(item, a)? {
                    weakest = Some(weakest.map_or(s, |w| w.min(s)));
                }
            }
            Some(weakest)
        }
        Node::Or(items) => {
            let mut matched = false;
            let mut miss = 1.0;
            for item in items {
                if let Some(s) = eval(item, a) {
                    matched = true;
                    miss *= 1.0 - s.unwrap_or(0.0);
                }
            }
            matched.then_some(Some(1.0 - miss))
        }
    }
}

fn leaf_score(a: &Analysis, hits: &[u32]) -> f64 {
    let weight: f64 = hits
        .iter()
        .map(|&p| match a.field_of(p) {
            Field::Title => 3.0,
            Field::Lead => 2.0,
            Field::Body => 0.5 * (1.0 - 0.6 * a.body_depth(p)),
        })
        .sum();
    1.0 - (-weight / 2.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(query: &str, title: &str, text: &str) -> Option<f64> {
        Query::parse(query)
            .unwrap()
            .score(&Analysis::new(title, text))
    }

    #[test]
    fn boolean_semantics() {
        let t = "Envoys meet Putin in Moscow";
        let body = "Talks on the Ukraine peace plan lasted five hours.";
        assert!(score("ukraine AND putin", t, body).is_some());
        assert!(score("ukraine AND nobel", t, body).is_none());
        assert!(score("nobel OR putin", t, body).is_some());
        assert!(score("ukraine NOT moscow", t, body).is_none());
        assert!(score("ukraine -nobel", t, body).is_some());
        assert!(score("\"peace plan\"", t, body).is_some());
        assert!(score("\"plan peace\"", t, body).is_none());
        assert!(score("*", t, body).is_some());
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
}
