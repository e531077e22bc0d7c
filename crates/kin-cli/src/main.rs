//! The `kin` binary: parses arguments, runs one command, prints its error and sets the exit code.

mod command_error;
mod commands;
mod dag;
mod diagnostic;
mod lineage_view;
mod progress;
mod stage_changes;
mod tabulate;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run_command(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprint!("{}", error.render());
            ExitCode::from(error.exit_code())
        }
    }
}
