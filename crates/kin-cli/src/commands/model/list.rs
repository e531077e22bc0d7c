//! `kin model list`: the artifacts every `dvc.yaml` declares under `artifacts:`.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::registry::artifacts::declared_artifacts;
use serde_json::Value;

use super::print_table;
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_list(printer: Printer, cwd: &Path, args: &ListArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let project = repo.project()?;
    let artifacts =
        declared_artifacts(&project).map_err(|e| CommandError::failure(e.to_string()))?;
    for artifact in artifacts.iter().filter(|a| !a.valid_name) {
        writeln!(
            printer.stderr(),
            "warning: `{}` in {} is not a name GTO accepts: use letters, digits, `-`, `_` and `/`",
            artifact.name,
            artifact.dvcfile
        )?;
    }
    if args.json {
        let doc = Value::Array(artifacts.iter().map(|a| a.to_json()).collect());
        return Ok(printer.json(&doc, JsonStyle::Pretty)?);
    }
    let rows: Vec<Vec<String>> = artifacts
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                a.kind.clone().unwrap_or_else(|| "-".to_owned()),
                a.path.clone(),
                a.desc.clone().unwrap_or_default(),
            ]
        })
        .collect();
    print_table(
        printer,
        &["name", "type", "path", "desc"],
        &rows,
        "No artifacts are declared.",
    )
}
