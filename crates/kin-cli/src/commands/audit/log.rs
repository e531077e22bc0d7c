//! `kin audit log`: the entries, oldest first.

use std::io::Write;
use std::path::Path;

use clap::Args;
use serde_json::Value;

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only entries since: a date (`2026-11-01`, `2026-11-01T09:30`) or a span (`3d`, `12h`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only entries of this action: run, promotion, registry, import-marks, lineage-merge or
    /// genesis.
    #[arg(long)]
    pub action: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_log(printer: Printer, cwd: &Path, args: &LogArgs) -> Result<(), CommandError> {
    let since = args
        .since
        .as_deref()
        .map(crate::lineage_view::since_arg)
        .transpose()?;
    let repo = kin::Repo::discover(cwd)?;
    let store = kin::lineage::open_store(&repo)?;
    let entries = store
        .audit_entries(args.action.as_deref(), since)
        .map_err(|e| CommandError::failure(e.to_string()))?;
    if args.json {
        let doc: Vec<Value> = entries.iter().map(kin::audit::json::entry_json).collect();
        return Ok(printer.json(&Value::Array(doc), JsonStyle::Pretty)?);
    }
    let mut out = printer.stdout();
    for e in &entries {
        let who = e.actor.user.as_deref().unwrap_or("-");
        let hash = e.hash.get(..12).unwrap_or(&e.hash);
        writeln!(
            out,
            "{:>6}  {}  {:<12}  {}  by {who}  {hash}",
            e.seq, e.at, e.action, e.subject
        )?;
    }
    if entries.is_empty() {
        writeln!(printer.status(), "No audit entries.")?;
    }
    Ok(())
}
