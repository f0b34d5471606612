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
    replaces_id: u32,
    summary: String,
    body: String,
    actions: Vec<String>,
    expire_timeout: i32,
}

struct Server {
    calls: Arc<Mutex<Vec<Call>>>,
    changed: Arc<tokio::sync::Notify>,
    markup: bool,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedVariant>,
        expire_timeout: i32,
    ) -> u32 {
        let mut calls = self.calls.lock().unwrap();
        self.changed.notify_waiters();
        calls.push(Call {
            app_name,
            replaces_id,
            summary,
            body,
            actions,
            expire_timeout,
        });
        // The spec: a replaced notification keeps its id; a new one gets a fresh id.
        if replaces_id != 0 {
            replaces_id
        } else {
            calls.len() as u32
        }
    }

    fn get_capabilities(&self) -> Vec<String> {
        let mut caps = vec!["actions".to_string(), "body".to_string()];
        if self.markup {
            caps.push("body-markup".into());
        }
        caps
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

/// Serves the test notification server on the bus; calls land in the returned list.
async fn serve(bus: &Bus, markup: bool) -> (zbus::Connection, Arc<Mutex<Vec<Call>>>) {
    let (conn, calls, _) = serve_watched(bus, markup).await;
    (conn, calls)
}

/// Like [`serve`], with a signal on every call.
async fn serve_watched(
    bus: &Bus,
    markup: bool,
) -> (
    zbus::Connection,
    Arc<Mutex<Vec<Call>>>,
    Arc<tokio::sync::Notify>,
) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let changed = Arc::new(tokio::sync::Notify::new());
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .name("org.freedesktop.Notifications")
        .serve_at(
            "/org/freedesktop/Notifications",
            Server {
                calls: calls.clone(),
                changed: changed.clone(),
                markup,
            },
        )
        .build()
        .await
        .unwrap();
    (conn, calls, changed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desktop_notices_reach_a_real_notification_server() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bus) = start_bus(dir.path()) else {
        return;
    };
    // A server without body-markup: the text arrives escaped, with no tags of ours.
    let (_conn, calls) = serve(&bus, false).await;

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
    assert_eq!(c.summary, "Talks");
    // The headline (feed titles are plain text: tags a feed leaves in them are stripped),
    // then the source and the lead's most informative sentence; all escaped.
    assert_eq!(
        c.body,
        "Breaking &amp; &quot;quotes&quot;: peace talks resume\n\
         Desk — Envoys say talks &amp; &quot;deals&quot; resume in Miami."
    );
    assert_eq!(c.expire_timeout, 7000);
    assert_eq!(
        c.actions,
        ["default", "Open", "open", "Open", "mute", "Mute story"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_update_replaces_the_story_notification() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bus) = start_bus(dir.path()) else {
        return;
    };
    // A server with body-markup: bold labels of ours, the article text escaped.
    let (_conn, calls) = serve(&bus, true).await;
    let server = TestServer::start().await;
    let item = |id: &str, title: &str, text: &str, date: &str| Item {
        guid: id.into(),
        title: title.into(),
        link: server.url(&format!("/{id}.html")),
        description: format!("<p>{text}</p>"),
        published: Some(date.into()),
    };
    let meeting = item(
        "moscow",
        "Envoys hold peace talks with Putin in Moscow",
        "US envoys Steve Witkoff and Jared Kushner met Vladimir Putin in Moscow on Tuesday \
         for five hours of peace talks. The Kremlin said no compromise on territory was reached.",
        "Tue, 02 Dec 2025 06:00:00 +0000",
    );
    let next_step = item(
        "miami",
        "Peace talks move to Miami as Umerov joins Witkoff and Kushner",
        "Ukraine's negotiator Rustem Umerov will join Steve Witkoff and Jared Kushner in Miami \
         on Thursday to continue the peace talks that followed the Moscow meeting with \
         Vladimir Putin. Officials in Kyiv said a security framework and reconstruction \
         funding are on the table.",
        "Tue, 02 Dec 2025 10:00:00 +0000",
    );
    let unrelated = item(
        "geneva",
        "Peace talks on Sudan open in Geneva",
        "Delegations from the Sudanese army and the Rapid Support Forces opened peace talks \
         in Geneva under Swiss and Saudi mediation, diplomats said.",
        "Tue, 02 Dec 2025 11:00:00 +0000",
    );
    server.set(
        "/feed.xml",
        feed_route(rss("Desk", &[unrelated, next_step, meeting]), "d1"),
    );
    let config = config_text(
        &dir.path().join("nw.db"),
        "notify_existing = true\nfetch_articles = false",
        &[server.url("/feed.xml")],
        "[[topics]]\nname = \"Talks\"\nquery = \"peace talks\"\n",
    )
    .replace("desktop = false", "desktop = true");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();

    let out = once_on_bus(path, bus.address.clone()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = calls.lock().unwrap().clone();
    let summaries: Vec<&str> = calls.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(summaries, ["Talks", "Talks · update", "Talks"]);
    // The update takes the place of the meeting's notification (the server gave it id 1);
    // another story gets a notification of its own.
    assert_eq!(
        calls.iter().map(|c| c.replaces_id).collect::<Vec<_>>(),
        [0, 1, 0]
    );
    assert!(
        calls[1].body.starts_with(
            "<b>Peace talks move to Miami as Umerov joins Witkoff and Kushner</b>\n\
                 <b>New:</b> Ukraine&#39;s negotiator Rustem Umerov"
        ),
        "{}",
        calls[1].body
    );
    assert!(
        calls[1].body.ends_with("(Desk)\n2 sources"),
        "{}",
        calls[1].body
    );
    assert_eq!(
        calls[2].body,
        "<b>Peace talks on Sudan open in Geneva</b>\nDesk — Delegations from the Sudanese army and the Rapid Support Forces opened \
         peace talks in Geneva under Swiss and Saudi mediation, diplomats said."
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_and_mute_clicked_on_a_notification_reach_the_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bus) = start_bus(dir.path()) else {
        return;
    };
    let (conn, calls, changed) = serve_watched(&bus, true).await;
    let server = TestServer::start().await;
    let item = |id: &str, title: &str, text: &str, date: &str| Item {
        guid: id.into(),
        title: title.into(),
        link: server.url(&format!("/{id}.html")),
        description: format!("<p>{text}</p>"),
        published: Some(date.into()),
    };
    server.set(
        "/moscow.xml",
        feed_route(
            rss(
                "Desk",
                &[item(
                    "moscow",
                    "Envoys hold peace talks with Putin in Moscow",
                    "US envoys Steve Witkoff and Jared Kushner met Vladimir Putin in Moscow on \
                     Tuesday for five hours of peace talks. The Kremlin said no compromise on \
                     territory was reached.",
                    "Tue, 02 Dec 2025 06:00:00 +0000",
                )],
            ),
            "m1",
        ),
    );
    // An update of that story (it notifies unless the story is muted).
    server.set(
        "/miami.xml",
        feed_route(
            rss(
                "Wire",
                &[item(
                    "miami",
                    "Peace talks move to Miami as Umerov joins Witkoff and Kushner",
                    "Ukraine's negotiator Rustem Umerov will join Steve Witkoff and Jared Kushner \
                     in Miami on Thursday to continue the peace talks that followed the Moscow \
                     meeting with Vladimir Putin. Officials in Kyiv said a security framework \
                     and reconstruction funding are on the table.",
                    "Tue, 02 Dec 2025 10:00:00 +0000",
                )],
            ),
            "w1",
        ),
    );
    let opened = dir.path().join("opened.txt");
    let db = dir.path().join("nw.db");
    let text = |feeds: &[String]| {
        config_text(
            &db,
            "notify_existing = true\nfetch_articles = false",
            feeds,
            "[[topics]]\nname = \"Talks\"\nquery = \"peace talks\"\n",
        )
        .replace(
            "desktop = false",
            &format!(
                "desktop = true\nopener = [\"sh\", \"-c\", 'printf \"%s\" \"$0\" > {}']",
                opened.display()
            ),
        )
    };
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text(&[server.url("/moscow.xml")])).unwrap();
    let (mut child, lines) = run_daemon(
        &path,
        &[
            ("RUST_LOG", "newswatch=debug"),
            ("DBUS_SESSION_BUS_ADDRESS", &bus.address),
        ],
    );

    // The meeting's notification, with both actions.
    loop {
        let next = changed.notified();
        if !calls.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::timeout(std::time::Duration::from_secs(20), next)
            .await
            .expect("a notification");
    }
    let first = calls.lock().unwrap()[0].clone();
    assert_eq!(
        first.actions,
        ["default", "Open", "open", "Open", "mute", "Mute story"]
    );
    let click = |action: &'static str| {
        let conn = conn.clone();
        async move {
            conn.emit_signal(
                None::<zbus::names::BusName<'_>>,
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications",
                "ActionInvoked",
                &(1u32, action),
            )
            .await
            .unwrap();
        }
    };
    // Clicks count once the daemon has the server's answer (the notification's id).
    let (lines, seen) = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        wait_line(&lines, &mut seen, "delivery round delivered=1");
        (lines, seen)
    })
    .await
    .unwrap();
    click("open").await;
    let lines = tokio::task::spawn_blocking(move || {
        let mut seen = seen;
        wait_line(&lines, &mut seen, "link opener finished");
        (lines, seen)
    })
    .await
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        server.url("/moscow.html"),
        "the opener got the article's link"
    );
    click("mute").await;
    let (lines, mut seen) = tokio::task::spawn_blocking(move || {
        let (lines, mut seen) = lines;
        wait_line(&lines, &mut seen, "story muted");
        (lines, seen)
    })
    .await
    .unwrap();

    // Another outlet's update of the muted story arrives: recorded, not shown.
    std::fs::write(
        &path,
        text(&[server.url("/moscow.xml"), server.url("/miami.xml")]),
    )
    .unwrap();
    let miami = server.url("/miami.xml");
    let seen = tokio::task::spawn_blocking(move || {
        wait_line(&lines, &mut seen, &format!("polled feed={miami}"));
        seen
    })
    .await
    .unwrap();
    let polled = seen
        .iter()
        .find(|l| l.contains("polled feed=") && l.contains("miami"))
        .unwrap();
    assert!(polled.contains("new=1 notices=0"), "{polled}");
    assert_eq!(
        calls.lock().unwrap().len(),
        1,
        "no update for a muted story"
    );
    let _ = child.kill();
    let _ = child.wait();
    let out = succeed(
        newswatch()
            .arg("--config")
            .arg(&path)
            .args(["stories", "--json", "--since", "3650d"]),
    );
    let story: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(
        (story["muted"].clone(), story["sources"].clone()),
        (true.into(), 2.into())
    );
}
