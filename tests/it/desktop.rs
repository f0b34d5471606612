//! The desktop notifier over a real, private D-Bus session bus with a small
//! org.freedesktop.Notifications server, driven through the `newswatch` binary.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use zbus::OwnedVariant;

use crate::support::*;

#[derive(Debug, Clone)]
struct Call {
    app_name: String,
    summary: String,
    body: String,
    actions: Vec<String>,
    expire_timeout: i32,
}

struct Server {
    calls: Arc<Mutex<Vec<Call>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedVariant>,
        expire_timeout: i32,
    ) -> u32 {
        let mut calls = self.calls.lock().unwrap();
        calls.push(Call {
            app_name,
            summary,
            body,
            actions,
            expire_timeout,
        });
        calls.len() as u32
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into(), "body-markup".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("test".into(), "newswatch".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

/// A private session bus, killed on drop.
struct Bus {
    child: Child,
    address: String,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_bus(dir: &std::path::Path) -> Option<Bus> {
    let child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address"])
        .arg(format!("--address=unix:path={}", dir.join("bus").display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("SKIPPED: dbus-daemon is not available ({e}); install the dbus package");
            return None;
        }
    };
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Some(Bus {
        child,
        address: line.trim().to_string(),
    })
}

/// `newswatch once` with its session bus at `address`; info logs on stderr.
async fn once_on_bus(config: std::path::PathBuf, address: String) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        newswatch()
            .env("RUST_LOG", "newswatch=info")
            .env("NO_COLOR", "1")
            .env("DBUS_SESSION_BUS_ADDRESS", address)
            .arg("--config")
            .arg(&config)
            .arg("once")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desktop_notices_reach_a_real_notification_server() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bus) = start_bus(dir.path()) else {
        return;
    };
    let calls = Arc::new(Mutex::new(Vec::new()));
    let _conn = zbus::connection::Builder::address(bus.address.as_str())
        .name("org.freedesktop.Notifications")
        .serve_at(
            "/org/freedesktop/Notifications",
            Server {
                calls: calls.clone(),
            },
        )
        .build()
        .await
        .unwrap();

    let server = TestServer::start().await;
    let item = Item {
        guid: "m1".into(),
        title: "<b>Breaking</b> & \"quotes\": peace talks resume".into(),
        link: server.url("/story.html"),
        description:
            "<p>Envoys say <b>talks</b> & \"deals\" <i>resume</i> in Miami. More later.</p>".into(),
        published: None,
    };
    server.set("/feed.xml", feed_route(rss("Desk", &[item]), "d1"));
    let db = dir.path().join("nw.db");
    let config = config_text(
        &db,
        "notify_existing = true\nfetch_articles = false",
        &[server.url("/feed.xml")],
        "[[topics]]\nname = \"Talks\"\nquery = \"peace talks\"\n",
    )
    .replace("desktop = false", "desktop = true\nexpire = \"7s\"");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();

    let out = once_on_bus(path, bus.address.clone()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 notices sent"));

    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let c = &calls[0];
    assert_eq!(c.app_name, "newswatch");
    // Feed titles are plain text: tags a feed leaves in them are stripped, the rest kept.
    assert_eq!(
        c.summary,
        "Talks: Breaking & \"quotes\": peace talks resume"
    );
    // The source and the lead's most informative sentence, escaped.
    assert_eq!(
        c.body,
        "Desk — Envoys say talks &amp; &quot;deals&quot; resume in Miami."
    );
    assert_eq!(c.expire_timeout, 7000);
    let open = c
        .actions
        .iter()
        .position(|a| a == "open")
        .expect("open action");
    assert_eq!(c.actions[open + 1], "Open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_bus_notices_are_logged_and_the_run_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start().await;
    let path = one_item_config(
        &server,
        dir.path(),
        "Peace talks resume in Geneva",
        "<p>Delegations met for peace talks.</p>",
        &topic("Talks", "peace talks"),
    );
    let config = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, config.replace("desktop = false", "desktop = true")).unwrap();
    let missing = format!("unix:path={}", dir.path().join("no-such-bus").display());
    let out = once_on_bus(path, missing).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 notices sent"));
    assert!(stderr.contains("no session bus"), "{stderr}");
    assert!(stderr.contains("Peace talks resume in Geneva"), "{stderr}");
}
