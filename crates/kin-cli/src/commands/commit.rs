//! `kin commit`: record the workspace's current deps and outputs without running stages.

use std::path::{Path, PathBuf};

use clap::Args;
use kin::data::{AddOptions, NoProgress, OutStatus};
use kin::repro::NoEvents;

use crate::command_error::CommandError;

#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Stages, pipeline files or `.dvc` files (default: everything).
    pub targets: Vec<String>,
}

pub fn cmd_commit(cwd: &Path, args: &CommitArgs, quiet: bool) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let say = |text: String| {
        if !quiet {
            println!("{text}");
        }
    };
    let stage_targets: Vec<String> = args
        .targets
        .iter()
        .filter(|t| !t.ends_with(".dvc"))
        .cloned()
        .collect();
    if args.targets.is_empty() || !stage_targets.is_empty() {
        for stage in kin::repro::commit(&repo, cwd, &stage_targets, &NoEvents)? {
            say(format!("Committed stage '{stage}'"));
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
        for added in kin::data::add(&repo, &root, &changed, &AddOptions::default(), &NoProgress)? {
            say(format!("Committed '{}'", added.dvc_file));
        }
    }
    Ok(())
}
