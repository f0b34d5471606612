//! `newswatch feeds add|remove|import|export`: the feed list in the config file.
//!
//! Discovery is `crate::feed::discover`, OPML `crate::feed::opml`, and the edit itself
//! (comments kept, validated, written atomically) `crate::config::edit`; this layer picks
//! what to add and tells the user. Listing (`newswatch feeds`) is in `super::status`.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use url::Url;

use crate::cli::FeedsAction;
use crate::config::edit::{ConfigFile, EditError, NewFeed};
use crate::config::parse_http_url;
use crate::feed::discover::{self, Discovery, Found, Via};
use crate::feed::opml::{self, OpmlFeed};
use crate::fetch::Fetcher;

/// OPML files larger than this are refused (a subscription list is a few hundred KB).
const MAX_OPML_SIZE: u64 = 16 * 1024 * 1024;

pub(super) async fn run(
    config_path: &Path,
    action: FeedsAction,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    // `--quiet` leaves errors only (and export's document, which is the output).
    let mut say = |line: String| -> std::io::Result<()> {
        if quiet {
            Ok(())
        } else {
            writeln!(out, "{line}")
        }
    };
    match action {
        FeedsAction::Add {
            url,
            all,
            name,
            tags,
        } => {
            let req = AddRequest {
                input: url,
                all,
                name,
                tags,
            };
            add(config_path, req, &mut say).await
        }
        FeedsAction::Remove { feed } => remove(config_path, &feed, &mut say),
        FeedsAction::Import { file } => {
            let bar = super::progress::Progress::new(0, "importing feeds", quiet);
            import(config_path, &file, &mut say, &mut |done, total| {
                bar.set(done as u64, total as u64)
            })
        }
        FeedsAction::Export { out: file } => export(config_path, file.as_deref(), &mut say),
    }
}

type Say<'a> = dyn FnMut(String) -> std::io::Result<()> + 'a;

/// The URL as typed: `example.com` means `https://example.com/`.
fn typed_url(input: &str) -> anyhow::Result<Url> {
    let input = input.trim();
    let with_scheme = if input.contains("://") {
        input.to_string()
    } else {
        format!("https://{input}")
    };
    parse_http_url(&with_scheme).map_err(anyhow::Error::msg)
}

fn describe(f: &Found) -> String {
    format!(
        "{} <{}> ({}, {} entries)",
        f.title.as_deref().unwrap_or("(untitled)"),
        f.url,
        f.format.label(),
        f.entries
    )
}

/// What `feeds add` was asked to do.
struct AddRequest {
    input: String,
    all: bool,
    name: Option<String>,
    tags: Vec<String>,
}

async fn add(config_path: &Path, req: AddRequest, say: &mut Say<'_>) -> anyhow::Result<ExitCode> {
    let mut file = ConfigFile::load(config_path)?;
    let url = typed_url(&req.input)?;
    if let Some(name) = file.configured(&url) {
        return Err(EditError::DuplicateFeed {
            url: url.to_string(),
            name,
        }
        .into());
    }
    let daemon = file.config().daemon.clone();
    let fetcher = Fetcher::new(&daemon)?;
    let found = discover::discover(&fetcher, &daemon, &url, &mut |u| {
        tracing::debug!(url = %u, "looking for a feed");
    })
    .await?;
    report_found(&url, &found, say)?;
    let take = if req.all { found.feeds.len() } else { 1 };
    let mut added = Vec::new();
    let mut already = Vec::new();
    for f in found.feeds.iter().take(take) {
        let feed = NewFeed {
            url: f.url.clone(),
            name: req.name.clone().or_else(|| f.title.clone()),
            tags: req.tags.clone(),
        };
        match file.add_feed(&feed) {
            Ok(()) => added.push(feed),
            Err(EditError::DuplicateFeed { url, name }) => already.push((url, name)),
            Err(e) => return Err(e.into()),
        }
    }
    if added.is_empty()
        && let Some((url, name)) = already.first().cloned()
    {
        return Err(EditError::DuplicateFeed { url, name }.into());
    }
    file.save()?;
    for f in &added {
        let shown = match &f.name {
            Some(n) => format!("{n} <{}>", f.url),
            None => format!("<{}>", f.url),
        };
        say(format!("added {shown}"))?;
    }
    for (u, _) in &already {
        say(format!("already configured: <{u}>"))?;
    }
    let verb = if file.existed() { "updated" } else { "created" };
    say(format!("{verb} {}", file.path().display()))?;
    let more = found.feeds.len() - take;
    if more > 0 {
        say(format!(
            "{more} more found: add them all with --all, or one with `newswatch feeds add URL`"
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What discovery found, and how.
fn report_found(url: &Url, found: &Discovery, say: &mut Say<'_>) -> std::io::Result<()> {
    let how = match found.via {
        Via::Direct => "it is a feed",
        Via::Advertised => "advertised by the page",
        Via::CommonPath => "at a common feed path; the page advertises none",
    };
    let count = found.feeds.len();
    let plural = if count == 1 { "" } else { "s" };
    say(format!("found {count} feed{plural} at {url} ({how}):"))?;
    for f in &found.feeds {
        say(format!("  {}", describe(f)))?;
    }
    for (u, why) in &found.unreadable {
        say(format!("  unreadable: <{u}>: {why}"))?;
    }
    Ok(())
}

fn remove(config_path: &Path, which: &str, say: &mut Say<'_>) -> anyhow::Result<ExitCode> {
    if !config_path.exists() {
        bail!("no config file at {}", config_path.display());
    }
    let mut file = ConfigFile::load(config_path)?;
    let gone = file.remove_feed(which)?;
    file.save()?;
    let shown = match &gone.name {
        Some(n) => format!("{n} <{}>", gone.url),
        None => format!("<{}>", gone.url),
    };
    say(format!("removed {shown} from {}", file.path().display()))?;
    Ok(ExitCode::SUCCESS)
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
struct Imported {
    added: usize,
    duplicates: usize,
    invalid: usize,
}

/// Adds the feeds of an OPML file. `progress(done, total)` is called after each outline,
/// for a progress display.
fn import(
    config_path: &Path,
    opml_path: &Path,
    say: &mut Say<'_>,
    progress: &mut dyn FnMut(usize, usize),
) -> anyhow::Result<ExitCode> {
    let mut bytes = Vec::new();
    std::fs::File::open(opml_path)
        .and_then(|f| f.take(MAX_OPML_SIZE + 1).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read {}", opml_path.display()))?;
    if bytes.len() as u64 > MAX_OPML_SIZE {
        bail!(
            "{} is larger than {} MB; not a subscription list",
            opml_path.display(),
            MAX_OPML_SIZE / (1024 * 1024)
        );
    }
    let outlines =
        opml::parse(&bytes).with_context(|| format!("cannot read {}", opml_path.display()))?;
    if outlines.is_empty() {
        bail!(
            "no feeds in {} (no <outline> has an xmlUrl)",
            opml_path.display()
        );
    }
    let mut file = ConfigFile::load(config_path)?;
    let mut counts = Imported::default();
    let total = outlines.len();
    for (i, o) in outlines.into_iter().enumerate() {
        match parse_http_url(&o.xml_url) {
            Err(why) => {
                counts.invalid += 1;
                tracing::warn!(outline = o.name.as_deref().unwrap_or(""), error = %why, "skipped");
            }
            Ok(url) => {
                let feed = NewFeed {
                    // A reader that had no name for it wrote its URL.
                    name: o.name.filter(|n| n.as_str() != o.xml_url),
                    url,
                    tags: o.tags,
                };
                match file.add_feed(&feed) {
                    Ok(()) => counts.added += 1,
                    Err(EditError::DuplicateFeed { .. }) => counts.duplicates += 1,
                    Err(e) => return Err(e.into()),
                }
            }
        }
        progress(i + 1, total);
    }
    if counts.added > 0 {
        file.save()?;
    }
    say(format!(
        "{} feeds in {}: {} added, {} already configured, {} invalid",
        total,
        opml_path.display(),
        counts.added,
        counts.duplicates,
        counts.invalid
    ))?;
    if counts.added > 0 {
        say(format!(
            "{} {}",
            if file.existed() { "updated" } else { "created" },
            file.path().display()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn export(
    config_path: &Path,
    out_path: Option<&Path>,
    say: &mut Say<'_>,
) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let feeds: Vec<OpmlFeed> = config
        .feeds
        .iter()
        .map(|f| OpmlFeed {
            xml_url: f.url.to_string(),
            name: f.name.clone(),
            html_url: None,
            tags: f.tags.clone(),
        })
        .collect();
    let doc = opml::write("newswatch feeds", &feeds);
    match out_path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(doc.as_bytes())?;
            out.flush()?;
        }
        Some(p) => {
            std::fs::write(p, doc).with_context(|| format!("cannot write {}", p.display()))?;
            say(format!("wrote {} feeds to {}", feeds.len(), p.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_urls_get_a_scheme() {
        assert_eq!(
            typed_url("example.com").unwrap().as_str(),
            "https://example.com/"
        );
        assert_eq!(
            typed_url(" http://a.example/feed ").unwrap().as_str(),
            "http://a.example/feed"
        );
        assert!(typed_url("ftp://a.example/").is_err());
    }

    #[test]
    fn import_counts_added_duplicates_and_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "[[feeds]]\nurl = \"https://a.example/rss\"\n").unwrap();
        let opml = dir.path().join("subs.opml");
        std::fs::write(
            &opml,
            r#"<opml version="2.0"><body><outline text="Tech">
            <outline text="A" xmlUrl="https://a.example/rss"/>
            <outline text="B" xmlUrl="https://b.example/rss"/>
            <outline text="B again" xmlUrl="https://b.example/rss"/>
            <outline text="bad" xmlUrl="ftp://c.example/"/>
            </outline></body></opml>"#,
        )
        .unwrap();
        let mut lines = Vec::new();
        let mut steps = Vec::new();
        import(
            &config,
            &opml,
            &mut |l| {
                lines.push(l);
                Ok(())
            },
            &mut |done, total| steps.push((done, total)),
        )
        .unwrap();
        assert!(
            lines[0].ends_with("subs.opml: 1 added, 2 already configured, 1 invalid"),
            "{lines:?}"
        );
        assert_eq!(steps, [(1, 4), (2, 4), (3, 4), (4, 4)]);
        let c = crate::config::load(&config).unwrap();
        assert_eq!(c.feeds[1].url.as_str(), "https://b.example/rss");
        assert_eq!(c.feeds[1].tags, ["Tech"]);
    }
}
