//! Test support: a loopback HTTP server with scripted routes, fixture articles wrapped in
//! page chrome, RSS builders, and a one-cycle driver over the real pipeline.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use newswatch::config::{self, Config};
use newswatch::notify::{Notifier, RecordingNotifier};
use newswatch::pipeline::{self, Loaded, Shared};
use newswatch::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server answers on a path.
#[derive(Debug, Clone)]
pub enum Route {
    Ok {
        content_type: &'static str,
        body: Vec<u8>,
        etag: Option<String>,
    },
    Status(u16),
    /// Any status with extra headers (Retry-After, Location, Content-Encoding) and a body.
    Reply {
        status: u16,
        headers: Vec<String>,
        body: Vec<u8>,
    },
    /// Answers with these statuses in turn, then 200 (an endpoint that recovers).
    Statuses(Arc<Mutex<std::collections::VecDeque<u16>>>),
    /// Accepts the request and never answers.
    Stall,
}

impl Route {
    pub fn statuses(s: &[u16]) -> Route {
        Route::Statuses(Arc::new(Mutex::new(s.iter().copied().collect())))
    }
}

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub if_none_match: Option<String>,
    pub status: u16,
    pub method: String,
    /// Request headers, names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

type Routes = Arc<Mutex<HashMap<String, Route>>>;

/// A local HTTP/1.1 server bound to 127.0.0.1:0.
pub struct TestServer {
    pub addr: SocketAddr,
    routes: Routes,
    hits: Hits,
}

/// Requests seen, and a signal on each new one.
#[derive(Clone, Default)]
struct Hits {
    seen: Arc<Mutex<Vec<Hit>>>,
    changed: Arc<tokio::sync::Notify>,
}

impl Hits {
    fn push(&self, hit: Hit) {
        self.seen.lock().unwrap().push(hit);
        self.changed.notify_waiters();
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let routes: Routes = Arc::default();
        let hits = Hits::default();
        let (r, h) = (routes.clone(), hits.clone());
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, r.clone(), h.clone()));
            }
        });
        TestServer { addr, routes, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn set(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    /// Waits until `path` has been requested at least `n` times.
    pub async fn wait_hits(&self, path: &str, n: usize) -> Vec<Hit> {
        loop {
            let changed = self.hits.changed.notified();
            let hits = self.hits(path);
            if hits.len() >= n {
                return hits;
            }
            changed.await;
        }
    }

    pub fn hits(&self, path: &str) -> Vec<Hit> {
        self.hits
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }
}

async fn serve(mut conn: TcpStream, routes: Routes, hits: Hits) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 * 1024 {
            return;
        }
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let mut lines = head.lines();
    let mut request_line = lines.next().unwrap_or("").split_whitespace();
    let method = request_line.next().unwrap_or("GET").to_string();
    let path = request_line.next().unwrap_or("/").to_string();
    let request_headers: HashMap<String, String> = lines
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect();
    let if_none_match = request_headers.get("if-none-match").cloned();
    let length: usize = request_headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut request_body = buf[end..].to_vec();
    while request_body.len() < length {
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => request_body.extend_from_slice(&chunk[..n]),
        }
    }
    let hit = |status: u16| Hit {
        path: path.clone(),
        if_none_match: if_none_match.clone(),
        status,
        method: method.clone(),
        headers: request_headers.clone(),
        body: request_body.clone(),
    };
    let route = routes.lock().unwrap().get(&path).cloned();
    let (status, headers, body): (u16, Vec<String>, Vec<u8>) = match route {
        None => (404, vec![], b"not found".to_vec()),
        Some(Route::Status(s)) => (s, vec![], b"error".to_vec()),
        Some(Route::Reply {
            status,
            headers,
            body,
        }) => (status, headers, body),
        Some(Route::Statuses(next)) => match next.lock().unwrap().pop_front() {
            Some(s) => (s, vec![], b"try again later".to_vec()),
            None => (200, vec![], b"{}".to_vec()),
        },
        Some(Route::Stall) => {
            hits.push(hit(0));
            std::future::pending::<()>().await;
            return;
        }
        Some(Route::Ok {
            content_type,
            body,
            etag,
        }) => {
            if let Some(tag) = etag.as_ref().filter(|t| Some(*t) == if_none_match.as_ref()) {
                (304, vec![format!("ETag: {tag}")], vec![])
            } else {
                let mut h = vec![format!("Content-Type: {content_type}")];
                if let Some(e) = etag {
                    h.push(format!("ETag: {e}"));
                }
                (200, h, body)
            }
        }
    };
    hits.push(hit(status));
    let mut response = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    for h in headers {
        response.push_str(&h);
        response.push_str("\r\n");
    }
    response.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let _ = conn.write_all(response.as_bytes()).await;
    let _ = conn.write_all(&body).await;
    let _ = conn.shutdown().await;
}

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fixture article: its title (first line) and its lines of text, as scraped.
pub fn article(name: &str) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(fixture_dir().join("articles").join(format!("{name}.txt")))
        .unwrap();
    let mut lines = text.lines();
    let title = lines.next().unwrap().trim().to_string();
    let body = lines
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (title, body)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A fixture article as a full news page: navigation, trending links, share buttons,
/// newsletter box, related links and footer around the text.
pub fn article_page(name: &str, site: &str) -> (String, String) {
    let (title, lines) = article(name);
    let template = std::fs::read_to_string(fixture_dir().join("page.html")).unwrap();
    let body: String = lines
        .iter()
        .map(|l| format!("        <p>{}</p>\n", escape(l)))
        .collect();
    let page = template
        .replace("{{TITLE}}", &escape(&title))
        .replace("{{SITE}}", site)
        .replace("{{DATE}}", "2025-12-03T10:00:00Z")
        .replace("{{BODY}}", &body);
    (title, page)
}

/// Serves a fixture article as a page of "World Desk" and returns its feed item.
pub fn publish(server: &TestServer, name: &str) -> Item {
    let (title, page) = article_page(name, "World Desk");
    let path = format!("/news/{name}.html");
    server.set(
        &path,
        Route::Ok {
            content_type: "text/html; charset=utf-8",
            body: page.into_bytes(),
            etag: None,
        },
    );
    Item {
        guid: format!("urn:world-desk:{name}"),
        title,
        link: server.url(&path),
        description: "A short teaser.".into(),
        published: None,
    }
}

/// One RSS item.
pub struct Item {
    pub guid: String,
    pub title: String,
    pub link: String,
    pub description: String,
    /// RFC 2822 date, when the item carries one.
    pub published: Option<String>,
}

pub fn rss(title: &str, items: &[Item]) -> Vec<u8> {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{}</title><link>http://example.invalid/</link>\n",
        escape(title)
    );
    for i in items {
        let date = i
            .published
            .as_ref()
            .map(|d| format!("<pubDate>{d}</pubDate>"))
            .unwrap_or_default();
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{}</guid><title>{}</title><link>{}</link><description>{}</description>{date}</item>\n",
            escape(&i.guid),
            escape(&i.title),
            escape(&i.link),
            escape(&i.description)
        ));
    }
    out.push_str("</channel></rss>\n");
    out.into_bytes()
}

pub fn feed_route(body: Vec<u8>, etag: &str) -> Route {
    Route::Ok {
        content_type: "application/rss+xml",
        body,
        etag: Some(format!("\"{etag}\"")),
    }
}

/// The topics of the shipped `config.toml`, so tests exercise the query users get.
pub fn shipped_topics() -> String {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")).unwrap();
    let start = text.find("[[topics]]").unwrap();
    let end = text[start..].find("[notify]").unwrap() + start;
    text[start..end].to_string()
}

/// A config for tests: no desktop or log channel, the given feeds and topics.
pub fn config_text(db: &Path, daemon_extra: &str, feeds: &[String], topics: &str) -> String {
    let mut s = format!(
        "[daemon]\ndatabase = \"{}\"\nfetch_timeout = \"2s\"\nconnect_timeout = \"1s\"\nper_host_delay = \"0s\"\n{daemon_extra}\n",
        db.display()
    );
    for f in feeds {
        s.push_str(&format!("[[feeds]]\nurl = \"{f}\"\n"));
    }
    s.push_str(topics);
    s.push_str("\n[notify]\ndesktop = false\nlog = false\n");
    s
}

/// A `[[topics]]` table.
pub fn topic(name: &str, query: &str) -> String {
    format!("[[topics]]\nname = {name:?}\nquery = {query:?}\n")
}

/// Serves `/feed.xml` with one item carrying its own text, and writes a config that polls
/// it (existing entries notify, pages are not fetched) with `topics`. Returns the path.
pub fn one_item_config(
    server: &TestServer,
    dir: &Path,
    title: &str,
    text_html: &str,
    topics: &str,
) -> PathBuf {
    let item = Item {
        guid: "item-1".into(),
        title: title.into(),
        link: server.url("/item-1.html"),
        description: text_html.into(),
        published: None,
    };
    server.set("/feed.xml", feed_route(rss("Desk", &[item]), "one"));
    let text = config_text(
        &dir.join("nw.db"),
        "notify_existing = true\nfetch_articles = false",
        &[server.url("/feed.xml")],
        topics,
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The real pipeline with a recording notifier, driven one cycle at a time.
pub struct Harness {
    pub shared: Arc<Shared>,
    pub loaded: Arc<Loaded>,
    pub recorder: RecordingNotifier,
}

impl Harness {
    pub fn new(config: Config, db: &Path) -> Harness {
        let recorder = RecordingNotifier::new();
        let notifiers: Vec<Arc<dyn Notifier>> = vec![Arc::new(recorder.clone())];
        Harness {
            shared: Arc::new(Shared::open(Store::open(db).unwrap(), &config).unwrap()),
            loaded: Arc::new(pipeline::load(Arc::new(config), Some(notifiers)).unwrap()),
            recorder,
        }
    }

    pub fn from_text(text: &str, db: &Path) -> Harness {
        Harness::new(config::parse(text, "test.toml").unwrap(), db)
    }

    /// The real pipeline with a recording notifier, on a clock that follows tokio's
    /// (pausable) time from `start`.
    pub fn paused(text: &str, db: &Path, start: chrono::DateTime<chrono::Utc>) -> Harness {
        let config = config::parse(text, "test.toml").unwrap();
        let recorder = RecordingNotifier::new();
        let notifiers: Vec<Arc<dyn Notifier>> = vec![Arc::new(recorder.clone())];
        let shared = Shared::open(Store::open(db).unwrap(), &config)
            .unwrap()
            .with_clock(newswatch::clock::Clock::following_tokio(start));
        Harness {
            shared: Arc::new(shared),
            loaded: Arc::new(pipeline::load(Arc::new(config), Some(notifiers)).unwrap()),
            recorder,
        }
    }

    /// The real pipeline with the channels the config declares, on a clock that follows
    /// tokio's (pausable) time from `start`.
    pub fn with_config_channels(
        text: &str,
        db: &Path,
        start: chrono::DateTime<chrono::Utc>,
    ) -> Harness {
        let config = config::parse(text, "test.toml").unwrap();
        let shared = Shared::open(Store::open(db).unwrap(), &config)
            .unwrap()
            .with_clock(newswatch::clock::Clock::following_tokio(start));
        Harness {
            shared: Arc::new(shared),
            loaded: Arc::new(pipeline::load(Arc::new(config), None).unwrap()),
            recorder: RecordingNotifier::new(),
        }
    }

    /// Polls every feed once and delivers; returns the notices of this cycle and each
    /// feed's result.
    pub async fn cycle(
        &self,
    ) -> (
        Vec<newswatch::notify::Notice>,
        Vec<(String, Result<pipeline::FeedReport, String>)>,
    ) {
        let results = pipeline::poll_all(&self.shared, &self.loaded).await;
        pipeline::deliver_pending(&self.shared, &self.loaded).await;
        (self.recorder.take(), results)
    }
}

/// The newswatch binary, with quiet logs and no config from the environment.
pub fn newswatch() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_newswatch"));
    c.env_remove("NEWSWATCH_CONFIG").env("RUST_LOG", "warn");
    c
}

/// `newswatch run` on `config` with `env` set (logs without colour), and its stderr as a
/// stream of lines.
pub fn run_daemon(
    config: &Path,
    env: &[(&str, &str)],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = newswatch()
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .arg("--config")
        .arg(config)
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    (child, lines)
}

/// A child's stderr as a stream of lines, read on a thread of its own.
pub fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead as _;
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    lines
}

/// Waits for a stderr line containing `needle`, keeping every line read in `seen`.
pub fn wait_line(lines: &std::sync::mpsc::Receiver<String>, seen: &mut Vec<String>, needle: &str) {
    while !seen.iter().any(|l| l.contains(needle)) {
        match lines.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("no line with {needle:?}; got:\n{}", seen.join("\n")),
        }
    }
}

/// Runs a command that must succeed (its stderr is shown if it doesn't).
pub fn succeed(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs newswatch with `--config path` off the runtime (a test server lives on it).
pub async fn nw(path: &Path, args: &[&str]) -> Output {
    let path = path.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        newswatch()
            .arg("--config")
            .arg(&path)
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A config with one feed of one matching item ("Rocket launch delayed by weather") and the
/// topic "Launches"; with `broken`, a second feed `/gone.xml` named `broken` that the
/// server does not serve.
pub fn launch_config(server: &TestServer, dir: &Path, broken: Option<&str>) -> PathBuf {
    let path = one_item_config(
        server,
        dir,
        "Rocket launch delayed by weather",
        "<p>The rocket launch was delayed by high winds.</p>",
        &topic("Launches", "rocket launch"),
    );
    if let Some(name) = broken {
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "[[topics]]",
            &format!(
                "[[feeds]]\nurl = \"{}\"\nname = \"{name}\"\n[[topics]]",
                server.url("/gone.xml")
            ),
        );
        std::fs::write(&path, text).unwrap();
    }
    path
}
