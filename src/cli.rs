//! Command-line definitions (clap) and nothing else; `crate::app` carries them out.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// newswatch: watches news feeds for your topics and notifies you when a story breaks.
#[derive(Debug, Parser)]
#[command(name = "newswatch", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Config file [default: $XDG_CONFIG_HOME/newswatch/config.toml]
    #[arg(
        long,
        short = 'c',
        global = true,
        env = "NEWSWATCH_CONFIG",
        value_name = "PATH"
    )]
    pub config: Option<PathBuf>,

    /// Only print errors.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail (-v debug, -vv trace).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum ServiceAction {
    /// Write the user unit (running this binary) and, unless one exists, the annotated
    /// starter config to their XDG paths, and print the systemctl commands to start it.
    Install,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: poll every feed on its interval, notify on matches, until SIGTERM.
    ///
    /// SIGHUP or saving the config file reloads it; an invalid edit keeps the running
    /// config and logs why.
    Run,
    /// Poll every feed once (fetch, match, notify), then exit; exit 1 if every feed failed.
    Once {
        /// Print what would be notified instead of notifying; the database is not changed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Validate the config and print its feeds and topics; exit 1 if it is invalid.
    Check,
    /// Show how a topic's query judges one article: clauses, hits, proximity, score, verdict.
    Explain {
        /// The topic's name, as in the config.
        #[arg(long, value_name = "NAME")]
        topic: String,
        /// An HTML file, an http(s) URL, or - for standard input (HTML, or plain text whose
        /// first line is the title).
        #[arg(value_name = "FILE|URL|-")]
        input: String,
    },
    /// Replay an archive of articles (JSON lines) through analysis, matching and stories,
    /// offline; prints one JSON line per article, in order: {"id", "matches": [{"topic",
    /// "score", "story", "new_story", "notify", "whats_new", "sources"}]}.
    Backtest {
        /// JSON lines: {"id", "title"?, "text"?, "html"?, "url"?, "published"?, "source"?};
        /// `published` is a date (RFC 3339, RFC 2822) or Unix time in seconds or milliseconds.
        /// A line that is no article is output with an "error"; the count of such lines,
        /// of lines with unreadable times and of lines not in UTF-8 goes to stderr.
        #[arg(value_name = "ARCHIVE.jsonl")]
        archive: PathBuf,
    },
    /// List recent stories with their timeline of sources; `*` marks the articles that
    /// notified.
    Stories {
        /// Only this topic's stories.
        #[arg(long, value_name = "T")]
        topic: Option<String>,
        /// Stories with an article published or read this recently (e.g. 48h, 7d).
        #[arg(long, value_name = "DURATION", default_value = "72h", value_parser = crate::config::parse_duration)]
        since: std::time::Duration,
        /// One JSON object per story per line: {"id", "topic", "title", "started",
        /// "last_seen", "sources", "muted", "timeline": [{"at", "source", "title", "url",
        /// "new_story", "notified", "whats_new"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Send a sample notice through every enabled channel (or one) and report success or
    /// the exact failure of each; exit 1 if any failed.
    NotifyTest {
        /// Only this channel: desktop, log, or a [[notify.channels]] name.
        #[arg(long, value_name = "NAME")]
        channel: Option<String>,
    },
    /// List the notices of a period with each channel's outcome.
    History {
        /// Notices this recent (e.g. 24h, 7d).
        #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = crate::config::parse_duration)]
        since: std::time::Duration,
        /// One JSON object per notice per line: {"id", "created", "topic", "headline",
        /// "source", "url", "story", "update", "sources", "settled", "channels": [{"channel",
        /// "attempts", "status", "delivered_at", "error"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Extract the article from HTML files or URLs and print its title, metadata and text.
    Extract {
        /// One JSON object per input per line.
        #[arg(long)]
        json: bool,
        /// Base URL of the page(s) given as files, for relative links.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// HTML files or http(s) URLs.
        #[arg(required = true, value_name = "FILE|URL")]
        inputs: Vec<String>,
    },
    /// Per feed: last fetch, HTTP status, error, next poll, entries, backoff; per topic:
    /// matches, stories and notices in the last 24 hours.
    Status {
        /// One JSON object: {"feeds": [{"url", "name", "title", "last_fetch",
        /// "last_success", "last_status", "last_error", "failures", "entries",
        /// "next_poll", "backoff", "moved_to"}], "topics": [{"name", "enabled", "matches", "stories",
        /// "notices"}]}.
        #[arg(long)]
        json: bool,
    },
    /// The configured feeds with their state; `feeds add|remove|import|export` edit the list.
    #[command(args_conflicts_with_subcommands = true)]
    Feeds {
        /// One JSON object per feed per line: {"url", "name", "title", "interval",
        /// "entries", "ok", "last_error"}.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<FeedsAction>,
    },
    /// The configured topics; `topics add` adds one, `topics test` tries one on the
    /// articles already read.
    Topics {
        #[command(subcommand)]
        action: Option<TopicsAction>,
    },
    /// Set newswatch up as a systemd user service.
    Service {
        #[command(subcommand)]
        action: ServiceAction,
    },
    /// Parse feed files or URLs and print what newswatch reads: the feed's title and link,
    /// and per entry its key, id, title, link and published time.
    Inspect {
        /// One JSON object per input per line: {"file"|"url", "ok", "error", "feed": {"title",
        /// "link"}, "entries": [{"key", "id", "title", "link", "published"}]}.
        #[arg(long)]
        json: bool,
        /// Base URL of the feed(s) given as files, for relative links.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// RSS, Atom or JSON Feed files, or http(s) URLs.
        #[arg(required = true, value_name = "FILE|URL")]
        inputs: Vec<String>,
    },
    /// Write one self-contained HTML page of the stories: per topic a timeline, and per
    /// story its headline, how its sources grew, what was new and links to the articles.
    Report {
        /// Only this topic's stories.
        #[arg(long, value_name = "T")]
        topic: Option<String>,
        /// Stories with an article this recent (e.g. 48h, 7d).
        #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = crate::config::parse_duration)]
        since: std::time::Duration,
        /// The HTML file to write (- for standard output).
        #[arg(long, short = 'o', value_name = "FILE")]
        out: PathBuf,
    },
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write newswatch.1 and one page per subcommand into DIR.
    Man {
        /// Write the pages into this directory instead of printing newswatch.1.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `newswatch feeds …`: edit the feed list in the config file (comments and formatting
/// are kept; the edit is validated before it is written).
#[derive(Debug, Subcommand)]
pub enum FeedsAction {
    /// Add a feed: a feed URL, or a site whose page advertises its feeds (or serves one at
    /// a common path such as /feed or /rss.xml). Shows what was found and adds the first.
    Add {
        /// A feed's or a site's URL (https:// is assumed when no scheme is given).
        #[arg(value_name = "URL")]
        url: String,
        /// Add every feed found, not only the first.
        #[arg(long)]
        all: bool,
        /// The feed's name [default: the feed's own title].
        #[arg(long, value_name = "NAME", conflicts_with = "all")]
        name: Option<String>,
        /// A tag for the feed (repeatable); topics' `feeds` may name tags.
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
    },
    /// Remove a feed, by its URL or its name.
    Remove {
        #[arg(value_name = "URL|NAME")]
        feed: String,
    },
    /// Add the feeds of an OPML file (other readers' export); folders and categories
    /// become tags. Feeds already configured are skipped.
    Import {
        #[arg(value_name = "FILE.opml")]
        file: PathBuf,
    },
    /// Write the feeds as OPML 2.0 (names, URLs, tags as folders and categories).
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// `newswatch topics …`: add a topic, or try one on the articles already read.
#[derive(Debug, Subcommand)]
pub enum TopicsAction {
    /// Add a topic to the config file; a query that does not parse writes nothing.
    Add {
        /// The topic's name (unique).
        #[arg(value_name = "NAME")]
        name: String,
        /// The query, e.g. '(Ukraine OR Kyiv) AND (talks OR ceasefire)'.
        #[arg(long, value_name = "QUERY")]
        query: String,
        /// Relevance (0..1) an article needs [default: 0.15].
        #[arg(long, value_name = "SCORE")]
        min_score: Option<f64>,
        /// Only articles from these feeds: names, URLs or tags (repeatable, or
        /// comma-separated).
        #[arg(long, value_name = "FEED", value_delimiter = ',')]
        feeds: Vec<String>,
        /// A note for yourself.
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
    },
    /// Run a topic over the articles already stored and show what it would have matched,
    /// best first, and how many articles were scanned.
    Test {
        /// The topic's name, as in the config (with --query, any name).
        #[arg(value_name = "NAME")]
        name: String,
        /// Articles read this recently (e.g. 48h, 7d).
        #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = crate::config::parse_duration)]
        since: std::time::Duration,
        /// Try this query instead of the topic's (to test one before adding it).
        #[arg(long, value_name = "QUERY")]
        query: Option<String>,
        /// Try this min_score instead of the topic's.
        #[arg(long, value_name = "SCORE")]
        min_score: Option<f64>,
        /// One JSON object: {"topic", "query", "min_score", "since", "scanned",
        /// "matches": [{"score", "published", "source", "title", "url"}]}.
        #[arg(long)]
        json: bool,
    },
}
