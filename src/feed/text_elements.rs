//! Repairs to a feed's text elements (titles, subtitles, summaries, rights) that feed-rs
//! would reject or read as empty:
//! - an Atom text construct with a MIME type feed-rs does not list
//!   (`type="application/x-custom"`) makes it reject the whole feed: it is read as text;
//! - base64 content (Atom 0.3's `mode="base64"`, or `type="application/octet-stream"`) is
//!   decoded;
//! - naked markup (`<title>Example <b>Atom</b></title>`) leaves feed-rs with the text
//!   before the first tag, or nothing: the content is wrapped as CDATA and read as HTML,
//!   whose tags the title cleanup strips.
//!
//! Byte-level, like the rest of `prepare`: elements are found by name, unprefixed only
//! (`media:title` is someone else's), and anything unexpected is left as it was.

use base64::Engine as _;

/// The unprefixed elements holding text.
const TEXT_ELEMENTS: [&[u8]; 7] = [
    b"title",
    b"subtitle",
    b"summary",
    b"rights",
    b"tagline",
    b"info",
    b"copyright",
];

/// The document with its text elements repaired; `None` when none needed it.
pub fn repair(doc: &[u8], atom: bool) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    // Bytes of `doc` already copied (or judged) into `out`.
    let mut done = 0;
    let mut i = 0;
    while let Some(lt) = doc[i..].iter().position(|b| *b == b'<') {
        let start = i + lt;
        i = start + 1;
        let Some(element) = parse_element(doc, start) else {
            continue;
        };
        i = element.end;
        if let Some(fixed) = fix(&element, atom) {
            let buf = out.get_or_insert_with(|| Vec::with_capacity(doc.len() + 64));
            buf.extend_from_slice(&doc[done..start]);
            buf.extend_from_slice(&fixed);
            done = element.end;
        }
    }
    let mut buf = out?;
    buf.extend_from_slice(&doc[done..]);
    Some(buf)
}

/// A text element: its name, attributes, content, and where it ends in the document.
struct Element<'a> {
    name: &'a [u8],
    attrs: Vec<(&'a [u8], &'a [u8])>,
    content: &'a [u8],
    end: usize,
}

fn parse_element(doc: &[u8], start: usize) -> Option<Element<'_>> {
    let rest = &doc[start + 1..];
    let name = *TEXT_ELEMENTS.iter().find(|n| {
        rest.starts_with(n)
            && rest
                .get(n.len())
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>')
    })?;
    let tag_end = start + 1 + rest.iter().position(|b| *b == b'>')?;
    if doc[tag_end - 1] == b'/' {
        return None;
    }
    let attrs = attributes(&doc[start + 1 + name.len()..tag_end])?;
    let close = [b"</".as_slice(), name, b">"].concat();
    let content_start = tag_end + 1;
    let len = doc[content_start..]
        .windows(close.len())
        .position(|w| w == close.as_slice())?;
    Some(Element {
        name,
        attrs,
        content: &doc[content_start..content_start + len],
        end: content_start + len + close.len(),
    })
}

/// `name="value"` pairs of a start tag; `None` if it is not that simple.
fn attributes(mut s: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut out = Vec::new();
    loop {
        s = s.trim_ascii_start();
        if s.is_empty() {
            return Some(out);
        }
        let eq = s.iter().position(|b| *b == b'=')?;
        let name = s[..eq].trim_ascii();
        let after = s[eq + 1..].trim_ascii_start();
        let quote = *after.first().filter(|q| matches!(q, b'"' | b'\''))?;
        let len = after[1..].iter().position(|b| *b == quote)?;
        out.push((name, &after[1..1 + len]));
        s = &after[len + 2..];
    }
}

fn fix(e: &Element<'_>, atom: bool) -> Option<Vec<u8>> {
    let attr = |n: &[u8]| e.attrs.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
    let kind = attr(b"type");
    let base64 = attr(b"mode") == Some(b"base64".as_slice())
        || kind == Some(b"application/octet-stream".as_slice());
    if base64 && let Some(text) = decode_base64(e.content) {
        return Some(rebuild(e, Some(b"html"), &cdata(&text)?));
    }
    let known = matches!(
        kind,
        None | Some(b"text" | b"html" | b"xhtml" | b"text/html")
    );
    let naked = kind != Some(b"xhtml".as_slice()) && has_markup(e.content);
    match (atom && !known, naked) {
        (_, true) => {
            let kind = if atom { Some(b"html".as_slice()) } else { kind };
            Some(rebuild(e, kind, &cdata(e.content)?))
        }
        (true, false) => Some(rebuild(e, Some(b"text"), e.content)),
        (false, false) => None,
    }
}

/// Whether content holds an element (not only text, entities and CDATA).
fn has_markup(content: &[u8]) -> bool {
    let mut rest = content;
    while let Some(i) = rest.iter().position(|b| *b == b'<') {
        rest = &rest[i..];
        if !rest.starts_with(b"<![CDATA[") {
            return true;
        }
        match rest.windows(3).position(|w| w == b"]]>") {
            Some(end) => rest = &rest[end + 3..],
            None => return false,
        }
    }
    false
}

fn decode_base64(content: &[u8]) -> Option<Vec<u8>> {
    let compact: Vec<u8> = content
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    std::str::from_utf8(&bytes).ok()?;
    Some(bytes)
}

/// Content as one CDATA section (its own CDATA sections opened up); `None` if it holds
/// a `]]>` outside them that a CDATA section cannot carry.
fn cdata(content: &[u8]) -> Option<Vec<u8>> {
    let mut inner = Vec::with_capacity(content.len());
    let mut rest = content;
    while let Some(i) = rest.windows(9).position(|w| w == b"<![CDATA[") {
        inner.extend_from_slice(&rest[..i]);
        let body = &rest[i + 9..];
        let end = body.windows(3).position(|w| w == b"]]>")?;
        inner.extend_from_slice(&body[..end]);
        rest = &body[end + 3..];
    }
    inner.extend_from_slice(rest);
    if inner.windows(3).any(|w| w == b"]]>") {
        return None;
    }
    Some([b"<![CDATA[".as_slice(), &inner, b"]]>"].concat())
}

/// The element with `type` set to `kind` (other attributes kept, `mode` dropped) and the
/// given content.
fn rebuild(e: &Element<'_>, kind: Option<&[u8]>, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 64);
    out.push(b'<');
    out.extend_from_slice(e.name);
    for (k, v) in &e.attrs {
        if *k != b"type" && *k != b"mode" {
            let quote = if v.contains(&b'"') { b'\'' } else { b'"' };
            out.extend_from_slice(&[b" ".as_slice(), k, b"=", &[quote], v, &[quote]].concat());
        }
    }
    if let Some(kind) = kind {
        out.extend_from_slice(&[b" type=\"".as_slice(), kind, b"\""].concat());
    }
    out.push(b'>');
    out.extend_from_slice(content);
    out.extend_from_slice(&[b"</".as_slice(), e.name, b">"].concat());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(s: &str, atom: bool) -> Option<String> {
        repair(s.as_bytes(), atom).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn well_formed_text_is_left_alone() {
        for doc in [
            "<feed><title>Plain &amp; simple</title><title type=\"html\">&lt;b&gt;x</title></feed>",
            "<feed><title type=\"xhtml\"><div><b>x</b></div></title></feed>",
            "<rss><channel><title><![CDATA[<b>Bold</b>]]></title><media:title><b>m</b></media:title></channel></rss>",
            "<feed><title/><titles>x</titles></feed>",
        ] {
            assert_eq!(repaired(doc, true), None, "{doc}");
        }
    }

    #[test]
    fn an_unknown_type_is_read_as_text() {
        assert_eq!(
            repaired(
                "<feed><entry><title type=\"application/x-custom\" xml:lang='en'>test</title></entry></feed>",
                true
            )
            .unwrap(),
            "<feed><entry><title xml:lang=\"en\" type=\"text\">test</title></entry></feed>"
        );
        // RSS has no types to repair.
        assert_eq!(
            repaired("<rss><title type=\"x/y\">t</title></rss>", false),
            None
        );
    }

    #[test]
    fn base64_content_is_decoded() {
        assert_eq!(
            repaired(
                "<feed><title type=\"application/octet-stream\">PHA+RW50cnkg\n VGl0bGU8L3A+</title></feed>",
                true
            )
            .unwrap(),
            "<feed><title type=\"html\"><![CDATA[<p>Entry Title</p>]]></title></feed>"
        );
        assert_eq!(
            repaired(
                "<feed><title type=\"text/html\" mode=\"base64\">RXhhbXBsZQ==</title></feed>",
                true
            )
            .unwrap(),
            "<feed><title type=\"html\"><![CDATA[Example]]></title></feed>"
        );
    }

    #[test]
    fn naked_markup_becomes_cdata() {
        assert_eq!(
            repaired(
                "<rss><item><title><p>Item &amp; Title</p></title></item></rss>",
                false
            )
            .unwrap(),
            "<rss><item><title><![CDATA[<p>Item &amp; Title</p>]]></title></item></rss>"
        );
        assert_eq!(
            repaired("<feed><title>Example <b>Atom</b></title></feed>", true).unwrap(),
            "<feed><title type=\"html\"><![CDATA[Example <b>Atom</b>]]></title></feed>"
        );
        // A CDATA section inside is opened up; a stray `]]>` leaves the element alone.
        assert_eq!(
            repaired("<rss><title><b>a</b><![CDATA[ & b]]></title></rss>", false).unwrap(),
            "<rss><title><![CDATA[<b>a</b> & b]]></title></rss>"
        );
        assert_eq!(
            repaired("<rss><title><b>a</b>]]></title></rss>", false),
            None
        );
    }
}
