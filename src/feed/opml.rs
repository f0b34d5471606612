//! OPML subscription lists: read them (outlines nested at any depth; folders and
//! `category` attributes become tags) and write them (OPML 2.0).
//!
//! Reading is lenient about what feed readers put in an outline (any `type`, `text` or
//! `title`, unknown attributes, `xmlurl` in any case) and strict about the XML itself: a
//! broken file is an error with its line and column, never half a list. Entities are not
//! expanded beyond XML's five. Checking the URLs and adding them to the config is the
//! caller's job (`crate::app`).

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};

/// One feed of a subscription list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpmlFeed {
    /// `xmlUrl`, as written (not checked).
    pub xml_url: String,
    /// `text`, else `title`.
    pub name: Option<String>,
    /// `htmlUrl`: the site.
    pub html_url: Option<String>,
    /// The folders it sits in (outermost first), then its `category` entries; no repeats.
    pub tags: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    #[error("malformed XML at line {line}, column {column}")]
    Xml {
        line: usize,
        column: usize,
        #[source]
        source: quick_xml::Error,
    },
    #[error("not an OPML file: the document is <{0}>, not <opml>")]
    NotOpml(String),
    #[error("not an OPML file: there is no <opml> element")]
    NoRoot,
    #[error("the file ends inside <{0}>: it is cut short")]
    Truncated(String),
}

/// An element open while reading: its name, and for a folder outline its label.
struct Open {
    name: String,
    folder: Option<String>,
}

/// Reads an OPML document: every outline with an `xmlUrl`, in document order.
pub fn parse(bytes: &[u8]) -> Result<Vec<OpmlFeed>, OpmlError> {
    let text = decode(bytes);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut open: Vec<Open> = Vec::new();
    let mut feeds = Vec::new();
    let mut seen_root = false;
    loop {
        let event = reader.read_event().map_err(|source| {
            let (line, column) = line_col(&text, reader.error_position() as usize);
            OpmlError::Xml {
                line,
                column,
                source,
            }
        })?;
        let (start, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                open.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = start.local_name().as_ref().to_string();
        if !seen_root {
            if !name.eq_ignore_ascii_case("opml") {
                return Err(OpmlError::NotOpml(name));
            }
            seen_root = true;
        }
        let mut folder = None;
        if name.eq_ignore_ascii_case("outline") {
            let a = attributes(start);
            match a.get("xmlurl").filter(|u| !u.trim().is_empty()) {
                Some(url) => feeds.push(OpmlFeed {
                    xml_url: url.trim().to_string(),
                    name: a.label(),
                    html_url: a.get("htmlurl").map(|u| u.trim().to_string()),
                    tags: tags(&open, a.get("category")),
                }),
                None => folder = a.label(),
            }
        }
        if !empty {
            open.push(Open { name, folder });
        }
    }
    if let Some(o) = open.last() {
        return Err(OpmlError::Truncated(o.name.clone()));
    }
    if !seen_root {
        return Err(OpmlError::NoRoot);
    }
    Ok(feeds)
}

/// A feed's tags: the folders it sits in, outermost first, then its `category` list
/// (comma-separated, slashes trimmed), each once.
fn tags(open: &[Open], category: Option<&str>) -> Vec<String> {
    let folders = open.iter().filter_map(|o| o.folder.clone());
    let categories = category
        .into_iter()
        .flat_map(|c| c.split(','))
        .map(|c| c.trim().trim_matches('/').trim().to_string())
        .filter(|c| !c.is_empty());
    let mut unique: Vec<String> = Vec::new();
    for t in folders.chain(categories) {
        if !unique.contains(&t) {
            unique.push(t);
        }
    }
    unique
}

/// An outline's attributes, names lower-cased. A value with an entity XML does not define
/// (`&nbsp;` is common) is kept as written rather than failing the whole file.
struct Attrs(Vec<(String, String)>);

impl Attrs {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `text`, else `title`, trimmed; none if empty.
    fn label(&self) -> Option<String> {
        ["text", "title"]
            .iter()
            .filter_map(|k| self.get(k))
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .find(|v| !v.is_empty())
    }
}

fn attributes(e: &BytesStart<'_>) -> Attrs {
    Attrs(
        e.attributes()
            .with_checks(false)
            .filter_map(Result::ok)
            .map(|a| {
                let key = a.key.local_name().as_ref().to_ascii_lowercase();
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(Cow::into_owned)
                    .unwrap_or_else(|_| a.value.clone().into_owned());
                (key, value)
            })
            .collect(),
    )
}

/// The document as text: a byte-order mark, else UTF-8, else the encoding its XML
/// declaration names, else Windows-1252.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom..]).0;
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
    let declared = head
        .find("encoding=")
        .and_then(|i| {
            let rest = &head[i + 9..];
            let quote = rest.chars().next()?;
            let rest = &rest[1..];
            rest.find(quote).map(|end| rest[..end].to_string())
        })
        .and_then(|label| encoding_rs::Encoding::for_label(label.trim().as_bytes()))
        .unwrap_or(encoding_rs::WINDOWS_1252);
    Cow::Owned(declared.decode_without_bom_handling(bytes).0.into_owned())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Writes an OPML 2.0 document. Each feed's outline has `text` and `title` (its name,
/// else its URL), `xmlUrl`, `htmlUrl` when known and `category` with its tags; feeds in a
/// row that share their first tag sit in a folder outline of that name (the order is
/// kept, so a folder may appear twice).
pub fn write(title: &str, feeds: &[OpmlFeed]) -> String {
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    out.push_str(&format!(
        "  <head>\n    <title>{}</title>\n  </head>\n  <body>\n",
        esc(title)
    ));
    let mut folder: Option<&str> = None;
    for f in feeds {
        let first = f.tags.first().map(String::as_str);
        if folder.is_some() && folder != first {
            out.push_str("    </outline>\n");
            folder = None;
        }
        if folder.is_none()
            && let Some(tag) = first
        {
            out.push_str(&format!(
                "    <outline text=\"{0}\" title=\"{0}\">\n",
                esc(tag)
            ));
            folder = Some(tag);
        }
        let indent = if folder.is_some() { "      " } else { "    " };
        let name = esc(f.name.as_deref().unwrap_or(&f.xml_url));
        out.push_str(&format!(
            "{indent}<outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{}\"",
            esc(&f.xml_url)
        ));
        if let Some(h) = &f.html_url {
            out.push_str(&format!(" htmlUrl=\"{}\"", esc(h)));
        }
        // `category` is a comma-separated list, so a tag holding a comma cannot be one of
        // it (it would come back as several); as the folder it still round-trips.
        let listed: Vec<&str> = f
            .tags
            .iter()
            .map(String::as_str)
            .filter(|t| !t.contains(','))
            .collect();
        if !listed.is_empty() {
            out.push_str(&format!(" category=\"{}\"", esc(&listed.join(","))));
        }
        out.push_str("/>\n");
    }
    if folder.is_some() {
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(url: &str, name: Option<&str>, tags: &[&str]) -> OpmlFeed {
        OpmlFeed {
            xml_url: url.into(),
            name: name.map(str::to_string),
            html_url: None,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn nested_outlines_and_categories_become_tags() {
        let doc = br#"<?xml version="1.0"?>
<opml version="1.0"><head><title>Mine</title></head><body>
  <outline text="News">
    <outline text="World">
      <outline type="rss" text="Desk &amp; Co" xmlUrl="https://desk.example/rss" htmlUrl="https://desk.example/" category="/Politics, Europe,World"/>
    </outline>
    <outline title="Only a title" xmlurl=" https://t.example/feed "></outline>
  </outline>
  <outline text="Top" type="rss" xmlUrl="https://top.example/atom.xml"/>
  <outline text="empty folder"/>
  <outline text="no url" xmlUrl=""/>
</body></opml>"#;
        let feeds = parse(doc).unwrap();
        assert_eq!(
            feeds,
            vec![
                OpmlFeed {
                    html_url: Some("https://desk.example/".into()),
                    ..feed(
                        "https://desk.example/rss",
                        Some("Desk & Co"),
                        &["News", "World", "Politics", "Europe"]
                    )
                },
                feed("https://t.example/feed", Some("Only a title"), &["News"]),
                feed("https://top.example/atom.xml", Some("Top"), &[]),
            ]
        );
    }

    #[test]
    fn write_then_parse_gives_the_same_feeds() {
        let feeds = vec![
            feed(
                "https://a.example/rss",
                Some("A <&> \"B\""),
                &["tech", "science"],
            ),
            feed("https://b.example/rss", None, &["tech"]),
            feed("https://c.example/rss?x=1&y=2", Some("C"), &[]),
            feed("https://d.example/rss", Some("D"), &["tech"]),
        ];
        let doc = write("newswatch feeds", &feeds);
        assert!(doc.contains("<opml version=\"2.0\">"), "{doc}");
        assert_eq!(doc.matches("<outline text=\"tech\"").count(), 2, "{doc}");
        let back = parse(doc.as_bytes()).unwrap();
        // A feed without a name is written with its URL as its text.
        let mut want = feeds.clone();
        want[1].name = Some("https://b.example/rss".into());
        assert_eq!(back, want);
    }

    #[test]
    fn a_folder_named_with_a_comma_round_trips_as_one_tag() {
        let feeds = [OpmlFeed {
            xml_url: "https://a.example/rss".into(),
            name: Some("A".into()),
            html_url: None,
            tags: vec!["News, World & <More>".into(), "Daily".into()],
        }];
        let back = parse(write("Feeds", &feeds).as_bytes()).unwrap();
        assert_eq!(back[0].tags, ["News, World & <More>", "Daily"]);
    }

    #[test]
    fn broken_files_are_clear_errors() {
        let cases: [(&[u8], &str); 5] = [
            (
                b"<opml><body><outline text='x'></body></opml>",
                "malformed XML at line 1",
            ),
            (
                b"<opml><body>\n<outline xmlUrl='https://a.example/'>",
                "ends inside <outline>",
            ),
            (
                b"<html><body></body></html>",
                "the document is <html>, not <opml>",
            ),
            (b"", "there is no <opml> element"),
            (b"\x00\x01garbage", "there is no <opml> element"),
        ];
        for (doc, want) in cases {
            match parse(doc) {
                Err(e) => assert!(e.to_string().contains(want), "{e} (wanted {want})"),
                Ok(f) => panic!("{:?} parsed: {f:?}", String::from_utf8_lossy(doc)),
            }
        }
    }

    #[test]
    fn latin1_and_unknown_entities_are_read() {
        let doc = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><opml><body><outline text=\"Caf\xe9&nbsp;News\" xmlUrl=\"https://c.example/\"/></body></opml>";
        let feeds = parse(doc).unwrap();
        assert_eq!(feeds[0].name.as_deref(), Some("Café&nbsp;News"));
    }
}
