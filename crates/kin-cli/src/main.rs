//! The `kin` binary: parses arguments, runs one command, prints its error and sets the exit code.

mod command_error;
mod commands;
mod dag;
mod diagnostic;
mod lineage_view;
mod paths;
mod printer;
mod progress;
mod stage_changes;
mod tabulate;

/// mimalloc rather than the C library's allocator: `kin serve` answers each query from many
/// small allocations made on one thread and freed on another, where glibc's arenas spent a
/// third of the server's time (bench/server.py: 3,400 → 4,500 lineage queries/s on 2 cores).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

use crate::command_error::CommandError;
use crate::printer::Printer;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    let printer = Printer::new(cli.quiet);
    let result = commands::run_command(printer, cli)
        .and_then(|()| printer.flush().map_err(CommandError::from));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader has what it wanted (`kin runs | head -1`): end quietly, as git does.
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            printer.report_error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}
