//! Small HTML helpers for the report: escaping untrusted text (headlines, sources and URLs
//! come from feeds), safe links, and times and spans as people read them. Layout is left
//! to the other report modules.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, Utc};

/// `s` with `& < > " '` escaped: safe in element text and in quoted attribute values.
pub fn esc(s: &str) -> Cow<'_, str> {
    crate::notify::escape_markup(s)
}

/// An article link as an escaped attribute value: only absolute http(s) URLs qualify, so a
/// feed cannot smuggle in `javascript:` or a relative path.
pub fn href(url: Option<&str>) -> Option<String> {
    let parsed = url::Url::parse(url?).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| esc(parsed.as_str()).into_owned())
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    Cow::Owned(format!("{}…", cut.trim_end()))
}

/// Renders times in one fixed offset (the reader's local time when the report was made).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub offset: FixedOffset,
}

impl Clock {
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.offset)
    }

    /// `<time datetime="…">Wed 3 Dec 10:00</time>`.
    pub fn time(&self, t: DateTime<Utc>) -> String {
        self.time_as(t, "%a %-d %b %H:%M")
    }

    /// A `<time>` element with the text in `format` (chrono's strftime).
    pub fn time_as(&self, t: DateTime<Utc>, format: &str) -> String {
        let local = self.local(t);
        format!(
            "<time datetime=\"{}\">{}</time>",
            local.to_rfc3339(),
            esc(&local.format(format).to_string())
        )
    }

    /// The offset as people write it: `UTC`, `UTC+01:00`.
    pub fn zone(&self) -> String {
        let secs = self.offset.local_minus_utc();
        if secs == 0 {
            return "UTC".into();
        }
        let sign = if secs < 0 { '-' } else { '+' };
        let m = secs.unsigned_abs() / 60;
        format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
    }
}

/// A duration as people say it: `12 min`, `3 h 20 min`, `2 d 4 h`.
pub fn span(d: chrono::Duration) -> String {
    let mins = d.num_minutes().max(0);
    match mins {
        0 => "under a minute".into(),
        1..=59 => format!("{mins} min"),
        60..=1439 if mins % 60 == 0 => format!("{} h", mins / 60),
        60..=1439 => format!("{} h {} min", mins / 60, mins % 60),
        _ if (mins / 60) % 24 == 0 => format!("{} d", mins / 1440),
        _ => format!("{} d {} h", mins / 1440, (mins / 60) % 24),
    }
}

/// `1 source`, `3 sources`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert!(matches!(esc("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn only_http_links_are_kept() {
        assert_eq!(
            href(Some("https://a.example/x?a=1&b=\"2\"")).as_deref(),
            Some("https://a.example/x?a=1&amp;b=%222%22")
        );
        assert_eq!(href(Some("javascript:alert(1)")), None);
        assert_eq!(href(Some("/relative")), None);
        assert_eq!(href(None), None);
    }

    #[test]
    fn spans_and_zones_read_naturally() {
        assert_eq!(span(chrono::Duration::seconds(30)), "under a minute");
        assert_eq!(span(chrono::Duration::minutes(200)), "3 h 20 min");
        assert_eq!(span(chrono::Duration::hours(52)), "2 d 4 h");
        assert_eq!(span(chrono::Duration::hours(48)), "2 d");
        let clock = |s| Clock {
            offset: FixedOffset::east_opt(s).unwrap(),
        };
        assert_eq!(clock(0).zone(), "UTC");
        assert_eq!(clock(-5 * 3600 - 1800).zone(), "UTC-05:30");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
