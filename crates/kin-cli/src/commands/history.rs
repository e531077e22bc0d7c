//! `kin history import`: past lineage from git history.

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use kin::lineage::import::{ImportOptions, import_history};

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: HistoryCommand,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Record the runs that past commits' dvc.lock and .dvc files describe (incremental).
    Import(HistoryImportArgs),
}

#[derive(Debug, Args)]
pub struct HistoryImportArgs {
    /// A revision or range to walk (`main`, `v1.0..HEAD`); default HEAD.
    #[arg(conflicts_with = "all")]
    pub range: Option<String>,
    /// Walk every ref: branches, tags and experiment refs.
    #[arg(long)]
    pub all: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_history(printer: Printer, cwd: &Path, args: &HistoryArgs) -> Result<(), CommandError> {
    let HistoryCommand::Import(import) = &args.command;
    let repo = kin::Repo::discover(cwd)?;
    let mut store = kin::lineage::open_store(&repo)?;
    let options = ImportOptions {
        range: import.range.clone(),
        all: import.all,
    };
    let report = import_history(&repo, &mut store, &options)?;
    if import.json {
        let json = serde_json::json!({
            "commits": report.commits,
            "already_imported": report.already_imported,
            "runs": report.runs,
        });
        printer.json(&json, JsonStyle::Pretty)?;
    } else {
        let walked = report.commits - report.already_imported;
        writeln!(
            printer.status(),
            "Imported {} run{} from {walked} commit{} ({} already imported).",
            report.runs,
            if report.runs == 1 { "" } else { "s" },
            if walked == 1 { "" } else { "s" },
            report.already_imported
        )?;
    }
    Ok(())
}
