//! Wall-clock time for schedules that follow the calendar (delivery retries, and later
//! quiet hours and digests).
//!
//! The daemon reads the system clock. Tests use a clock that starts at a chosen time and
//! advances with tokio's clock, so `tokio::time::pause` moves hours in no time.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    #[default]
    System,
    /// `start` at the tokio instant `at`, then advancing with tokio's clock.
    Tokio {
        start: DateTime<Utc>,
        at: tokio::time::Instant,
    },
}

impl Clock {
    /// A clock reading `start` now and following tokio's time from here.
    pub fn following_tokio(start: DateTime<Utc>) -> Clock {
        Clock::Tokio {
            start,
            at: tokio::time::Instant::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Tokio { start, at } => {
                *start + chrono::Duration::from_std(at.elapsed()).unwrap_or(chrono::Duration::MAX)
            }
        }
    }

    /// Sleeps until `when` on this clock (at once if it has passed).
    pub async fn sleep_until(&self, when: DateTime<Utc>) {
        let delay = (when - self.now()).to_std().unwrap_or_default();
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_tokio_clock_moves_with_paused_time() {
        let start = DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let clock = Clock::following_tokio(start);
        let later = start + chrono::Duration::hours(3);
        clock.sleep_until(later).await;
        assert_eq!(clock.now(), later);
    }
}
