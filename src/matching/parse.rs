//! Query parser: text → [`Node`] tree, with errors that point at a column.
//!
//! Grammar (operators are upper-case words so "and"/"or" stay searchable):
//! ```text
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*            adjacent terms are ANDed
//! unary   := "NOT" unary | "-" near | near
//! near    := scoped ("NEAR/" n scoped)*        within n words
//! scoped  := ("title:" | "lead:") primary | primary
//! primary := "(" or ")" | "\"phrase\"" | word | prefix* | "*"
//! ```
//! Precedence: NOT > AND > OR; NEAR and field scopes bind tightest. Words are folded
//! (case, accents, possessives) here and stemmed per language when compiled.

use std::fmt;

use crate::analyze::{Field, in_capitals, join_initialisms, tokens, word, words};

/// A query node. Words are folded; [`super::Query`] keeps stemmed copies per language.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Matches every article (`*`).
    All,
    /// One word (a hyphenated word is several adjacent ones, like a phrase).
    Term {
        words: Vec<String>,
        text: String,
    },
    Phrase {
        words: Vec<String>,
        text: String,
        /// How each word is written in the query: names and acronyms keep their rules
        /// inside a phrase ("US officials" is not "us officials").
        marks: Vec<Mark>,
    },
    /// A word written with a capital: a name, matched by stem but not where the article
    /// names something else of that stem ("Hama" is not "Hamas", "Mar 3" not "Mars"); or,
    /// written all in capitals, an acronym, matched only where the text writes it so
    /// ("US", "U.S.", not "us"). `stem` is the word's stem once compiled.
    Name {
        word: String,
        stem: String,
        capitals: bool,
        text: String,
    },
    /// Words starting with a prefix (`negotiat*`), matched unstemmed.
    Prefix {
        prefix: String,
        text: String,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Near {
        left: Box<Node>,
        right: Box<Node>,
        within: u32,
    },
    Scoped {
        field: Field,
        inner: Box<Node>,
    },
}

/// How a word of a phrase is written: plainly, as a name (folded), or as an acronym.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Plain,
    Name(String),
    Acronym(String),
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
    Near(u32),
    Scope(Field),
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
        Some(Tok::Near(n)) => format!("NEAR/{n}"),
        Some(Tok::Scope(f)) => format!("{}:", f.name()),
    }
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}')
}

fn lex(input: &str) -> Result<(Vec<(Tok, usize)>, usize), ParseError> {
    let chars: Vec<char> = input.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        let rest: String = chars[i..chars.len().min(i + 6)].iter().collect();
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
            c if is_quote(c) => {
                let start = i + 1;
                let end = chars[start..]
                    .iter()
                    .position(|&c| is_quote(c))
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
            _ if rest.starts_with("title:") => {
                toks.push((Tok::Scope(Field::Title), col));
                i += 6;
            }
            _ if rest.starts_with("lead:") => {
                toks.push((Tok::Scope(Field::Lead), col));
                i += 5;
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && chars[i] != '('
                    && chars[i] != ')'
                    && !is_quote(chars[i])
                {
                    i += 1;
                }
                let tok = word_token(chars[start..i].iter().collect(), col)?;
                toks.push((tok, col));
            }
        }
    }
    Ok((toks, chars.len() + 1))
}

/// A bare word: an operator (`AND`, `OR`, `NOT`, `NEAR/n`, `*`) or a search word.
fn word_token(word: String, col: usize) -> Result<Tok, ParseError> {
    Ok(match word.as_str() {
        "AND" => Tok::And,
        "OR" => Tok::Or,
        "NOT" => Tok::Not,
        "*" => Tok::Star,
        w if w.starts_with("NEAR/") => match w[5..].parse::<u32>() {
            Ok(n) if n >= 1 => Tok::Near(n),
            _ => {
                return Err(ParseError {
                    column: col,
                    message: format!("{w:?} needs a distance in words, e.g. NEAR/10"),
                });
            }
        },
        "NEAR" => Tok::Near(10),
        _ => Tok::Word(word),
    })
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    /// Every word is in capitals ("PEACE TALKS"): capitals say nothing then.
    shouted: bool,
    pos: usize,
    end_col: usize,
    /// Parentheses and NOTs open around the current token.
    depth: usize,
}

/// Deepest nesting of parentheses and NOT a query may have: far past any real query, and
/// short of what parsing, matching and explaining could recurse through.
const MAX_NESTING: usize = 64;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |(_, c)| *c)
    }

    /// Parses what `inner` parses one level deeper, refusing queries nested too deeply.
    fn nested(
        &mut self,
        inner: fn(&mut Parser) -> Result<Node, ParseError>,
    ) -> Result<Node, ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(self.err(format!(
                "nested too deeply (at most {MAX_NESTING} levels of parentheses and NOT)"
            )));
        }
        self.depth += 1;
        let node = inner(self);
        self.depth -= 1;
        node
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
        Ok(single_or(items, Node::Or))
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
        Ok(single_or(items, Node::And))
    }

    fn unary(&mut self) -> Result<Node, ParseError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Node::Not(Box::new(self.nested(Parser::unary)?)))
            }
            Some(Tok::Minus) => {
                self.pos += 1;
                Ok(Node::Not(Box::new(self.nested(Parser::near)?)))
            }
            _ => self.near(),
        }
    }

    fn near(&mut self) -> Result<Node, ParseError> {
        let mut left = self.scoped()?;
        while let Some(&Tok::Near(within)) = self.peek() {
            let col = self.col();
            self.pos += 1;
            let right = self.scoped()?;
            for side in [&left, &right] {
                if !is_positional(side) {
                    return Err(ParseError {
                        column: col,
                        message: "NEAR joins words, phrases, prefixes or OR-groups of them".into(),
                    });
                }
            }
            left = Node::Near {
                left: Box::new(left),
                right: Box::new(right),
                within,
            };
        }
        Ok(left)
    }

    fn scoped(&mut self) -> Result<Node, ParseError> {
        if let Some(&Tok::Scope(field)) = self.peek() {
            self.pos += 1;
            let inner = self.primary()?;
            return Ok(Node::Scoped {
                field,
                inner: Box::new(inner),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, ParseError> {
        let col = self.col();
        let tok = self.peek().cloned();
        match tok {
            Some(Tok::LParen) => {
                self.pos += 1;
                let inner = self.nested(Parser::or)?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(self.err("expected ')'"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                word_node(&w, col, self.shouted)
            }
            Some(Tok::Phrase(p)) => {
                self.pos += 1;
                let joined = join_initialisms(&p);
                let (mut folded, mut marks) = (Vec::new(), Vec::new());
                for raw in tokens(&joined) {
                    if let Some(w) = word(raw) {
                        marks.push(mark(raw, &w, self.shouted));
                        folded.push(w);
                    }
                }
                if folded.is_empty() {
                    return Err(ParseError {
                        column: col,
                        message: "empty phrase".into(),
                    });
                }
                Ok(Node::Phrase {
                    words: folded,
                    text: p,
                    marks,
                })
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

fn word_node(w: &str, col: usize, shouted: bool) -> Result<Node, ParseError> {
    if let Some(stem) = w.strip_suffix('*') {
        let folded: Vec<String> = words(stem).collect();
        return match folded.as_slice() {
            [prefix] if prefix.chars().count() >= 2 => Ok(Node::Prefix {
                prefix: prefix.clone(),
                text: w.to_string(),
            }),
            _ => Err(ParseError {
                column: col,
                message: format!("{w:?}: a prefix needs at least two letters before '*'"),
            }),
        };
    }
    let joined = join_initialisms(w);
    let raw: Vec<&str> = tokens(&joined).collect();
    let folded: Vec<String> = raw.iter().filter_map(|r| word(r)).collect();
    if folded.is_empty() {
        return Err(ParseError {
            column: col,
            message: format!("{w:?} has no letters or digits to search for"),
        });
    }
    if let ([raw], [folded]) = (raw.as_slice(), folded.as_slice()) {
        let capitals = match mark(raw, folded, shouted) {
            Mark::Plain => None,
            Mark::Name(_) => Some(false),
            Mark::Acronym(_) => Some(true),
        };
        if let Some(capitals) = capitals {
            return Ok(Node::Name {
                word: folded.clone(),
                stem: folded.clone(),
                capitals,
                text: w.to_string(),
            });
        }
    }
    Ok(Node::Term {
        words: folded,
        text: w.to_string(),
    })
}

fn single_or(mut items: Vec<Node>, many: fn(Vec<Node>) -> Node) -> Node {
    if items.len() == 1 {
        items.remove(0)
    } else {
        many(items)
    }
}

/// Whether a node has word positions (so NEAR can measure distances).
fn is_positional(node: &Node) -> bool {
    match node {
        Node::Term { .. }
        | Node::Name { .. }
        | Node::Phrase { .. }
        | Node::Prefix { .. }
        | Node::Near { .. } => true,
        Node::Or(items) => items.iter().all(is_positional),
        Node::Scoped { inner, .. } => is_positional(inner),
        _ => false,
    }
}

/// Parses a query into its node tree.
pub fn parse(input: &str) -> Result<Node, ParseError> {
    let (toks, end_col) = lex(input)?;
    let shouted = is_shouted(&toks);
    let mut p = Parser {
        shouted,
        toks,
        pos: 0,
        end_col,
        depth: 0,
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

/// How a query word is written: in capitals an acronym (in a query all in capitals,
/// capitals say nothing, but for the acronyms that are also everyday words: "WHO OR
/// UNICEF", "US AND NATO"), with a capital a name, else plainly.
fn mark(raw: &str, folded: &str, shouted: bool) -> Mark {
    if in_capitals(raw) && (!shouted || AMBIGUOUS_ACRONYMS.contains(&raw)) {
        return Mark::Acronym(folded.to_string());
    }
    let mut chars = raw.chars();
    let titled = chars.next().is_some_and(char::is_uppercase)
        && chars.any(char::is_lowercase)
        && raw.chars().all(char::is_alphabetic);
    if titled {
        Mark::Name(folded.to_string())
    } else {
        Mark::Plain
    }
}

/// Acronyms that are also everyday words: in capitals they are the acronym even in a query
/// written all in capitals.
const AMBIGUOUS_ACRONYMS: &[&str] = &["US", "WHO"];

/// A query written all in capitals ("PEACE TALKS", "OIL PRICES"): no word or phrase has a
/// small letter, so its capitals mark no acronyms.
fn is_shouted(toks: &[(Tok, usize)]) -> bool {
    !toks.iter().any(|(t, _)| match t {
        Tok::Word(w) | Tok::Phrase(w) => w.chars().any(char::is_lowercase),
        _ => false,
    })
}

/// Whether a node can match on something present rather than only on absences.
fn has_positive(node: &Node) -> bool {
    match node {
        Node::Not(_) => false,
        Node::And(items) => items.iter().any(has_positive),
        Node::Or(items) => items.iter().all(has_positive),
        Node::Scoped { inner, .. } => has_positive(inner),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(w: &str) -> Node {
        Node::Term {
            words: vec![w.to_lowercase()],
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
    fn near_prefix_and_scopes() {
        let n = parse("title:(putin OR kremlin) NEAR/20 negotiat* lead:Kyiv").unwrap();
        let Node::And(items) = n else { panic!("{n:?}") };
        let Node::Near {
            left,
            right,
            within,
        } = &items[0]
        else {
            panic!()
        };
        assert_eq!(*within, 20);
        assert!(matches!(
            **left,
            Node::Scoped {
                field: Field::Title,
                ..
            }
        ));
        assert!(matches!(&**right, Node::Prefix { prefix, .. } if prefix == "negotiat"));
        assert!(matches!(
            items[1],
            Node::Scoped {
                field: Field::Lead,
                ..
            }
        ));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let ok = format!("{}x{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(parse(&ok).is_ok());
        for deep in [
            format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000)),
            format!("* {}x", "NOT ".repeat(100_000)),
            format!("* {}x", "-(".repeat(50_000)),
        ] {
            let err = parse(&deep).unwrap_err();
            assert!(err.message.contains("nested too deeply"), "{}", err.message);
        }
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
        assert_eq!(parse("a NEAR/x b").unwrap_err().column, 3);
        assert_eq!(parse("a NEAR/5 (b AND c)").unwrap_err().column, 3);
        assert!(parse("n*").is_err());
    }
}
