//! `kin exp push|pull GIT_REMOTE [NAME…]`: experiments' refs through git, their data
//! through the DVC remote.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::experiments::{ShareRequest, Shared};
use kin::remote::TransferOptions;

use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct ShareArgs {
    /// The git remote (`origin`, or a URL).
    pub git_remote: String,
    /// Experiments by name (default: every one of HEAD's baseline).
    pub names: Vec<String>,
    /// Every baseline's experiments.
    #[arg(short = 'A', long)]
    pub all_commits: bool,
    /// Only the git refs, not the data.
    #[arg(long)]
    pub no_cache: bool,
    /// Replace an experiment the other side holds under the same name.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// The DVC remote for the data (default: `core.remote`).
    #[arg(short = 'r', long)]
    pub remote: Option<String>,
    /// Parallel transfers.
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
}

impl ShareArgs {
    fn request(&self) -> ShareRequest {
        ShareRequest {
            git_remote: self.git_remote.clone(),
            names: self.names.clone(),
            all_commits: self.all_commits,
            no_cache: self.no_cache,
            force: self.force,
            transfer: TransferOptions {
                targets: Vec::new(),
                remote: self.remote.clone(),
                jobs: self.jobs,
            },
        }
    }
}

fn report(
    printer: Printer,
    shared: &Shared,
    verb: &str,
    args: &ShareArgs,
) -> Result<(), CommandError> {
    if shared.experiments.is_empty() {
        writeln!(printer.status(), "no experiments to {verb}")?;
        return Ok(());
    }
    let names: Vec<&str> = shared.experiments.iter().map(|e| e.name.as_str()).collect();
    writeln!(
        printer.status(),
        "{verb}ed {} experiment(s) via `{}`: {}",
        names.len(),
        args.git_remote,
        names.join(", ")
    )?;
    for data in &shared.data {
        writeln!(
            printer.status(),
            "{}: {} object(s) moved, {} already there",
            data.remote,
            data.transferred,
            data.already_there
        )?;
    }
    let missing: usize = shared.data.iter().map(|d| d.missing.len()).sum();
    if missing > 0 {
        return Err(CommandError::failure(format!(
            "{missing} object(s) of the experiments are in neither the cache nor the remote"
        )));
    }
    Ok(())
}

pub fn cmd_push(printer: Printer, cwd: &Path, args: &ShareArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let shared = kin::experiments::push(&repo, cwd, &args.request(), &kin::data::NoProgress)?;
    report(printer, &shared, "push", args)
}

pub fn cmd_pull(printer: Printer, cwd: &Path, args: &ShareArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let shared = kin::experiments::pull(&repo, cwd, &args.request(), &kin::data::NoProgress)?;
    report(printer, &shared, "pull", args)
}
