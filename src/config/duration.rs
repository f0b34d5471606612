//! Human durations in config values: `90s`, `15m`, `1h30m`, `2d`, `500ms`.

use std::time::Duration;

/// Parses a duration such as `15m` or `1h30m`. A bare number is refused: units are required
/// so that `interval = 15` can't silently mean seconds to one reader and minutes to another.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let text = s.trim();
    if text.is_empty() {
        return Err("empty duration (use e.g. \"15m\")".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "invalid duration {s:?} (use e.g. \"15m\", \"1h30m\")"
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("invalid duration {s:?}: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit.trim() {
            "ms" => Duration::from_millis(n),
            "s" | "sec" | "secs" => Duration::from_secs(n),
            "m" | "min" | "mins" => Duration::from_secs(n.saturating_mul(60)),
            "h" | "hr" | "hrs" => Duration::from_secs(n.saturating_mul(3600)),
            "d" | "day" | "days" => Duration::from_secs(n.saturating_mul(86_400)),
            "" => {
                return Err(format!(
                    "duration {s:?} needs a unit: ms, s, m, h or d (e.g. \"15m\")"
                ));
            }
            other => return Err(format!("unknown unit {other:?} in duration {s:?}")),
        };
        total = total.saturating_add(part);
    }
    if total > MAX_DURATION {
        return Err(format!(
            "duration {s:?} is longer than the most newswatch takes, 36500d (100 years)"
        ));
    }
    Ok(total)
}

/// The longest duration accepted: dates a few million years out overflow the calendar, and
/// no interval, window or look-back needs more than this.
pub const MAX_DURATION: Duration = Duration::from_secs(36_500 * 86_400);

/// Formats a duration compactly, the inverse of [`parse_duration`] for whole units.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
    }

    #[test]
    fn refuses_missing_or_unknown_units() {
        assert!(parse_duration("15").unwrap_err().contains("needs a unit"));
        assert!(
            parse_duration("5 weeks")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn refuses_durations_past_a_century() {
        assert_eq!(parse_duration("36500d"), Ok(MAX_DURATION));
        assert!(parse_duration("36501d").unwrap_err().contains("100 years"));
        assert!(parse_duration("9223372036854775807d").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(45)), "45s");
    }
}
