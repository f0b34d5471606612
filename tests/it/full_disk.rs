//! A full disk: the poll that cannot write fails with a clear error, the database stays
//! intact and readable, and once there is room again the next poll records everything the
//! failed one could not. The database lives on a tiny tmpfs mounted in a private mount
//! namespace (`unshare --mount` and `mount`, which need root); without those the test says
//! why it skipped.

use std::path::Path;
use std::process::Command;

use crate::support::*;

const ITEMS: usize = 40;

/// About 24 KB of words no other page shares, so every article grows the database.
fn page(i: usize) -> String {
    let words: Vec<String> = (0..3000)
        .map(|k| format!("w{}", (i * 7919 + k * 104_729) % 1_000_003))
        .collect();
    format!(
        "<html><head><title>Harbour report {i}</title></head><body><article>\
         <h1>Harbour report {i}</h1><p>The harbour authority published report {i} on \
         Monday.</p><p>{}.</p></article></body></html>",
        words.join(" ")
    )
}

fn can_mount_tmpfs(dir: &Path) -> bool {
    Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "mount",
            "-t",
            "tmpfs",
        ])
        .args(["-o", "size=64k", "tmpfs"])
        .arg(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn matches(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM matches", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_an_error_not_corruption_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("db");
    std::fs::create_dir(&mnt).unwrap();
    if !can_mount_tmpfs(&mnt) {
        eprintln!("skipped: cannot mount a tmpfs in a private namespace (needs root)");
        return;
    }
    let server = TestServer::start().await;
    let items: Vec<Item> = (0..ITEMS)
        .map(|i| {
            let path = format!("/r{i}.html");
            server.set(
                &path,
                Route::Ok {
                    content_type: "text/html",
                    body: page(i).into_bytes(),
                    etag: None,
                },
            );
            Item {
                guid: format!("report-{i}"),
                title: format!("Harbour report {i}"),
                link: server.url(&path),
                description: "A report.".into(),
                published: None,
            }
        })
        .collect();
    server.set("/feed.xml", feed_route(rss("Harbour", &items), "v1"));
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        config_text(
            &mnt.join("nw.db"),
            "notify_existing = true",
            &[server.url("/feed.xml")],
            &topic("Harbour", "harbour"),
        ),
    )
    .unwrap();

    // In one namespace: a 600 KB disk, a poll, a copy of what is on it; then room, a poll
    // and another copy.
    let full = dir.path().join("full");
    let roomy = dir.path().join("roomy");
    let nw = env!("CARGO_BIN_EXE_newswatch");
    let script = format!(
        "set -e\n\
         mount -t tmpfs -o size=600k tmpfs '{mnt}'\n\
         '{nw}' --config '{cfg}' once 2> '{dir}/once1.err' || echo $? > '{dir}/once1.code'\n\
         '{nw}' --config '{cfg}' status --json > '{dir}/status1.json'\n\
         mkdir '{full}' && cp '{mnt}'/nw.db* '{full}/'\n\
         mount -o remount,size=32m '{mnt}'\n\
         '{nw}' --config '{cfg}' once 2> '{dir}/once2.err'\n\
         mkdir '{roomy}' && cp '{mnt}'/nw.db* '{roomy}/'\n",
        mnt = mnt.display(),
        cfg = config.display(),
        dir = dir.path().display(),
        full = full.display(),
        roomy = roomy.display(),
    );
    let out = tokio::task::spawn_blocking(move || {
        Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            .env_remove("NEWSWATCH_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    assert!(
        out.status.success(),
        "{}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        read("once1.err"),
        read("once2.err")
    );

    // The first poll ran out of room: said so, in words, and kept what it had committed.
    let err1 = read("once1.err");
    assert!(err1.contains("disk is full"), "{err1}");
    assert!(!err1.contains("panicked"), "{err1}");
    let status: serde_json::Value = serde_json::from_str(&read("status1.json")).unwrap();
    let feed = &status["feeds"][0];
    assert!(
        feed["last_error"].as_str().unwrap().contains("full"),
        "{status}"
    );
    assert_eq!(integrity(&full.join("nw.db")), "ok");
    let stored = matches(&full.join("nw.db"));
    assert!(stored < ITEMS as i64, "the disk never filled: {stored}");

    // With room again, the next poll picks up every article the failed one missed.
    let err2 = read("once2.err");
    assert!(!err2.contains("full"), "{err2}");
    assert_eq!(integrity(&roomy.join("nw.db")), "ok");
    assert_eq!(matches(&roomy.join("nw.db")), ITEMS as i64);
}
