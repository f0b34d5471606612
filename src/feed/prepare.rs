//! Byte-level repairs before feed-rs sees a feed, for feeds that are fine to every other
//! reader but that feed-rs would reject or read as empty:
//! - UTF-16 documents (quick-xml panics on them) become UTF-8;
//! - older or aliased namespaces of Atom 0.3, RSS 0.90 and Userland's RSS 2 become the
//!   ones feed-rs knows, so their elements are not ignored;
//! - an `<rss>` root without a version, or with one feed-rs does not list (0.93, 0.94,
//!   1.0...), is read as RSS 2.0, which all of them are a subset of;
//! - Atom 0.3's MIME-typed titles and its issued/modified dates take Atom 1.0's names;
//! - text elements with unknown types, base64 or naked markup are repaired
//!   ([`super::text_elements`]);
//! - a JSON Feed's items keep what feed-rs can read: a numeric id becomes a string (as
//!   the spec asks of readers), fields of the wrong type and items that are no object go,
//!   so one odd item does not cost the feed.

use std::borrow::Cow;

/// Namespace URIs feed-rs ignores and the ones that mean the same elements to it.
const NAMESPACE_ALIASES: [(&str, &str); 5] = [
    ("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom"),
    (
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://purl.org/rss/1.0/",
    ),
    (
        "http://backend.userland.com/rss2",
        "http://purl.org/rss/1.0/",
    ),
    (
        "http://blogs.law.harvard.edu/tech/rss",
        "http://purl.org/rss/1.0/",
    ),
    (
        "http://www.itunes.com/DTDs/Podcast-1.0.dtd",
        "http://www.itunes.com/dtds/podcast-1.0.dtd",
    ),
];

/// The feed's bytes with the repairs applied; borrowed when none was needed.
pub fn prepare(bytes: &[u8]) -> Cow<'_, [u8]> {
    let mut doc = Cow::Borrowed(bytes);
    if let Some(utf8) = utf16_to_utf8(bytes) {
        doc = Cow::Owned(utf8);
    }
    for (from, to) in NAMESPACE_ALIASES {
        for quote in [b'"', b'\''] {
            let quoted = |uri: &str| [&[quote], uri.as_bytes(), &[quote]].concat();
            if let Some(replaced) = replace_all(&doc, &quoted(from), &quoted(to)) {
                doc = Cow::Owned(replaced);
            }
        }
    }
    if let Some(fixed) = rss_version(&doc) {
        doc = Cow::Owned(fixed);
    }
    let atom = root_start(&doc).is_some_and(|i| doc[i..].starts_with(b"<feed"));
    if atom {
        for (from, to) in ATOM_RENAMES {
            if let Some(replaced) = replace_all(&doc, from.as_bytes(), to.as_bytes()) {
                doc = Cow::Owned(replaced);
            }
        }
    }
    if let Some(repaired) = super::text_elements::repair(&doc, atom) {
        doc = Cow::Owned(repaired);
    }
    if let Some(repaired) = json_items(&doc) {
        doc = Cow::Owned(repaired);
    }
    doc
}

/// Item fields of JSON Feed that are strings.
const JSON_STRING_FIELDS: [&str; 11] = [
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "banner_image",
    "date_published",
    "date_modified",
];

/// A JSON Feed with its items made readable, or `None` when it is no JSON Feed or needed
/// nothing.
fn json_items(doc: &[u8]) -> Option<Vec<u8>> {
    let start = doc.iter().position(|b| !b.is_ascii_whitespace())?;
    if doc[start] != b'{' {
        return None;
    }
    let mut feed: serde_json::Value = serde_json::from_slice(doc).ok()?;
    let items = feed.get_mut("items")?.as_array_mut()?;
    let before = items.len();
    items.retain(serde_json::Value::is_object);
    let mut changed = items.len() != before;
    for item in items
        .iter_mut()
        .filter_map(serde_json::Value::as_object_mut)
    {
        for field in JSON_STRING_FIELDS {
            match item.get(field) {
                None | Some(serde_json::Value::String(_)) => {}
                Some(serde_json::Value::Number(n)) => {
                    let s = n.to_string();
                    item.insert(field.to_string(), serde_json::Value::String(s));
                    changed = true;
                }
                Some(_) => {
                    item.remove(field);
                    changed = true;
                }
            }
        }
        if let Some(tags) = item.get_mut("tags") {
            match tags.as_array_mut() {
                Some(list) if list.iter().all(serde_json::Value::is_string) => {}
                Some(list) => {
                    list.retain(serde_json::Value::is_string);
                    changed = true;
                }
                None => {
                    item.remove("tags");
                    changed = true;
                }
            }
        }
    }
    if changed {
        serde_json::to_vec(&feed).ok()
    } else {
        None
    }
}

/// Atom 0.3 gives text constructs a MIME type where Atom 1.0 has a keyword (feed-rs
/// rejects the whole feed over one such title), and names its dates issued and modified.
const ATOM_RENAMES: [(&str, &str); 8] = [
    ("type=\"text/plain\"", "type=\"text\""),
    ("type='text/plain'", "type='text'"),
    ("type=\"application/xhtml+xml\"", "type=\"xhtml\""),
    ("type='application/xhtml+xml'", "type='xhtml'"),
    ("<issued>", "<published>"),
    ("</issued>", "</published>"),
    ("<modified>", "<updated>"),
    ("</modified>", "</updated>"),
];

/// A UTF-16 document (by BOM, or by `<` next to a zero byte) as UTF-8, its declared
/// encoding changed to match.
fn utf16_to_utf8(bytes: &[u8]) -> Option<Vec<u8>> {
    let encoding = match bytes {
        [0xFF, 0xFE, ..] | [b'<', 0, ..] => encoding_rs::UTF_16LE,
        [0xFE, 0xFF, ..] | [0, b'<', ..] => encoding_rs::UTF_16BE,
        _ => return None,
    };
    let (text, _, _) = encoding.decode(bytes);
    let text = text.trim_start_matches('\u{feff}');
    // The declaration still says UTF-16; quick-xml would believe it.
    let text = match text.strip_prefix("<?xml") {
        Some(rest) => match rest.find("?>") {
            Some(end) => {
                let decl = &rest[..end];
                let decl = match decl.find("encoding") {
                    Some(i) => &decl[..i],
                    None => decl,
                };
                format!(
                    "<?xml{} encoding=\"utf-8\"{}",
                    decl.trim_end(),
                    &rest[end..]
                )
            }
            None => text.to_string(),
        },
        None => text.to_string(),
    };
    Some(text.into_bytes())
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    let first = find(haystack, from)?;
    let mut out = Vec::with_capacity(haystack.len() + 16);
    out.extend_from_slice(&haystack[..first]);
    let mut rest = &haystack[first..];
    while let Some(i) = find(rest, from) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The document with its `<rss>` root's version set to 2.0, when the root is `<rss>` and
/// its version is missing or one feed-rs refuses.
fn rss_version(doc: &[u8]) -> Option<Vec<u8>> {
    let start = root_start(doc)?;
    let tag = &doc[start..];
    if !tag.starts_with(b"<rss")
        || !tag
            .get(4)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>')
    {
        return None;
    }
    let end = start + find(tag, b">")?;
    let attrs = &doc[start + 4..end];
    let version_at = find(attrs, b"version");
    if let Some(i) = version_at {
        // The value between the quotes after `version=`.
        let after = &attrs[i + 7..];
        let q = after.iter().position(|b| *b == b'"' || *b == b'\'')?;
        let quote = after[q];
        let len = after[q + 1..].iter().position(|b| *b == quote)?;
        let value = &after[q + 1..q + 1 + len];
        if matches!(value, b"2.0" | b"0.91" | b"0.92" | b"") {
            return None;
        }
        let from = start + 4 + i + 7 + q + 1;
        return Some([&doc[..from], b"2.0".as_slice(), &doc[from + len..]].concat());
    }
    let at = start + 4;
    Some([&doc[..at], b" version=\"2.0\"".as_slice(), &doc[at..]].concat())
}

/// Where the root element's start tag begins: after a BOM, whitespace, the XML
/// declaration, processing instructions, comments and a doctype.
fn root_start(doc: &[u8]) -> Option<usize> {
    let mut i = if doc.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    loop {
        while doc.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        let rest = &doc[i.min(doc.len())..];
        let close: &[u8] = if rest.starts_with(b"<?") {
            b"?>"
        } else if rest.starts_with(b"<!--") {
            b"-->"
        } else if rest.starts_with(b"<!") {
            b">"
        } else if rest.starts_with(b"<") {
            return Some(i);
        } else {
            return None;
        };
        i += find(rest, close)? + close.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(s: &[u8]) -> String {
        String::from_utf8(prepare(s).into_owned()).unwrap()
    }

    #[test]
    fn rss_without_a_known_version_reads_as_2_0() {
        assert_eq!(
            prepared(b"<?xml version=\"1.0\"?>\n<!-- c --><rss><channel/></rss>"),
            "<?xml version=\"1.0\"?>\n<!-- c --><rss version=\"2.0\"><channel/></rss>"
        );
        assert_eq!(
            prepared(b"<rss version='0.94' x='1'>"),
            "<rss version='2.0' x='1'>"
        );
        assert!(matches!(
            prepare(b"<rss version=\"2.0\"><channel/></rss>"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(prepare(b"<rssx>"), Cow::Borrowed(_)));
    }

    #[test]
    fn old_namespaces_become_known_ones() {
        assert_eq!(
            prepared(b"<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\">"),
            "<feed version=\"0.3\" xmlns=\"http://www.w3.org/2005/Atom\">"
        );
    }

    #[test]
    fn utf16_becomes_utf8() {
        let text = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"/>";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(
            prepared(&bytes),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"/>"
        );
    }

    #[test]
    fn truncated_input_is_left_alone() {
        for s in [
            &b"<rss"[..],
            b"<!--",
            b"<?xml",
            b"<rss version=\"1",
            b"",
            b"\xFF\xFE",
        ] {
            let _ = prepare(s);
        }
    }
}
