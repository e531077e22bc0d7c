//! `kin schedule`: the schedules of `.kin/config.toml`, their next fire times, one run now,
//! and the attempts recorded.

mod history;
mod list;
mod next;
mod run;

use std::path::Path;

use clap::{Args, Subcommand};
use kin::schedule::Schedule;

use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub command: ScheduleCommand,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// List the schedules with their timing, policies and next fire time.
    List(list::ListArgs),
    /// The next fire times of a schedule (daylight-saving correct).
    Next(next::NextArgs),
    /// One attempt of a schedule now, with its retries and policies.
    Run(run::RunArgs),
    /// The attempts of a schedule recorded in the lineage store, newest first.
    History(history::HistoryArgs),
}

pub fn cmd_schedule(printer: Printer, cwd: &Path, args: &ScheduleArgs) -> Result<(), CommandError> {
    match &args.command {
        ScheduleCommand::List(args) => list::cmd_list(printer, cwd, args),
        ScheduleCommand::Next(args) => next::cmd_next(printer, cwd, args),
        ScheduleCommand::Run(args) => run::cmd_run(printer, cwd, args),
        ScheduleCommand::History(args) => history::cmd_history(printer, cwd, args),
    }
}

/// The repository's schedules.
pub(crate) fn schedules(repo: &kin::Repo) -> Result<Vec<Schedule>, CommandError> {
    kin::schedule::config::load(repo.root()).map_err(|e| CommandError::failure(e.to_string()))
}

/// The schedule called `name`.
pub(crate) fn schedule_named(repo: &kin::Repo, name: &str) -> Result<Schedule, CommandError> {
    let all = schedules(repo)?;
    let known: Vec<String> = all.iter().map(|s| s.name.clone()).collect();
    all.into_iter().find(|s| s.name == name).ok_or_else(|| {
        let hint = if known.is_empty() {
            "no schedule is defined: add a `[[schedule]]` table to .kin/config.toml (see docs/schedule.md)".to_owned()
        } else {
            format!("the schedules are: {}", known.join(", "))
        };
        CommandError::failure(format!("there is no schedule `{name}`")).with_hint(hint)
    })
}

/// This `kin`, to run `status`, `repro` and `push` in child processes.
pub(crate) fn kin_executable() -> Result<std::path::PathBuf, CommandError> {
    std::env::current_exe()
        .map_err(|e| CommandError::failure(format!("cannot find the kin executable: {e}")))
}
