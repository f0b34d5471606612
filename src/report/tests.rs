//! Unit tests of the report's page: escaping, empty states, grouping.

use chrono::{DateTime, FixedOffset, Utc};

use super::*;
use crate::store::MemberView;

fn at(hours: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_764_756_000 + hours * 3600, 0).unwrap()
}

fn member(h: i64, source: &str, title: &str, whats_new: Option<&str>) -> MemberView {
    MemberView {
        at: at(h),
        source: source.into(),
        title: title.into(),
        url: Some(format!("https://news.example/{h}")),
        new_story: h == 0,
        notified: whats_new.is_some(),
        whats_new: whats_new.map(String::from),
    }
}

fn story(id: i64, topic: &str, title: &str, timeline: Vec<MemberView>) -> StoryView {
    StoryView {
        id,
        topic: topic.into(),
        title: title.into(),
        started: timeline[0].at,
        last_seen: timeline[timeline.len() - 1].at,
        sources: timeline.len() as i64,
        muted: false,
        timeline,
    }
}

fn report(topics: Vec<TopicStories>) -> Report {
    Report {
        generated: at(30),
        since: at(-48),
        offset: FixedOffset::east_opt(0).unwrap(),
        topics,
        missing_database: None,
    }
}

#[test]
fn untrusted_text_is_escaped_everywhere() {
    let evil = "<script>alert('x')</script> & <img src=x onerror=alert(1)>";
    let mut m = member(0, "Desk\"><b>", evil, Some(evil));
    m.url = Some("javascript:alert(1)".into());
    let s = story(1, "Talks <i>", evil, vec![m]);
    let html = render(&report(group(&["Talks <i>".into()], vec![s])));
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>") && !html.contains("<i>"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img"));
    assert!(html.contains("Talks &lt;i&gt;"));
    assert!(html.contains("Desk&quot;&gt;&lt;b&gt;"));
}

#[test]
fn a_story_has_its_headline_chart_whats_new_and_links() {
    let s = story(
        4,
        "Talks",
        "Envoys meet in Geneva",
        vec![
            member(
                0,
                "Wire",
                "Envoys meet in Geneva",
                Some("Envoys met on Monday."),
            ),
            member(2, "Daily", "Geneva meeting ends", None),
            member(
                5,
                "Post",
                "Deal on prisoners",
                Some("A prisoner swap was agreed."),
            ),
        ],
    );
    let html = render(&report(group(&["Talks".into()], vec![s])));
    assert!(html.contains("id=\"story-4\""));
    assert!(html.contains(
        "<a href=\"https://news.example/0\" rel=\"noopener noreferrer\">Envoys meet in Geneva</a>"
    ));
    assert_eq!(html.matches("<svg class=\"spark\"").count(), 1);
    assert_eq!(html.matches("<svg class=\"timeline\"").count(), 1);
    assert!(html.contains("Envoys met on Monday."));
    assert!(html.contains("A prisoner swap was agreed."));
    assert!(html.contains("first report") && html.contains(">update<"));
    for h in [0, 2, 5] {
        assert!(html.contains(&format!("href=\"https://news.example/{h}\"")));
    }
    assert!(html.contains("3 sources from 3 outlets"));
    assert!(!html.contains("Nothing yet"));
}

#[test]
fn an_empty_period_and_a_missing_database_say_there_is_nothing_yet() {
    let empty = render(&report(group(&["Talks".into()], Vec::new())));
    assert!(empty.contains("Nothing yet"));
    assert!(empty.contains("No stories since"));
    assert!(!empty.contains("<svg"));
    let mut r = report(Vec::new());
    r.missing_database = Some("/tmp/none/<db>".into());
    let missing = render(&r);
    assert!(missing.contains("no database at <code>/tmp/none/&lt;db&gt;</code>"));
    assert!(missing.contains("newswatch run"));
}

#[test]
fn topics_keep_config_order_then_stored_ones_by_name() {
    let s = |id, topic: &str| story(id, topic, "t", vec![member(0, "a", "t", None)]);
    let topics = group(
        &["B".into(), "A".into()],
        vec![s(1, "Z"), s(2, "A"), s(3, "Y"), s(4, "A")],
    );
    let names: Vec<(&str, Vec<i64>)> = topics
        .iter()
        .map(|t| (t.name.as_str(), t.stories.iter().map(|s| s.id).collect()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("B", vec![]),
            ("A", vec![2, 4]),
            ("Y", vec![3]),
            ("Z", vec![1])
        ]
    );
}
