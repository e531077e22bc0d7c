//! `kin exp list|apply|branch|remove`.

use std::io::Write;
use std::path::Path;

use clap::Args;

use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Every baseline's experiments, not only HEAD's.
    #[arg(short = 'A', long)]
    pub all_commits: bool,
    /// Only the names, one per line.
    #[arg(long)]
    pub name_only: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The experiment's name.
    pub name: String,
    /// Overwrite files with uncommitted changes.
    #[arg(short = 'f', long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BranchArgs {
    /// The experiment's name.
    pub name: String,
    /// The branch to create.
    pub branch: String,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The experiments' names.
    pub names: Vec<String>,
    /// Every experiment of HEAD's baseline.
    #[arg(short = 'a', long)]
    pub all: bool,
}

pub fn cmd_list(printer: Printer, cwd: &Path, args: &ListArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let exps = kin::experiments::list(&repo, args.all_commits)?;
    let mut out = printer.stdout();
    let mut baseline = None;
    for exp in &exps {
        if args.name_only {
            writeln!(out, "{}", exp.name)?;
            continue;
        }
        if baseline != Some(&exp.baseline) {
            writeln!(out, "{}:", &exp.baseline[..7])?;
            baseline = Some(&exp.baseline);
        }
        writeln!(out, "\t{}", exp.name)?;
    }
    Ok(())
}

pub fn cmd_apply(printer: Printer, cwd: &Path, args: &ApplyArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let exp = kin::experiments::apply(&repo, &args.name, args.force)?;
    // Unsaved data in the workspace is not overwritten: checkout refuses, naming it.
    let report = kin::data::checkout(
        &repo,
        cwd,
        &[],
        kin::data::CheckoutOptions::default(),
        &kin::data::NoProgress,
    )?;
    writeln!(
        printer.status(),
        "applied experiment `{}` ({}) to the workspace",
        exp.name,
        &exp.commit[..7]
    )?;
    if !report.missing.is_empty() {
        return Err(CommandError::failure(format!(
            "{} file(s) of the experiment are not in the cache",
            report.missing.len()
        ))
        .with_hint("`kin pull` fetches them if a remote has them"));
    }
    Ok(())
}

pub fn cmd_branch(printer: Printer, cwd: &Path, args: &BranchArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let exp = kin::experiments::branch(&repo, &args.name, &args.branch)?;
    writeln!(
        printer.status(),
        "branch `{}` is experiment `{}` ({})",
        args.branch,
        exp.name,
        &exp.commit[..7]
    )?;
    Ok(())
}

pub fn cmd_remove(printer: Printer, cwd: &Path, args: &RemoveArgs) -> Result<(), CommandError> {
    if args.names.is_empty() && !args.all {
        return Err(CommandError::usage(
            "name the experiments to remove, or give --all",
        ));
    }
    let repo = kin::Repo::discover(cwd)?;
    let gone = kin::experiments::remove(&repo, &args.names, args.all)?;
    writeln!(printer.status(), "removed {} experiment(s)", gone.len())?;
    Ok(())
}
