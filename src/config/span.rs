//! Maps between byte spans of a TOML document and key paths (`feeds[1].url`).
//!
//! toml's deserializer reports where an error is but not which key it belongs to, and our
//! validation knows the key but not where it is. Both directions walk toml's spanned
//! document tree; nothing here interprets the values.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Renders a path as users write it: `topics[0].query`.
pub fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The deepest key path whose key or value covers `offset`.
pub fn path_at(doc: &str, offset: usize) -> Option<String> {
    let root = DeTable::parse(doc).ok()?;
    let mut best: Option<(Vec<Seg>, usize)> = None;
    let mut path = Vec::new();
    visit_table(root.get_ref(), offset, &mut path, &mut best);
    best.map(|(p, _)| render(&p))
}

/// Considers every key in the tree; keeps the deepest (then narrowest) one covering `offset`.
fn visit_table(
    table: &DeTable<'_>,
    offset: usize,
    path: &mut Vec<Seg>,
    best: &mut Option<(Vec<Seg>, usize)>,
) {
    for (key, value) in table.iter() {
        path.push(Seg::Key(key.get_ref().to_string()));
        for span in [key.span(), value.span()] {
            if span.contains(&offset) {
                let width = span.len();
                let better = best.as_ref().is_none_or(|(p, w)| {
                    path.len() > p.len() || (path.len() == p.len() && width < *w)
                });
                if better {
                    *best = Some((path.clone(), width));
                }
            }
        }
        visit_value(value, offset, path, best);
        path.pop();
    }
}

fn visit_value(
    value: &Spanned<DeValue<'_>>,
    offset: usize,
    path: &mut Vec<Seg>,
    best: &mut Option<(Vec<Seg>, usize)>,
) {
    match value.get_ref() {
        DeValue::Table(t) => visit_table(t, offset, path, best),
        DeValue::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                path.push(Seg::Index(i));
                visit_value(item, offset, path, best);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The span of the value at `path`, or of the nearest existing ancestor.
pub fn span_of(doc: &str, path: &[Seg]) -> Option<Range<usize>> {
    let root = DeTable::parse(doc).ok()?;
    let mut best: Option<Range<usize>> = None;
    let mut current: Option<&Spanned<DeValue<'_>>> = None;
    for seg in path {
        let next = match (seg, current.map(|c| c.get_ref())) {
            (Seg::Key(k), None) => root.get_ref().get(k.as_str()),
            (Seg::Key(k), Some(DeValue::Table(t))) => t.get(k.as_str()),
            (Seg::Index(i), Some(DeValue::Array(a))) => a.into_iter().nth(*i),
            _ => None,
        };
        match next {
            Some(v) => {
                best = Some(v.span());
                current = Some(v);
            }
            None => break,
        }
    }
    best
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(doc: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(doc.len());
    let before = doc.get(..offset).unwrap_or(doc);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The text of a 1-based line.
pub fn line_text(doc: &str, line: usize) -> &str {
    doc.lines().nth(line.saturating_sub(1)).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[daemon]\npoll_interval = \"15m\"\n\n[[feeds]]\nurl = \"a\"\n\n[[feeds]]\nurl = \"b\"\nintervl = \"5m\"\n";

    #[test]
    fn finds_key_path_of_an_offset() {
        let offset = DOC.find("intervl").unwrap();
        assert_eq!(path_at(DOC, offset).as_deref(), Some("feeds[1].intervl"));
        let offset = DOC.find("15m").unwrap();
        assert_eq!(
            path_at(DOC, offset).as_deref(),
            Some("daemon.poll_interval")
        );
    }

    #[test]
    fn finds_span_of_a_key_path() {
        let path = [
            Seg::Key("feeds".into()),
            Seg::Index(1),
            Seg::Key("url".into()),
        ];
        let span = span_of(DOC, &path).unwrap();
        assert_eq!(&DOC[span], "\"b\"");
        assert_eq!(line_col(DOC, DOC.find("\"b\"").unwrap()), (8, 7));
    }
}
