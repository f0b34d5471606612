//! Anti-noise: whether a notice goes out now or is held back, and the digest that carries
//! held notices when they are let go.
//!
//! Gates, in order: quiet hours (local time; critical notices pass), a topic's digest
//! mode, the topic's rate limit, the global rate limit. A held notice waits for its time
//! and then goes out with the others held for the same reason as one digest ("5 more
//! updates on Ukraine peace talks"); a lone held notice goes out as itself.

use chrono::{DateTime, Duration, Local, NaiveTime, TimeZone as _, Utc};

use super::Notice;
use crate::config::{Config, QuietHours, Urgency};

/// Why a notice is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    Quiet,
    Digest,
    TopicRate,
    GlobalRate,
}

impl Hold {
    pub fn as_str(self) -> &'static str {
        match self {
            Hold::Quiet => "quiet hours",
            Hold::Digest => "digest",
            Hold::TopicRate => "topic rate limit",
            Hold::GlobalRate => "rate limit",
        }
    }
}

/// What the gates need to know about notices already out or held.
pub trait Recent {
    /// Notices of `topic` (or of all topics) released in the hour before `now`, and the
    /// earliest of them.
    fn released_in_last_hour(&self, topic: Option<&str>) -> (u32, Option<DateTime<Utc>>);
    /// When the digest currently collecting this topic's notices goes out, if one is.
    fn digest_due(&self, topic: &str) -> Option<DateTime<Utc>>;
}

/// `None` to send `notice` now, or how long to hold it and why.
pub fn decide(
    cfg: &Config,
    notice: &Notice,
    now: DateTime<Utc>,
    recent: &dyn Recent,
) -> Option<(DateTime<Utc>, Hold)> {
    if notice.urgency != Urgency::Critical
        && let Some(end) = quiet_until(&cfg.notify.quiet_hours, now)
    {
        return Some((end, Hold::Quiet));
    }
    let topic = cfg.topics.iter().find(|t| t.name == notice.topic);
    if let Some(every) = topic.and_then(|t| t.digest) {
        let due = recent
            .digest_due(&notice.topic)
            .unwrap_or_else(|| now + Duration::from_std(every).unwrap_or(Duration::MAX));
        return Some((due, Hold::Digest));
    }
    let limits = [
        (
            topic.and_then(|t| t.max_per_hour),
            Some(notice.topic.as_str()),
            Hold::TopicRate,
        ),
        (cfg.notify.max_per_hour, None, Hold::GlobalRate),
    ];
    for (limit, scope, hold) in limits {
        let Some(limit) = limit else { continue };
        let (count, oldest) = recent.released_in_last_hour(scope);
        if count >= limit {
            let until = oldest.map_or(now, |t| t + Duration::hours(1)).max(now);
            return Some((until, hold));
        }
    }
    None
}

/// The end of the quiet range `now` falls in, if any.
pub fn quiet_until(ranges: &[QuietHours], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&Local);
    let t = local.time();
    let range = ranges.iter().find(|q| q.contains(t))?;
    let mut date = local.date_naive();
    if range.end <= t {
        date = date.succ_opt()?;
    }
    Some(at_local(date.and_time(range.end)).unwrap_or(now + Duration::hours(1)))
}

fn at_local(t: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    // A wall time that a DST change skips resolves to the first valid one after it.
    let mut t = t;
    for _ in 0..4 {
        if let Some(d) = Local.from_local_datetime(&t).earliest() {
            return Some(d.with_timezone(&Utc));
        }
        t += Duration::minutes(30);
    }
    None
}

/// One notice carrying `held` (all held for `reason`), oldest first.
pub fn digest(reason: &str, held: &[&Notice]) -> Notice {
    let topics: Vec<&str> = {
        let mut t: Vec<&str> = held.iter().map(|n| n.topic.as_str()).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    let one_topic = topics.len() == 1;
    let topic = if one_topic {
        topics[0].to_string()
    } else {
        "newswatch".to_string()
    };
    let n = held.len();
    let headline = match (reason, one_topic) {
        ("quiet hours", true) => format!("{n} notices on {topic} during quiet hours"),
        ("quiet hours", false) => format!("{n} notices during quiet hours"),
        ("digest", _) => format!("{n} updates on {topic}"),
        (_, true) => format!("{n} more updates on {topic}"),
        (_, false) => format!("{n} more notices"),
    };
    const LISTED: usize = 5;
    let mut body: Vec<String> = held
        .iter()
        .rev()
        .take(LISTED)
        .map(|n| {
            if one_topic {
                format!("• {}", n.headline)
            } else {
                format!("• {}: {}", n.topic, n.headline)
            }
        })
        .collect();
    if n > LISTED {
        body.push(format!("and {} more", n - LISTED));
    }
    Notice {
        id: None,
        topic,
        headline,
        source: "newswatch".into(),
        url: None,
        body: body.join("\n"),
        urgency: held
            .iter()
            .map(|n| n.urgency)
            .max_by_key(|u| match u {
                Urgency::Low => 0,
                Urgency::Normal => 1,
                Urgency::Critical => 2,
            })
            .unwrap_or_default(),
        story: None,
        update: false,
        sources: n,
        published: None,
    }
}

/// `HH:MM` today in local time, as UTC: for tests and examples.
pub fn local_today(time: NaiveTime) -> Option<DateTime<Utc>> {
    at_local(Local::now().date_naive().and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counts {
        topic: (u32, Option<DateTime<Utc>>),
        all: (u32, Option<DateTime<Utc>>),
        digest: Option<DateTime<Utc>>,
    }

    impl Recent for Counts {
        fn released_in_last_hour(&self, topic: Option<&str>) -> (u32, Option<DateTime<Utc>>) {
            if topic.is_some() {
                self.topic
            } else {
                self.all
            }
        }
        fn digest_due(&self, _: &str) -> Option<DateTime<Utc>> {
            self.digest
        }
    }

    fn config(extra_notify: &str, extra_topic: &str) -> Config {
        crate::config::parse(
            &format!(
                "[[topics]]\nname = \"T\"\nquery = \"x\"\n{extra_topic}\n[notify]\n{extra_notify}\n"
            ),
            "t.toml",
        )
        .unwrap()
    }

    fn notice(urgency: Urgency) -> Notice {
        let mut n = digest("rate limit", &[]);
        n.topic = "T".into();
        n.urgency = urgency;
        n
    }

    fn local(h: u32, m: u32) -> DateTime<Utc> {
        local_today(NaiveTime::from_hms_opt(h, m, 0).unwrap()).unwrap()
    }

    const NONE: Counts = Counts {
        topic: (0, None),
        all: (0, None),
        digest: None,
    };

    #[test]
    fn quiet_hours_hold_until_they_end_and_critical_passes() {
        let cfg = config("quiet_hours = [\"22:00-07:00\", \"12:00-13:00\"]", "");
        let (until, why) = decide(&cfg, &notice(Urgency::Normal), local(23, 30), &NONE).unwrap();
        assert_eq!(why, Hold::Quiet);
        assert_eq!(until, local(7, 0) + Duration::days(1));
        let (until, _) = decide(&cfg, &notice(Urgency::Low), local(6, 0), &NONE).unwrap();
        assert_eq!(until, local(7, 0));
        assert_eq!(
            decide(&cfg, &notice(Urgency::Normal), local(7, 0), &NONE),
            None
        );
        assert_eq!(
            decide(&cfg, &notice(Urgency::Critical), local(23, 30), &NONE),
            None
        );
        assert_eq!(
            decide(&cfg, &notice(Urgency::Normal), local(12, 10), &NONE).map(|d| d.0),
            Some(local(13, 0))
        );
    }

    #[test]
    fn rate_limits_hold_until_the_oldest_leaves_the_hour() {
        let cfg = config("max_per_hour = 10", "max_per_hour = 2");
        let now = local(10, 0);
        let oldest = now - Duration::minutes(40);
        let busy_topic = Counts {
            topic: (2, Some(oldest)),
            all: (2, Some(oldest)),
            digest: None,
        };
        assert_eq!(
            decide(&cfg, &notice(Urgency::Normal), now, &busy_topic),
            Some((oldest + Duration::hours(1), Hold::TopicRate))
        );
        let busy_all = Counts {
            topic: (1, Some(oldest)),
            all: (10, Some(oldest)),
            digest: None,
        };
        assert_eq!(
            decide(&cfg, &notice(Urgency::Normal), now, &busy_all).map(|d| d.1),
            Some(Hold::GlobalRate)
        );
        assert_eq!(decide(&cfg, &notice(Urgency::Normal), now, &NONE), None);
    }

    #[test]
    fn digest_mode_collects_into_the_current_digest() {
        let cfg = config("", "digest = \"30m\"");
        let now = local(10, 0);
        assert_eq!(
            decide(&cfg, &notice(Urgency::Normal), now, &NONE),
            Some((now + Duration::minutes(30), Hold::Digest))
        );
        let collecting = Counts {
            digest: Some(now + Duration::minutes(5)),
            ..NONE
        };
        assert_eq!(
            decide(&cfg, &notice(Urgency::Normal), now, &collecting).map(|d| d.0),
            Some(now + Duration::minutes(5))
        );
    }

    #[test]
    fn digests_count_and_list_what_they_carry() {
        let mut a = notice(Urgency::Normal);
        a.headline = "First".into();
        let mut b = notice(Urgency::Critical);
        b.headline = "Second".into();
        let d = digest("topic rate limit", &[&a, &b]);
        assert_eq!(d.headline, "2 more updates on T");
        assert_eq!(d.body, "• Second\n• First");
        assert_eq!(d.urgency, Urgency::Critical);
        b.topic = "U".into();
        let d = digest("quiet hours", &[&a, &b]);
        assert_eq!(d.headline, "2 notices during quiet hours");
        assert_eq!(d.topic, "newswatch");
    }
}
