//! `kin exp diff`: the params and metrics of two experiments (or commits, or the workspace)
//! side by side, as `dvc exp diff` shows them.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::metrics::Recorded;
use kin::metrics::table::DiffLayout;
use serde_json::json;

use crate::command_error::CommandError;
use crate::commands::metrics_io::{compare, display_diff, print_diff};
use crate::paths::Paths;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old side: an experiment's name, a git revision (default HEAD).
    #[arg(default_value = "HEAD")]
    pub a_rev: String,
    /// The new side: an experiment's name, a git revision, or `workspace` (the default).
    #[arg(default_value = "workspace")]
    pub b_rev: String,
    /// Show unchanged params and metrics as well.
    #[arg(long)]
    pub all: bool,
    /// Print DVC's JSON: `{"metrics": {…}, "params": {…}}` in `metrics diff`'s shape.
    #[arg(long)]
    pub json: bool,
    /// Print GitHub Markdown tables.
    #[arg(long)]
    pub md: bool,
    /// Round metrics to N digits after the point (default 5).
    #[arg(long, value_name = "N")]
    pub precision: Option<u32>,
}

/// An experiment's name as its commit; anything else as given.
fn side(repo: &kin::Repo, name: &str) -> Result<String, CommandError> {
    if name == "workspace" {
        return Ok(name.to_owned());
    }
    match kin::experiments::list(repo, true)?
        .into_iter()
        .find(|e| e.name == name)
    {
        Some(exp) => Ok(exp.commit),
        None => Ok(name.to_owned()),
    }
}

pub fn cmd_diff(printer: Printer, cwd: &Path, args: &DiffArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let paths = Paths::new(&repo, cwd);
    let (a, b) = (side(&repo, &args.a_rev)?, side(&repo, &args.b_rev)?);
    let revs = (a.as_str(), b.as_str());
    let metrics = compare(
        printer,
        &repo,
        revs,
        Recorded::Metrics,
        args.all,
        |source| kin::metrics::collect_metrics(&repo, source, &[]),
    )?;
    let params = compare(printer, &repo, revs, Recorded::Params, args.all, |source| {
        kin::metrics::collect_params(&repo, source, &[], false)
    })?;
    let (metrics, params) = (display_diff(&paths, metrics), display_diff(&paths, params));
    if args.json {
        printer.json(
            &json!({"metrics": metrics.to_json(), "params": params.to_json()}),
            JsonStyle::Dvc,
        )?;
        return Ok(());
    }
    let layout = |title, show_change, precision| DiffLayout {
        title,
        a_rev: &args.a_rev,
        b_rev: &args.b_rev,
        no_path: false,
        show_change,
        precision,
        significant: true,
    };
    let precision = Some(args.precision.filter(|p| *p != 0).unwrap_or(5));
    // As DVC: both tables (params with their change too), a blank line between them.
    print_diff(
        printer,
        &metrics,
        &layout("Metric", true, precision),
        false,
        args.md,
    )?;
    writeln!(printer.stdout())?;
    print_diff(
        printer,
        &params,
        &layout("Param", true, None),
        false,
        args.md,
    )?;
    Ok(())
}
