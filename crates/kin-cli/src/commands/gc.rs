//! `kin gc`.

use std::path::Path;

use clap::Args;
use serde_json::json;

use crate::command_error::CommandError;

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Keep what the workspace's .dvc files and dvc.lock reference.
    #[arg(short, long)]
    pub workspace: bool,
    /// Keep what any commit reachable from any ref references (implies --workspace).
    #[arg(short = 'A', long)]
    pub all_commits: bool,
    /// Only list what would be removed.
    #[arg(long)]
    pub dry: bool,
    /// Remove without asking (required unless --dry).
    #[arg(short, long)]
    pub force: bool,
    /// Print the result as JSON: `{"removed": [ids], "kept": n, "bytes": n, "dry_run": bool}`.
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_gc(cwd: &Path, args: &GcArgs, quiet: bool) -> Result<(), CommandError> {
    if !args.workspace && !args.all_commits {
        return Err(CommandError::usage("say which references keep objects alive")
            .with_hint("use `--workspace` (current .dvc files and dvc.lock) or `--all-commits` (every commit)"));
    }
    if !args.dry && !args.force {
        return Err(
            CommandError::usage("kin gc deletes cache objects permanently").with_hint(
                "run with `--dry` to see what would go, then with `--force` to remove it",
            ),
        );
    }
    let repo = kin::Repo::discover(cwd)?;
    let scope = kin::data::GcScope {
        workspace: args.workspace || args.all_commits,
        all_commits: args.all_commits,
    };
    let report = kin::data::gc(&repo, scope, args.dry)?;
    if args.json {
        let removed: Vec<String> = report.removed.iter().map(ToString::to_string).collect();
        let document = json!({ "removed": removed, "kept": report.kept, "bytes": report.bytes, "dry_run": args.dry });
        println!(
            "{}",
            serde_json::to_string_pretty(&document).expect("JSON values always serialize")
        );
        return Ok(());
    }
    if quiet {
        return Ok(());
    }
    let verb = if args.dry { "would remove" } else { "removed" };
    for id in &report.removed {
        if args.dry {
            println!("{id}");
        }
    }
    println!(
        "{verb} {} objects ({} bytes), kept {}",
        report.removed.len(),
        report.bytes,
        report.kept
    );
    Ok(())
}
