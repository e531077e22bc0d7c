//! `kin schedule history NAME`: the attempts of a schedule, newest first.

use std::path::Path;

use clap::Args;
use kin::lineage::kin_store::LineageStore;
use kin::schedule::json::attempt_json;
use serde_json::Value;

use super::schedule_named;
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};
use crate::tabulate::print_table;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The schedule's name.
    pub name: String,
    /// At most this many attempts.
    #[arg(short = 'n', long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_history(printer: Printer, cwd: &Path, args: &HistoryArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let schedule = schedule_named(&repo, &args.name)?;
    let store = kin::lineage::open_store(&repo)?;
    let attempts = store.attempts(&schedule.name, args.limit)?;
    if args.json {
        let doc = Value::Array(attempts.iter().map(attempt_json).collect());
        return Ok(printer.json(&doc, JsonStyle::Pretty)?);
    }
    let rows: Vec<Vec<String>> = attempts
        .iter()
        .map(|a| {
            vec![
                a.started.to_string(),
                a.fire_time
                    .map_or_else(|| "(by hand)".to_owned(), |t| t.to_string()),
                a.number.to_string(),
                a.outcome.to_string(),
                a.detail.clone(),
            ]
        })
        .collect();
    print_table(
        printer,
        &["started", "firing", "attempt", "outcome", "detail"],
        &rows,
        &format!("`{}` has no recorded attempts.", schedule.name),
    )
}
