//! `newswatch completions SHELL` and `newswatch man [--out DIR]`: shell completion scripts
//! and roff man pages, generated from the clap definitions in `crate::cli` so they never
//! drift from the real command line. Installing them is left to the user (see README).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::CommandFactory as _;

use crate::cli::Cli;

/// Prints the completion script for `shell` on stdout.
pub(super) fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    // Written to a buffer first: `generate` panics on a write error, such as a pipe that
    // `head` closed; an error returned here ends quietly instead.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "newswatch", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints `newswatch.1` on stdout, or writes it and one page per subcommand
/// (`newswatch-run.1`, `newswatch-service-install.1`, …) into `dir`, listing the pages.
pub(super) fn man(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cmd = without_help(Cli::command());
    let mut out = std::io::stdout().lock();
    let Some(dir) = dir else {
        clap_mangen::Man::new(cmd).render(&mut out)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(cmd, dir)
        .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("newswatch") && n.ends_with(".1"))
        })
        .collect();
    pages.sort();
    for page in pages {
        writeln!(out, "wrote {}", page.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The command tree without clap's `help` subcommands: they need no pages of their own.
fn without_help(cmd: clap::Command) -> clap::Command {
    cmd.disable_help_subcommand(true)
        .mut_subcommands(without_help)
}
