//! Evaluation of a compiled query against an analysed article, with an optional trace of
//! every clause (what `newswatch explain` prints).

use std::fmt;

use super::Node;
use super::parse::Mark;
use crate::analyze::{Analysis, Field};

/// What one node found.
struct Found {
    matched: bool,
    /// Relevance of positive evidence; `None` for a satisfied NOT.
    score: Option<f64>,
    /// Word positions that support the match (for NEAR and explanations).
    positions: Vec<u32>,
}

impl Found {
    fn miss() -> Found {
        Found {
            matched: false,
            score: None,
            positions: Vec::new(),
        }
    }
}

/// One clause of an explanation.
#[derive(Debug, Clone)]
pub struct Line {
    pub depth: usize,
    pub clause: String,
    pub matched: bool,
    pub detail: String,
}

/// The whole decision for one query and one article.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub lines: Vec<Line>,
    /// The score when the query matched.
    pub score: Option<f64>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in &self.lines {
            let mark = if l.matched { "✓" } else { "✗" };
            writeln!(
                f,
                "{:indent$}{mark} {} — {}",
                "",
                l.clause,
                l.detail,
                indent = l.depth * 2
            )?;
        }
        Ok(())
    }
}

struct Eval<'a> {
    a: &'a Analysis,
    trace: Option<Vec<Line>>,
}

pub fn score(node: &Node, a: &Analysis) -> Option<f64> {
    let mut e = Eval { a, trace: None };
    let found = e.node(node, None, 0);
    found
        .matched
        .then(|| found.score.unwrap_or(1.0).clamp(0.0, 1.0))
}

pub fn explain(node: &Node, a: &Analysis) -> Explanation {
    let mut e = Eval {
        a,
        trace: Some(Vec::new()),
    };
    let found = e.node(node, None, 0);
    Explanation {
        lines: e.trace.unwrap_or_default(),
        score: found
            .matched
            .then(|| found.score.unwrap_or(1.0).clamp(0.0, 1.0)),
    }
}

impl Eval<'_> {
    fn note(&mut self, depth: usize, clause: String, matched: bool, detail: String) -> usize {
        match &mut self.trace {
            Some(t) => {
                t.push(Line {
                    depth,
                    clause,
                    matched,
                    detail,
                });
                t.len() - 1
            }
            None => 0,
        }
    }

    fn tracing(&self) -> bool {
        self.trace.is_some()
    }

    /// Records a clause before its children, and fills in its outcome after.
    fn placeholder(&mut self, depth: usize, clause: impl FnOnce() -> String) -> Option<usize> {
        self.tracing()
            .then(|| self.note(depth, clause(), false, String::new()))
    }

    fn settle(&mut self, at: Option<usize>, matched: bool, detail: String) {
        if let (Some(i), Some(t)) = (at, &mut self.trace) {
            t[i].matched = matched;
            t[i].detail = detail;
        }
    }

    fn node(&mut self, node: &Node, scope: Option<Field>, depth: usize) -> Found {
        match node {
            Node::All => {
                self.note(depth, "*".into(), true, "every article".into());
                Found {
                    matched: true,
                    score: Some(1.0),
                    positions: Vec::new(),
                }
            }
            Node::Term { words, text } => {
                let hits = if words.len() == 1 {
                    self.a.positions(&words[0]).to_vec()
                } else {
                    self.a.phrase_positions(words)
                };
                self.leaf(text.clone(), hits, scope, depth)
            }
            Node::Phrase { words, text, marks } => {
                let hits = self
                    .a
                    .phrase_positions(words)
                    .into_iter()
                    .filter(|&p| {
                        marks.iter().zip(p..).all(|(m, at)| match m {
                            Mark::Plain => true,
                            Mark::Name(name) => self.a.is_name_at(at, name),
                            Mark::Acronym(word) => self.a.is_capital_at(at, word),
                        })
                    })
                    .collect();
                self.leaf(format!("\"{text}\""), hits, scope, depth)
            }
            Node::Prefix { prefix, text } => {
                let hits = self.a.prefix_positions(prefix);
                self.leaf(text.clone(), hits, scope, depth)
            }
            Node::Name {
                word,
                stem,
                capitals,
                text,
            } => {
                let (hits, how) = if *capitals {
                    (self.a.capital_positions(word), "acronym: in capitals")
                } else {
                    (self.a.name_positions(word, stem), "name: not other names")
                };
                self.leaf(format!("{text} ({how})"), hits, scope, depth)
            }
            Node::Scoped { field, inner } => {
                let at = self.placeholder(depth, || format!("{}:", field.name()));
                let found = self.node(inner, Some(*field), depth + 1);
                let detail = if found.matched {
                    format!("found in the {}", field.name())
                } else {
                    format!("not in the {}", field.name())
                };
                self.settle(at, found.matched, detail);
                found
            }
            Node::Not(inner) => self.not(inner, scope, depth),
            Node::And(items) => self.and(items, scope, depth),
            Node::Or(items) => self.or(items, scope, depth),
            Node::Near {
                left,
                right,
                within,
            } => self.near(left, right, *within, scope, depth),
        }
    }

    /// Holds when `inner` does not; adds nothing to the score.
    fn not(&mut self, inner: &Node, scope: Option<Field>, depth: usize) -> Found {
        let at = self.placeholder(depth, || "NOT".into());
        let found = self.node(inner, scope, depth + 1);
        let detail = if found.matched {
            "excluded: the article has it".to_string()
        } else {
            "absent, as required".to_string()
        };
        self.settle(at, !found.matched, detail);
        if found.matched {
            Found::miss()
        } else {
            Found {
                matched: true,
                score: None,
                positions: Vec::new(),
            }
        }
    }

    /// Holds when every item does; scores as the weakest.
    fn and(&mut self, items: &[Node], scope: Option<Field>, depth: usize) -> Found {
        let at = self.placeholder(depth, || "AND".into());
        let mut weakest: Option<f64> = None;
        let mut positions = Vec::new();
        let mut failed = None;
        for (i, item) in items.iter().enumerate() {
            let found = self.node(item, scope, depth + 1);
            if !found.matched {
                failed.get_or_insert(i + 1);
                if !self.tracing() {
                    return Found::miss();
                }
                continue;
            }
            if let Some(s) = found.score {
                weakest = Some(weakest.map_or(s, |w| w.min(s)));
            }
            positions.extend(found.positions);
        }
        if let Some(i) = failed {
            self.settle(
                at,
                false,
                format!(
                    "failed: part {i} of {} ({}) not satisfied",
                    items.len(),
                    brief(&items[i - 1])
                ),
            );
            return Found::miss();
        }
        positions.sort_unstable();
        positions.dedup();
        self.settle(
            at,
            true,
            format!(
                "all {} parts hold; weakest {:.2}",
                items.len(),
                weakest.unwrap_or(1.0)
            ),
        );
        Found {
            matched: true,
            score: weakest,
            positions,
        }
    }

    /// Holds when any item does; scores as the chance that at least one is right.
    fn or(&mut self, items: &[Node], scope: Option<Field>, depth: usize) -> Found {
        let at = self.placeholder(depth, || "OR".into());
        let mut matched = 0;
        let mut miss = 1.0;
        let mut positions = Vec::new();
        for item in items {
            let found = self.node(item, scope, depth + 1);
            if found.matched {
                matched += 1;
                miss *= 1.0 - found.score.unwrap_or(0.0);
                positions.extend(found.positions);
            }
        }
        positions.sort_unstable();
        positions.dedup();
        let score = 1.0 - miss;
        self.settle(
            at,
            matched > 0,
            format!(
                "{matched} of {} alternatives found; score {score:.2}",
                items.len()
            ),
        );
        if matched == 0 {
            return Found::miss();
        }
        Found {
            matched: true,
            score: Some(score),
            positions,
        }
    }

    fn leaf(&mut self, label: String, hits: Vec<u32>, scope: Option<Field>, depth: usize) -> Found {
        let hits: Vec<u32> = hits
            .into_iter()
            .filter(|p| scope.is_none_or(|f| self.a.field_of(*p) == f))
            .collect();
        let matched = !hits.is_empty();
        let score = matched.then(|| leaf_score(self.a, &hits));
        if self.tracing() {
            let detail = if matched {
                let shown: Vec<String> = hits
                    .iter()
                    .take(8)
                    // The word as the article has it: which form of a stem, which name.
                    .map(|p| self.a.hit(*p))
                    .collect();
                let more = if hits.len() > 8 {
                    format!(" (+{} more)", hits.len() - 8)
                } else {
                    String::new()
                };
                format!(
                    "{} hit{}: {}{more}; score {:.2}",
                    hits.len(),
                    if hits.len() == 1 { "" } else { "s" },
                    shown.join(", "),
                    score.unwrap_or(0.0)
                )
            } else {
                "no hits".to_string()
            };
            self.note(depth, label, matched, detail);
        }
        Found {
            matched,
            score,
            positions: hits,
        }
    }

    fn near(
        &mut self,
        left: &Node,
        right: &Node,
        within: u32,
        scope: Option<Field>,
        depth: usize,
    ) -> Found {
        let at = self.placeholder(depth, || format!("NEAR/{within}"));
        let l = self.node(left, scope, depth + 1);
        let r = self.node(right, scope, depth + 1);
        if !l.matched || !r.matched {
            let side = if !l.matched { "left" } else { "right" };
            self.settle(
                at,
                false,
                format!("NEAR/{within} failed: the {side} side has no hits"),
            );
            return Found::miss();
        }
        let mut close = Vec::new();
        let mut nearest = u32::MAX;
        let mut best_pair = (0, 0);
        for &p in &l.positions {
            for &q in &r.positions {
                let d = p.abs_diff(q);
                if d < nearest {
                    nearest = d;
                    best_pair = (p, q);
                }
                if d <= within {
                    close.push(p);
                    close.push(q);
                }
            }
        }
        if close.is_empty() {
            self.settle(
                at,
                false,
                format!("NEAR/{within} failed: nearest pair {nearest} words apart"),
            );
            return Found::miss();
        }
        close.sort_unstable();
        close.dedup();
        let score = leaf_score(self.a, &close);
        let (p, q) = best_pair;
        self.settle(
            at,
            true,
            format!(
                "closest pair {nearest} words apart ({} … {}); score {score:.2}",
                self.a.hit(p),
                self.a.hit(q)
            ),
        );
        Found {
            matched: true,
            score: Some(score),
            positions: close,
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

/// A clause in a few words, for a verdict's reason: `NOT Nobel`, `(talks OR …)`.
fn brief(node: &Node) -> String {
    match node {
        Node::All => "*".into(),
        Node::Term { text, .. } | Node::Name { text, .. } | Node::Prefix { text, .. } => {
            text.clone()
        }
        Node::Phrase { text, .. } => format!("\"{text}\""),
        Node::Not(inner) => format!("NOT {}", brief(inner)),
        Node::And(items) | Node::Or(items) => {
            let op = if matches!(node, Node::And(_)) {
                "AND"
            } else {
                "OR"
            };
            match items.as_slice() {
                [a, b] => format!("({} {op} {})", brief(a), brief(b)),
                [a, ..] => format!("({} {op} …)", brief(a)),
                [] => "()".into(),
            }
        }
        Node::Near {
            left,
            right,
            within,
        } => format!("{} NEAR/{within} {}", brief(left), brief(right)),
        Node::Scoped { field, inner } => format!("{}:{}", field.name(), brief(inner)),
    }
}
