//! The shipped "Ukraine peace talks" topic against the seeds and hard negatives, and
//! `backtest` over an archive.

use newswatch::analyze::Analysis;
use newswatch::pipeline::match_topics;

use crate::support::*;

const ON_TOPIC: [&str; 5] = ["seed-000", "seed-001", "seed-002", "seed-003", "seed-004"];
/// Other Ukraine news, other peace talks, passing mentions, sport.
const HARD_NEGATIVES: [&str; 7] = [
    "offtopic-grain",
    "offtopic-impeachment",
    "offtopic-nobel",
    "offtopic-gaza",
    "offtopic-armenia",
    "offtopic-strikes",
    "offtopic-sport",
];

fn shipped() -> newswatch::config::Config {
    newswatch::config::parse(&shipped_topics(), "config.toml").unwrap()
}

fn matches(name: &str) -> Vec<(String, f64)> {
    let (title, lines) = article(name);
    let text = newswatch::extract::clean_plain_text(&lines.join("\n"), &title);
    match_topics(&shipped(), None, &Analysis::new(&title, &text))
}

#[test]
fn seeds_match_the_shipped_topic() {
    for name in ON_TOPIC {
        let m = matches(name);
        assert_eq!(m.len(), 1, "{name} should match: {m:?}");
        assert_eq!(m[0].0, "Ukraine peace talks");
    }
}

#[test]
fn headlines_alone_are_judged_like_the_issue_says() {
    let judge = |title: &str| match_topics(&shipped(), None, &Analysis::new(title, ""));
    for yes in [
        "Witkoff and Kushner meet Putin on the US peace plan",
        "Umerov in Miami for talks on security guarantees",
    ] {
        assert_eq!(judge(yes).len(), 1, "{yes}");
    }
    for no in [
        "Ukraine's grain exports rise",
        "Impeachment hearing: envoy says Ukraine aid was held up over talks with Russia",
        "Nobel Peace Prize ceremony honours Ukraine and Russia rights groups",
        "Witkoff presses Gaza ceasefire talks with Israeli officials",
    ] {
        assert!(judge(no).is_empty(), "{no}");
    }
}

#[test]
fn hard_negatives_stay_out_of_reach() {
    for name in HARD_NEGATIVES {
        assert!(matches(name).is_empty(), "{name} should not match");
    }
}

/// Runs `newswatch backtest` with the shipped topics over archive lines; returns its output
/// lines and its stderr.
fn backtest_run(dir: &std::path::Path, archive: &[u8]) -> (Vec<serde_json::Value>, String) {
    let archive_path = dir.join("archive.jsonl");
    std::fs::write(&archive_path, archive).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(&config, shipped_topics()).unwrap();
    let out = succeed(
        newswatch()
            .arg("--config")
            .arg(&config)
            .arg("backtest")
            .arg(&archive_path),
    );
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// [`backtest_run`]'s output lines.
fn backtest(dir: &std::path::Path, archive: &str) -> Vec<serde_json::Value> {
    backtest_run(dir, archive.as_bytes()).0
}

#[test]
fn backtest_prints_one_line_per_article_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = String::new();
    for (i, name) in ON_TOPIC.iter().chain(HARD_NEGATIVES.iter()).enumerate() {
        let (title, lines) = article(name);
        let line = if i == 2 {
            // One article as a page to extract.
            let (_, page) = article_page(name, "World Desk");
            serde_json::json!({"id": name, "html": page, "url": "https://desk.example/a"})
        } else {
            serde_json::json!({"id": name, "title": title, "text": lines.join("\n\n"), "source": "wire"})
        };
        archive.push_str(&line.to_string());
        archive.push('\n');
    }
    archive.push_str("{\"id\": 99, \"title\": 5}\n");
    archive.push_str("not json\n");
    let lines = backtest(dir.path(), &archive);
    assert_eq!(lines.len(), ON_TOPIC.len() + HARD_NEGATIVES.len() + 2);
    for (i, name) in ON_TOPIC.iter().chain(HARD_NEGATIVES.iter()).enumerate() {
        assert_eq!(lines[i]["id"], *name);
        let m = lines[i]["matches"].as_array().unwrap();
        if ON_TOPIC.contains(name) {
            assert_eq!(m.len(), 1, "{name}: {}", lines[i]);
            assert_eq!(m[0]["topic"], "Ukraine peace talks");
            let score = m[0]["score"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&score));
        } else {
            assert!(m.is_empty(), "{name}: {}", lines[i]);
        }
    }
    let bad = &lines[ON_TOPIC.len() + HARD_NEGATIVES.len()];
    assert_eq!(bad["id"], 99);
    assert!(bad["error"].as_str().unwrap().contains("line 13"));
    assert!(lines.last().unwrap()["error"].is_string());
}

#[test]
fn backtest_reads_a_line_with_bytes_of_another_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Vec::new();
    for (i, name) in ON_TOPIC.iter().take(3).enumerate() {
        let (title, lines) = article(name);
        let mut record =
            serde_json::json!({"id": name, "title": title, "text": lines.join("\n\n")});
        if i == 2 {
            record["published"] = "yesterday".into();
        }
        let mut line = record.to_string().into_bytes();
        if i == 1 {
            // "Kyiv café" written in Latin-1 into the title: é is the lone byte 0xE9.
            let at = line.windows(9).position(|w| w == b"\"title\":\"").unwrap() + 9;
            line.splice(at..at, b"Kyiv caf\xe9 ".iter().copied());
        }
        archive.extend(line);
        archive.push(b'\n');
    }
    let (lines, stderr) = backtest_run(dir.path(), &archive);
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (line, name) in lines.iter().zip(ON_TOPIC) {
        assert_eq!(line["id"], name);
        assert!(line.get("error").is_none(), "{line}");
        assert_eq!(line["matches"][0]["topic"], "Ukraine peace talks", "{line}");
    }
    assert!(
        stderr.contains("not valid UTF-8") && stderr.contains("lines 2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no date or Unix time") && stderr.contains("before: lines 3"),
        "{stderr}"
    );
}

#[test]
fn explain_shows_clauses_and_the_reason_for_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let topics = format!(
        "{}{}",
        shipped_topics(),
        topic("Close", "Putin NEAR/3 Miami")
    );
    std::fs::write(&config, topics).unwrap();
    let explain = |topic: &str, name: &str| {
        let file = fixture_dir().join("articles").join(format!("{name}.txt"));
        explain_file(&config, topic, &file)
    };
    let gaza = explain("Ukraine peace talks", "offtopic-gaza");
    assert!(gaza.contains("title:    Gaza ceasefire holds"), "{gaza}");
    assert!(
        gaza.contains("✓ Ukraine (name: not other names) — 1 hit: body@"),
        "{gaza}"
    );
    assert!(
        gaza.contains("verdict:  no match: score 0.10 is below min_score 0.15"),
        "{gaza}"
    );
    let seed = explain("Ukraine peace talks", "seed-004");
    assert!(seed.contains("verdict:  MATCH"), "{seed}");
    let near = explain("Close", "seed-002");
    assert!(near.contains("NEAR/3 failed: nearest pair"), "{near}");
    assert!(near.contains("verdict:  no match"), "{near}");
}

#[test]
fn backtest_groups_the_seeds_into_one_story_and_notifies_only_developments() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = String::new();
    for (i, name) in ["seed-004", "seed-000", "seed-001", "seed-002", "seed-003"]
        .iter()
        .enumerate()
    {
        let (title, lines) = article(name);
        let published = format!("2025-12-02T{:02}:00:00Z", 4 + i * 4);
        let line = serde_json::json!({"id": name, "title": title, "text": lines.join("\n"), "published": published});
        archive.push_str(&format!("{line}\n"));
    }
    let rows = backtest(dir.path(), &archive);
    // Same input, same output: similarities and sentences do not depend on a hash seed.
    assert_eq!(backtest(dir.path(), &archive), rows, "a second run differs");
    let m = |i: usize| &rows[i]["matches"][0];
    let story = m(0)["story"].clone();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row["matches"][0]["story"], story,
            "all five are one story: {row}"
        );
        assert_eq!(row["matches"][0]["new_story"], i == 0);
    }
    let notified: Vec<&str> = (0..5)
        .filter(|&i| m(i)["notify"] == true)
        .map(|i| rows[i]["id"].as_str().unwrap())
        .collect();
    assert!(
        notified.contains(&"seed-004") && notified.contains(&"seed-002"),
        "{notified:?}"
    );
    assert!(
        !notified.contains(&"seed-001") && !notified.contains(&"seed-003"),
        "{notified:?}"
    );
    assert!(notified.len() <= 3);
    assert!(
        m(3)["whats_new"].as_str().unwrap().contains("Miami"),
        "{}",
        m(3)
    );
    assert_eq!(m(4)["sources"], 5);
}

#[test]
fn backtest_reads_unix_times_as_well_as_dates() {
    let dir = tempfile::tempdir().unwrap();
    let line = |name: &str, published: serde_json::Value| {
        let (title, lines) = article(name);
        let record = serde_json::json!({
            "id": name, "title": title, "text": lines.join("\n\n"), "published": published,
        });
        format!("{record}\n")
    };
    // The same meeting reported three hours apart, the first dated in seconds and the
    // second in milliseconds: one story.
    let start = 1_764_655_200_i64; // 2025-12-02T06:00:00Z
    let near = line("seed-004", start.into())
        + &line("seed-000", ((start + 3 * 3600) * 1000).into())
        + &line("seed-001", (start + 10 * 86_400).to_string().into());
    let lines = backtest(dir.path(), &near);
    let (a, b, c) = (
        &lines[0]["matches"][0],
        &lines[1]["matches"][0],
        &lines[2]["matches"][0],
    );
    assert_eq!(a["story"], b["story"], "{lines:?}");
    assert_eq!(b["new_story"], false);
    // Ten days later as a Unix time in a string: past the window, a story of its own.
    assert_ne!(c["story"], a["story"], "{lines:?}");
    // Ten days later (past the 72 h window), as a date string: a story of its own.
    let far = line("seed-004", start.into()) + &line("seed-000", "2025-12-12T06:00:00Z".into());
    let lines = backtest(dir.path(), &far);
    let (a, b) = (&lines[0]["matches"][0], &lines[1]["matches"][0]);
    assert_ne!(a["story"], b["story"], "{lines:?}");
    assert_eq!(b["new_story"], true);
}

#[test]
fn explain_agrees_with_the_daemon_on_empty_articles_exclusions_and_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let topics = format!(
        "{}{}{}[[topics]]\nname = \"Wire only\"\nquery = \"*\"\nfeeds = [\"Wire\"]\n",
        shipped_topics(),
        topic("All", "*"),
        "[[feeds]]\nname = \"Wire\"\nurl = \"http://127.0.0.1:9/feed.xml\"\n"
    );
    std::fs::write(&config, topics).unwrap();
    let explain = |topic: &str, title: &str, text: &str| {
        let file = dir.path().join("article.txt");
        std::fs::write(&file, format!("{title}\n{text}\n")).unwrap();
        explain_file(&config, topic, &file)
    };
    // Nothing to match on: `*` does not match it in the daemon, nor here.
    let empty = explain("All", "", "");
    assert!(
        empty.contains("verdict:  no match: the article says nothing"),
        "{empty}"
    );
    let dateline = explain("All", "Updated: Monday, 28 November 2005, 02:24 GMT", "");
    assert!(dateline.contains("says nothing"), "{dateline}");
    // The clause that excluded the article is named.
    let nobel = explain(
        "Ukraine peace talks",
        "Putin meets Witkoff in Moscow on Ukraine peace talks",
        "Kremlin envoys discussed a ceasefire for Ukraine. Some spoke of a Nobel prize.",
    );
    assert!(nobel.contains("(NOT Nobel) not satisfied"), "{nobel}");
    // A topic that reads some feeds only says so: a file's feed is unknown.
    let wire = explain("Wire only", "Talks resume", "Envoys met in Geneva.");
    assert!(wire.contains("verdict:  MATCH"), "{wire}");
    assert!(
        wire.contains("note:     the topic reads only Wire"),
        "{wire}"
    );
}

#[tokio::test]
async fn explain_of_a_url_knows_which_feed_the_site_is() {
    let server = TestServer::start().await;
    let (_, page) = article_page("seed-004", "Herald");
    server.set(
        "/2025/talks.html",
        Route::Ok {
            content_type: "text/html",
            body: page.into_bytes(),
            etag: None,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let text = format!(
        "[[feeds]]\nname = \"Herald\"\nurl = \"{}\"\n\
         [[feeds]]\nname = \"Wire\"\nurl = \"http://wire.invalid/feed.xml\"\n\
         [[topics]]\nname = \"Wire only\"\nquery = \"*\"\nfeeds = [\"Wire\"]\n\
         [[topics]]\nname = \"Herald only\"\nquery = \"*\"\nfeeds = [\"Herald\"]\n",
        server.url("/feed.xml")
    );
    std::fs::write(&config, text).unwrap();
    let url = server.url("/2025/talks.html");
    let wire = stdout(&nw(&config, &["explain", "--topic", "Wire only", &url]).await);
    assert!(
        wire.contains("no match: the topic reads only Wire and this article is from Herald"),
        "{wire}"
    );
    let herald = stdout(&nw(&config, &["explain", "--topic", "Herald only", &url]).await);
    assert!(herald.contains("verdict:  MATCH"), "{herald}");
    assert!(!herald.contains("note:"), "{herald}");
}

/// `newswatch explain` of a file for one topic: its standard output.
fn explain_file(config: &std::path::Path, topic: &str, file: &std::path::Path) -> String {
    let out = succeed(
        newswatch()
            .arg("--config")
            .arg(config)
            .args(["explain", "--topic", topic])
            .arg(file),
    );
    String::from_utf8(out.stdout).unwrap()
}
