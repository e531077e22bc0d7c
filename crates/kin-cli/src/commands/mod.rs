//! One module per command; `run` dispatches.

mod add;
mod checkout;
mod commit;
mod dag;
mod drift;
mod fairness;
mod fetch;
mod gc;
mod history;
mod init;
mod lineage;
mod metrics;
mod params;
mod pull;
mod push;
mod remote;
mod repro;
mod run_show;
mod runs;
mod stages;
mod status;
mod status_cloud;
mod transfer;
mod why;

use std::path::Path;

use crate::cli::{Cli, Command};
use crate::command_error::CommandError;

pub fn run(cli: Cli) -> Result<(), CommandError> {
    let cwd = match cli.directory {
        Some(dir) => dir,
        None => std::env::current_dir().map_err(|e| {
            CommandError::failure(format!("cannot read the current directory: {e}"))
        })?,
    };
    match cli.command {
        Command::Init(args) => init::run(&cwd, &args, cli.quiet),
        Command::Stages(args) => stages::run(&cwd, &args),
        Command::Dag(args) => dag::run(&cwd, &args),
        Command::Add(args) => add::run(&cwd, &args, cli.quiet),
        Command::Checkout(args) => checkout::run(&cwd, &args, cli.quiet),
        Command::Commit(args) => commit::run(&cwd, &args, cli.quiet),
        Command::Repro(args) => repro::run(&cwd, &args, cli.quiet),
        Command::Status(args) => status::run(&cwd, &args),
        Command::Gc(args) => gc::run(&cwd, &args, cli.quiet),
        Command::Drift(args) => drift::run(&cwd, &args, cli.quiet),
        Command::Fairness(args) => fairness::run(&cwd, &args, cli.quiet),
        Command::Lineage(args) => lineage::run(&cwd, &args),
        Command::Runs(args) => runs::run(&cwd, &args),
        Command::Run(args) => run_show::run(&cwd, &args),
        Command::Why(args) => why::run(&cwd, &args),
        Command::History(args) => history::run(&cwd, &args, cli.quiet),
        Command::Metrics(args) => metrics::run(&cwd, &args),
        Command::Params(args) => params::run(&cwd, &args),
        Command::Remote(args) => remote::run(&cwd, &args, cli.quiet),
        Command::Push(args) => push::run(&cwd, &args, cli.quiet),
        Command::Fetch(args) => fetch::run(&cwd, &args, cli.quiet),
        Command::Pull(args) => pull::run(&cwd, &args, cli.quiet),
    }
}

/// Opens the repository containing `cwd` and loads its pipelines.
fn load_project(cwd: &Path) -> Result<(kin::Repo, kin_pipeline::Project), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let project = repo.project()?;
    Ok((repo, project))
}
