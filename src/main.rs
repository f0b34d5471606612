//! The `newswatch` binary: parse arguments, set up logging, run a command, report errors.

use std::process::ExitCode;

use clap::Parser;
use newswatch::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    newswatch::app::init_tracing(cli.quiet, cli.verbose);
    match newswatch::app::main(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
