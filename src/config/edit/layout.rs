//! Where tables go in the document, so that an edit reads as if the user had made it.
//!
//! toml_edit renders tables in the order of their document positions and keeps the text
//! before a table header (comments, blank lines) with that table. A new table takes the
//! position of the last of its kind, so it is rendered right after it; comments right
//! below that one (before a blank line) stay above the new table. Removing a table takes
//! the comments right below it along and leaves the ones above it to what follows.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

use super::EditError;

/// Every table's position in the document, for "the table after this one".
fn positions(table: &Table, out: &mut Vec<isize>) {
    if let Some(p) = table.position() {
        out.push(p);
    }
    for (_, item) in table.iter() {
        match item {
            Item::Table(t) => positions(t, out),
            Item::ArrayOfTables(a) => a.iter().for_each(|t| positions(t, out)),
            _ => {}
        }
    }
}

/// Runs `f` on the table at document position `pos`.
fn with_table_at(table: &mut Table, pos: isize, f: &mut dyn FnMut(&mut Table)) -> bool {
    if table.position() == Some(pos) {
        f(table);
        return true;
    }
    for (_, item) in table.iter_mut() {
        let found = match item {
            Item::Table(t) => with_table_at(t, pos, f),
            Item::ArrayOfTables(a) => a.iter_mut().any(|t| with_table_at(t, pos, f)),
            _ => false,
        };
        if found {
            return true;
        }
    }
    false
}

/// The text before the table that follows position `pos` (or the document's trailing
/// text if none does), given to `f` to rewrite; `f` also learns whether a table header
/// follows the text.
fn edit_text_after(doc: &mut DocumentMut, pos: isize, f: &mut dyn FnMut(&str, bool) -> String) {
    let mut all = Vec::new();
    positions(doc.as_table(), &mut all);
    match all.into_iter().filter(|p| *p > pos).min() {
        Some(next) => {
            with_table_at(doc.as_table_mut(), next, &mut |t| {
                let prefix = raw(t.decor().prefix());
                t.decor_mut().set_prefix(f(&prefix, true));
            });
        }
        None => {
            let trailing = doc.trailing().as_str().unwrap_or("").to_string();
            doc.set_trailing(f(&trailing, false));
        }
    }
}

fn raw(s: Option<&toml_edit::RawString>) -> String {
    s.and_then(|s| s.as_str()).unwrap_or("").to_string()
}

/// Comment lines at the start of `text`, before a blank line: they belong to the table
/// above them. Comments that run straight into the next table's header (`header_follows`)
/// are that table's.
fn split_attached(text: &str, header_follows: bool) -> (&str, &str) {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim_start().starts_with('#') || !line.ends_with('\n') {
            break;
        }
        end += line.len();
    }
    let rest = &text[end..];
    let blank_follows = rest
        .split_inclusive('\n')
        .next()
        .is_some_and(|l| l.trim().is_empty() && l.ends_with('\n'));
    if header_follows && !blank_follows {
        return ("", text);
    }
    text.split_at(end)
}

pub(super) fn append_table(
    doc: &mut DocumentMut,
    key: &'static str,
    mut table: Table,
) -> Result<(), EditError> {
    match doc.get(key) {
        None => {
            // The first of its kind goes at the very end, after any trailing comments.
            let mut all = Vec::new();
            positions(doc.as_table(), &mut all);
            let trailing = doc.trailing().as_str().unwrap_or("").to_string();
            let mut prefix = trailing.clone();
            if !prefix.is_empty() && !prefix.ends_with('\n') {
                prefix.push('\n');
            }
            if !doc.to_string().trim().is_empty() {
                prefix.push('\n');
            }
            doc.set_trailing("");
            table.decor_mut().set_prefix(prefix);
            table.set_position(Some(all.into_iter().max().unwrap_or(0) + 1));
            let mut array = ArrayOfTables::new();
            array.push(table);
            doc.insert(key, Item::ArrayOfTables(array));
        }
        Some(Item::ArrayOfTables(array)) => {
            let last = array.iter().last().and_then(Table::position);
            let mut attached = String::new();
            if let Some(pos) = last {
                edit_text_after(doc, pos, &mut |text, header_follows| {
                    let (mine, rest) = split_attached(text, header_follows);
                    attached = mine.to_string();
                    rest.to_string()
                });
            }
            table.decor_mut().set_prefix(format!("{attached}\n"));
            // The same position as the last one: it is rendered right after it.
            table.set_position(last);
            match doc.get_mut(key) {
                Some(Item::ArrayOfTables(array)) => array.push(table),
                _ => return Err(EditError::NotTables { key }),
            }
        }
        Some(_) => return Err(EditError::NotTables { key }),
    }
    Ok(())
}

/// Removes the `index`-th table of `key` with the comments right below it (before a blank
/// line); the comments above it stay, with what follows.
pub(super) fn remove_table(doc: &mut DocumentMut, key: &str, index: usize) {
    let Some(Item::ArrayOfTables(array)) = doc.get_mut(key) else {
        return;
    };
    if index >= array.len() {
        return;
    }
    let removed = array.remove(index);
    if array.is_empty() {
        doc.remove(key);
    }
    let Some(pos) = removed.position() else {
        return;
    };
    let above = raw(removed.decor().prefix());
    edit_text_after(doc, pos, &mut |next, header_follows| {
        let (_, rest) = split_attached(next, header_follows);
        if above.trim().is_empty() {
            rest.to_string()
        } else if above.ends_with("\n\n") {
            format!("{above}{}", rest.trim_start_matches('\n'))
        } else {
            format!("{above}{rest}")
        }
    });
}
