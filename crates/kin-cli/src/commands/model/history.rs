//! `kin model history`: every registration, assignment and deprecation, newest first;
//! `--json` as `gto history --json` prints it.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::registry::Registry;
use kin::registry::gto_json::history_json;
use serde_json::Value;

use super::artifact_name;
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};
use crate::tabulate;

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
    let name = args.name.as_deref().map(artifact_name).transpose()?;
    let registry = Registry::open(cwd)?;
    let events = history_json(
        &registry.state,
        name.as_ref().map(|n| n.as_str()),
        args.ascending,
    );
    if args.json {
        return Ok(printer.json(&Value::Array(events), JsonStyle::Gto)?);
    }
    if events.is_empty() {
        writeln!(printer.status(), "No registry events.")?;
        return Ok(());
    }
    let headers: Vec<String> = [
        "timestamp",
        "artifact",
        "event",
        "version",
        "stage",
        "commit",
        "ref",
    ]
    .map(str::to_owned)
    .to_vec();
    let cell = |v: &Value| match v {
        Value::String(s) => s.clone(),
        _ => "-".to_owned(),
    };
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
    writeln!(
        printer.stdout(),
        "{}",
        tabulate::render(&headers, &rows, false)
    )?;
    Ok(())
}
