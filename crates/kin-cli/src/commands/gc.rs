//! `kin gc`.

use std::io::Write;
use std::path::Path;

use clap::Args;
use serde_json::json;

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

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

pub fn cmd_gc(printer: Printer, cwd: &Path, args: &GcArgs) -> Result<(), CommandError> {
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
        printer.json(&document, JsonStyle::Pretty)?;
        return Ok(());
    }
    let mut out = printer.status();
    let verb = if args.dry { "would remove" } else { "removed" };
    for id in &report.removed {
        if args.dry {
            writeln!(out, "{id}")?;
        }
    }
    writeln!(
        out,
        "{verb} {} objects ({} bytes), kept {}",
        report.removed.len(),
        report.bytes,
        report.kept
    )?;
    Ok(())
}
