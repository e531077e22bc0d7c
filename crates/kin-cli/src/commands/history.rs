//! `kin history import`: past lineage from git history.

use std::path::Path;

use kin::lineage::import::{ImportOptions, import_history};

use crate::command_error::CommandError;
use crate::lineage_args::{HistoryArgs, HistoryCommand};

pub fn run(cwd: &Path, args: &HistoryArgs, quiet: bool) -> Result<(), CommandError> {
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
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    } else if !quiet {
        let walked = report.commits - report.already_imported;
        println!(
            "Imported {} run{} from {walked} commit{} ({} already imported).",
            report.runs,
            if report.runs == 1 { "" } else { "s" },
            if walked == 1 { "" } else { "s" },
            report.already_imported
        );
    }
    Ok(())
}
