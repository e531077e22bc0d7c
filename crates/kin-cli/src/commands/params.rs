//! `kin params diff`: how params changed between two revisions, in DVC's table, Markdown or JSON.

use std::path::Path;

use clap::{Args, Subcommand};
use kin::metrics::table::DiffLayout;

use super::metrics_io::{compare, display_diff, print_diff};
use crate::command_error::CommandError;
use crate::paths::Paths;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct ParamsArgs {
    #[command(subcommand)]
    pub command: ParamsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ParamsCommand {
    /// Show how params changed between two revisions (default: HEAD and the workspace).
    Diff(ParamsDiffArgs),
}

#[derive(Debug, Args)]
pub struct ParamsDiffArgs {
    /// The old revision (a git branch, tag or commit, `workspace`, or a recorded run `run:ID`).
    #[arg(default_value = "HEAD")]
    pub a_rev: String,
    /// The new revision (default: the workspace; `run:ID` for a recorded run).
    #[arg(default_value = "workspace")]
    pub b_rev: String,
    /// Only these params files, whole, relative to the repository root as in DVC (even if no dvc.yaml names them).
    #[arg(long, num_args = 0.., value_name = "PATHS")]
    pub targets: Vec<String>,
    /// Show unchanged params as well.
    #[arg(long)]
    pub all: bool,
    /// Only params that stages depend on (not the rest of params.yaml or top-level `params:` files).
    #[arg(long)]
    pub deps: bool,
    /// Print DVC's JSON shape: `{"<path>": {"<param>": {"old": .., "new": ..}}}`.
    #[arg(long)]
    pub json: bool,
    /// Print a GitHub Markdown table.
    #[arg(long)]
    pub md: bool,
    /// Leave out the Path column.
    #[arg(long)]
    pub no_path: bool,
}

pub fn cmd_params(printer: Printer, cwd: &Path, args: &ParamsArgs) -> Result<(), CommandError> {
    match &args.command {
        ParamsCommand::Diff(args) => cmd_params_diff(printer, cwd, args),
    }
}

fn cmd_params_diff(
    printer: Printer,
    cwd: &Path,
    args: &ParamsDiffArgs,
) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let paths = Paths::new(&repo, cwd);
    // DVC reads `params diff --targets` relative to the repository root, not the current
    // directory (unlike `metrics`); kin does the same so scripts mean the same files.
    let targets: Vec<String> = args.targets.iter().map(|t| root_relative(t)).collect();
    let collect = |source: &kin::metrics::Source| {
        kin::metrics::collect_params(&repo, source, &targets, args.deps)
    };
    let revs = (args.a_rev.as_str(), args.b_rev.as_str());
    let diff = compare(
        printer,
        &repo,
        revs,
        kin::metrics::Recorded::Params,
        args.all,
        collect,
    )?;
    let layout = DiffLayout {
        title: "Param",
        a_rev: &args.a_rev,
        b_rev: &args.b_rev,
        no_path: args.no_path,
        show_change: false,
        precision: None,
        significant: false,
    };
    print_diff(
        printer,
        &display_diff(&paths, diff),
        &layout,
        args.json,
        args.md,
    )?;
    Ok(())
}

/// `./a//b.yaml` -> `a/b.yaml`.
fn root_relative(target: &str) -> String {
    kin_pipeline::context::normalize_display(Path::new(target))
        .to_string_lossy()
        .replace('\\', "/")
}
