//! The daemon: schedules every feed on its own interval, reloads the config on SIGHUP or
//! when the file changes, and shuts down gracefully.
//!
//! One scheduler loop owns the timetable (feed → next poll); polls run as tracked tasks,
//! bounded by a semaphore, and report back over a channel. What a poll does is
//! `crate::pipeline`'s job.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{Notify, Semaphore, broadcast, mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::Clock;
use crate::config::{self, Config};
use crate::notify::Notifier;
use crate::pipeline::{self, FeedReport, Loaded, Shared};
use crate::sd_notify::SdNotify;
use crate::store::Store;

/// How long shutdown waits for in-flight polls; below systemd's default stop timeout.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(8);
/// How often the config file is checked for edits.
const CONFIG_CHECK_EVERY: Duration = Duration::from_secs(1);
/// Longest retry delay after repeated failures, as a multiple of the feed's interval.
const MAX_BACKOFF_FACTOR: u32 = 8;

/// What the daemon does, for observers (tests, status).
#[derive(Debug, Clone)]
pub enum Event {
    FeedPolled {
        url: String,
        result: Result<FeedReport, String>,
    },
    Reloaded {
        feeds: usize,
        topics: Vec<String>,
    },
    ReloadFailed {
        error: String,
    },
    /// The user muted a story from its notification.
    StoryMuted {
        story: i64,
    },
    /// Articles past `keep_articles` that matched nothing were deleted (when there were any).
    Pruned {
        articles: usize,
    },
}

/// What the daemon runs with besides its config.
pub struct Deps {
    pub store: Store,
    /// Channels to use instead of those `[notify]` configures.
    pub notifiers: Option<Vec<Arc<dyn Notifier>>>,
    pub events: broadcast::Sender<Event>,
    /// Time for delivery schedules; tests pass one that follows tokio's paused clock.
    pub clock: Clock,
}

impl Deps {
    pub fn new(store: Store) -> Deps {
        Deps {
            store,
            notifiers: None,
            events: broadcast::channel(256).0,
            clock: Clock::System,
        }
    }
}

/// Runs until `shutdown` resolves, then drains in-flight polls for at most
/// [`DRAIN_TIMEOUT`].
pub async fn run(
    config_path: PathBuf,
    config: Config,
    deps: Deps,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let loaded = pipeline::load(Arc::new(config), deps.notifiers.clone())?;
    tracing::info!(
        feeds = loaded.config.feeds.len(),
        topics = loaded.config.topics.len(),
        config = %config_path.display(),
        "newswatch started"
    );
    // What the file held when we started: only later edits trigger a reload.
    let initial_text = tokio::fs::read(&config_path).await.ok();
    let shared = Arc::new(Shared::open(deps.store.clone(), &loaded.config)?.with_clock(deps.clock));
    let (tx, rx) = watch::channel(Arc::new(loaded));
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();

    tracker.spawn(watch_config(
        config_path,
        initial_text,
        tx,
        deps.notifiers.clone(),
        deps.events.clone(),
        token.clone(),
    ));
    // Delivery runs on its own: at start (notices a previous run left), when a poll
    // records notices, and when a retry is due.
    let wake = Arc::new(Notify::new());
    // "Mute story" clicks on the desktop.
    let (mute_tx, mute_rx) = mpsc::unbounded_channel::<i64>();
    crate::notify::desktop::on_mute(mute_tx);
    tracker.spawn(mute_loop(
        shared.store.clone(),
        mute_rx,
        deps.events.clone(),
        token.clone(),
    ));
    tracker.spawn(prune_loop(
        shared.store.clone(),
        shared.clock,
        rx.clone(),
        deps.events.clone(),
        token.clone(),
    ));
    tracker.spawn(deliver_loop(
        shared.clone(),
        rx.clone(),
        wake.clone(),
        token.clone(),
    ));
    let sd = SdNotify::from_env();
    sd.ready(&status_line(&rx.borrow().config, None));
    let scheduler = Scheduler {
        sd,
        wake,
        shared,
        events: deps.events,
        token: token.clone(),
        tracker: tracker.clone(),
    };
    tokio::select! {
        () = shutdown => tracing::info!("shutting down"),
        () = scheduler.run(rx) => {}
    }
    scheduler.sd.stopping();
    token.cancel();
    tracker.close();
    if tokio::time::timeout(DRAIN_TIMEOUT, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            tasks = tracker.len(),
            "shutdown: abandoning polls still running after the drain timeout"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

/// Mutes the stories whose notices the user clicked "Mute story" on.
async fn mute_loop(
    store: Store,
    mut clicks: mpsc::UnboundedReceiver<i64>,
    events: broadcast::Sender<Event>,
    token: CancellationToken,
) {
    loop {
        let story = tokio::select! {
            () = token.cancelled() => return,
            s = clicks.recv() => match s { Some(s) => s, None => return },
        };
        let s = store.clone();
        match tokio::task::spawn_blocking(move || s.mute_story(story)).await {
            Ok(Ok(_)) => {
                tracing::info!(story, "story muted");
                let _ = events.send(Event::StoryMuted { story });
            }
            Ok(Err(err)) => {
                tracing::error!(story, error = %crate::error_chain(&err), "cannot mute story")
            }
            Err(err) => tracing::error!(story, error = %err, "cannot mute story"),
        }
    }
}

/// How often articles past `keep_articles` are pruned (and once at start).
const PRUNE_EVERY: Duration = Duration::from_secs(6 * 3600);

/// Deletes the articles that matched nothing once they are older than the config's
/// `keep_articles`, so the database does not grow with every article ever read.
async fn prune_loop(
    store: Store,
    clock: Clock,
    config: watch::Receiver<Arc<Loaded>>,
    events: broadcast::Sender<Event>,
    token: CancellationToken,
) {
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            biased;
            () = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        let keep = config.borrow().config.daemon.keep_articles;
        let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
        let Some(before) = clock.now().checked_sub_signed(keep) else {
            continue;
        };
        let s = store.clone();
        match tokio::task::spawn_blocking(move || s.prune_articles(before)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => {
                tracing::info!(articles = n, "old articles that matched nothing pruned");
                let _ = events.send(Event::Pruned { articles: n });
            }
            Ok(Err(err)) => {
                tracing::warn!(error = %crate::error_chain(&err), "cannot prune old articles")
            }
            Err(err) => tracing::warn!(error = %err, "cannot prune old articles"),
        }
    }
}

/// How a poll ended, for the next one's timing.
struct Polled {
    ok: bool,
    /// The server asked for this much quiet (Retry-After).
    retry_after: Option<Duration>,
    /// HTTP 410: the feed is gone.
    gone: bool,
    /// The feed's and server's own schedule (freshness, ttl, skip hours).
    wait_hint: Option<Duration>,
}

/// A feed's own schedule may stretch its interval up to this many times, no more.
const MAX_HINT_FACTOR: u32 = 4;

/// When a gone feed would be polled again: not in this run.
const GONE_DELAY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

struct Slot {
    failures: u32,
    /// When the last poll finished, and the earliest the server or feed allows the next
    /// (Retry-After, its own schedule, gone for good): what a changed interval is measured
    /// from and may not undercut.
    polled: Option<(Instant, Instant)>,
}

/// When each feed is next due. Feeds waiting for their time are indexed by it, so a cycle
/// over thousands of feeds costs a logarithm per poll, not a scan of the whole list.
#[derive(Default)]
struct Timetable {
    slots: HashMap<String, Slot>,
    /// (next poll, url) of every feed not in flight.
    due: BTreeSet<(Instant, String)>,
    feeds: HashMap<String, config::FeedConfig>,
}

impl Timetable {
    /// Takes a (re)loaded config: new feeds are due now, removed ones are forgotten, the
    /// others keep their backoff and their time, brought forward when their interval was
    /// shortened (a user who lowers it from an hour to a minute should not wait the hour).
    fn load(&mut self, config: &Config, now: Instant) {
        self.feeds = config
            .feeds
            .iter()
            .map(|f| (f.url.to_string(), f.clone()))
            .collect();
        let known = &self.feeds;
        self.slots.retain(|url, _| known.contains_key(url));
        self.due.retain(|(_, url)| known.contains_key(url));
        let sooner: Vec<(Instant, Instant, String)> = self
            .due
            .iter()
            .filter_map(|(at, url)| {
                let (slot, feed) = (self.slots.get(url)?, self.feeds.get(url)?);
                let (finished, not_before) = slot.polled?;
                let wait = config.interval_of(feed) * backoff_factor(slot.failures);
                let due = (finished + wait).max(not_before).max(now);
                (due < *at).then(|| (*at, due, url.clone()))
            })
            .collect();
        for (at, due, url) in sooner {
            self.due.remove(&(at, url.clone()));
            self.due.insert((due, url));
        }
        for url in self.feeds.keys() {
            if !self.slots.contains_key(url) {
                self.slots.insert(
                    url.clone(),
                    Slot {
                        failures: 0,
                        polled: None,
                    },
                );
                self.due.insert((now, url.clone()));
            }
        }
    }

    /// The feeds due by `now`; they are out of the index until they finish.
    fn take_due(&mut self, now: Instant) -> Vec<config::FeedConfig> {
        let mut out = Vec::new();
        while let Some((at, _)) = self.due.first()
            && *at <= now
        {
            let Some((_, url)) = self.due.pop_first() else {
                break;
            };
            if let Some(feed) = self.feeds.get(&url) {
                out.push(feed.clone());
            }
        }
        out
    }

    fn next_due(&self) -> Option<Instant> {
        self.due.first().map(|(at, _)| *at)
    }

    /// Records a finished poll and schedules the feed's next one.
    fn finished(&mut self, url: &str, polled: &Polled, config: &Config) {
        let (Some(slot), Some(feed)) = (self.slots.get_mut(url), self.feeds.get(url)) else {
            return;
        };
        slot.failures = if polled.ok { 0 } else { slot.failures + 1 };
        let interval = config.interval_of(feed);
        // What the server or the feed asks for: the feed's within the user's bound.
        let mut asked = polled.retry_after.unwrap_or_default();
        if let Some(wait) = polled.wait_hint {
            asked = asked.max(wait.min(interval * MAX_HINT_FACTOR));
        }
        if polled.gone {
            // Not polled again by this run; a restart tries once more.
            tracing::warn!(feed = %url, "feed is gone (HTTP 410); no longer polled — remove it from the config");
            asked = GONE_DELAY;
        }
        let delay = next_delay(interval, slot.failures).max(asked);
        let now = Instant::now();
        slot.polled = Some((now, now + asked));
        self.due.insert((now + delay, url.to_string()));
        tracing::debug!(feed = %url, next_in = ?delay, "scheduled");
    }
}

struct Scheduler {
    /// systemd's status line and watchdog.
    sd: SdNotify,
    /// Tells the delivery loop that notices are waiting.
    wake: Arc<Notify>,
    shared: Arc<Shared>,
    events: broadcast::Sender<Event>,
    token: CancellationToken,
    tracker: TaskTracker,
}

impl Scheduler {
    async fn run(&self, mut rx: watch::Receiver<Arc<Loaded>>) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(String, Polled)>();
        let mut loaded = rx.borrow_and_update().clone();
        let mut table = Timetable::default();
        table.load(&loaded.config, Instant::now());
        let mut permits = Arc::new(Semaphore::new(loaded.config.daemon.concurrency));
        // Keep-alives come from this loop, so a stuck scheduler is restarted by systemd.
        let keepalive = SdNotify::watchdog_interval();
        let mut next_keepalive = Instant::now();
        let mut last_poll = None;
        loop {
            if let Some(every) = keepalive
                && Instant::now() >= next_keepalive
            {
                self.sd.watchdog();
                next_keepalive = Instant::now() + every;
            }
            let now = Instant::now();
            for feed in table.take_due(now) {
                self.launch(&loaded, feed, permits.clone(), done_tx.clone());
            }
            let mut wake = table.next_due().unwrap_or(now + Duration::from_secs(3600));
            if keepalive.is_some() {
                wake = wake.min(next_keepalive);
            }
            tokio::select! {
                biased;
                () = self.token.cancelled() => return,
                Some((url, polled)) = done_rx.recv() => {
                    table.finished(&url, &polled, &loaded.config);
                    last_poll = Some(chrono::Local::now());
                    self.sd.status(&status_line(&loaded.config, last_poll));
                }
                changed = rx.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    loaded = rx.borrow_and_update().clone();
                    table.load(&loaded.config, Instant::now());
                    permits = Arc::new(Semaphore::new(loaded.config.daemon.concurrency));
                    self.sd.status(&status_line(&loaded.config, last_poll));
                }
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    fn launch(
        &self,
        loaded: &Arc<Loaded>,
        feed: config::FeedConfig,
        permits: Arc<Semaphore>,
        done: mpsc::UnboundedSender<(String, Polled)>,
    ) {
        let shared = self.shared.clone();
        let loaded = loaded.clone();
        let token = self.token.clone();
        let wake = self.wake.clone();
        let events = self.events.clone();
        self.tracker.spawn(async move {
            let url = feed.url.to_string();
            let _permit = tokio::select! {
                biased;
                () = token.cancelled() => return,
                p = permits.acquire_owned() => p,
            };
            let result = pipeline::poll_feed(&shared, &loaded, &feed, &token).await;
            match &result {
                Ok(r) => tracing::debug!(feed = %url, entries = r.entries, new = r.new_entries, notices = r.notices, "polled"),
                Err(err) => tracing::warn!(feed = %url, error = %crate::error_chain(err), "poll failed; will retry"),
            }
            if result.as_ref().is_ok_and(|r| r.notices > 0) {
                wake.notify_one();
            }
            let polled = Polled {
                ok: result.is_ok(),
                retry_after: result.as_ref().err().and_then(|e| e.retry_after()),
                gone: result.as_ref().is_err_and(|e| e.gone()),
                wait_hint: result.as_ref().ok().and_then(|r| r.wait_hint),
            };
            let _ = events.send(Event::FeedPolled {
                url: url.clone(),
                result: result.map_err(|e| crate::error_chain(&e)),
            });
            let _ = done.send((url, polled));
        });
    }
}

/// Delivers pending notices whenever woken or a retry falls due, until cancelled.
async fn deliver_loop(
    shared: Arc<Shared>,
    rx: watch::Receiver<Arc<Loaded>>,
    wake: Arc<Notify>,
    token: CancellationToken,
) {
    loop {
        let loaded = rx.borrow().clone();
        // A round is not cut short: a delivery a channel confirmed must be recorded, or it
        // would be repeated after the restart.
        let report = pipeline::deliver_pending(&shared, &loaded).await;
        if report.delivered + report.failed > 0 {
            tracing::debug!(delivered = report.delivered, failed = report.failed, next_retry = ?report.next_retry, "delivery round");
        }
        let retry = async {
            match report.next_retry {
                Some(at) => shared.clock.sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            () = token.cancelled() => return,
            () = wake.notified() => {}
            () = retry => {}
        }
    }
}

/// systemd's status line: "42 feeds, 3 topics, last poll 12:03".
fn status_line(config: &Config, last_poll: Option<chrono::DateTime<chrono::Local>>) -> String {
    let mut s = format!(
        "{} feeds, {} topics",
        config.feeds.len(),
        config.topics.len()
    );
    if let Some(t) = last_poll {
        s.push_str(&format!(", last poll {}", t.format("%H:%M")));
    }
    s
}

/// The delay before a feed's next poll: its interval with ±10% jitter, stretched
/// exponentially (up to a cap) after consecutive failures.
pub fn next_delay(interval: Duration, failures: u32) -> Duration {
    let jitter = rand::rng().random_range(0.9..1.1);
    interval.mul_f64(backoff_factor(failures) as f64 * jitter)
}

/// How many intervals a feed waits after `failures` failed polls in a row: 1, 1, 2, 4, 8.
pub fn backoff_factor(failures: u32) -> u32 {
    match failures {
        0 | 1 => 1,
        n => 2u32.saturating_pow(n - 1).min(MAX_BACKOFF_FACTOR),
    }
}

/// Reloads the config on SIGHUP or when the file's contents change. An invalid edit keeps
/// the running config and logs exactly why.
async fn watch_config(
    path: PathBuf,
    mut last: Option<Vec<u8>>,
    tx: watch::Sender<Arc<Loaded>>,
    notifiers: Option<Vec<Arc<dyn Notifier>>>,
    events: broadcast::Sender<Event>,
    token: CancellationToken,
) {
    let mut hangup = hangup_signal();
    let mut tick = tokio::time::interval(CONFIG_CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let forced = tokio::select! {
            biased;
            () = token.cancelled() => return,
            _ = recv_hangup(&mut hangup) => true,
            _ = tick.tick() => false,
        };
        let current = tokio::fs::read(&path).await.ok();
        if !forced && current == last {
            continue;
        }
        last = current;
        let old = tx.borrow().config.clone();
        match config::load(&path)
            .map_err(anyhow::Error::from)
            .and_then(|c| pipeline::load(Arc::new(c), notifiers.clone()))
        {
            Ok(loaded) => {
                if loaded.config.database_path() != old.database_path() {
                    tracing::warn!("the database path changed; it takes effect after a restart");
                }
                tracing::info!(
                    feeds = loaded.config.feeds.len(),
                    topics = loaded.config.topics.len(),
                    "config reloaded"
                );
                let _ = events.send(Event::Reloaded {
                    feeds: loaded.config.feeds.len(),
                    topics: loaded
                        .config
                        .topics
                        .iter()
                        .map(|t| t.name.clone())
                        .collect(),
                });
                let _ = tx.send(Arc::new(loaded));
            }
            Err(err) => {
                let error = format!("{err:#}");
                tracing::error!(error = %error, "config reload failed; keeping the running config");
                let _ = events.send(Event::ReloadFailed { error });
            }
        }
    }
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = ();

#[cfg(unix)]
fn hangup_signal() -> Hangup {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}
#[cfg(not(unix))]
fn hangup_signal() -> Hangup {}

#[cfg(unix)]
async fn recv_hangup(h: &mut Hangup) {
    match h {
        Some(sig) => {
            sig.recv().await;
        }
        None => std::future::pending().await,
    }
}
#[cfg(not(unix))]
async fn recv_hangup(_: &mut Hangup) {
    std::future::pending().await
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(interval: &str) -> Config {
        let text = format!(
            "[daemon]\npoll_interval = \"{interval}\"\n[[feeds]]\nurl = \"http://127.0.0.1:9/a.xml\"\n[[feeds]]\nurl = \"http://127.0.0.1:9/b.xml\"\ninterval = \"2h\"\n"
        );
        config::parse(&text, "config.toml").unwrap()
    }

    fn polled(retry_after: Option<Duration>) -> Polled {
        Polled {
            ok: true,
            retry_after,
            gone: false,
            wait_hint: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_shortened_interval_brings_the_next_poll_forward() {
        let start = Instant::now();
        let hour = config("1h");
        let mut table = Timetable::default();
        table.load(&hour, start);
        assert_eq!(table.take_due(start).len(), 2, "new feeds are due at once");
        let (a, b) = ("http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml");
        table.finished(a, &polled(None), &hour);
        table.finished(b, &polled(None), &hour);
        assert!(table.next_due().unwrap() >= start + Duration::from_secs(54 * 60));

        tokio::time::advance(Duration::from_secs(120)).await;
        let now = Instant::now();
        table.load(&config("5m"), now);
        // Feed a follows the daemon's interval: due 5 minutes after its poll, not in an
        // hour. Feed b has its own 2 h, which did not change.
        let due: Vec<(Instant, &str)> = table.due.iter().map(|(t, u)| (*t, u.as_str())).collect();
        assert_eq!(due[0], (start + Duration::from_secs(300), a), "{due:?}");
        assert!(due[1].0 >= start + Duration::from_secs(108 * 60), "{due:?}");

        // Lengthening does not postpone a poll already scheduled.
        table.load(&config("3h"), now);
        assert_eq!(table.next_due(), Some(start + Duration::from_secs(300)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_shortened_interval_still_honours_retry_after() {
        let start = Instant::now();
        let hour = config("1h");
        let mut table = Timetable::default();
        table.load(&hour, start);
        table.take_due(start);
        let a = "http://127.0.0.1:9/a.xml";
        table.finished(a, &polled(Some(Duration::from_secs(1800))), &hour);
        table.load(&config("1m"), start);
        let due = table.due.iter().find(|(_, u)| u == a).unwrap().0;
        assert_eq!(due, start + Duration::from_secs(1800));
    }

    #[test]
    fn backoff_grows_to_a_cap_with_jitter() {
        let i = Duration::from_secs(600);
        for _ in 0..50 {
            let d = next_delay(i, 0);
            assert!(d >= i.mul_f64(0.9) && d <= i.mul_f64(1.1), "{d:?}");
            let d = next_delay(i, 3);
            assert!(d >= i.mul_f64(3.6) && d <= i.mul_f64(4.4), "{d:?}");
            let d = next_delay(i, 30);
            assert!(d <= i.mul_f64(8.8), "{d:?}");
        }
    }
}
