//! The binary as users run it.

use std::process::{Command, Stdio};

use crate::support::*;

#[test]
fn check_accepts_the_shipped_config() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml");
    let out = newswatch()
        .args(["check", "--config", path])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Ukraine peace talks"), "{stdout}");
    assert!(stdout.contains("feeds (6)"), "{stdout}");
}

#[test]
fn check_reports_bad_configs_with_line_and_key_path() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[daemon]\npoll_intervall = \"15m\"\n",
            "2:1: daemon.poll_intervall: unknown field",
        ),
        (
            "[[feeds]]\nurl = \"not a url\"\n",
            "2:7: feeds[0].url: invalid URL",
        ),
        (
            "[[feeds]]\nurl = \"https://x.example/rss\"\ninterval = \"10s\"\n",
            "3:12: feeds[0].interval: interval 10s is shorter than the minimum of 1m",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = newswatch()
            .args(["check", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{}:{want}", path.display())),
            "{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_dry_run_prints_and_changes_nothing() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = launch_config(&server, dir.path(), None);
    // A channel that accepts everything: the `true` program.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "[[notify.channels]]\nname = \"sink\"\ntype = \"command\"\ncommand = [\"true\"]\n",
    );
    std::fs::write(&path, text).unwrap();
    for _ in 0..2 {
        let out = nw(&path, &["once", "--dry-run"]).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("[Launches] Rocket launch delayed by weather — Desk"),
            "{stdout}"
        );
        assert!(stdout.contains("1 notices would be sent"), "{stdout}");
    }
    let out = nw(&path, &["once"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 notices sent"));
    let out = nw(&path, &["once"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 notices sent"));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_reloads_on_sighup_and_stops_gracefully_on_sigterm() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = one_item_config(
        &server,
        dir.path(),
        "Rocket launch succeeds",
        "<p>The rocket launch went well.</p>",
        &topic("Launches", "rocket launch"),
    );
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("log = false", "log = true")).unwrap();

    let (mut child, lines) = run_daemon(&path, &[("RUST_LOG", "newswatch=info")]);
    let pid = child.id().to_string();
    let signal = move |sig: &str| {
        assert!(
            Command::new("kill")
                .args([sig, &pid])
                .status()
                .unwrap()
                .success()
        );
    };
    let once = {
        let path = path.clone();
        move |args: &[&str]| {
            newswatch()
                .arg("--config")
                .arg(&path)
                .args(args)
                .output()
                .unwrap()
        }
    };
    tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        wait_line(&lines, &mut seen, "Rocket launch succeeds");
        // One poller per database: a `once` beside the daemon is refused, a dry run is not.
        let beside = once(&["once"]);
        assert_eq!(beside.status.code(), Some(1));
        assert!(
            stderr(&beside).contains("another newswatch is polling"),
            "{}",
            stderr(&beside)
        );
        assert!(once(&["once", "--dry-run"]).status.success());
        signal("-HUP");
        wait_line(&lines, &mut seen, "config reloaded");
        signal("-TERM");
        wait_line(&lines, &mut seen, "stopped");
        let status = child.wait().unwrap();
        assert!(status.success(), "{status:?}");
        // The lock goes with the daemon.
        let after = once(&["once"]);
        assert!(after.status.success(), "{}", stderr(&after));
    })
    .await
    .unwrap();
}

#[test]
fn inspect_json_prints_one_line_per_feed_file() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feeds/");
    let files = ["rss.xml", "atom.xml", "feed.json", "broken.xml"].map(|f| format!("{dir}{f}"));
    let out = newswatch()
        .args([
            "inspect",
            "--json",
            "--url",
            "https://harbour.example/rss.xml",
        ])
        .args(&files)
        .output()
        .unwrap();
    // A rejected input makes the exit status 1, but every input still gets its line.
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    let feed = |title: &str, link: &str| serde_json::json!({"title": title, "link": link});
    let entry = |key: &str, id: Option<&str>, title: &str, link: &str, published: &str| serde_json::json!({"key": key, "id": id, "title": title, "link": link, "published": published});
    let ok = |file: &str, feed: serde_json::Value, entries: Vec<serde_json::Value>| serde_json::json!({"file": file, "ok": true, "error": null, "feed": feed, "entries": entries});
    assert_eq!(
        lines[0],
        ok(
            &files[0],
            feed("Harbour & Town News", "https://harbour.example/"),
            vec![
                entry(
                    "id:harbour-1001",
                    Some("harbour-1001"),
                    "Ferry resumes service",
                    "https://harbour.example/ferry?utm_source=rss",
                    "2025-06-03T06:30:00+00:00"
                ),
                entry(
                    "link:https://harbour.example/council",
                    None,
                    "Council meets on budget",
                    "https://harbour.example/council?utm_medium=rss",
                    "2025-06-02T17:00:00+00:00"
                ),
                // Relative link resolved against --url; a date with a named zone.
                entry(
                    "link:https://harbour.example/weather/fog",
                    None,
                    "Weather: fog by evening",
                    "https://harbour.example/weather/fog",
                    "2025-06-02T13:00:00+00:00"
                ),
            ]
        )
    );
    assert_eq!(
        lines[1],
        ok(
            &files[1],
            feed("Valley Observer", "https://valley.example/"),
            vec![
                entry(
                    "id:urn:valley:entry:7",
                    Some("urn:valley:entry:7"),
                    "Bridge reopens after repairs",
                    "https://valley.example/bridge",
                    "2025-06-03T13:15:00+00:00"
                ),
                // A text title keeps its brackets; a URL id is the link.
                entry(
                    "id:https://valley.example/blink",
                    Some("https://valley.example/blink"),
                    "Why the <blink> tag is gone",
                    "https://valley.example/blink",
                    "2025-06-02T00:00:00+00:00"
                ),
            ]
        )
    );
    assert_eq!(
        lines[2],
        ok(
            &files[2],
            feed("Plain Wire", "https://wire.example/"),
            vec![entry(
                "id:wire-42",
                Some("wire-42"),
                "Storm warning lifted",
                "https://wire.example/42",
                "2025-06-01T06:00:00+00:00"
            )]
        )
    );
    assert_eq!(lines[3]["file"], files[3].as_str());
    assert_eq!(lines[3]["ok"], false);
    assert_eq!(lines[3]["entries"], serde_json::json!([]));
    assert!(
        lines[3]["error"]
            .as_str()
            .unwrap()
            .contains("not a readable"),
        "{}",
        lines[3]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_feeds_report_each_feed_and_topic() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // A second feed that is gone.
    let path = launch_config(&server, dir.path(), Some("Gone"));
    let run = |args: &'static [&'static str]| {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            succeed(newswatch().arg("--config").arg(&path).args(args)).stdout
        })
    };
    // Before any poll, every feed is new.
    let before = String::from_utf8(run(&["feeds"]).await.unwrap()).unwrap();
    assert!(before.lines().all(|l| l.starts_with("new ")), "{before}");
    let once = newswatch()
        .arg("--config")
        .arg(&path)
        .arg("once")
        .output()
        .unwrap();
    assert!(
        once.status.success(),
        "a failing feed does not fail the run"
    );
    let only_gone = dir.path().join("gone.toml");
    let text = config_text(
        &dir.path().join("gone.db"),
        "",
        &[server.url("/gone.xml")],
        &topic("Launches", "rocket launch"),
    );
    std::fs::write(&only_gone, text).unwrap();
    let gone = newswatch()
        .arg("--config")
        .arg(&only_gone)
        .arg("once")
        .output()
        .unwrap();
    assert_eq!(
        gone.status.code(),
        Some(1),
        "every feed failing fails the run"
    );
    for _ in 0..2 {
        newswatch()
            .arg("--config")
            .arg(&path)
            .arg("once")
            .output()
            .unwrap();
    }

    let status: serde_json::Value =
        serde_json::from_slice(&run(&["status", "--json"]).await.unwrap()).unwrap();
    let feeds = status["feeds"].as_array().unwrap();
    assert_eq!(feeds.len(), 2);
    assert_eq!(feeds[0]["last_status"], 304, "{status}");
    assert_eq!(feeds[0]["entries"], 1);
    assert_eq!(feeds[0]["failures"], 0);
    assert_eq!(feeds[1]["name"], "Gone");
    assert_eq!(feeds[1]["last_status"], 404);
    assert_eq!(feeds[1]["failures"], 3);
    assert_eq!(feeds[1]["backoff"], 4);
    assert!(
        feeds[1]["last_error"].as_str().unwrap().contains("404"),
        "{status}"
    );
    assert!(feeds[1]["next_poll"].is_string());
    let topics = status["topics"].as_array().unwrap();
    assert_eq!(topics[0]["name"], "Launches");
    assert_eq!(
        (
            topics[0]["matches"].clone(),
            topics[0]["stories"].clone(),
            topics[0]["notices"].clone()
        ),
        (1.into(), 1.into(), 1.into())
    );

    let text = String::from_utf8(run(&["status"]).await.unwrap()).unwrap();
    assert!(text.contains("Gone — error:"), "{text}");
    // The unnamed feed goes by the title it gives itself.
    assert!(text.contains("Desk — HTTP 304"), "{text}");
    assert!(text.contains("backing off ×4"), "{text}");
    assert!(
        text.contains("Launches: 1 matches, 1 stories, 1 notices"),
        "{text}"
    );
    let feeds: Vec<serde_json::Value> = String::from_utf8(run(&["feeds", "--json"]).await.unwrap())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        (feeds[0]["ok"].clone(), feeds[1]["ok"].clone()),
        (true.into(), false.into())
    );
    assert_eq!(feeds[1]["name"], "Gone");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_systemd_run_reports_ready_status_and_keeps_the_watchdog_fed() {
    use std::os::unix::net::UnixDatagram;
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = one_item_config(
        &server,
        dir.path(),
        "Rocket launch succeeds",
        "<p>The rocket launch went well.</p>",
        &topic("Launches", "rocket launch"),
    );
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut child = newswatch()
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID")
        .arg("--config")
        .arg(&path)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    tokio::task::spawn_blocking(move || {
        let mut buf = [0u8; 512];
        let mut next = || {
            let n = socket.recv(&mut buf).expect("a message from the daemon");
            String::from_utf8_lossy(&buf[..n]).into_owned()
        };
        assert_eq!(next(), "READY=1\nSTATUS=1 feeds, 1 topics");
        let mut seen = Vec::new();
        while !(seen
            .iter()
            .any(|m: &String| m.starts_with("STATUS=1 feeds, 1 topics, last poll "))
            && seen.iter().filter(|m| *m == "WATCHDOG=1").count() >= 2)
        {
            seen.push(next());
        }
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        while next() != "STOPPING=1" {}
        assert!(child.wait().unwrap().success());
    })
    .await
    .unwrap();
}

/// `kill -9` in the middle of a cycle, then a restart: every match is recorded once and no
/// notice reaches a channel twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_mid_cycle_loses_no_match_and_repeats_no_notice() {
    const ITEMS: usize = 12;
    let server = TestServer::start().await;
    let subjects = [
        "volcano",
        "election",
        "harvest",
        "satellite",
        "museum",
        "glacier",
        "tournament",
        "vaccine",
        "railway",
        "orchestra",
        "submarine",
        "vineyard",
    ];
    let items: Vec<Item> = (0..ITEMS)
        .rev()
        .map(|i| {
            let path = format!("/p{i}.html");
            let subject = subjects[i];
            let text = format!(
                "<html><body><article><h1>News about the {subject}</h1><p>Reporters followed \
                 the {subject} story number {i} closely on Monday, officials said.</p><p>The \
                 {subject} drew crowds from {i} towns, and more details will follow.</p>\
                 </article></body></html>"
            );
            server.set(
                &path,
                Route::Ok {
                    content_type: "text/html",
                    body: text.into_bytes(),
                    etag: None,
                },
            );
            Item {
                guid: format!("item-{i}"),
                title: format!("News about the {subject}"),
                link: server.url(&path),
                description: format!("<p>The {subject}.</p>"),
                published: None,
            }
        })
        .collect();
    server.set("/feed.xml", feed_route(rss("Desk", &items), "v1"));
    let dir = tempfile::tempdir().unwrap();
    let delivered = dir.path().join("delivered.txt");
    let mut text = config_text(
        &dir.path().join("nw.db"),
        "notify_existing = true",
        &[server.url("/feed.xml")],
        &topic("All", "*"),
    );
    text.push_str(&format!(
        "[[notify.channels]]\nname = \"sink\"\ntype = \"command\"\n\
         command = [\"sh\", \"-c\", 'echo \"$NEWSWATCH_ID\" >> \"$0\"', \"{}\"]\n",
        delivered.display()
    ));
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();

    // One page hangs: the cycle is under way, half done, when the process is killed.
    let stuck = format!("/p{}.html", ITEMS / 2);
    server.set(&stuck, Route::Stall);
    let mut child = newswatch()
        .arg("--config")
        .arg(&path)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    server.wait_hits(&stuck, 1).await;
    child.kill().unwrap();
    child.wait().unwrap();
    server.set(
        &stuck,
        Route::Ok {
            content_type: "text/html",
            body: b"<html><body><p>The museum story, at last, with more details.</p></body></html>"
                .to_vec(),
            etag: None,
        },
    );
    let store = newswatch::store::Store::open(&dir.path().join("nw.db")).unwrap();
    let before = store.count(newswatch::store::Table::Matches).unwrap();
    assert!(
        before > 0 && before < ITEMS as i64,
        "killed mid-cycle: {before} matches"
    );
    drop(store);

    let path2 = path.clone();
    let out = tokio::task::spawn_blocking(move || {
        succeed(newswatch().arg("--config").arg(&path2).arg("once"))
    })
    .await
    .unwrap();
    assert!(out.status.success());
    let store = newswatch::store::Store::open(&dir.path().join("nw.db")).unwrap();
    assert_eq!(
        store.count(newswatch::store::Table::Matches).unwrap(),
        ITEMS as i64,
        "every article matched once"
    );
    let ids: Vec<String> = std::fs::read_to_string(&delivered)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "a notice delivered twice: {ids:?}");
    let notices = store.count(newswatch::store::Table::Notices).unwrap();
    assert_eq!(
        ids.len() as i64,
        notices,
        "every recorded notice delivered once"
    );
    assert!(notices >= 1);
}

#[test]
fn service_install_writes_the_unit_and_a_starter_config_once() {
    let home = tempfile::tempdir().unwrap();
    let run = || {
        let out = succeed(
            newswatch()
                .env("HOME", home.path())
                .env_remove("XDG_CONFIG_HOME")
                .args(["service", "install"]),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run();
    let unit = std::fs::read_to_string(home.path().join(".config/systemd/user/newswatch.service"))
        .unwrap();
    let exec = format!("ExecStart={} run", env!("CARGO_BIN_EXE_newswatch"));
    assert!(unit.contains(&exec), "{unit}");
    assert!(unit.contains("Type=notify"));
    let config = home.path().join(".config/newswatch/config.toml");
    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml")).unwrap();
    assert_eq!(std::fs::read_to_string(&config).unwrap(), shipped);
    assert!(
        first.contains("systemctl --user enable --now newswatch"),
        "{first}"
    );
    // A second install keeps the user's edits.
    std::fs::write(&config, "# mine\n").unwrap();
    let second = run();
    assert!(second.contains("kept your config"), "{second}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n");
}

#[test]
fn service_install_writes_a_relative_config_path_as_an_absolute_one() {
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("my configs");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("rel.toml"), "").unwrap();
    succeed(
        newswatch()
            .env("HOME", home.path())
            .env_remove("XDG_CONFIG_HOME")
            .current_dir(&work)
            .args(["--config", "rel.toml", "service", "install"]),
    );
    let unit = std::fs::read_to_string(home.path().join(".config/systemd/user/newswatch.service"))
        .unwrap();
    let config = work.join("rel.toml");
    let want = format!("--config \"{}\" run", config.display());
    assert!(unit.contains(&want), "{unit}");
}

#[test]
fn logs_written_to_a_file_or_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let db = dir.path().join("nw.db");
    std::fs::write(&config, config_text(&db, "", &[], "")).unwrap();
    let out = newswatch()
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "newswatch=debug")
        .arg("--config")
        .arg(&config)
        .arg("once")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("DEBUG"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}
