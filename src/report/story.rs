//! One topic's section of the report: its heading and figures, its timeline, and a card per
//! story (headline, sparkline of sources, what was new, the articles). The page around it
//! and the charts themselves live in `mod.rs` and `svg`.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::TopicStories;
use super::html::{Clock, count, esc, href, span};
use super::svg;
use crate::store::{MemberView, StoryView};

/// Article lists longer than this start folded.
const OPEN_ARTICLES: usize = 6;

/// A topic's `<section>`, `n` its position on the page (for its anchor).
pub fn topic_section(out: &mut String, n: usize, topic: &TopicStories, clock: &Clock) {
    let articles: usize = topic.stories.iter().map(|s| s.timeline.len()).sum();
    let notified: usize = topic
        .stories
        .iter()
        .flat_map(|s| &s.timeline)
        .filter(|m| m.notified)
        .count();
    let _ = write!(
        out,
        "<section class=\"topic\" id=\"topic-{n}\"><header class=\"topic-head\"><h2>{}</h2>\
         <p class=\"figures\">{} · {} · {}</p></header>",
        esc(&topic.name),
        count(topic.stories.len(), "story", "stories"),
        count(articles, "article", "articles"),
        count(notified, "notice", "notices"),
    );
    if topic.stories.is_empty() {
        out.push_str("<p class=\"card quiet\">No stories in this period.</p></section>");
        return;
    }
    let more = topic.stories.len().saturating_sub(svg::MAX_ROWS);
    let _ = write!(
        out,
        "<figure class=\"card chart\"><div class=\"scroll\">{}</div><figcaption>Each row is a \
         story, from its first article to its latest; a dot per article, filled where you were \
         notified.{}</figcaption></figure><ol class=\"stories\">",
        svg::topic_timeline(&topic.stories, clock),
        if more > 0 {
            format!(
                " Only the {} most recent are drawn; {more} more are listed below.",
                svg::MAX_ROWS
            )
        } else {
            String::new()
        }
    );
    for s in &topic.stories {
        out.push_str("<li>");
        story_card(out, s, clock);
        out.push_str("</li>");
    }
    out.push_str("</ol></section>");
}

fn story_card(out: &mut String, s: &StoryView, clock: &Clock) {
    let link = s
        .timeline
        .iter()
        .find(|m| m.title == s.title && m.url.is_some())
        .or_else(|| s.timeline.iter().find(|m| m.url.is_some()))
        .and_then(|m| href(m.url.as_deref()));
    let headline = match link {
        Some(h) => format!(
            "<a href=\"{h}\" rel=\"noopener noreferrer\">{}</a>",
            esc(&s.title)
        ),
        None => esc(&s.title).into_owned(),
    };
    let outlets: HashSet<&str> = s.timeline.iter().map(|m| m.source.as_str()).collect();
    let _ = write!(
        out,
        "<article class=\"card story\" id=\"story-{id}\"><div class=\"story-top\"><div class=\"story-title\">\
         <p class=\"kicker\">Story {id}{muted}</p><h3>{headline}</h3><p class=\"meta\">{sources} \
         from {outlets} · started {started} · latest {latest} · {over}</p></div>\
         <figure class=\"spark-box\">{spark}<figcaption>{growth}</figcaption></figure></div>",
        id = s.id,
        muted = if s.muted { " · muted" } else { "" },
        sources = count(s.sources.max(0) as usize, "source", "sources"),
        outlets = count(outlets.len(), "outlet", "outlets"),
        started = clock.time(s.started),
        latest = clock.time(s.last_seen),
        over = span(s.last_seen - s.started),
        spark = svg::sparkline(s),
        growth = match s.timeline.len() {
            0 | 1 => "1 source".to_string(),
            n => format!("1 → {n} sources"),
        },
    );
    whats_new(out, &s.timeline, clock);
    articles(out, &s.timeline, clock);
    out.push_str("</article>");
}

/// What the story's notices said: its first report, then each update.
fn whats_new(out: &mut String, timeline: &[MemberView], clock: &Clock) {
    let lines: Vec<&MemberView> = timeline
        .iter()
        .filter(|m| m.whats_new.as_deref().is_some_and(|w| !w.trim().is_empty()))
        .collect();
    if lines.is_empty() {
        return;
    }
    out.push_str("<section class=\"whats-new\"><h4>What's new</h4><ul>");
    for m in lines {
        let (class, tag) = if m.new_story {
            ("first", "first report")
        } else {
            ("update", "update")
        };
        let _ = write!(
            out,
            "<li class=\"{class}\"><div class=\"when\">{} <span class=\"tag {class}\">{tag}</span></div>\
             <p>{} <span class=\"source\">— {}</span></p></li>",
            clock.time(m.at),
            esc(m.whats_new.as_deref().unwrap_or_default()),
            esc(&m.source),
        );
    }
    out.push_str("</ul></section>");
}

/// Every article of the story, oldest first, linked.
fn articles(out: &mut String, timeline: &[MemberView], clock: &Clock) {
    let _ = write!(
        out,
        "<details class=\"articles\"{}><summary>{}</summary><ol>",
        if timeline.len() <= OPEN_ARTICLES {
            " open"
        } else {
            ""
        },
        count(timeline.len(), "article", "articles"),
    );
    for m in timeline {
        let title = match href(m.url.as_deref()) {
            Some(h) => format!(
                "<a href=\"{h}\" rel=\"noopener noreferrer\">{}</a>",
                esc(&m.title)
            ),
            None => esc(&m.title).into_owned(),
        };
        let _ = write!(
            out,
            "<li{}>{} <span class=\"source\">{}</span> {title}{}</li>",
            if m.notified {
                " class=\"notified\""
            } else {
                ""
            },
            clock.time_as(m.at, "%-d %b %H:%M"),
            esc(&m.source),
            if m.notified {
                " <span class=\"tag notified\" title=\"you were notified\">notified</span>"
            } else {
                ""
            }
        );
    }
    out.push_str("</ol></details>");
}
