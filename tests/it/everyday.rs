//! Everyday use of the binary: shell completions, man pages, the first run creating a
//! config, `--quiet`, and progress bars only on a terminal.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::*;

const SUBCOMMANDS: [&str; 8] = [
    "run",
    "once",
    "check",
    "stories",
    "history",
    "report",
    "completions",
    "man",
];

#[test]
fn completions_name_every_subcommand_in_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = succeed(newswatch().args(["completions", shell]));
        let script = String::from_utf8(out.stdout).unwrap();
        for sub in SUBCOMMANDS.iter().chain(&["notify-test", "inspect"]) {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
    }
    let fish =
        String::from_utf8(succeed(newswatch().args(["completions", "fish"])).stdout).unwrap();
    assert!(fish.contains("complete -c newswatch"), "{fish}");
    let out = newswatch().args(["completions", "tcsh"]).output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `newswatch completions fish | head -1`: the reader is gone before the writer is done.
    for args in [
        &["completions", "fish"][..],
        &["completions", "bash"],
        &["man"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = newswatch()
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn man_prints_roff_and_writes_one_page_per_subcommand() {
    let page = String::from_utf8(succeed(newswatch().arg("man")).stdout).unwrap();
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
    assert!(page.contains(".TH newswatch 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"));
    for sub in SUBCOMMANDS {
        assert!(page.contains(&format!("newswatch\\-{sub}(1)")), "no {sub}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = succeed(newswatch().args(["man", "--out"]).arg(dir.path()));
    let listed = String::from_utf8(out.stdout).unwrap();
    for sub in SUBCOMMANDS {
        let path = dir.path().join(format!("newswatch-{sub}.1"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&format!(".TH newswatch-{sub} 1")), "{text}");
        assert!(listed.contains(&path.display().to_string()));
    }
    let top = std::fs::read_to_string(dir.path().join("newswatch.1")).unwrap();
    assert_eq!(top, page);
    assert!(!dir.path().join("newswatch-help.1").exists());
}

/// `newswatch run` with `args`, its stderr as lines, and every request it makes going to
/// `proxy` (the starter config names real feeds; the test must not reach them).
fn spawn_run(
    home: &Path,
    proxy: &str,
    args: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = newswatch()
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "newswatch=info")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("HTTP_PROXY", proxy)
        .env("HTTPS_PROXY", proxy)
        .env("ALL_PROXY", proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .args(args)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    (child, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_creates_the_config_from_the_template_and_starts() {
    let proxy = TestServer::start().await;
    let proxy_url = proxy.url("");
    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml")).unwrap();
    tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap();
        let given = home.path().join("elsewhere/my.toml");
        let cases = [
            (vec![], home.path().join("config/newswatch/config.toml")),
            (vec!["--config", given.to_str().unwrap()], given.clone()),
        ];
        for (args, path) in cases {
            let (mut child, lines) = spawn_run(home.path(), &proxy_url, &args);
            let mut seen = Vec::new();
            let line = format!(
                "created {} from the annotated template; edit its feeds and topics",
                path.display()
            );
            wait_line(&lines, &mut seen, &line);
            wait_line(&lines, &mut seen, "newswatch started");
            child.kill().unwrap();
            child.wait().unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), shipped);
            assert_eq!(seen.iter().filter(|l| l.contains("created ")).count(), 1);

            // A second start keeps the file and says nothing about it.
            std::fs::write(
                &path,
                shipped.replace("poll_interval = \"15m\"", "poll_interval = \"20m\""),
            )
            .unwrap();
            let (mut child, lines) = spawn_run(home.path(), &proxy_url, &args);
            let mut seen = Vec::new();
            wait_line(&lines, &mut seen, "newswatch started");
            child.kill().unwrap();
            child.wait().unwrap();
            assert!(!seen.iter().any(|l| l.contains("created ")), "{seen:?}");
            assert!(std::fs::read_to_string(&path).unwrap().contains("\"20m\""));
        }
    })
    .await
    .unwrap();
}

#[test]
fn other_commands_without_a_config_fail_and_point_at_newswatch_run() {
    let home = tempfile::tempdir().unwrap();
    for cmd in [&["check"][..], &["once"], &["stories"], &["history"]] {
        let out = newswatch()
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .args(cmd)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let path = home.path().join("config/newswatch/config.toml");
        assert!(
            stderr.contains(&format!(
                "error: no config file at {}; `newswatch run` creates one there from the annotated template",
                path.display()
            )),
            "{cmd:?}: {stderr}"
        );
        assert!(!path.exists(), "{cmd:?} created a config");
    }
}

/// Runs `newswatch --config CONFIG ARGS` and returns (stdout, stderr).
fn run_with(config: &Path, args: &[&str]) -> (String, String) {
    let out = newswatch()
        .env("RUST_LOG", "newswatch=info")
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_leaves_stdout_alone_and_stderr_empty() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // A second feed that fails: a warning, normally.
    let path = launch_config(&server, dir.path(), Some("Gone"));
    tokio::task::spawn_blocking(move || {
        for args in [
            &["once", "--dry-run"][..],
            &["stories", "--topic", "No such topic", "--json"],
            &["report", "--topic", "No such topic", "--out", "-"],
        ] {
            let (out, err) = run_with(&path, args);
            assert!(err.contains("WARN"), "{args:?}: {err}");
            let quiet: Vec<&str> = std::iter::once("--quiet")
                .chain(args.iter().copied())
                .collect();
            let (quiet_out, quiet_err) = run_with(&path, &quiet);
            assert_eq!(quiet_err, "", "{args:?}");
            // The report carries its generation time; compare without it.
            let strip = |s: &str| s.split("<footer>").next().unwrap().to_string();
            assert_eq!(
                strip(&out).lines().count(),
                strip(&quiet_out).lines().count()
            );
            if args[0] != "report" {
                assert_eq!(out, quiet_out, "{args:?}");
            }
        }
        let (out, _) = run_with(&path, &["--quiet", "once", "--dry-run"]);
        assert!(
            out.contains("2 feeds polled (1 failed), 1 notices would be sent"),
            "{out}"
        );
    })
    .await
    .unwrap();
}

/// `script` runs a command on a pseudo-terminal: the only way to see a bar from a test.
fn on_a_terminal(cmd: &str) -> Option<String> {
    let probe = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: no working `script` (util-linux) to give the command a terminal");
        return None;
    }
    let out = Command::new("script")
        .args(["-qec", cmd, "/dev/null"])
        .env("RUST_LOG", "warn")
        .env_remove("NEWSWATCH_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_bars_show_on_a_terminal_only_and_never_with_quiet() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = launch_config(&server, dir.path(), None);
    let archive = dir.path().join("archive.jsonl");
    std::fs::write(
        &archive,
        "{\"id\": 1, \"title\": \"Rocket launch delayed\", \"text\": \"The rocket launch.\"}\n",
    )
    .unwrap();
    let opml = dir.path().join("feeds.opml");
    std::fs::write(
        &opml,
        "<?xml version=\"1.0\"?><opml version=\"2.0\"><body>\
         <outline text=\"Space\" xmlUrl=\"http://127.0.0.1:9/space.xml\"/></body></opml>",
    )
    .unwrap();
    tokio::task::spawn_blocking(move || {
        let bin = env!("CARGO_BIN_EXE_newswatch");
        let config = path.display();
        let cases = [
            ("once --dry-run".to_string(), "polling feeds"),
            (format!("backtest {}", archive.display()), "replaying"),
            ("topics test Launches".to_string(), "testing the topic"),
            (
                format!("feeds import {}", opml.display()),
                "importing feeds",
            ),
        ];
        for (args, label) in cases {
            let Some(shown) = on_a_terminal(&format!("'{bin}' --config '{config}' {args}")) else {
                return;
            };
            assert!(shown.contains(label), "{args}: {shown:?}");
            let quiet =
                on_a_terminal(&format!("'{bin}' --quiet --config '{config}' {args}")).unwrap();
            assert!(!quiet.contains(label), "{args} --quiet: {quiet:?}");
            // Piped: no bar on stderr.
            let piped = newswatch()
                .arg("--config")
                .arg(&path)
                .args(args.split(' '))
                .output()
                .unwrap();
            assert!(piped.status.success());
            let stderr = String::from_utf8_lossy(&piped.stderr);
            assert!(!stderr.contains(label), "{args} piped: {stderr:?}");
        }
    })
    .await
    .unwrap();
}
