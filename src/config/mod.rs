//! Configuration: `config.toml` → validated, typed [`Config`].
//!
//! [`parse`] is pure (text in, config or error out) and [`load`] adds file I/O and the file
//! name. Every error names the file, line, column and key path, and shows the offending line
//! with a caret. Watching the file for edits is the daemon's job (`crate::daemon`);
//! [`edit`] changes the file in place for `feeds add|remove|import` and `topics add`.

mod duration;
pub mod edit;
mod raw;
mod span;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

pub use duration::{format_duration, parse_duration};
use raw::RawConfig;

use crate::matching::Query;

/// Shortest poll interval a feed may have: anything faster is rude to the servers.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(60);
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// Default User-Agent: names the program and where to learn about it.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "newswatch/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/newswatch/newswatch)"
);
/// Default relevance a match needs; see [`crate::matching`] for the scale.
pub const DEFAULT_MIN_SCORE: f64 = 0.15;

/// The validated configuration the daemon runs on.
#[derive(Debug, Clone)]
pub struct Config {
    pub daemon: DaemonConfig,
    pub feeds: Vec<FeedConfig>,
    pub topics: Vec<TopicConfig>,
    pub notify: NotifyConfig,
}

#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub poll_interval: Duration,
    pub concurrency: usize,
    pub user_agent: String,
    /// `None` means the XDG state path (see [`default_database_path`]).
    pub database: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub fetch_timeout: Duration,
    pub max_feed_size: u64,
    pub max_page_size: u64,
    pub fetch_articles: bool,
    pub notify_existing: bool,
    /// Requests to one host at a time, and the least time between their starts.
    pub per_host_concurrency: usize,
    pub per_host_delay: Duration,
    /// How long articles that matched no topic are kept (for `topics test`).
    pub keep_articles: Duration,
}

#[derive(Debug, Clone)]
pub struct FeedConfig {
    pub url: Url,
    pub name: Option<String>,
    pub interval: Option<Duration>,
    /// Corrections for this feed's article pages.
    pub extract: crate::extract::Overrides,
    /// The user's labels (categories of an OPML import); topics' `feeds` may name them.
    pub tags: Vec<String>,
}

impl FeedConfig {
    /// Whether `label` (from a topic's `feeds`) means this feed: its name, URL or a tag.
    pub fn is_called(&self, label: &str) -> bool {
        self.name.as_deref() == Some(label)
            || self.url.as_str() == label
            || self.tags.iter().any(|t| t == label)
    }

    /// What to call this feed in notices and logs.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.url.host_str().unwrap_or(self.url.as_str()).to_string())
    }
}

#[derive(Debug, Clone)]
pub struct TopicConfig {
    pub name: String,
    pub description: Option<String>,
    pub query: Query,
    pub min_score: f64,
    /// ISO 639-3 codes (`eng`); empty means any language.
    pub languages: Vec<String>,
    /// Names, URLs or tags of the feeds this topic reads; empty means all.
    pub feeds: Vec<String>,
    pub urgency: Urgency,
    pub enabled: bool,
    pub stories: crate::stories::StoryConfig,
    /// Channels this topic's notices go to, by name; `None` means every channel.
    pub channels: Option<Vec<String>>,
    /// At most this many notices an hour; the excess folds into one digest.
    pub max_per_hour: Option<u32>,
    /// Digest mode: one summary of this topic's notices every so often.
    pub digest: Option<Duration>,
}

impl TopicConfig {
    /// Whether this topic reads articles from `feed`: its `feeds` name the feed, its URL
    /// or one of its tags (or are empty).
    pub fn reads(&self, feed: &FeedConfig) -> bool {
        self.feeds.is_empty() || self.feeds.iter().any(|f| feed.is_called(f))
    }

    /// Whether this topic's notices go to the channel called `name`.
    pub fn routes_to(&self, name: &str) -> bool {
        self.channels
            .as_ref()
            .is_none_or(|c| c.iter().any(|x| x == name))
    }

    /// Whether this topic accepts an article in `lang` (undetected languages pass).
    pub fn accepts_language(&self, lang: Option<&str>) -> bool {
        self.languages.is_empty() || lang.is_none_or(|l| self.languages.iter().any(|x| x == l))
    }
}

/// How insistently a topic's notices ask for attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Urgency {
    Low,
    #[default]
    Normal,
    Critical,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Urgency> {
        match s {
            "low" => Some(Urgency::Low),
            "normal" => Some(Urgency::Normal),
            "critical" => Some(Urgency::Critical),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NotifyConfig {
    pub desktop: bool,
    pub log: bool,
    pub app_name: String,
    pub icon: String,
    pub expire: Duration,
    /// Channels besides the desktop and the log.
    pub channels: Vec<ChannelConfig>,
    /// At most this many notices an hour across topics; the excess folds into digests.
    pub max_per_hour: Option<u32>,
    /// Local-time ranges with no notices; what they hold arrives as one digest after.
    pub quiet_hours: Vec<QuietHours>,
    /// The program (and arguments) that opens a clicked notice's link; empty means
    /// xdg-open (open on macOS).
    pub opener: Vec<String>,
}

/// A daily range of local time, `start` inclusive, `end` exclusive; it may wrap midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: chrono::NaiveTime,
    pub end: chrono::NaiveTime,
}

impl QuietHours {
    /// Parses `"22:00-07:00"`.
    pub fn parse(s: &str) -> Result<QuietHours, String> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| format!("quiet hours {s:?} are not a range like \"22:00-07:00\""))?;
        let time = |t: &str| {
            chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| format!("{:?} in {s:?} is not a time like \"07:30\"", t.trim()))
        };
        let (start, end) = (time(a)?, time(b)?);
        if start == end {
            return Err(format!("quiet hours {s:?} are empty"));
        }
        Ok(QuietHours { start, end })
    }

    pub fn contains(&self, t: chrono::NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

/// A delivery channel of `[[notify.channels]]`.
#[derive(Debug, Clone)]
pub struct ChannelConfig {
    pub name: String,
    pub kind: ChannelKind,
    /// A delivery that takes longer has failed.
    pub timeout: Duration,
    /// Deliveries tried before a notice is given up on this channel.
    pub max_attempts: u32,
}

#[derive(Debug, Clone)]
pub enum ChannelKind {
    /// Publish to an ntfy server's topic.
    Ntfy {
        server: Url,
        topic: String,
        token: Option<String>,
        tags: Vec<String>,
    },
    /// POST the notice as JSON.
    Webhook { url: Url, token: Option<String> },
    /// Run a program (no shell) with the notice in environment variables.
    Command { argv: Vec<String> },
}

/// Names of the built-in channels, switched by `notify.desktop` and `notify.log`.
pub const BUILTIN_CHANNELS: [&str; 2] = ["desktop", "log"];

impl Config {
    /// The feeds of the site a page is on (the same host but for `www.`, or one a subdomain
    /// of the other: a feed at feeds.example.com links to www.example.com), in config order.
    pub fn feeds_of_site<'a>(&'a self, page: &'a Url) -> impl Iterator<Item = &'a FeedConfig> {
        let bare = |h: &str| {
            let h = h.to_ascii_lowercase();
            h.strip_prefix("www.").map(str::to_string).unwrap_or(h)
        };
        let host = page.host_str().map(bare);
        self.feeds.iter().filter(move |f| {
            let (Some(a), Some(b)) = (host.as_deref(), f.url.host_str().map(bare)) else {
                return false;
            };
            a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
        })
    }

    /// The corrections for a page's extraction: those of a feed of its site that has some.
    pub fn overrides_for(&self, page: &Url) -> crate::extract::Overrides {
        self.feeds_of_site(page)
            .map(|f| &f.extract)
            .find(|o| !o.is_empty())
            .cloned()
            .unwrap_or_default()
    }

    /// The poll interval of one feed: its own, else the daemon's.
    pub fn interval_of(&self, feed: &FeedConfig) -> Duration {
        feed.interval.unwrap_or(self.daemon.poll_interval)
    }

    /// Where the database lives under this config.
    pub fn database_path(&self) -> PathBuf {
        self.daemon
            .database
            .clone()
            .unwrap_or_else(default_database_path)
    }
}

/// An invalid configuration, located in its file.
#[derive(Debug)]
pub struct Invalid {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Key path such as `feeds[1].interval`; empty for a syntax error outside any key.
    pub key: String,
    pub message: String,
    source_line: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}", self.message)?;
        if !self.source_line.is_empty() {
            let gutter = self.line.to_string().len();
            write!(
                f,
                "\n{:gutter$} |\n{} | {}\n{:gutter$} | {:>col$}",
                "",
                self.line,
                self.source_line,
                "",
                "^",
                col = self.column
            )?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<Invalid>),
}

/// The default config path: `$XDG_CONFIG_HOME/newswatch/config.toml`.
pub fn default_config_path() -> PathBuf {
    xdg_dir("XDG_CONFIG_HOME", ".config").join("newswatch/config.toml")
}

/// The default database path: `$XDG_STATE_HOME/newswatch/newswatch.db`.
pub fn default_database_path() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state").join("newswatch/newswatch.db")
}

/// Where systemd looks for user units: `$XDG_CONFIG_HOME/systemd/user`.
pub fn user_unit_dir() -> PathBuf {
    xdg_dir("XDG_CONFIG_HOME", ".config").join("systemd/user")
}

fn xdg_dir(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        _ => home_dir().join(fallback),
    }
}

fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// Reads and validates the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut config = parse(&text, &path.display().to_string())?;
    // A relative database path is the config file's neighbour, wherever the daemon starts.
    if let Some(db) = config.daemon.database.take() {
        let dir = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        config.daemon.database = Some(match dir {
            Some(dir) if db.is_relative() => dir.join(db),
            _ => db,
        });
    }
    Ok(config)
}

/// Validates config text; `file` is only used to name the file in errors.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|err| {
        let offset = err.span().map_or(0, |s| s.start);
        let key = span::path_at(text, offset).unwrap_or_default();
        located(text, file, offset, key, err.message().trim().to_string())
    })?;
    validate::validate(raw).map_err(|fail| {
        let offset = span::span_of(text, &fail.path).map_or(0, |s| {
            s.start
                + fail
                    .char_in_string
                    .map_or(0, |c| string_char_offset(&text[s], c))
        });
        located(text, file, offset, span::render(&fail.path), fail.message)
    })
}

fn located(text: &str, file: &str, offset: usize, key: String, message: String) -> ConfigError {
    let (line, column) = span::line_col(text, offset);
    ConfigError::Invalid(Box::new(Invalid {
        file: file.to_string(),
        line,
        column,
        key,
        message,
        source_line: span::line_text(text, line).to_string(),
    }))
}

/// Parses an absolute http(s) URL; anything else is refused with the reason.
pub fn parse_http_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| format!("invalid URL {s:?}: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        "http" | "https" => Err(format!("invalid URL {s:?}: no host")),
        other => Err(format!(
            "invalid URL {s:?}: scheme {other:?} is not http or https"
        )),
    }
}

pub(crate) fn expand_home(p: &str) -> PathBuf {
    match p.strip_prefix("~/") {
        Some(rest) => home_dir().join(rest),
        None => PathBuf::from(p),
    }
}

/// Byte offset, inside a TOML string literal, of the `chars`-th character of its value:
/// skips the opening quote(s) and the newline a multi-line string may start with. Escapes
/// are rare in queries and are not accounted for.
fn string_char_offset(literal: &str, chars: usize) -> usize {
    let open = if literal.starts_with("'''") || literal.starts_with("\"\"\"") {
        let after = &literal[3..];
        3 + if after.starts_with("\r\n") {
            2
        } else {
            usize::from(after.starts_with('\n'))
        }
    } else {
        1
    };
    let body = &literal[open.min(literal.len())..];
    open + body
        .char_indices()
        .nth(chars)
        .map_or(body.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(text: &str) -> Invalid {
        match parse(text, "config.toml") {
            Err(ConfigError::Invalid(inv)) => *inv,
            other => panic!("expected an invalid config, got {other:?}"),
        }
    }

    #[test]
    fn empty_config_takes_defaults() {
        let c = parse("", "config.toml").unwrap();
        assert_eq!(c.daemon.poll_interval, Duration::from_secs(900));
        assert_eq!(c.daemon.concurrency, 8);
        assert!(c.notify.desktop);
        assert!(c.feeds.is_empty());
        assert_eq!(c.daemon.keep_articles, Duration::from_secs(30 * 24 * 3600));
    }

    #[test]
    fn keep_articles_is_at_least_a_day() {
        let c = parse("[daemon]\nkeep_articles = \"90d\"\n", "config.toml").unwrap();
        assert_eq!(c.daemon.keep_articles, Duration::from_secs(90 * 24 * 3600));
        let inv = invalid("[daemon]\nkeep_articles = \"12h\"\n");
        assert_eq!((inv.key.as_str(), inv.line), ("daemon.keep_articles", 2));
        assert!(
            inv.message.contains("shorter than the minimum of 1d"),
            "{inv}"
        );
    }

    #[test]
    fn misspelt_key_names_line_and_key_path() {
        let inv = invalid("[[feeds]]\nurl = \"https://example.com/rss\"\nintervall = \"5m\"\n");
        assert_eq!((inv.line, inv.column), (3, 1));
        assert_eq!(inv.key, "feeds[0].intervall");
        assert!(inv.message.contains("unknown field"), "{}", inv.message);
        let shown = inv.to_string();
        assert!(
            shown.starts_with("config.toml:3:1: feeds[0].intervall: unknown field"),
            "{shown}"
        );
    }

    #[test]
    fn bad_url_names_line_and_key_path() {
        let inv =
            invalid("[[feeds]]\nurl = \"https://a.example/\"\n[[feeds]]\nurl = \"ftp://x/y\"\n");
        assert_eq!(inv.key, "feeds[1].url");
        assert_eq!((inv.line, inv.column), (4, 7));
        assert!(inv.message.contains("not http or https"));
    }

    #[test]
    fn short_interval_is_refused() {
        let inv = invalid("[daemon]\npoll_interval = \"30s\"\n");
        assert_eq!(inv.key, "daemon.poll_interval");
        assert_eq!(inv.line, 2);
        assert!(inv.message.contains("shorter than the minimum of 1m"));
    }

    #[test]
    fn query_error_points_at_the_column() {
        let inv = invalid("[[topics]]\nname = \"x\"\nquery = \"(ukraine OR kyiv\"\n");
        assert_eq!(inv.key, "topics[0].query");
        assert!(
            inv.message.starts_with("expected ')' at column 17"),
            "{}",
            inv.message
        );
        assert_eq!(inv.line, 3);
        assert_eq!(inv.column, 9 + 17);
    }

    #[test]
    fn query_error_in_multiline_string_is_located() {
        let inv = invalid("[[topics]]\nname = \"x\"\nquery = '''\nukraine\nOR OR kyiv\n'''\n");
        assert_eq!(inv.key, "topics[0].query");
        assert_eq!((inv.line, inv.column), (5, 4));
    }

    #[test]
    fn feed_selectors_are_validated() {
        let ok = parse(
            "[[feeds]]\nurl = \"https://a.example/rss\"\ncontent_selector = \"article .body\"\nremove_selectors = [\".ad\", \"aside\"]\n",
            "c.toml",
        )
        .unwrap();
        assert!(ok.feeds[0].extract.content.is_some());
        assert_eq!(ok.feeds[0].extract.remove.len(), 2);
        let inv = invalid(
            "[[feeds]]\nurl = \"https://a.example/rss\"\nremove_selectors = [\".ad\", \"div[\"]\n",
        );
        assert_eq!(inv.key, "feeds[0].remove_selectors[1]");
        assert_eq!(inv.line, 3);
        assert!(
            inv.message.contains("invalid CSS selector"),
            "{}",
            inv.message
        );
    }

    #[test]
    fn empty_database_paths_and_zero_timeouts_are_refused() {
        let inv = invalid("[daemon]\ndatabase = \"\"\n");
        assert_eq!(inv.key, "daemon.database");
        assert!(inv.message.contains("empty"), "{}", inv.message);
        for (text, key) in [
            ("[daemon]\nfetch_timeout = \"0s\"\n", "daemon.fetch_timeout"),
            (
                "[daemon]\nconnect_timeout = \"0ms\"\n",
                "daemon.connect_timeout",
            ),
            (
                "[[topics]]\nname = \"t\"\nquery = \"x\"\nstory_window = \"0h\"\n",
                "topics[0].story_window",
            ),
        ] {
            let inv = invalid(text);
            assert_eq!(inv.key, key);
            assert!(inv.message.contains("longer than 0s"), "{}", inv.message);
        }
        let inv = invalid("[daemon]\npoll_interval = \"100000000d\"\n");
        assert!(inv.message.contains("100 years"), "{}", inv.message);
    }

    #[test]
    fn feed_names_are_unique_and_topic_names_one_line() {
        let inv = invalid(
            "[[feeds]]\nurl = \"https://a.example/rss\"\nname = \"A\"\n[[feeds]]\nurl = \"https://b.example/rss\"\nname = \"A\"\n",
        );
        assert_eq!(inv.key, "feeds[1].name");
        assert!(
            inv.message.contains("duplicate feed name"),
            "{}",
            inv.message
        );
        let inv = invalid("[[topics]]\nname = \"two\\nlines\"\nquery = \"x\"\n");
        assert_eq!(inv.key, "topics[0].name");
        assert!(inv.message.contains("one line"), "{}", inv.message);
    }

    #[test]
    fn a_relative_database_path_is_beside_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[daemon]\ndatabase = \"state/nw.db\"\n").unwrap();
        let c = load(&path).unwrap();
        assert_eq!(c.database_path(), dir.path().join("state/nw.db"));
    }

    #[test]
    fn topic_fields_are_validated() {
        let base = "[[feeds]]\nurl = \"https://a.example/rss\"\nname = \"A\"\n[[topics]]\nname = \"t\"\nquery = \"x\"\n";
        let c = parse(
            &format!("{base}languages = [\"en\", \"deu\"]\nfeeds = [\"A\"]\nurgency = \"critical\"\nenabled = false\ndescription = \"d\"\n"),
            "c.toml",
        )
        .unwrap();
        let t = &c.topics[0];
        assert_eq!(t.languages, ["eng", "deu"]);
        assert_eq!(t.urgency, Urgency::Critical);
        assert!(!t.enabled);
        assert!(t.reads(&c.feeds[0]));
        let inv = invalid(&format!("{base}feeds = [\"B\"]\n"));
        assert_eq!(inv.key, "topics[0].feeds[0]");
        let inv = invalid(&format!("{base}languages = [\"klingon\"]\n"));
        assert_eq!(inv.key, "topics[0].languages[0]");
        let inv = invalid(&format!("{base}urgency = \"urgent\"\n"));
        assert_eq!(inv.key, "topics[0].urgency");
    }

    #[test]
    fn feed_tags_are_kept_and_topics_may_name_them() {
        let text = "[[feeds]]\nurl = \"https://a.example/rss\"\ntags = [\"tech\", \" science \", \"tech\"]\n\
                    [[feeds]]\nurl = \"https://b.example/rss\"\n\
                    [[topics]]\nname = \"t\"\nquery = \"x\"\nfeeds = [\"science\"]\n";
        let c = parse(text, "c.toml").unwrap();
        assert_eq!(c.feeds[0].tags, ["tech", "science"]);
        assert!(c.feeds[1].tags.is_empty());
        assert!(c.topics[0].reads(&c.feeds[0]));
        assert!(!c.topics[0].reads(&c.feeds[1]));
        let inv = invalid(&text.replace("\"science\"]\n", "\"sport\"]\n"));
        assert_eq!(inv.key, "topics[0].feeds[0]");
        assert!(inv.message.contains("or that tag"), "{inv}");
        let inv = invalid("[[feeds]]\nurl = \"https://a.example/rss\"\ntags = [\"a\", \" \"]\n");
        assert_eq!(inv.key, "feeds[0].tags[1]");
    }

    #[test]
    fn channels_are_validated_and_routed() {
        let chan = "[[notify.channels]]\nname = \"phone\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh\"\ntopic = \"n\"\n";
        let topic = "[[topics]]\nname = \"t\"\nquery = \"x\"\nchannels = [\"phone\", \"log\"]\n";
        let c = parse(&format!("{topic}{chan}"), "c.toml").unwrap();
        assert_eq!(c.notify.channels[0].max_attempts, 5);
        assert!(c.topics[0].routes_to("phone") && !c.topics[0].routes_to("desktop"));
        let inv = invalid(&format!("{}{chan}", topic.replace("\"log\"", "\"pager\"")));
        assert_eq!(inv.key, "topics[0].channels[1]");
        assert!(inv.message.contains("no channel called \"pager\""), "{inv}");
        let inv = invalid(&chan.replace("topic = \"n\"\n", ""));
        assert_eq!(inv.key, "notify.channels[0].type");
        assert!(inv.message.contains("needs `topic`"), "{inv}");
        let inv = invalid(&chan.replace("phone", "desktop"));
        assert_eq!(inv.key, "notify.channels[0].name");
        let inv = invalid(&chan.replace("ntfy\"", "pigeon\""));
        assert!(
            inv.message.contains("not one of ntfy, webhook, command"),
            "{inv}"
        );
        let inv = invalid("[[notify.channels]]\nname = \"x\"\ntype = \"command\"\ncommand = []\n");
        assert_eq!(inv.key, "notify.channels[0].command");
        let inv = invalid(&chan.replace("https://ntfy.sh", "file:///etc/passwd"));
        assert_eq!(inv.key, "notify.channels[0].url");
    }

    #[test]
    fn wrong_type_is_located() {
        let inv = invalid("[daemon]\nconcurrency = \"many\"\n");
        assert_eq!(inv.key, "daemon.concurrency");
        assert_eq!(inv.line, 2);
    }
}
