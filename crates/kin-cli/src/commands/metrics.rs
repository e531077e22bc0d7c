//! `kin metrics show` and `kin metrics diff`: DVC's tables, Markdown and JSON, byte for byte.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use kin::metrics::table::{DiffLayout, show_table};
use kin::metrics::{Recorded, Source};
use serde_json::{Map, Value, json};

use super::metrics_io::{compare, display_diff, print_diff, print_table, warn_unreadable};
use crate::command_error::CommandError;
use crate::paths::Paths;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(subcommand)]
    pub command: MetricsCommand,
}

#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// Print the metrics of the workspace: every `metrics:` output and top-level `metrics:` file.
    Show(MetricsShowArgs),
    /// Show how metrics changed between two revisions (default: HEAD and the workspace).
    Diff(MetricsDiffArgs),
}

#[derive(Debug, Args)]
pub struct MetricsShowArgs {
    /// Only these metrics files (directories: every file below them), even if no dvc.yaml names them.
    pub targets: Vec<PathBuf>,
    /// Print DVC's JSON shape: `{"": {"data": {"<path>": {"data": {...}}}}}` (`{"error": {"type", "msg"}}` for a file that cannot be read).
    #[arg(long)]
    pub json: bool,
    /// Print a GitHub Markdown table.
    #[arg(long)]
    pub md: bool,
    /// Round floats to N digits after the point (default 5).
    #[arg(long, value_name = "N")]
    pub precision: Option<u32>,
    /// Accepted for DVC compatibility: directory targets are always searched recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
}

#[derive(Debug, Args)]
pub struct MetricsDiffArgs {
    /// The old revision (a git branch, tag or commit, `workspace`, or a recorded run `run:ID`).
    #[arg(default_value = "HEAD")]
    pub a_rev: String,
    /// The new revision (default: the workspace; `run:ID` for a recorded run).
    #[arg(default_value = "workspace")]
    pub b_rev: String,
    /// Only these metrics files (directories: every file below them), even if no dvc.yaml names them.
    #[arg(long, num_args = 0.., value_name = "PATHS")]
    pub targets: Vec<PathBuf>,
    /// Accepted for DVC compatibility: directory targets are always searched recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Show unchanged metrics as well.
    #[arg(long)]
    pub all: bool,
    /// Print DVC's JSON shape: `{"<path>": {"<metric>": {"old": .., "new": .., "diff": ..}}}`.
    #[arg(long)]
    pub json: bool,
    /// Print a GitHub Markdown table.
    #[arg(long)]
    pub md: bool,
    /// Leave out the Path column.
    #[arg(long)]
    pub no_path: bool,
    /// Round floats to N digits after the point (default 5).
    #[arg(long, value_name = "N")]
    pub precision: Option<u32>,
}

/// DVC rounds metrics to this many digits after the point unless told otherwise.
const DEFAULT_PRECISION: u32 = 5;

pub fn cmd_metrics(printer: Printer, cwd: &Path, args: &MetricsArgs) -> Result<(), CommandError> {
    match &args.command {
        MetricsCommand::Show(args) => cmd_metrics_show(printer, cwd, args),
        MetricsCommand::Diff(args) => cmd_metrics_diff(printer, cwd, args),
    }
}

fn cmd_metrics_show(
    printer: Printer,
    cwd: &Path,
    args: &MetricsShowArgs,
) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let paths = Paths::new(&repo, cwd);
    let targets = paths.targets(&args.targets)?;
    let collection = kin::metrics::collect_metrics(&repo, &Source::Workspace, &targets)?;
    warn_unreadable(printer, &collection, "workspace")?;
    if args.json {
        let mut files = Map::new();
        for file in &collection.files {
            let entry = match &file.content {
                Ok(data) => json!({ "data": data }),
                Err(e) => json!({ "error": { "type": e.dvc_type(), "msg": e.dvc_message() } }),
            };
            files.insert(paths.display(&file.path), entry);
        }
        // DVC keys a result without revisions by the empty name.
        printer.json(&json!({ "": { "data": files } }), JsonStyle::Dvc)?;
        return Ok(());
    }
    let files: Vec<(String, Option<&Value>)> = collection
        .files
        .iter()
        .map(|f| (paths.display(&f.path), f.content.as_ref().ok()))
        .collect();
    let table = show_table(&files, Some(precision(args.precision)));
    print_table(printer, &table, args.md)?;
    Ok(())
}

fn cmd_metrics_diff(
    printer: Printer,
    cwd: &Path,
    args: &MetricsDiffArgs,
) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let paths = Paths::new(&repo, cwd);
    let targets = paths.targets(&args.targets)?;
    let collect = |source: &Source| kin::metrics::collect_metrics(&repo, source, &targets);
    let revs = (args.a_rev.as_str(), args.b_rev.as_str());
    let diff = compare(printer, &repo, revs, Recorded::Metrics, args.all, collect)?;
    let layout = DiffLayout {
        title: "Metric",
        a_rev: &args.a_rev,
        b_rev: &args.b_rev,
        no_path: args.no_path,
        show_change: true,
        precision: Some(precision(args.precision)),
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

/// DVC's `--precision`: 0 or nothing means the default.
fn precision(given: Option<u32>) -> u32 {
    given.filter(|p| *p != 0).unwrap_or(DEFAULT_PRECISION)
}
