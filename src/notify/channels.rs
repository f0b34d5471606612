//! Channels beyond the desktop: ntfy, webhooks and commands.
//!
//! Each delivers one notice and says whether the channel accepted it; retries, backoff
//! and the give-up bound are the delivery loop's (`crate::pipeline::deliver_pending`), so
//! they survive restarts.

use std::process::Stdio;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::io::AsyncReadExt as _;

use super::{Notice, Notifier, NotifyError};
use crate::config::Urgency;

/// Longest part of an error response body kept in the error message.
const ERROR_BODY: usize = 200;

/// Publishes to a topic of an ntfy server (<https://ntfy.sh> or self-hosted) with its JSON
/// API: title, message, tags, priority from the topic's urgency, and the article as the
/// click action.
pub struct NtfyNotifier {
    name: String,
    client: reqwest::Client,
    server: url::Url,
    topic: String,
    token: Option<String>,
    tags: Vec<String>,
}

impl NtfyNotifier {
    pub fn new(
        name: &str,
        client: reqwest::Client,
        server: url::Url,
        topic: &str,
        token: Option<String>,
        tags: Vec<String>,
    ) -> NtfyNotifier {
        NtfyNotifier {
            name: name.to_string(),
            client,
            server,
            topic: topic.to_string(),
            token,
            tags,
        }
    }

    /// The JSON ntfy publishes.
    pub fn message(&self, n: &Notice) -> serde_json::Value {
        let mut tags = self.tags.clone();
        if n.update {
            tags.push("arrows_counterclockwise".into());
        }
        serde_json::json!({
            "topic": self.topic,
            "title": n.summary(),
            "message": n.text(),
            "tags": tags,
            "priority": match n.urgency {
                Urgency::Low => 2,
                Urgency::Normal => 3,
                Urgency::Critical => 5,
            },
            "click": n.url.as_ref().map(url::Url::as_str),
        })
    }

    async fn send(&self, n: &Notice) -> Result<(), NotifyError> {
        let mut req = json_post(&self.client, &self.server, &self.message(n));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        check(req.send().await.map_err(NotifyError::Http)?).await
    }
}

impl Notifier for NtfyNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, n: &'a Notice) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.send(n))
    }
}

/// POSTs each notice as JSON: `{"id", "topic", "story", "update", "headline", "source",
/// "url", "whats_new", "sources", "published", "urgency"}`. `id` is stable across retries,
/// so a receiver can drop a duplicate of a delivery whose confirmation was lost.
pub struct WebhookNotifier {
    name: String,
    client: reqwest::Client,
    url: url::Url,
    token: Option<String>,
}

impl WebhookNotifier {
    pub fn new(
        name: &str,
        client: reqwest::Client,
        url: url::Url,
        token: Option<String>,
    ) -> WebhookNotifier {
        WebhookNotifier {
            name: name.to_string(),
            client,
            url,
            token,
        }
    }

    pub fn payload(n: &Notice) -> serde_json::Value {
        serde_json::json!({
            "id": n.id,
            "topic": n.topic,
            "story": n.story,
            "update": n.update,
            "headline": n.headline,
            "source": n.source,
            "url": n.url.as_ref().map(url::Url::as_str),
            "whats_new": n.body,
            "sources": n.sources,
            "published": n.published.map(|p| p.to_rfc3339()),
            "urgency": n.urgency.as_str(),
        })
    }

    async fn send(&self, n: &Notice) -> Result<(), NotifyError> {
        let mut req = json_post(&self.client, &self.url, &Self::payload(n));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        check(req.send().await.map_err(NotifyError::Http)?).await
    }
}

impl Notifier for WebhookNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, n: &'a Notice) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.send(n))
    }
}

fn json_post(
    client: &reqwest::Client,
    url: &url::Url,
    body: &serde_json::Value,
) -> reqwest::RequestBuilder {
    client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
}

/// A 2xx answer is a delivery; anything else is an error with the start of the body.
async fn check(resp: reqwest::Response) -> Result<(), NotifyError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let body = resp.text().await.unwrap_or_default();
    Err(NotifyError::Status {
        status: status.as_u16(),
        body: body.trim().chars().take(ERROR_BODY).collect(),
    })
}

/// Runs a program for each notice — argv as configured, no shell, so nothing in a headline
/// is ever interpreted — with the notice in `NEWSWATCH_*` environment variables. Exit
/// status 0 is a delivery.
pub struct CommandNotifier {
    name: String,
    argv: Vec<String>,
    timeout: Duration,
}

impl CommandNotifier {
    pub fn new(name: &str, argv: Vec<String>, timeout: Duration) -> CommandNotifier {
        CommandNotifier {
            name: name.to_string(),
            argv,
            timeout,
        }
    }

    /// The environment a command sees.
    pub fn environment(n: &Notice) -> Vec<(&'static str, String)> {
        let opt = |v: Option<String>| v.unwrap_or_default();
        vec![
            ("NEWSWATCH_TOPIC", n.topic.clone()),
            ("NEWSWATCH_HEADLINE", n.headline.clone()),
            ("NEWSWATCH_SOURCE", n.source.clone()),
            ("NEWSWATCH_URL", opt(n.url.as_ref().map(|u| u.to_string()))),
            ("NEWSWATCH_BODY", n.body.clone()),
            ("NEWSWATCH_SUMMARY", n.summary()),
            ("NEWSWATCH_TEXT", n.text()),
            ("NEWSWATCH_STORY", opt(n.story.map(|s| s.to_string()))),
            ("NEWSWATCH_UPDATE", n.update.to_string()),
            ("NEWSWATCH_SOURCES", n.sources.to_string()),
            ("NEWSWATCH_URGENCY", n.urgency.as_str().to_string()),
            (
                "NEWSWATCH_PUBLISHED",
                opt(n.published.map(|p| p.to_rfc3339())),
            ),
            ("NEWSWATCH_ID", opt(n.id.map(|i| i.to_string()))),
        ]
    }

    async fn run(&self, n: &Notice) -> Result<(), NotifyError> {
        let program = self.argv[0].clone();
        let mut command = tokio::process::Command::new(&program);
        command
            .args(&self.argv[1..])
            .envs(Self::environment(n))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Its own process group, so a timeout ends what it started too (a `sleep` under
        // `sh`), not only the command.
        #[cfg(unix)]
        command.process_group(0);
        let mut child = command.spawn().map_err(|source| NotifyError::Spawn {
            program: program.clone(),
            source,
        })?;
        let group = child.id();
        let mut stderr = child.stderr.take();
        let waited = tokio::time::timeout(self.timeout, async {
            let mut err = Vec::new();
            if let Some(s) = stderr.as_mut() {
                // The first 64 KiB for the error message; the rest is read and dropped, or
                // a chatty command would block on a full pipe.
                let _ = s.take(64 * 1024).read_to_end(&mut err).await;
                let _ = tokio::io::copy(s, &mut tokio::io::sink()).await;
            }
            (child.wait().await, err)
        })
        .await;
        let (status, err) = match waited {
            Ok((status, err)) => (
                status.map_err(|source| NotifyError::Spawn {
                    program: program.clone(),
                    source,
                })?,
                err,
            ),
            // Dropping the child kills it; its group goes first.
            Err(_) => {
                kill_group(group);
                return Err(NotifyError::Command {
                    program,
                    status: format!("did not finish within {}s", self.timeout.as_secs()),
                    stderr: String::new(),
                });
            }
        };
        if status.success() {
            return Ok(());
        }
        Err(NotifyError::Command {
            program,
            status: status.to_string(),
            stderr: String::from_utf8_lossy(&err)
                .trim()
                .chars()
                .take(ERROR_BODY)
                .collect(),
        })
    }
}

/// Ends the process group a command leads.
fn kill_group(leader: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = leader.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) with a negative pid signals that process group; it touches no
        // memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = leader;
}

impl Notifier for CommandNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, n: &'a Notice) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.run(n))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn notice() -> Notice {
        Notice {
            id: None,
            topic: "Talks".into(),
            headline: "Peace talks resume".into(),
            source: "Desk".into(),
            url: None,
            body: "Delegations met.".into(),
            urgency: crate::config::Urgency::Normal,
            story: None,
            update: false,
            sources: 1,
            published: None,
        }
    }

    fn command(script: &str, timeout: Duration) -> CommandNotifier {
        let argv = ["sh", "-c", script].map(String::from).to_vec();
        CommandNotifier::new("script", argv, timeout)
    }

    #[tokio::test]
    async fn a_command_that_writes_much_to_stderr_still_succeeds() {
        // 200 KB: more than the pipe and the part kept for an error message together.
        let c = command(
            "yes warn | head -c 200000 >&2; exit 0",
            Duration::from_secs(60),
        );
        c.run(&notice()).await.unwrap();
        let c = command(
            "yes warn | head -c 200000 >&2; exit 3",
            Duration::from_secs(60),
        );
        let err = c.run(&notice()).await.unwrap_err().to_string();
        assert!(err.contains("exit status: 3"), "{err}");
    }

    #[tokio::test]
    async fn a_timed_out_command_ends_with_what_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        // The shell starts a sleeper, notes its pid and waits: a hung notifier.
        let script = format!("sleep 300 & echo $! > {}; wait", pid_file.display());
        let c = command(&script, Duration::from_millis(500));
        let err = c.run(&notice()).await.unwrap_err().to_string();
        assert!(err.contains("did not finish"), "{err}");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(exits(pid), "the command's child {pid} outlived the timeout");
    }

    /// Whether process `pid` has ended (or ends within 10 s): its pidfd turns readable
    /// when it exits, so this waits for the event rather than polling.
    fn exits(pid: i32) -> bool {
        // SAFETY: plain syscalls on a file descriptor this function owns and closes.
        unsafe {
            let fd = libc::syscall(libc::SYS_pidfd_open, pid, 0) as i32;
            if fd < 0 {
                return true; // no such process: already gone and reaped
            }
            let mut poll = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            let ready = libc::poll(&mut poll, 1, 10_000);
            libc::close(fd);
            ready == 1
        }
    }
}
