//! `kin checkout`.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::command_error::CommandError;
use crate::progress::Bar;

#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// `.dvc` files, tracked paths or stage addresses (default: everything).
    pub targets: Vec<PathBuf>,
}

pub fn cmd_checkout(cwd: &Path, args: &CheckoutArgs, quiet: bool) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("checkout", quiet);
    let report = kin::data::checkout(&repo, cwd, &args.targets, &bar);
    bar.finish();
    let report = report?;
    if !quiet {
        for path in &report.restored {
            println!("restored {path}");
        }
    }
    if !report.missing.is_empty() {
        return Err(CommandError::failure(format!(
            "{} not in the cache: {}",
            if report.missing.len() == 1 {
                "this object is"
            } else {
                "these objects are"
            },
            report.missing.join(", ")
        ))
        .with_hint("fetch them from a remote, or re-create them with `kin repro`"));
    }
    Ok(())
}
