//! newswatch: a personal news-monitoring daemon.
//!
//! Data flows one way: `config` → `daemon` (schedules polls) → `pipeline` (one feed:
//! `fetch` → `feed` → `extract` → `analyze` → `matching` → `store` → `notify`).
//!
//! | module | job |
//! |---|---|
//! | [`cli`] | clap definitions |
//! | [`app`] | the subcommands, on top of the library |
//! | [`config`] | `config.toml` → validated [`config::Config`], with located errors |
//! | [`fetch`] | HTTP: conditional GET, timeouts, size caps, charset decoding |
//! | [`feed`] | feed bytes → entries with stable keys |
//! | [`extract`] | HTML → article text and metadata |
//! | [`analyze`] | text → normalised tokens, fields, positions |
//! | [`matching`] | topic query language: parse, evaluate, score |
//! | [`store`] | SQLite: feeds, entries, articles, matches, notices |
//! | [`stories`] | per-topic story grouping and novelty |
//! | [`notify`] | notices and delivery channels (desktop, ntfy, webhook, command, log) |
//! | [`clock`] | wall-clock time for delivery schedules, pausable in tests |
//! | [`pipeline`] | one poll of one feed, and notice delivery |
//! | [`report`] | the stories as one self-contained HTML page |
//! | [`daemon`] | scheduler, reload, graceful shutdown |
//! | [`sd_notify`] | systemd readiness, status and watchdog |

pub mod analyze;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod extract;
pub mod feed;
pub mod fetch;
mod hash;
pub mod matching;
pub mod notify;
pub mod pipeline;
pub mod report;
pub mod sd_notify;
pub mod store;
pub mod stories;

/// An error and its sources on one line: `request failed: connection refused`.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut s = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        s.push_str(": ");
        s.push_str(&e.to_string());
        source = e.source();
    }
    s
}
