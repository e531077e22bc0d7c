//! `kin commit`: record the workspace's current deps and outputs without running stages.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use kin::data::{AddOptions, NoProgress, OutStatus};

use crate::command_error::CommandError;
use crate::lineage_view::warnings::LineageWarnings;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Stages, pipeline files or `.dvc` files (default: everything).
    pub targets: Vec<String>,
}

pub fn cmd_commit(printer: Printer, cwd: &Path, args: &CommitArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    // Runs that could not be recorded are warned about as they happen.
    let warnings = LineageWarnings::new(printer);
    // Said once everything is committed: a reader that goes away early stops no work.
    let mut committed = Vec::new();
    let stage_targets: Vec<String> = args
        .targets
        .iter()
        .filter(|t| !t.ends_with(".dvc"))
        .cloned()
        .collect();
    if args.targets.is_empty() || !stage_targets.is_empty() {
        for stage in kin::repro::commit(&repo, cwd, &stage_targets, &warnings)? {
            committed.push(format!("Committed stage '{stage}'"));
        }
    }
    // Data tracked by .dvc files: re-add what changed, as `dvc commit` rewrites the .dvc file.
    let root = repo.root().to_path_buf();
    let wanted = |owner: &str| {
        args.targets.is_empty()
            || args.targets.iter().any(|t| {
                let absolute = std::path::absolute(cwd.join(t)).unwrap_or_default();
                absolute == root.join(owner)
            })
    };
    let changed: Vec<PathBuf> = kin::data::status(&repo)?
        .into_iter()
        .filter(|c| c.owner.ends_with(".dvc") && wanted(&c.owner))
        .filter(|c| matches!(c.status, OutStatus::Modified | OutStatus::New))
        .map(|c| root.join(c.path))
        .collect();
    if !changed.is_empty() {
        let options = AddOptions::default();
        for added in kin::data::add(&repo, &root, &changed, &options, &NoProgress, &warnings)? {
            committed.push(format!("Committed '{}'", added.dvc_file));
        }
    }
    warnings.finish()?;
    let mut out = printer.status();
    for line in &committed {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
