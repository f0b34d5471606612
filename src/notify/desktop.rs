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

type Links = Arc<Mutex<VecDeque<(u32, Url)>>>;

/// Delivers notices to the desktop's notification server.
pub struct DesktopNotifier {
    app_name: String,
    icon: String,
    expire: Duration,
    session: OnceCell<zbus::Connection>,
    links: Links,
    /// The last notification shown for each recent story, for replacement.
    shown: Mutex<VecDeque<(i64, u32)>>,
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
            links: Arc::default(),
            shown: Mutex::default(),
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
                let listener_conn = conn.clone();
                let links = self.links.clone();
                let stopped = self.stopped.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = stopped.cancelled() => {}
                        res = listen_for_actions(listener_conn, links) => {
                            if let Err(err) = res {
                                tracing::debug!(error = %err, "desktop action listener stopped");
                            }
                        }
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
        let mut notification = notify_rust::Notification::new();
        notification
            .appname(&self.app_name)
            .icon(&self.icon)
            .summary(&n.summary())
            // Article text is never markup: escape it for servers that interpret markup.
            .body(&escape_markup(&n.text()))
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
                .find(|(s, _)| *s == story)
                .map(|(_, id)| *id)
        });
        if let Some(id) = replaces {
            notification.id(id);
        }
        let with_actions = link.is_some() && caps.iter().any(|c| c == "actions");
        if with_actions {
            notification
                .action("default", "Open")
                .action("open", "Open");
        }
        let handle = notification
            .show_async()
            .await
            .map_err(NotifyError::Desktop)?;
        if let Some(story) = n.story {
            let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
            shown.retain(|(s, _)| *s != story);
            if shown.len() == REMEMBERED {
                shown.pop_front();
            }
            shown.push_back((story, handle.id()));
        }
        if let (true, Some(link)) = (with_actions, link) {
            let mut links = self.links.lock().unwrap_or_else(|p| p.into_inner());
            if links.len() == REMEMBERED {
                links.pop_front();
            }
            links.push_back((handle.id(), link));
        }
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

/// Opens the link of a notice whose "Open" action the user clicked.
async fn listen_for_actions(conn: zbus::Connection, links: Links) -> zbus::Result<()> {
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(BUS_NAME)
        .member("ActionInvoked")
        .build()?;
    let mut stream =
        zbus::MessageStream::for_match_rule(rule, &conn, std::num::NonZeroUsize::new(64)).await?;
    while let Some(msg) = stream.next().await {
        let Ok(msg) = msg else { continue };
        let Ok((id, action)) = msg.body().deserialize::<(u32, String)>() else {
            continue;
        };
        if action != "open" && action != "default" {
            continue;
        }
        let link = links
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(nid, _)| *nid == id)
            .map(|(_, u)| u.clone());
        if let Some(link) = link {
            open_link(&link);
        }
    }
    Ok(())
}

/// Opens an http(s) link in the user's browser without a shell.
fn open_link(link: &Url) {
    if !matches!(link.scheme(), "http" | "https") {
        tracing::warn!(url = %link, "refusing to open a non-http link");
        return;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match tokio::process::Command::new(opener)
        .arg(link.as_str())
        .spawn()
    {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(err) => tracing::warn!(error = %err, url = %link, "cannot open link"),
    }
}
