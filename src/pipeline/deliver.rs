//! Delivery: quiet hours, rate limits and digests decide when each recorded notice goes
//! out; then every channel its topic routes to gets it, with retries and backoff, and each
//! outcome is recorded.
//!
//! What a notice says is decided when it is recorded ([`super::article`]); the channels
//! themselves are `crate::notify`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Loaded, Shared, blocking};
use crate::config::Config;
use crate::notify::{Notice, Notifier, gate};
use crate::store::{Delivery, NoticeId, PendingNotice, Store, StoreError};

/// Deliveries tried on the desktop and log channels before giving a notice up.
const MAX_DELIVERY_ATTEMPTS: u32 = 5;

/// A channel that takes longer than this to accept a notice has failed (a hung D-Bus
/// server must not stall every later notice).
const DELIVERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What one delivery round did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DeliveryReport {
    /// Notices at least one channel confirmed in this round.
    pub notices: usize,
    /// Deliveries channels confirmed in this round.
    pub delivered: usize,
    /// Failed deliveries in this round (to be retried or given up).
    pub failed: usize,
    /// When the earliest retry is due, if any delivery waits for one.
    pub next_retry: Option<DateTime<Utc>>,
}

/// Delivers every pending notice on each channel its topic routes to. A channel that
/// confirmed a notice never gets it again; a failure is retried with exponential backoff
/// up to the channel's `max_attempts`, then given up; each outcome is recorded. A notice is
/// settled once every channel delivered it or gave up.
pub async fn deliver_pending(shared: &Shared, loaded: &Loaded) -> DeliveryReport {
    let _one_at_a_time = shared.delivery.lock().await;
    let mut report = DeliveryReport::default();
    let (config, now) = (loaded.config.clone(), shared.clock.now());
    match blocking(&shared.store, move |s| apply_gates(s, &config, now)).await {
        Ok(next) => report.next_retry = next,
        Err(err) => {
            tracing::error!(error = %crate::error_chain(&err), "cannot apply quiet hours and rate limits");
            return report;
        }
    }
    let pending = match blocking(&shared.store, |s| s.pending_notices()).await {
        Ok(p) => p,
        Err(err) => {
            tracing::error!(error = %crate::error_chain(&err), "cannot read pending notices");
            return report;
        }
    };
    let pending: Vec<PendingNotice> = pending.into_iter().filter(|p| p.released).collect();
    // Channels deliver side by side, each its notices in order: a slow or hung channel
    // holds up only itself, never the desktop or another webhook.
    let rounds = futures_util::future::join_all(
        loaded
            .notifiers
            .iter()
            .map(|n| channel_round(shared, loaded, &pending, n.as_ref())),
    )
    .await;
    let mut open = vec![false; pending.len()];
    let mut confirmed = vec![false; pending.len()];
    for (r, outcomes) in rounds {
        report.delivered += r.delivered;
        report.failed += r.failed;
        if let Some(due) = r.next_retry {
            report.retry_at(due);
        }
        for (i, (still_open, delivered)) in outcomes.into_iter().enumerate() {
            open[i] |= still_open;
            confirmed[i] |= delivered;
        }
    }
    report.notices += confirmed.iter().filter(|c| **c).count();
    for (p, _) in pending.iter().zip(&open).filter(|(_, open)| !**open) {
        let (id, now) = (p.id, shared.clock.now());
        if let Err(err) = blocking(&shared.store, move |s| s.settle_notice(id, now)).await {
            tracing::error!(error = %crate::error_chain(&err), "cannot record a delivery");
        }
    }
    report
}

/// One channel's round over the pending notices, in order: what it did, and per notice
/// whether the channel still owes it an attempt and whether it delivered it now.
async fn channel_round(
    shared: &Shared,
    loaded: &Loaded,
    pending: &[PendingNotice],
    n: &dyn Notifier,
) -> (DeliveryReport, Vec<(bool, bool)>) {
    let mut report = DeliveryReport::default();
    let mut outcomes = Vec::with_capacity(pending.len());
    for p in pending {
        let topic = loaded
            .config
            .topics
            .iter()
            .find(|t| t.name == p.notice.topic);
        if topic.is_some_and(|t| !t.routes_to(n.name())) {
            outcomes.push((false, false));
            continue;
        }
        let before = report.delivered;
        let open = deliver_on(shared, loaded, p, n, &mut report).await;
        outcomes.push((open, report.delivered > before));
    }
    (report, outcomes)
}

/// Delivers one notice on one channel unless it is done there or waiting for a retry, and
/// records the outcome. Returns whether the channel still owes the notice an attempt.
async fn deliver_on(
    shared: &Shared,
    loaded: &Loaded,
    p: &PendingNotice,
    n: &dyn Notifier,
    report: &mut DeliveryReport,
) -> bool {
    let name = n.name();
    let state = p.channels.get(name).cloned().unwrap_or_default();
    if state.delivered || state.gave_up {
        return false;
    }
    if let Some(due) = state.next_attempt.filter(|due| *due > shared.clock.now()) {
        report.retry_at(due);
        return true;
    }
    let (timeout, max_attempts) = channel_limits(&loaded.config, name);
    let error = match tokio::time::timeout(timeout, n.deliver(&p.notice)).await {
        Ok(Ok(())) => None,
        Ok(Err(err)) => Some(crate::error_chain(&err)),
        Err(_) => Some(format!("no answer within {}s", timeout.as_secs())),
    };
    let now = shared.clock.now();
    let mut open = false;
    let outcome = match error {
        None => {
            report.delivered += 1;
            Delivery::Delivered(now)
        }
        Some(error) => {
            report.failed += 1;
            let attempts = state.attempts + 1;
            let retry_at = (attempts < max_attempts).then(|| now + retry_delay(attempts));
            if let Some(due) = retry_at {
                open = true;
                report.retry_at(due);
            }
            tracing::warn!(
                channel = name,
                error = %error,
                headline = %p.notice.headline,
                attempt = attempts,
                retry = retry_at.is_some(),
                "delivery failed"
            );
            Delivery::Failed { error, retry_at }
        }
    };
    let (id, channel) = (p.id, name.to_string());
    if let Err(err) = blocking(&shared.store, move |s| {
        s.record_delivery(id, &channel, &outcome)
    })
    .await
    {
        tracing::error!(error = %crate::error_chain(&err), "cannot record a delivery");
        open = true;
    }
    open
}

impl DeliveryReport {
    /// Notes a retry due at `due`; the report keeps the earliest.
    fn retry_at(&mut self, due: DateTime<Utc>) {
        self.next_retry = Some(self.next_retry.map_or(due, |r| r.min(due)));
    }
}

/// The store's view of recent notices, for the gates.
struct StoreRecent<'a> {
    store: &'a Store,
    now: DateTime<Utc>,
    digests: &'a HashMap<String, DateTime<Utc>>,
}

impl gate::Recent for StoreRecent<'_> {
    fn released_in_last_hour(&self, topic: Option<&str>) -> (u32, Option<DateTime<Utc>>) {
        self.store
            .released_since(topic, self.now - chrono::Duration::hours(1))
            .unwrap_or_else(|err| {
                tracing::error!(error = %crate::error_chain(&err), "cannot count recent notices");
                (0, None)
            })
    }

    fn digest_due(&self, topic: &str) -> Option<DateTime<Utc>> {
        self.digests.get(topic).copied()
    }
}

/// Quiet hours, digests and rate limits: lets held notices whose time has come go out
/// (several held for one reason as one digest), then holds or releases new notices.
/// Returns when the next held notice is due.
fn apply_gates(
    store: &Store,
    cfg: &Config,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let pending = store.pending_notices()?;
    release_due(store, &pending, now)?;
    // Digests still collecting, and when each goes out.
    let mut digests = HashMap::new();
    let mut next: Option<DateTime<Utc>> = None;
    for p in pending.iter().filter(|p| !p.released) {
        let Some(until) = p.held_until.filter(|t| *t > now) else {
            continue;
        };
        next = Some(next.map_or(until, |n: DateTime<Utc>| n.min(until)));
        if p.hold_reason.as_deref() == Some(gate::Hold::Digest.as_str()) {
            digests.entry(p.notice.topic.clone()).or_insert(until);
        }
    }
    for p in pending
        .iter()
        .filter(|p| !p.released && p.held_until.is_none())
    {
        let recent = StoreRecent {
            store,
            now,
            digests: &digests,
        };
        match gate::decide(cfg, &p.notice, now, &recent) {
            None => store.release_notice(p.id, now)?,
            Some((until, hold)) => {
                tracing::debug!(headline = %p.notice.headline, reason = hold.as_str(), until = %until, "notice held");
                store.hold_notice(p.id, until, hold.as_str())?;
                if hold == gate::Hold::Digest {
                    digests.entry(p.notice.topic.clone()).or_insert(until);
                }
                next = Some(next.map_or(until, |n| n.min(until)));
            }
        }
    }
    Ok(next)
}

/// Lets held notices whose time has come go out: alone, or several held for one reason as
/// one digest (everything quiet hours held together; other holds per topic).
fn release_due(
    store: &Store,
    pending: &[PendingNotice],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut groups: Vec<(String, String, Vec<&PendingNotice>)> = Vec::new();
    for p in pending
        .iter()
        .filter(|p| !p.released && p.held_until.is_some_and(|t| t <= now))
    {
        let reason = p.hold_reason.clone().unwrap_or_default();
        let scope = if reason == gate::Hold::Quiet.as_str() {
            String::new()
        } else {
            p.notice.topic.clone()
        };
        match groups.iter_mut().find(|g| g.0 == reason && g.1 == scope) {
            Some(g) => g.2.push(p),
            None => groups.push((reason, scope, vec![p])),
        }
    }
    for (reason, _, held) in &groups {
        if let [one] = held.as_slice() {
            store.release_notice(one.id, now)?;
            continue;
        }
        let notices: Vec<&Notice> = held.iter().map(|p| &p.notice).collect();
        let ids: Vec<NoticeId> = held.iter().map(|p| p.id).collect();
        let digest = gate::digest(reason, &notices);
        tracing::info!(held = ids.len(), reason = %reason, headline = %digest.headline, "digest");
        store.fold_into_digest(&ids, &digest, now)?;
    }
    Ok(())
}

/// A channel's delivery timeout and attempt bound.
fn channel_limits(cfg: &Config, name: &str) -> (std::time::Duration, u32) {
    cfg.notify
        .channels
        .iter()
        .find(|c| c.name == name)
        .map_or((DELIVERY_TIMEOUT, MAX_DELIVERY_ATTEMPTS), |c| {
            (c.timeout, c.max_attempts)
        })
}

/// Wait before retry `n` (1-based): 30 s, doubling, at most an hour.
pub fn retry_delay(attempts: u32) -> chrono::Duration {
    let secs = 30u64.saturating_mul(1 << attempts.saturating_sub(1).min(7));
    chrono::Duration::seconds(secs.min(3600) as i64)
}
