//! Query parser: text → [`Node`] tree, with errors that point at a column.
//!
//! Grammar (operators are upper-case words so "and"/"or" stay searchable):
//! ```text
//! or    := and ("OR" and)*
//! and   := unary (["AND"] unary)*          adjacent terms are ANDed
//! unary := "NOT" unary | "-" primary | primary
//! primary := "(" or ")" | "\"phrase\"" | word | "*"
//! ```
//! Precedence: NOT > AND > OR.

use std::fmt;

use crate::analyze::normalize_term;

/// A compiled query node; terms are already normalised and stemmed.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Matches every article (`*`).
    All,
    /// One word (after normalisation it may be several adjacent terms, e.g. `peace-talks`).
    Term {
        terms: Vec<String>,
        text: String,
    },
    Phrase {
        terms: Vec<String>,
        text: String,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// A query that does not parse, with the 1-based column (in characters) of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.message, self.column)
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Word(String),
    Phrase(String),
    And,
    Or,
    Not,
    Minus,
    Star,
}

fn describe(tok: Option<&Tok>) -> String {
    match tok {
        None => "end of query".into(),
        Some(Tok::LParen) => "'('".into(),
        Some(Tok::RParen) => "')'".into(),
        Some(Tok::Word(w)) => format!("word {w:?}"),
        Some(Tok::Phrase(p)) => format!("phrase \"{p}\""),
        Some(Tok::And) => "AND".into(),
        Some(Tok::Or) => "OR".into(),
        Some(Tok::Not) => "NOT".into(),
        Some(Tok::Minus) => "'-'".into(),
        Some(Tok::Star) => "'*'".into(),
    }
}

fn lex(input: &str) -> Result<(Vec<(Tok, usize)>, usize), ParseError> {
    let chars: Vec<char> = input.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                toks.push((Tok::LParen, col));
                i += 1;
            }
            ')' => {
                toks.push((Tok::RParen, col));
                i += 1;
            }
            '"' | '\u{201C}' | '\u{201D}' => {
                let start = i + 1;
                let end = chars[start..]
                    .iter()
                    .position(|&c| matches!(c, '"' | '\u{201C}' | '\u{201D}'))
                    .map(|p| start + p)
                    .ok_or(ParseError {
                        column: col,
                        message: "unclosed '\"'".into(),
                    })?;
                toks.push((Tok::Phrase(chars[start..end].iter().collect()), col));
                i = end + 1;
            }
            '-' if chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) => {
                toks.push((Tok::Minus, col));
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !"()\"".contains(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let tok = match word.as_str() {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    "NOT" => Tok::Not,
                    "*" => Tok::Star,
                    _ => Tok::Word(word),
                };
                toks.push((tok, col));
            }
        }
    }
    Ok((toks, chars.len() + 1))
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end_col: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |(_, c)| *c)
    }

    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            column: self.col(),
            message: message.into(),
        }
    }

    fn or(&mut self) -> Result<Node, ParseError> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Or(items)
        })
    }

    fn and(&mut self) -> Result<Node, ParseError> {
        let mut items = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.pos += 1;
                    items.push(self.unary()?);
                }
                None | Some(Tok::Or) | Some(Tok::RParen) => break,
                Some(_) => items.push(self.unary()?),
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::And(items)
        })
    }

    fn unary(&mut self) -> Result<Node, ParseError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            Some(Tok::Minus) => {
                self.pos += 1;
                Ok(Node::Not(Box::new(self.primary()?)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Node, ParseError> {
        let col = self.col();
        let tok = self.peek().cloned();
        match tok {
            Some(Tok::LParen) => {
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(self.err("expected ')'"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                let terms = normalize_term(&w);
                if terms.is_empty() {
                    return Err(ParseError {
                        column: col,
                        message: format!("{w:?} has no letters or digits to search for"),
                    });
                }
                Ok(Node::Term { terms, text: w })
            }
            Some(Tok::Phrase(p)) => {
                self.pos += 1;
                let terms = normalize_term(&p);
                if terms.is_empty() {
                    return Err(ParseError {
                        column: col,
                        message: "empty phrase".into(),
                    });
                }
                Ok(Node::Phrase { terms, text: p })
            }
            Some(Tok::Star) => {
                self.pos += 1;
                Ok(Node::All)
            }
            other => Err(self.err(format!(
                "expected a word, phrase or '(' but found {}",
                describe(other.as_ref())
            ))),
        }
    }
}

/// Parses a query into its node tree.
pub fn parse(input: &str) -> Result<Node, ParseError> {
    let (toks, end_col) = lex(input)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end_col,
    };
    if p.peek().is_none() {
        return Err(p.err("empty query (use * to match every article)"));
    }
    let node = p.or()?;
    if let Some(tok) = p.peek() {
        let what = describe(Some(tok));
        return Err(p.err(format!("unexpected {what}")));
    }
    if !has_positive(&node) {
        return Err(ParseError {
            column: 1,
            message: "the query only excludes; add something it must match (e.g. * NOT x)".into(),
        });
    }
    Ok(node)
}

/// Whether a node can match on something present rather than only on absences.
fn has_positive(node: &Node) -> bool {
    match node {
        Node::All | Node::Term { .. } | Node::Phrase { .. } => true,
        Node::And(items) => items.iter().any(has_positive),
        Node::Or(items) => items.iter().all(has_positive),
        Node::Not(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(w: &str) -> Node {
        Node::Term {
            terms: normalize_term(w),
            text: w.into(),
        }
    }

    #[test]
    fn precedence_not_and_or() {
        let n = parse("a b OR c NOT d").unwrap();
        assert_eq!(
            n,
            Node::Or(vec![
                Node::And(vec![term("a"), term("b")]),
                Node::And(vec![term("c"), Node::Not(Box::new(term("d")))]),
            ])
        );
    }

    #[test]
    fn lowercase_operators_are_words() {
        let n = parse("war and peace").unwrap();
        assert_eq!(n, Node::And(vec![term("war"), term("and"), term("peace")]));
    }

    #[test]
    fn phrases_parens_and_minus() {
        let n = parse("(\"peace talks\" OR ceasefire) -nobel").unwrap();
        let Node::And(items) = n else { panic!() };
        assert!(matches!(&items[0], Node::Or(v) if v.len() == 2));
        assert_eq!(items[1], Node::Not(Box::new(term("nobel"))));
    }

    #[test]
    fn errors_point_at_columns() {
        let e = parse("(ukraine OR kyiv").unwrap_err();
        assert_eq!(e.to_string(), "expected ')' at column 17");
        let e = parse("ukraine OR").unwrap_err();
        assert_eq!(e.column, 11);
        let e = parse("a )").unwrap_err();
        assert_eq!(e.to_string(), "unexpected ')' at column 3");
        let e = parse("\"open").unwrap_err();
        assert_eq!(e.column, 1);
        assert!(parse("NOT ukraine").is_err());
        assert!(parse("   ").is_err());
    }
}
