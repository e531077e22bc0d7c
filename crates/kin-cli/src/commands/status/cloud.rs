//! `kin status -c`: the cache against a remote, in DVC's text and JSON layout.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};

use super::StatusArgs;
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

pub fn cloud_status(printer: Printer, cwd: &Path, args: &StatusArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let options = kin::remote::TransferOptions {
        targets: args.targets.clone(),
        remote: args.remote.clone(),
        jobs: args.jobs.map(usize::from),
    };
    let statuses = kin::remote::cloud_status(&repo, cwd, &options)?;
    if args.json {
        let mut all = Map::new();
        for status in &statuses {
            for (path, state) in &status.entries {
                all.insert(path.to_string(), Value::String(state.as_str().to_owned()));
            }
        }
        printer.json(&Value::Object(all), JsonStyle::Dvc)?;
        return Ok(());
    }
    let mut out = printer.stdout();
    for status in &statuses {
        if status.entries.is_empty() {
            writeln!(out, "Cache and remote '{}' are in sync.", status.remote)?;
            continue;
        }
        for (path, state) in &status.entries {
            writeln!(out, "\t{:<20}{path}", format!("{}:", state.as_str()))?;
        }
    }
    Ok(())
}
