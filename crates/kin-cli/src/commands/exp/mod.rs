//! `kin exp`: experiments in DVC's format — run (sweeps in parallel), show, list, apply,
//! branch, remove.

mod diff;
mod manage;
pub(crate) mod run;
mod share;
mod show;

use std::path::Path;

use clap::{Args, Subcommand};

use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct ExpArgs {
    #[command(subcommand)]
    pub command: ExpCommand,
}

#[derive(Debug, Subcommand)]
pub enum ExpCommand {
    /// Run experiments: the pipeline with params set by `-S`, each in its own worktree.
    Run(run::RunArgs),
    /// Compare the experiments of HEAD (or every commit's with `-A`): params and metrics.
    Show(show::ShowArgs),
    /// Compare the params and metrics of two experiments (or commits, or the workspace).
    Diff(diff::DiffArgs),
    /// List the experiments by baseline commit.
    List(manage::ListArgs),
    /// Bring an experiment's files and data into the workspace.
    Apply(manage::ApplyArgs),
    /// Make a git branch of an experiment.
    Branch(manage::BranchArgs),
    /// Push experiments to a git remote, and their data to the DVC remote.
    Push(share::ShareArgs),
    /// Pull experiments from a git remote, and their data from the DVC remote.
    Pull(share::ShareArgs),
    /// Remove experiments.
    #[command(alias = "rm")]
    Remove(manage::RemoveArgs),
}

pub fn cmd_exp(printer: Printer, cwd: &Path, args: &ExpArgs) -> Result<(), CommandError> {
    match &args.command {
        ExpCommand::Run(args) => run::cmd_run(printer, cwd, args),
        ExpCommand::Show(args) => show::cmd_show(printer, cwd, args),
        ExpCommand::Diff(args) => diff::cmd_diff(printer, cwd, args),
        ExpCommand::List(args) => manage::cmd_list(printer, cwd, args),
        ExpCommand::Apply(args) => manage::cmd_apply(printer, cwd, args),
        ExpCommand::Branch(args) => manage::cmd_branch(printer, cwd, args),
        ExpCommand::Remove(args) => manage::cmd_remove(printer, cwd, args),
        ExpCommand::Push(args) => share::cmd_push(printer, cwd, args),
        ExpCommand::Pull(args) => share::cmd_pull(printer, cwd, args),
    }
}
