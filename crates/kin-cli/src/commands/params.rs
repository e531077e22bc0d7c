//! `kin params diff`: how params changed between two revisions, in DVC's table, Markdown or JSON.

use std::path::Path;

use kin::metrics::table::DiffLayout;

use super::metrics::{Paths, compare, print_diff};
use crate::cli::{ParamsArgs, ParamsCommand, ParamsDiffArgs};
use crate::command_error::CommandError;

pub fn run(cwd: &Path, args: &ParamsArgs) -> Result<(), CommandError> {
    match &args.command {
        ParamsCommand::Diff(args) => diff(cwd, args),
    }
}

fn diff(cwd: &Path, args: &ParamsDiffArgs) -> Result<(), CommandError> {
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
    };
    print_diff(&paths.display_diff(diff), &layout, args.json, args.md);
    Ok(())
}

/// `./a//b.yaml` -> `a/b.yaml`.
fn root_relative(target: &str) -> String {
    kin_pipeline::context::normalize_display(Path::new(target))
        .to_string_lossy()
        .replace('\\', "/")
}
