//! The HTML report: one self-contained page of the stories the daemon grouped, per topic a
//! timeline and per story its headline, how its sources grew, what was new and links to the
//! articles. Pure rendering from stored [`StoryView`]s: no I/O here (the `report` command
//! reads the store and writes the file). The page loads nothing: CSS and SVG are inline
//! and a Content-Security-Policy forbids scripts and remote assets, so even text that
//! slipped past escaping could not run. Feed text is untrusted and always escaped.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | the page: head, summary, empty states, topics in order |
//! | `story.rs` | a topic's section and its story cards |
//! | `svg.rs` | sparklines and timelines |
//! | `html.rs` | escaping, links, times |
//! | `style.css` | the page's look, light and dark |

mod html;
mod story;
mod svg;

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Utc};

use crate::store::StoryView;
use html::{Clock, count, esc};

const STYLE: &str = include_str!("style.css");

/// One topic and its stories, newest first.
#[derive(Debug, Clone)]
pub struct TopicStories {
    pub name: String,
    pub stories: Vec<StoryView>,
}

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct Report {
    /// When it was made.
    pub generated: DateTime<Utc>,
    /// Stories with an article since then.
    pub since: DateTime<Utc>,
    /// Times are shown in this offset (the reader's local time).
    pub offset: FixedOffset,
    /// Topics in display order; a topic may have no stories.
    pub topics: Vec<TopicStories>,
    /// Set when there is no database yet: the page says so instead of listing topics.
    pub missing_database: Option<PathBuf>,
}

/// Groups stories (newest first) by topic: the `configured` topics in their order (each
/// even without stories), then any other stored topic by name.
pub fn group(configured: &[String], stories: Vec<StoryView>) -> Vec<TopicStories> {
    let mut topics: Vec<TopicStories> = configured
        .iter()
        .map(|name| TopicStories {
            name: name.clone(),
            stories: Vec::new(),
        })
        .collect();
    let mut others: Vec<TopicStories> = Vec::new();
    for s in stories {
        let slot = match topics.iter_mut().find(|t| t.name == s.topic) {
            Some(t) => t,
            None => {
                let i = others
                    .iter()
                    .position(|t| t.name == s.topic)
                    .unwrap_or_else(|| {
                        others.push(TopicStories {
                            name: s.topic.clone(),
                            stories: Vec::new(),
                        });
                        others.len() - 1
                    });
                &mut others[i]
            }
        };
        slot.stories.push(s);
    }
    others.sort_by(|a, b| a.name.cmp(&b.name));
    topics.extend(others);
    topics
}

/// The whole page.
pub fn render(report: &Report) -> String {
    let clock = Clock {
        offset: report.offset,
    };
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <meta name=\"referrer\" content=\"no-referrer\"><meta name=\"color-scheme\" content=\"light dark\">\
         <meta name=\"generator\" content=\"newswatch {}\"><title>newswatch report · {}</title><style>{STYLE}</style></head><body><main>",
        env!("CARGO_PKG_VERSION"),
        esc(&clock
            .local(report.generated)
            .format("%-d %b %Y")
            .to_string()),
    );
    header(&mut out, report, &clock);
    let stories: usize = report.topics.iter().map(|t| t.stories.len()).sum();
    if let Some(path) = &report.missing_database {
        nothing_yet(
            &mut out,
            &format!(
                "There is no database at <code>{}</code> yet. Start the daemon with \
                 <code>newswatch run</code>: it polls your feeds, and the stories it finds \
                 appear here.",
                esc(&path.display().to_string())
            ),
        );
    } else if stories == 0 {
        nothing_yet(
            &mut out,
            &format!(
                "No stories since {}. Stories appear when new articles match your topics; \
                 <code>newswatch status</code> shows what your feeds have been doing.",
                clock.time(report.since)
            ),
        );
    }
    if report.missing_database.is_none() {
        for (i, topic) in report.topics.iter().enumerate() {
            if stories > 0 || !topic.stories.is_empty() {
                story::topic_section(&mut out, i + 1, topic, &clock);
            }
        }
    }
    let _ = writeln!(
        out,
        "<footer>Made by newswatch {} on {} · times in {}</footer></main></body></html>",
        env!("CARGO_PKG_VERSION"),
        clock.time_as(report.generated, "%-d %b %Y %H:%M"),
        clock.zone()
    );
    out
}

/// Title, period, totals and (with several topics) a table of contents.
fn header(out: &mut String, report: &Report, clock: &Clock) {
    let stories: usize = report.topics.iter().map(|t| t.stories.len()).sum();
    let articles: usize = report
        .topics
        .iter()
        .flat_map(|t| &t.stories)
        .map(|s| s.timeline.len())
        .sum();
    let _ = write!(
        out,
        "<header class=\"page-head\"><p class=\"brand\">newswatch</p><h1>What happened since {}</h1>\
         <p class=\"figures\">{} · {} · {}</p>",
        clock.time_as(report.since, "%a %-d %b %H:%M"),
        count(report.topics.len(), "topic", "topics"),
        count(stories, "story", "stories"),
        count(articles, "article", "articles"),
    );
    if report.topics.len() > 1 && stories > 0 {
        out.push_str("<nav class=\"toc\">");
        for (i, t) in report.topics.iter().enumerate() {
            let _ = write!(
                out,
                "<a href=\"#topic-{}\">{} <span>{}</span></a>",
                i + 1,
                esc(&t.name),
                t.stories.len()
            );
        }
        out.push_str("</nav>");
    }
    out.push_str("</header>");
}

fn nothing_yet(out: &mut String, text: &str) {
    let _ = write!(
        out,
        "<section class=\"card empty\"><h2>Nothing yet</h2><p>{text}</p></section>"
    );
}

#[cfg(test)]
mod tests;
