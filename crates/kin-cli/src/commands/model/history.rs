//! `kin model history`: every registration, assignment and deprecation, newest first;
//! `--json` as `gto history --json` prints it.

use std::path::Path;

use clap::Args;
use kin::registry::Registry;
use kin::registry::gto_json::history_json;
use serde_json::Value;

use super::{cell, print_table};
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this artifact's events.
    pub name: Option<String>,
    /// Oldest first.
    #[arg(long)]
    pub ascending: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_history(printer: Printer, cwd: &Path, args: &HistoryArgs) -> Result<(), CommandError> {
    // As gto: a name that is no artifact's (even one it would not accept) has no events.
    let registry = Registry::open(cwd)?;
    let events = history_json(&registry.state, args.name.as_deref(), args.ascending);
    if args.json {
        return Ok(printer.json(&Value::Array(events), JsonStyle::Gto)?);
    }
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            let commit = cell(&e["commit"]);
            vec![
                cell(&e["timestamp"]),
                cell(&e["artifact"]),
                cell(&e["event"]),
                cell(&e["version"]),
                cell(&e["stage"]),
                commit.get(..7).unwrap_or(&commit).to_owned(),
                cell(&e["ref"]),
            ]
        })
        .collect();
    let headers = [
        "timestamp",
        "artifact",
        "event",
        "version",
        "stage",
        "commit",
        "ref",
    ];
    print_table(printer, &headers, &rows, "No registry events.")
}
