//! Progress bars for commands that work through a list (`once`, `backtest`, and any other
//! that adopts [`Progress`] with one line). A bar is drawn on stderr only when stderr is a
//! terminal and `--quiet` is off; piped or quiet, every call is a no-op, so scripts and
//! logs never see bar fragments. Log lines written while a bar is up go through
//! [`StderrWriter`], which lifts the bar, writes the line and redraws it underneath.
//! What to count (feeds, articles, bytes) is the caller's business:
//!
//! ```ignore
//! let bar = Progress::new(feeds.len() as u64, "importing feeds", quiet);
//! for f in feeds { import(f)?; bar.inc(1); }   // or hand `bar.ticker()` to tasks
//! ```

use std::borrow::Cow;
use std::io::{IsTerminal as _, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar on screen, if any, with its id, so log lines can step around it.
static ACTIVE: Mutex<Option<(u64, ProgressBar)>> = Mutex::new(None);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn active() -> Option<ProgressBar> {
    ACTIVE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map(|(_, bar)| bar.clone())
}

/// A progress bar on stderr, or nothing. Cleared from the screen when dropped.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    id: u64,
}

impl Progress {
    /// A bar counting `len` items (feeds, articles, topics), labelled `label`.
    pub fn new(len: u64, label: &str, quiet: bool) -> Progress {
        Progress::styled(
            len,
            label,
            quiet,
            "{prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} {elapsed} {wide_msg}",
        )
    }

    /// A bar counting `len` bytes (of a file being read), labelled `label`.
    pub fn bytes(len: u64, label: &str, quiet: bool) -> Progress {
        Progress::styled(
            len,
            label,
            quiet,
            "{prefix:.bold} [{bar:30.cyan/blue}] {bytes}/{total_bytes} eta {eta} {wide_msg}",
        )
    }

    fn styled(len: u64, label: &str, quiet: bool, template: &str) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: None, id: 0 };
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        // The templates are constants; should one not parse, the default style still works.
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        bar.tick();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) = Some((id, bar.clone()));
        Progress { bar: Some(bar), id }
    }

    /// Whether a bar is drawn at all.
    pub fn is_visible(&self) -> bool {
        self.bar.is_some()
    }

    /// Moves the bar to `done` of `total` (for work that learns its size as it goes).
    pub fn set(&self, done: u64, total: u64) {
        if let Some(b) = &self.bar {
            b.set_length(total);
            b.set_position(done);
        }
    }

    /// Counts `n` more items (or bytes) done.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    /// Shows `msg` after the counter (the item at hand).
    pub fn set_message(&self, msg: impl Into<Cow<'static, str>>) {
        if let Some(b) = &self.bar {
            b.set_message(msg);
        }
    }

    /// A cheap, sendable callback that counts one item done: for work spread over tasks.
    pub fn ticker(&self) -> impl Fn() + Send + Sync + Clone + 'static {
        let bar = self.bar.clone();
        move || {
            if let Some(b) = &bar {
                b.inc(1);
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            let mut slot = ACTIVE.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.as_ref().is_some_and(|(id, _)| *id == self.id) {
                *slot = None;
            }
        }
    }
}

/// stderr for `tracing`: each event is buffered and written whole, above any bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct StderrWriter;

/// One log event on its way to stderr.
#[derive(Debug, Default)]
pub struct EventWriter {
    buf: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        let write = || {
            // Nowhere to report a failed write to stderr.
            let _ = std::io::stderr().lock().write_all(&self.buf);
        };
        match active() {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for StderrWriter {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> EventWriter {
        EventWriter::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_means_no_bar_and_every_call_is_a_no_op() {
        let p = Progress::new(3, "testing", true);
        assert!(!p.is_visible());
        p.inc(1);
        p.set_message("item");
        (p.ticker())();
        drop(p);
        assert!(active().is_none());
    }

    #[test]
    fn an_event_is_buffered_until_written_whole() {
        let mut w = EventWriter::default();
        write!(w, "first ").unwrap();
        write!(w, "second").unwrap();
        // Taken, so that dropping the writer prints nothing into the test output.
        assert_eq!(std::mem::take(&mut w.buf), b"first second");
    }
}
