//! The report's charts as inline SVG: a sparkline per story (its sources counted up over
//! time, a step for each article) and a timeline per topic (one row per story: its span,
//! a dot per article, filled where it notified). Colours come from the page's CSS classes,
//! so light and dark themes apply; text is escaped here like everywhere else.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::html::{Clock, count, esc, span, truncate};
use crate::store::StoryView;

/// Rows the topic timeline draws at most (the newest stories).
pub const MAX_ROWS: usize = 40;

/// Maps times in `[t0, t1]` onto `[x0, x1]`.
#[derive(Debug, Clone, Copy)]
struct Scale {
    t0: i64,
    t1: i64,
    x0: f64,
    x1: f64,
}

impl Scale {
    fn x(&self, t: DateTime<Utc>) -> f64 {
        let span = (self.t1 - self.t0).max(1) as f64;
        let f = ((t.timestamp() - self.t0) as f64 / span).clamp(0.0, 1.0);
        self.x0 + f * (self.x1 - self.x0)
    }
}

/// A story's sources over time as a step chart, 200×48.
pub fn sparkline(story: &StoryView) -> String {
    const W: f64 = 200.0;
    const H: f64 = 48.0;
    const TOP: f64 = 6.0;
    const BASE: f64 = 44.0;
    let mut times: Vec<(DateTime<Utc>, bool)> =
        story.timeline.iter().map(|m| (m.at, m.notified)).collect();
    times.sort_by_key(|t| t.0);
    let (Some(first), Some(last)) = (times.first(), times.last()) else {
        return String::new();
    };
    let n = times.len();
    let scale = Scale {
        t0: first.0.timestamp(),
        t1: last.0.timestamp(),
        x0: 6.0,
        x1: W - 6.0,
    };
    let y = |k: usize| BASE - (k as f64 / n as f64) * (BASE - TOP);
    let mut line = format!("M{:.1} {BASE:.1}V{:.1}", scale.x(first.0), y(1));
    for (i, (at, _)) in times.iter().enumerate().skip(1) {
        let _ = write!(line, "H{:.1}V{:.1}", scale.x(*at), y(i + 1));
    }
    let _ = write!(line, "H{:.1}", W - 6.0);
    let label = format!("Sources over time: 1 to {n} in {}", span(last.0 - first.0));
    let mut svg = format!(
        "<svg class=\"spark\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{label}\"><title>{label}</title>\
         <line class=\"baseline\" x1=\"6\" y1=\"{BASE}\" x2=\"{}\" y2=\"{BASE}\"/>\
         <path class=\"spark-area\" d=\"{line}V{BASE:.1}Z\"/><path class=\"spark-line\" d=\"{line}\"/>",
        W - 6.0,
        label = esc(&label),
    );
    for (i, (at, notified)) in times.iter().enumerate() {
        let (class, r) = if *notified {
            ("dot notified", 3.5)
        } else {
            ("dot", 2.0)
        };
        let _ = write!(
            svg,
            "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\"/>",
            scale.x(*at),
            y(i + 1)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The time range a topic's stories cover, at least an hour, padded a little.
fn range(stories: &[&StoryView]) -> Option<(i64, i64)> {
    let times = stories.iter().flat_map(|s| {
        [s.started, s.last_seen]
            .into_iter()
            .chain(s.timeline.iter().map(|m| m.at))
    });
    let t0 = times.clone().map(|t| t.timestamp()).min()?;
    let t1 = times.map(|t| t.timestamp()).max()?;
    let (t0, t1) = if t1 - t0 < 3600 {
        let mid = (t0 + t1) / 2;
        (mid - 1800, mid + 1800)
    } else {
        (t0, t1)
    };
    let pad = (t1 - t0) / 30;
    Some((t0 - pad, t1 + pad))
}

/// Tick times at a round local step (15 min … 30 days) giving at most 7 ticks.
fn ticks(t0: i64, t1: i64, offset: i64) -> (i64, Vec<i64>) {
    const STEPS: [i64; 12] = [
        900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2592000,
    ];
    let step = STEPS
        .iter()
        .copied()
        .find(|s| (t1 - t0) / s <= 6)
        .unwrap_or(STEPS[STEPS.len() - 1]);
    let mut t = ((t0 + offset).div_euclid(step) + 1) * step - offset;
    let mut out = Vec::new();
    while t <= t1 {
        out.push(t);
        t += step;
    }
    (step, out)
}

/// Vertical grid lines with their time (and, where the day changes, date) labels.
fn axis(svg: &mut String, scale: Scale, clock: &Clock, bottom: f64) {
    let offset = i64::from(clock.offset.local_minus_utc());
    let (step, ticks) = ticks(scale.t0, scale.t1, offset);
    let mut last_day = None;
    for t in ticks {
        let Some(at) = DateTime::from_timestamp(t, 0) else {
            continue;
        };
        let local = clock.local(at);
        let x = scale.x(at);
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{x:.1}\" y1=\"30\" x2=\"{x:.1}\" y2=\"{bottom:.1}\"/>"
        );
        let day = local.date_naive();
        let (upper, lower) = if step >= 86400 {
            (None, local.format("%-d %b").to_string())
        } else if last_day != Some(day) {
            (
                Some(local.format("%a %-d %b").to_string()),
                local.format("%H:%M").to_string(),
            )
        } else {
            (None, local.format("%H:%M").to_string())
        };
        last_day = Some(day);
        if let Some(u) = upper {
            let _ = write!(
                svg,
                "<text class=\"axis-label day\" x=\"{x:.1}\" y=\"11\">{}</text>",
                esc(&u)
            );
        }
        let _ = write!(
            svg,
            "<text class=\"axis-label\" x=\"{x:.1}\" y=\"25\">{}</text>",
            esc(&lower)
        );
    }
}

/// One story's row: its headline, its span as a bar, a dot per article.
fn row(svg: &mut String, story: &StoryView, scale: Scale, y: f64, odd: bool) {
    const ROW: f64 = 26.0;
    let _ = write!(
        svg,
        "<a href=\"#story-{}\" class=\"tl-row\"><title>{}</title>",
        story.id,
        esc(&format!(
            "{} — {}",
            story.title,
            count(story.timeline.len(), "article", "articles")
        ))
    );
    let _ = write!(
        svg,
        "<rect class=\"row-bg{}\" x=\"0\" y=\"{:.1}\" width=\"960\" height=\"{ROW}\"/>",
        if odd { " odd" } else { "" },
        y - ROW / 2.0
    );
    let _ = write!(
        svg,
        "<text class=\"row-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        scale.x0 - 14.0,
        y + 4.0,
        esc(&truncate(&story.title, 38))
    );
    let (x0, x1) = (scale.x(story.started), scale.x(story.last_seen));
    let _ = write!(
        svg,
        "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\" rx=\"3\"/>",
        x0 - 3.0,
        y - 3.0,
        (x1 - x0).max(0.0) + 6.0
    );
    for m in &story.timeline {
        let (class, r) = if m.notified {
            ("dot notified", 4.5)
        } else {
            ("dot", 3.0)
        };
        let _ = write!(
            svg,
            "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{y:.1}\" r=\"{r}\"/>",
            scale.x(m.at)
        );
    }
    svg.push_str("</a>");
}

/// A topic's stories on one time axis, newest first, at most [`MAX_ROWS`] of them.
pub fn topic_timeline(stories: &[StoryView], clock: &Clock) -> String {
    const W: f64 = 960.0;
    const GUTTER: f64 = 300.0;
    const TOP: f64 = 36.0;
    const ROW: f64 = 26.0;
    let shown: Vec<&StoryView> = stories.iter().take(MAX_ROWS).collect();
    let Some((t0, t1)) = range(&shown) else {
        return String::new();
    };
    let height = TOP + ROW * shown.len() as f64 + 6.0;
    let scale = Scale {
        t0,
        t1,
        x0: GUTTER,
        x1: W - 20.0,
    };
    let label = format!(
        "Timeline of {}: each row a story, a dot per article",
        count(shown.len(), "story", "stories")
    );
    let mut svg = format!(
        "<svg class=\"timeline\" viewBox=\"0 0 {W} {height}\" role=\"img\" aria-label=\"{}\">",
        esc(&label)
    );
    axis(&mut svg, scale, clock, height - 4.0);
    for (i, s) in shown.iter().enumerate() {
        row(
            &mut svg,
            s,
            scale,
            TOP + ROW * i as f64 + ROW / 2.0,
            i % 2 == 1,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemberView;

    fn story(times: &[(i64, bool)]) -> StoryView {
        let at = |t: i64| DateTime::from_timestamp(1_764_000_000 + t, 0).unwrap();
        StoryView {
            id: 7,
            topic: "T".into(),
            title: "Talks <resume>".into(),
            started: at(times[0].0),
            last_seen: at(times[times.len() - 1].0),
            sources: times.len() as i64,
            muted: false,
            timeline: times
                .iter()
                .map(|&(t, notified)| MemberView {
                    at: at(t),
                    source: "Desk".into(),
                    title: "x".into(),
                    url: None,
                    new_story: t == times[0].0,
                    notified,
                    whats_new: None,
                })
                .collect(),
        }
    }

    #[test]
    fn sparkline_steps_up_once_per_article() {
        let svg = sparkline(&story(&[(0, true), (3600, false), (7200, true)]));
        // From the baseline to 1/3, 2/3 and the top, at the left, middle and right.
        assert!(
            svg.contains("d=\"M6.0 44.0V31.3H100.0V18.7H194.0V6.0H194.0\""),
            "{svg}"
        );
        assert_eq!(svg.matches("class=\"dot notified\"").count(), 2);
        assert!(svg.contains("1 to 3 in 2 h"));
    }

    #[test]
    fn timeline_links_rows_to_stories_and_escapes_titles() {
        let clock = Clock {
            offset: chrono::FixedOffset::east_opt(0).unwrap(),
        };
        let svg = topic_timeline(&[story(&[(0, true), (90_000, false)])], &clock);
        assert!(svg.contains("href=\"#story-7\""));
        assert!(svg.contains("Talks &lt;resume&gt;"));
        assert!(!svg.contains("<resume>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("class=\"grid\""));
    }

    #[test]
    fn ticks_fall_on_round_local_times() {
        // Six hours from 7 minutes past an hour: six ticks, on the hour in local time.
        let t0 = 1_764_000_000 / 3600 * 3600 + 420;
        let (step, ticks) = ticks(t0, t0 + 6 * 3600, 3600);
        assert_eq!(step, 3600);
        assert!(ticks.iter().all(|t| (t + 3600) % 3600 == 0));
        assert_eq!(ticks.len(), 6);
    }
}
