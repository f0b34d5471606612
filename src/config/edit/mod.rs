//! Edits `config.toml` in place: adds and removes `[[feeds]]` tables, adds `[[topics]]`.
//!
//! toml_edit keeps every comment, blank line and quoting the user wrote; only the table
//! added or removed changes. A new table goes after the last of its kind (after comments
//! that sit right below that one, before a blank line), or at the end of the file for the
//! first of its kind. Removing a table keeps the comments above it. Every edit is
//! validated with the daemon's own parser ([`super::parse`]) before it is written, and
//! written atomically (a temporary file in the same directory, renamed over the old one),
//! so a crash never leaves a half-written config and the running daemon only ever reloads
//! a valid one.
//!
//! Deciding what to add (discovery, OPML) is `crate::feed`'s job; printing is `crate::app`'s.

mod atomic;
mod layout;

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, Value};
use url::Url;

use super::{Config, ConfigError, parse, parse_http_url};
use atomic::write_atomically;
use layout::{append_table, remove_table};

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("cannot read config file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The config is invalid before any edit; the user fixes it first.
    #[error("the config is invalid; fix it first")]
    Current(#[source] ConfigError),
    #[error("{} is not valid TOML", path.display())]
    Syntax {
        path: PathBuf,
        #[source]
        source: toml_edit::TomlError,
    },
    #[error("`{key}` is not written as [[{key}]] tables; add this one by hand")]
    NotTables { key: &'static str },
    #[error("{url} is already configured{}", name.as_ref().map(|n| format!(" (as {n:?})")).unwrap_or_default())]
    DuplicateFeed { url: String, name: Option<String> },
    #[error("a topic named {0:?} already exists")]
    DuplicateTopic(String),
    #[error("no feed has the URL or name {0:?} (`newswatch feeds` lists them)")]
    NoSuchFeed(String),
    #[error("{count} feeds are named {name:?}; remove one by its URL")]
    AmbiguousFeed { name: String, count: usize },
    /// The edit would make the config invalid; nothing was written.
    #[error("the edited config would be invalid; nothing was written")]
    Invalid(#[source] ConfigError),
    #[error("{} changed while it was being edited; nothing was written, try again", path.display())]
    Changed { path: PathBuf },
    #[error("cannot write config file {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A feed to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFeed {
    pub url: Url,
    pub name: Option<String>,
    pub tags: Vec<String>,
}

/// A topic to add.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewTopic {
    pub name: String,
    pub query: String,
    pub min_score: Option<f64>,
    pub feeds: Vec<String>,
    pub description: Option<String>,
}

/// A feed that was removed.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedFeed {
    pub url: String,
    pub name: Option<String>,
}

/// The config file being edited.
#[derive(Debug)]
pub struct ConfigFile {
    path: PathBuf,
    /// The text as read; `None` when there was no file (it is created on save).
    original: Option<String>,
    config: Config,
    doc: DocumentMut,
    /// The configured feeds by URL, with their names: kept in step with `doc`.
    feeds: std::collections::HashMap<Url, Option<String>>,
}

impl ConfigFile {
    /// Reads the config at `path` (a missing file is an empty config). A config that is
    /// invalid already is refused with the parser's message.
    pub fn load(path: &Path) -> Result<ConfigFile, EditError> {
        // Edit the file a symlink points to rather than replacing the link.
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let original = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(EditError::Read { path, source }),
        };
        let text = original.as_deref().unwrap_or("");
        let config = parse(text, &path.display().to_string()).map_err(EditError::Current)?;
        let doc = text
            .parse::<DocumentMut>()
            .map_err(|source| EditError::Syntax {
                path: path.clone(),
                source,
            })?;
        Ok(ConfigFile::new(path, original, config, doc))
    }

    /// Edits config text that is not (yet) a file; [`ConfigFile::save`] writes it to `path`.
    pub fn from_text(text: &str, path: &Path) -> Result<ConfigFile, EditError> {
        let config = parse(text, &path.display().to_string()).map_err(EditError::Current)?;
        let doc = text
            .parse::<DocumentMut>()
            .map_err(|source| EditError::Syntax {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(ConfigFile::new(
            path.to_path_buf(),
            Some(text.to_string()),
            config,
            doc,
        ))
    }

    fn new(path: PathBuf, original: Option<String>, config: Config, doc: DocumentMut) -> Self {
        let feeds = config
            .feeds
            .iter()
            .map(|f| (f.url.clone(), f.name.clone()))
            .collect();
        ConfigFile {
            path,
            original,
            config,
            doc,
            feeds,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file existed when it was loaded.
    pub fn existed(&self) -> bool {
        self.original.is_some()
    }

    /// The config as loaded, before any edit.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The `[[feeds]]` tables as they stand now: URL as written, and name.
    fn feed_tables(&self) -> Vec<(String, Option<String>)> {
        let Some(array) = self.doc.get("feeds").and_then(Item::as_array_of_tables) else {
            return Vec::new();
        };
        array
            .iter()
            .map(|t| {
                let s = |k: &str| t.get(k).and_then(Item::as_str).map(str::to_string);
                (s("url").unwrap_or_default(), s("name"))
            })
            .collect()
    }

    /// The name of the configured feed at `url`, if one is (`Some(None)`: one without a
    /// name).
    pub fn configured(&self, url: &Url) -> Option<Option<String>> {
        self.feeds.get(url).cloned()
    }

    /// Adds a `[[feeds]]` table after the last one; a URL already configured is refused.
    pub fn add_feed(&mut self, feed: &NewFeed) -> Result<(), EditError> {
        if let Some(name) = self.configured(&feed.url) {
            return Err(EditError::DuplicateFeed {
                url: feed.url.to_string(),
                name,
            });
        }
        // Names pick feeds (in topics, in `feeds remove`), so each stays one feed's:
        // a second "Valley Observer" becomes "Valley Observer (2)".
        let name = feed
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| self.unused_name(n));
        let mut table = Table::new();
        table.insert("url", toml_edit::value(feed.url.as_str()));
        if let Some(name) = &name {
            table.insert("name", toml_edit::value(name.as_str()));
        }
        if !feed.tags.is_empty() {
            let tags: toml_edit::Array = feed.tags.iter().map(String::as_str).collect();
            table.insert("tags", toml_edit::value(tags));
        }
        append_table(&mut self.doc, "feeds", table)?;
        self.feeds.insert(feed.url.clone(), name);
        Ok(())
    }

    /// `name`, or `name (2)`, `name (3)`… whichever no feed has yet.
    fn unused_name(&self, name: &str) -> String {
        let taken = |n: &str| self.feeds.values().flatten().any(|t| t == n);
        if !taken(name) {
            return name.to_string();
        }
        (2..)
            .map(|i| format!("{name} ({i})"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| name.to_string())
    }

    /// Removes the `[[feeds]]` table whose URL (or, failing that, name) is `which`. The
    /// comments above it stay.
    pub fn remove_feed(&mut self, which: &str) -> Result<RemovedFeed, EditError> {
        let feeds = self.feed_tables();
        let by_url = parse_http_url(which).ok().and_then(|want| {
            feeds
                .iter()
                .position(|(u, _)| parse_http_url(u).is_ok_and(|u| u == want))
        });
        let index = match by_url {
            Some(i) => i,
            None => {
                let named: Vec<usize> = (0..feeds.len())
                    .filter(|&i| feeds[i].1.as_deref() == Some(which) || feeds[i].0 == which)
                    .collect();
                match named[..] {
                    [i] => i,
                    [] => return Err(EditError::NoSuchFeed(which.to_string())),
                    _ => {
                        return Err(EditError::AmbiguousFeed {
                            name: which.to_string(),
                            count: named.len(),
                        });
                    }
                }
            }
        };
        remove_table(&mut self.doc, "feeds", index);
        let (url, name) = feeds[index].clone();
        if let Ok(u) = parse_http_url(&url) {
            self.feeds.remove(&u);
        }
        Ok(RemovedFeed { url, name })
    }

    /// Adds a `[[topics]]` table after the last one; a name already taken is refused. A
    /// query with line breaks or quotes is written as a multi-line literal string.
    pub fn add_topic(&mut self, topic: &NewTopic) -> Result<(), EditError> {
        let name = topic.name.trim();
        let taken = self
            .doc
            .get("topics")
            .and_then(Item::as_array_of_tables)
            .is_some_and(|a| {
                a.iter()
                    .any(|t| t.get("name").and_then(Item::as_str).map(str::trim) == Some(name))
            });
        if taken {
            return Err(EditError::DuplicateTopic(name.to_string()));
        }
        let mut table = Table::new();
        table.insert("name", toml_edit::value(name));
        table.insert("query", Item::Value(query_value(&topic.query)));
        if let Some(d) = topic
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            table.insert("description", toml_edit::value(d));
        }
        if let Some(s) = topic.min_score {
            table.insert("min_score", toml_edit::value(s));
        }
        if !topic.feeds.is_empty() {
            let feeds: toml_edit::Array = topic.feeds.iter().map(String::as_str).collect();
            table.insert("feeds", toml_edit::value(feeds));
        }
        append_table(&mut self.doc, "topics", table)
    }

    /// The edited text.
    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// Validates the edited text with the daemon's parser. A problem is located in the
    /// edited text, which was not written: its lines are not the file's, so it says so.
    pub fn validate(&self) -> Result<Config, EditError> {
        let name = format!("{} (as edited)", self.path.display());
        parse(&self.text(), &name).map_err(EditError::Invalid)
    }

    /// Validates the edit and writes it atomically; returns the new config. Refuses if the
    /// file changed since it was loaded.
    pub fn save(&self) -> Result<Config, EditError> {
        let config = self.validate()?;
        let text = self.text();
        let now = match std::fs::read_to_string(&self.path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(EditError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        if now != self.original {
            return Err(EditError::Changed {
                path: self.path.clone(),
            });
        }
        write_atomically(&self.path, &text).map_err(|source| EditError::Write {
            path: self.path.clone(),
            source,
        })?;
        Ok(config)
    }
}

/// A query as a TOML value: a multi-line literal string when it has line breaks or quotes
/// (nothing needs escaping there), else a plain string.
fn query_value(query: &str) -> Value {
    let literal_ok = !query.contains("'''")
        && query
            .chars()
            .all(|c| c == '\n' || c == '\t' || !c.is_control());
    if literal_ok && (query.contains('\n') || query.contains('"') || query.contains('\'')) {
        let body = query.trim_matches('\n');
        if let Ok(v) = format!("'''\n{body}\n'''").parse::<Value>() {
            return v;
        }
    }
    Value::from(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMENTED: &str = "# My newswatch config.\n\n[daemon]\npoll_interval = \"20m\"   # slower\n\n# Feeds I read.\n\n[[feeds]]\nurl = \"https://a.example/rss\"\nname = 'A'  # the first\n\n[[feeds]]\nurl=\"https://b.example/rss\"\n# remove_selectors = [\".ad\"]\n\n# Topics below.\n[[topics]]\nname = \"t\"\nquery = \"x\"\n\n[notify]\ndesktop = false\n# trailing note\n";

    fn file(text: &str) -> ConfigFile {
        ConfigFile::from_text(text, Path::new("c.toml")).unwrap()
    }

    fn feed(url: &str, name: Option<&str>) -> NewFeed {
        NewFeed {
            url: Url::parse(url).unwrap(),
            name: name.map(str::to_string),
            tags: Vec::new(),
        }
    }

    #[test]
    fn adds_a_feed_after_the_last_one_and_keeps_everything_else() {
        let mut f = file(COMMENTED);
        f.add_feed(&NewFeed {
            tags: vec!["tech".into(), "news".into()],
            ..feed("https://c.example/feed", Some("C \"quoted\""))
        })
        .unwrap();
        let added = "\n[[feeds]]\nurl = \"https://c.example/feed\"\nname = 'C \"quoted\"'\ntags = [\"tech\", \"news\"]\n";
        // After the last feed and the comment right below it, before the blank line.
        let at = COMMENTED.find("\n# Topics below.").unwrap();
        let want = format!("{}{added}{}", &COMMENTED[..at], &COMMENTED[at..]);
        assert_eq!(f.text(), want);
        let config = f.validate().unwrap();
        assert_eq!(config.feeds.len(), 3);
        assert_eq!(config.feeds[2].name.as_deref(), Some("C \"quoted\""));
        assert_eq!(config.feeds[2].tags, ["tech", "news"]);
    }

    #[test]
    fn the_first_feed_goes_at_the_end() {
        let text = "[notify]\ndesktop = false\n# a note\n";
        let mut f = file(text);
        f.add_feed(&feed("https://a.example/rss", None)).unwrap();
        assert_eq!(
            f.text(),
            format!("{text}\n[[feeds]]\nurl = \"https://a.example/rss\"\n")
        );
        let mut empty = file("");
        empty
            .add_feed(&feed("https://a.example/rss", None))
            .unwrap();
        empty
            .add_feed(&feed("https://b.example/rss", None))
            .unwrap();
        assert_eq!(
            empty.text(),
            "[[feeds]]\nurl = \"https://a.example/rss\"\n\n[[feeds]]\nurl = \"https://b.example/rss\"\n"
        );
    }

    #[test]
    fn duplicates_are_refused_by_parsed_url() {
        let mut f = file(COMMENTED);
        let err = f
            .add_feed(&feed("HTTPS://A.example/rss", None))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "https://a.example/rss is already configured (as \"A\")"
        );
        assert_eq!(f.text(), COMMENTED);
    }

    #[test]
    fn a_name_already_taken_gets_a_number() {
        let mut f = file(COMMENTED);
        f.add_feed(&feed("https://c.example/rss", Some("A")))
            .unwrap();
        f.add_feed(&feed("https://d.example/rss", Some(" A ")))
            .unwrap();
        let names: Vec<Option<String>> = f
            .validate()
            .unwrap()
            .feeds
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(
            names,
            [
                Some("A".into()),
                None,
                Some("A (2)".into()),
                Some("A (3)".into())
            ]
        );
    }

    #[test]
    fn remove_by_url_or_name_keeps_comments() {
        let mut f = file(COMMENTED);
        let gone = f.remove_feed("https://b.example/rss").unwrap();
        assert_eq!(gone.url, "https://b.example/rss");
        let body = "[[feeds]]\nurl=\"https://b.example/rss\"\n# remove_selectors = [\".ad\"]\n";
        // The comment right below it goes too; a blank line still separates the rest.
        assert_eq!(f.text(), COMMENTED.replacen(&format!("\n{body}"), "", 1));
        let mut f = file(COMMENTED);
        f.remove_feed("A").unwrap();
        let text = f.text();
        assert!(
            text.contains("# Feeds I read.\n\n[[feeds]]\nurl=\"https://b"),
            "{text}"
        );
        assert!(!text.contains("a.example"));
        assert!(matches!(f.remove_feed("Z"), Err(EditError::NoSuchFeed(_))));
        // A comment that runs into the next header is the next table's.
        let text = "[[feeds]]\nurl = \"https://a.example/\"\n# about b\n[[feeds]]\nurl = \"https://b.example/\"\n";
        let mut f = file(text);
        f.remove_feed("https://a.example/").unwrap();
        assert_eq!(
            f.text(),
            "# about b\n[[feeds]]\nurl = \"https://b.example/\"\n"
        );
    }

    #[test]
    fn add_then_remove_gives_back_the_shipped_config() {
        let shipped =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml")).unwrap();
        let mut f = file(&shipped);
        f.add_feed(&feed("https://new.example/rss", Some("New")))
            .unwrap();
        assert_eq!(f.validate().unwrap().feeds.len(), 7);
        f.remove_feed("New").unwrap();
        assert_eq!(f.text(), shipped);
        f.remove_feed("BBC News").unwrap();
        let text = f.text();
        assert!(
            text.contains("# Feeds: RSS, Atom or JSON Feed URLs"),
            "{text}"
        );
        assert_eq!(f.validate().unwrap().feeds.len(), 5);
    }

    #[test]
    fn topics_are_added_with_readable_queries() {
        let mut f = file(COMMENTED);
        f.add_topic(&NewTopic {
            name: "Talks".into(),
            query: "\"peace talks\" AND\n(ukraine OR kyiv)".into(),
            min_score: Some(0.3),
            feeds: vec!["A".into()],
            description: None,
        })
        .unwrap();
        let text = f.text();
        assert!(
            text.contains("[[topics]]\nname = \"Talks\"\nquery = '''\n\"peace talks\" AND\n(ukraine OR kyiv)\n'''\nmin_score = 0.3\nfeeds = [\"A\"]\n"),
            "{text}"
        );
        let config = f.validate().unwrap();
        assert_eq!(config.topics[1].min_score, 0.3);
        assert!(matches!(
            f.add_topic(&NewTopic {
                name: "t".into(),
                query: "y".into(),
                ..NewTopic::default()
            }),
            Err(EditError::DuplicateTopic(_))
        ));
        let mut f = file("");
        f.add_topic(&NewTopic {
            name: "Plain".into(),
            query: "rocket launch".into(),
            ..NewTopic::default()
        })
        .unwrap();
        assert_eq!(
            f.text(),
            "[[topics]]\nname = \"Plain\"\nquery = \"rocket launch\"\n"
        );
    }

    #[test]
    fn an_invalid_edit_is_caught_before_writing() {
        let mut f = file(COMMENTED);
        f.add_topic(&NewTopic {
            name: "bad".into(),
            query: "(ukraine OR".into(),
            ..NewTopic::default()
        })
        .unwrap();
        let err = f.validate().unwrap_err();
        let shown = format!("{:#}", anyhow::Error::from(err));
        assert!(shown.contains("topics[1].query"), "{shown}");
    }

    #[test]
    fn saves_atomically_and_refuses_a_file_changed_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, COMMENTED).unwrap();
        let mut f = ConfigFile::load(&path).unwrap();
        f.add_feed(&feed("https://c.example/rss", None)).unwrap();
        f.save().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), f.text());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");

        let mut f = ConfigFile::load(&path).unwrap();
        f.add_feed(&feed("https://d.example/rss", None)).unwrap();
        std::fs::write(&path, COMMENTED).unwrap();
        assert!(matches!(f.save(), Err(EditError::Changed { .. })));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), COMMENTED);
    }

    #[test]
    fn a_broken_config_is_not_edited() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[[feeds]]\nurl = \"https://a.example/\"\nintervl = \"5m\"\n",
        )
        .unwrap();
        let err = ConfigFile::load(&path).unwrap_err();
        assert!(matches!(err, EditError::Current(_)));
        let missing = ConfigFile::load(&dir.path().join("new.toml")).unwrap();
        assert!(!missing.existed());
    }
}
