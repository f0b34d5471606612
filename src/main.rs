//! The `newswatch` binary: parse arguments, set up logging, run a command, report errors.

use std::process::ExitCode;

use clap::Parser;
use newswatch::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    newswatch::app::init_tracing(cli.quiet, cli.verbose);
    match newswatch::app::main(cli) {
        Ok(code) => code,
        // A closed pipe (`newswatch backtest … | head`) is the reader's choice, not an error.
        Err(err)
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
