//! Bounded work before parsing. html5ever is quadratic on some shapes no real page has —
//! elements nested tens of thousands deep, one tag with tens of thousands of attributes —
//! so one cheap pass over the bytes spots them, and such a page is read as plain text
//! (tags stripped, block boundaries kept as paragraph breaks) instead of being parsed.

/// Real pages nest fewer than 100 levels; this is far beyond, and still fast to parse.
pub const MAX_NESTING: usize = 512;
/// Attributes in one tag.
pub const MAX_ATTRIBUTES: usize = 256;

/// Elements that never nest: void elements, and those whose end tag is usually implied.
const FLAT: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "tr", "td", "th", "tbody", "thead", "tfoot",
    "colgroup", "optgroup", "rb", "rt", "rp",
];

/// Elements whose content is raw text up to their end tag.
const RAW: &[&str] = &["script", "style", "textarea", "xmp", "noscript"];

/// Elements whose boundaries are paragraph breaks in the plain-text reading.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "section",
    "article",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "table",
    "dd",
    "dt",
];

/// One tag as the scanner sees it.
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    self_closing: bool,
    attributes: usize,
    /// Byte offset just past the tag's `>`.
    end: usize,
}

/// Reads the tag starting at `start` (a `<` followed by a letter or `/`).
fn read_tag(html: &str, start: usize) -> Option<Tag<'_>> {
    let bytes = html.as_bytes();
    let mut i = start + 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
        i += 1;
    }
    if i == name_start {
        return None;
    }
    let name = &html[name_start..i];
    let mut attributes = 0;
    let mut quote: Option<u8> = None;
    // A quote opens a value only right after `=`; a stray apostrophe is just a character.
    let mut after_eq = false;
    while i < bytes.len() {
        let b = bytes[i];
        let was_after_eq = std::mem::replace(&mut after_eq, false);
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if (b == b'"' || b == b'\'') && was_after_eq => quote = Some(b),
            None if b == b' ' && was_after_eq => after_eq = true,
            None if b == b'=' => {
                attributes += 1;
                after_eq = true;
            }
            None if b == b'>' => {
                return Some(Tag {
                    name,
                    closing,
                    self_closing: bytes[i - 1] == b'/',
                    attributes,
                    end: i + 1,
                });
            }
            None => {}
        }
        i += 1;
    }
    None
}

fn find_ci(haystack: &str, from: usize, needle: &str) -> Option<usize> {
    let hay = haystack.as_bytes();
    let n = needle.as_bytes();
    (from..hay.len().saturating_sub(n.len() - 1))
        .find(|&i| hay[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Walks the tags of a page: `visit` gets each tag and the text before it.
fn scan<'a>(html: &'a str, mut visit: impl FnMut(&str, Option<&Tag<'a>>) -> bool) {
    let bytes = html.as_bytes();
    let mut pos = 0;
    let mut text_start = 0;
    while let Some(off) = html[pos..].find('<') {
        let lt = pos + off;
        let next = bytes.get(lt + 1).copied().unwrap_or(b' ');
        if html[lt..].starts_with("<!--") {
            if !visit(&html[text_start..lt], None) {
                return;
            }
            pos = html[lt + 4..]
                .find("-->")
                .map_or(html.len(), |e| lt + 4 + e + 3);
            text_start = pos;
            continue;
        }
        if next == b'!' || next == b'?' {
            pos = html[lt..].find('>').map_or(html.len(), |e| lt + e + 1);
            text_start = pos;
            continue;
        }
        if !(next.is_ascii_alphabetic() || next == b'/') {
            pos = lt + 1;
            continue;
        }
        let Some(tag) = read_tag(html, lt) else {
            pos = lt + 1;
            continue;
        };
        if !visit(&html[text_start..lt], Some(&tag)) {
            return;
        }
        pos = tag.end;
        let lower = tag.name.to_ascii_lowercase();
        if !tag.closing && RAW.contains(&lower.as_str()) {
            let close = format!("</{lower}");
            pos = find_ci(html, pos, &close).unwrap_or(html.len());
        }
        text_start = pos;
    }
    visit(&html[text_start..], None);
}

/// Whether the page has a shape that would make parsing slow.
pub fn is_pathological(html: &str) -> bool {
    let mut depth = 0usize;
    let mut bad = false;
    scan(html, |_, tag| {
        let Some(tag) = tag else { return true };
        if tag.attributes > MAX_ATTRIBUTES {
            bad = true;
            return false;
        }
        let lower = tag.name.to_ascii_lowercase();
        if FLAT.contains(&lower.as_str()) || tag.self_closing {
            return true;
        }
        if tag.closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            if depth > MAX_NESTING {
                bad = true;
                return false;
            }
        }
        true
    });
    bad
}

/// A page read as plain text: tags stripped, block boundaries as paragraph breaks, the
/// common entities decoded. Linear in the page's size.
pub fn plain_text(html: &str) -> (Option<String>, Vec<String>) {
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut title = None;
    let mut in_title = false;
    scan(html, |text, tag| {
        if in_title {
            title = Some(decode_entities(text.trim()));
            in_title = false;
        } else {
            current.push_str(text);
        }
        if let Some(tag) = tag {
            let lower = tag.name.to_ascii_lowercase();
            in_title = lower == "title" && !tag.closing;
            if BLOCKS.contains(&lower.as_str()) {
                let p = decode_entities(&current);
                let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
                if !p.is_empty() {
                    paragraphs.push(p);
                }
                current.clear();
            }
        }
        true
    });
    let p = decode_entities(&current);
    let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
    if !p.is_empty() {
        paragraphs.push(p);
    }
    (title.filter(|t| !t.is_empty()), paragraphs)
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_shapes_pass() {
        let page = "<html><body><ul><li>a<li>b</ul><p>one<p>two<br><img src=x>\
                    <script>if (a<b) { document.write('<div>') }</script><!-- <div> --></body></html>";
        assert!(!is_pathological(page));
        let deep_but_fine = format!("{}x{}", "<div>".repeat(200), "</div>".repeat(200));
        assert!(!is_pathological(&deep_but_fine));
    }

    #[test]
    fn deep_nesting_and_attribute_floods_are_caught() {
        assert!(is_pathological(&"<div>".repeat(MAX_NESTING + 1)));
        let attrs: String = (0..MAX_ATTRIBUTES + 1)
            .map(|i| format!(" a{i}=\"1\""))
            .collect();
        assert!(is_pathological(&format!("<p{attrs}>x</p>")));
    }

    #[test]
    fn plain_text_keeps_blocks_and_title() {
        let (title, paras) = plain_text(
            "<title>T &amp; U</title><div><div>First &lt;para&gt;</div><p>Second <b>bold</b></p></div><script>x<y</script>",
        );
        assert_eq!(title.as_deref(), Some("T & U"));
        assert_eq!(paras, ["First <para>", "Second bold"]);
    }
}
