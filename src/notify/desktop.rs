//! Desktop notifications over the session D-Bus (org.freedesktop.Notifications).
//!
//! Notices are sent with notify-rust. One long-lived connection of our own asks the server
//! for its capabilities and listens for `ActionInvoked`; a single listener task opens the
//! link of a clicked notice (http/https only) with `xdg-open`, so no task waits per notice.
//! An update of a story replaces the story's earlier notification (`replaces_id`), so a
//! developing story occupies one slot on the screen.
//! Without a session bus the notice is logged at info level and the daemon carries on.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::{Notice, Notifier, NotifyError, escape_markup};
use crate::config::NotifyConfig;

const BUS_NAME: &str = "org.freedesktop.Notifications";
const OBJECT_PATH: &str = "/org/freedesktop/Notifications";
/// How many recent notices keep their link (for a click) and story (for replacement).
const REMEMBERED: usize = 256;

/// A notification on screen: its server id, story and link (for the actions).
#[derive(Debug, Clone)]
struct Shown {
    id: u32,
    story: Option<i64>,
    link: Option<Url>,
}

type ShownList = Arc<Mutex<VecDeque<Shown>>>;

/// Where "Mute story" clicks go: the daemon sets it to its handler of muted stories.
static MUTE_SINK: Mutex<Option<tokio::sync::mpsc::UnboundedSender<i64>>> = Mutex::new(None);

/// Sends the story ids of "Mute story" clicks to `sink` (the daemon records them).
pub fn on_mute(sink: tokio::sync::mpsc::UnboundedSender<i64>) {
    *MUTE_SINK.lock().unwrap_or_else(|p| p.into_inner()) = Some(sink);
}

/// Delivers notices to the desktop's notification server.
pub struct DesktopNotifier {
    app_name: String,
    icon: String,
    expire: Duration,
    session: OnceCell<zbus::Connection>,
    /// Recent notifications, for replacement and for actions.
    shown: ShownList,
    /// The program opening links, before the URL (xdg-open, or `notify.opener`).
    opener: Vec<String>,
    /// Stops the action listener when this notifier is dropped (e.g. replaced on reload).
    _stop: tokio_util::sync::DropGuard,
    stopped: CancellationToken,
    /// Without a session bus: fail (for `notify-test`) instead of logging the notice.
    strict: bool,
}

impl DesktopNotifier {
    pub fn new(cfg: &NotifyConfig) -> DesktopNotifier {
        let stopped = CancellationToken::new();
        DesktopNotifier {
            app_name: cfg.app_name.clone(),
            icon: cfg.icon.clone(),
            expire: cfg.expire,
            session: OnceCell::new(),
            shown: Arc::default(),
            opener: if cfg.opener.is_empty() {
                vec![
                    if cfg!(target_os = "macos") {
                        "open"
                    } else {
                        "xdg-open"
                    }
                    .to_string(),
                ]
            } else {
                cfg.opener.clone()
            },
            _stop: stopped.clone().drop_guard(),
            stopped,
            strict: false,
        }
    }

    /// A notifier that reports a missing session bus as a failure.
    pub fn strict(mut self) -> DesktopNotifier {
        self.strict = true;
        self
    }

    /// Our own session connection, made on first use; it also starts the action listener.
    async fn session(&self) -> zbus::Result<&zbus::Connection> {
        self.session
            .get_or_try_init(|| async {
                let conn = zbus::Connection::session().await?;
                // Subscribed before the first notice is shown, so no click is missed.
                let rule = zbus::MatchRule::builder()
                    .msg_type(zbus::message::Type::Signal)
                    .interface(BUS_NAME)
                    .member("ActionInvoked")
                    .build()?;
                let stream = zbus::MessageStream::for_match_rule(
                    rule,
                    &conn,
                    std::num::NonZeroUsize::new(64),
                )
                .await?;
                let shown = self.shown.clone();
                let opener = self.opener.clone();
                let stopped = self.stopped.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = stopped.cancelled() => {}
                        () = listen_for_actions(stream, shown, opener) => {}
                    }
                });
                Ok(conn)
            })
            .await
    }

    async fn capabilities(&self, conn: &zbus::Connection) -> Result<Vec<String>, NotifyError> {
        let reply = conn
            .call_method(
                Some(BUS_NAME),
                OBJECT_PATH,
                Some(BUS_NAME),
                "GetCapabilities",
                &(),
            )
            .await
            .map_err(NotifyError::DBus)?;
        reply.body().deserialize().map_err(NotifyError::DBus)
    }

    /// The notification for a notice: what the server can show (body markup, actions),
    /// replacing the story's earlier notification when this is an update.
    fn build(&self, n: &Notice, caps: &[String], has_link: bool) -> notify_rust::Notification {
        let mut notification = notify_rust::Notification::new();
        notification
            .appname(&self.app_name)
            .icon(&self.icon)
            .summary(&summary(n))
            .body(&body(n, caps.iter().any(|c| c == "body-markup")))
            .urgency(match n.urgency {
                crate::config::Urgency::Low => notify_rust::Urgency::Low,
                crate::config::Urgency::Normal => notify_rust::Urgency::Normal,
                crate::config::Urgency::Critical => notify_rust::Urgency::Critical,
            })
            .timeout(notify_rust::Timeout::Milliseconds(
                self.expire.as_millis().min(u32::MAX as u128) as u32,
            ));
        let replaces = n.story.filter(|_| n.update).and_then(|story| {
            let shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
            shown
                .iter()
                .rev()
                .find(|s| s.story == Some(story))
                .map(|s| s.id)
        });
        if let Some(id) = replaces {
            notification.id(id);
        }
        if caps.iter().any(|c| c == "actions") {
            if has_link {
                notification
                    .action("default", "Open")
                    .action("open", "Open");
            }
            if n.story.is_some() {
                notification.action("mute", "Mute story");
            }
        }
        notification
    }

    async fn send(&self, n: &Notice) -> Result<(), NotifyError> {
        let conn = match self.session().await {
            Ok(conn) => conn,
            Err(err) if self.strict => return Err(NotifyError::DBus(err)),
            Err(err) => {
                tracing::info!(
                    error = %err,
                    topic = %n.topic,
                    headline = %n.headline,
                    url = n.url.as_ref().map(Url::as_str).unwrap_or(""),
                    "no session bus; notice logged instead of shown"
                );
                return Ok(());
            }
        };
        // A server that can't list its capabilities still shows plain notices.
        let caps = self.capabilities(conn).await.unwrap_or_else(|err| {
            tracing::debug!(error = %crate::error_chain(&err), "no capabilities from the notification server");
            Vec::new()
        });
        let link = n
            .url
            .clone()
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        let notification = self.build(n, &caps, link.is_some());
        let handle = notification
            .show_async()
            .await
            .map_err(NotifyError::Desktop)?;
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        shown.retain(|s| s.id != handle.id() && (s.story.is_none() || s.story != n.story));
        if shown.len() == REMEMBERED {
            shown.pop_front();
        }
        shown.push_back(Shown {
            id: handle.id(),
            story: n.story,
            link,
        });
        Ok(())
    }
}

impl Notifier for DesktopNotifier {
    fn name(&self) -> &str {
        "desktop"
    }

    fn deliver<'a>(&'a self, n: &'a Notice) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.send(n))
    }
}

/// The notification text. Article text is never markup: it is escaped, and a server that
/// interprets markup (`body-markup`) gets only our own bold labels on top.
///
/// The headline goes in the body, where it wraps; servers cut a long summary at one line.
fn body(n: &Notice, markup: bool) -> String {
    if !markup {
        return escape_markup(&format!("{}\n{}", n.headline, n.text())).into_owned();
    }
    let headline = escape_markup(&n.headline);
    let (source, body) = (escape_markup(&n.source), escape_markup(&n.body));
    if n.update {
        format!(
            "<b>{headline}</b>\n<b>New:</b> {body} ({source})\n{} sources",
            n.sources
        )
    } else if body.is_empty() {
        format!("<b>{headline}</b>\n{source}")
    } else {
        format!("<b>{headline}</b>\n{source} — {body}")
    }
}

/// The notification title: the topic, and whether this is an update of a story.
fn summary(n: &Notice) -> String {
    if n.update {
        format!("{} · update", n.topic)
    } else {
        n.topic.clone()
    }
}

/// Carries out the actions the user clicks: "Open" opens the notice's link, "Mute story"
/// stops further updates of its story.
async fn listen_for_actions(
    mut stream: zbus::MessageStream,
    shown: ShownList,
    opener: Vec<String>,
) {
    while let Some(msg) = stream.next().await {
        let Ok(msg) = msg else { continue };
        let Ok((id, action)) = msg.body().deserialize::<(u32, String)>() else {
            continue;
        };
        tracing::debug!(id, action = %action, "notification action");
        let Some(notice) = shown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|s| s.id == id)
            .cloned()
        else {
            continue;
        };
        match (action.as_str(), notice.link, notice.story) {
            ("open" | "default", Some(link), _) => open_link(&opener, &link),
            ("mute", _, Some(story)) => {
                let sink = MUTE_SINK.lock().unwrap_or_else(|p| p.into_inner()).clone();
                match sink {
                    Some(sink) => {
                        let _ = sink.send(story);
                    }
                    None => tracing::info!(story, "mute clicked, but nothing records it here"),
                }
            }
            _ => {}
        }
    }
}

/// Opens an http(s) link in the user's browser without a shell. Under a systemd service
/// manager the opener is started by `systemd-run --user` as a unit of its own, so the
/// browser is neither confined by the service's sandbox nor stopped with the service; if
/// that fails, the opener runs directly.
fn open_link(opener: &[String], link: &Url) {
    if !matches!(link.scheme(), "http" | "https") {
        tracing::warn!(url = %link, "refusing to open a non-http link");
        return;
    }
    if opener.is_empty() {
        return;
    }
    tracing::info!(url = %link, "opening link");
    let mut argv = opener.to_vec();
    argv.push(link.as_str().to_string());
    let under_systemd = std::env::var_os("INVOCATION_ID").is_some();
    let link = link.clone();
    tokio::spawn(async move {
        if under_systemd {
            let mut escaped = vec![
                "systemd-run".to_string(),
                "--user".into(),
                "--collect".into(),
                "--quiet".into(),
                "--".into(),
            ];
            escaped.extend(argv.iter().cloned());
            match run_opener(&escaped).await {
                Ok(status) if status.success() => return,
                outcome => tracing::debug!(?outcome, "systemd-run could not open the link"),
            }
        }
        match run_opener(&argv).await {
            Ok(status) => tracing::debug!(url = %link, ?status, "link opener finished"),
            Err(err) => tracing::warn!(error = %err, url = %link, "cannot open link"),
        }
    });
}

async fn run_opener(argv: &[String]) -> std::io::Result<std::process::ExitStatus> {
    let (program, args) = argv.split_first().ok_or(std::io::ErrorKind::InvalidInput)?;
    tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .spawn()?
        .wait()
        .await
}
