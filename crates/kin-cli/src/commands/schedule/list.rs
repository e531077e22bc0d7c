//! `kin schedule list`: every schedule with its timing, policies and next fire time.

use std::path::Path;

use clap::Args;
use kin::schedule::json::schedule_json;
use serde_json::Value;

use super::schedules;
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};
use crate::tabulate::print_table;

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_list(printer: Printer, cwd: &Path, args: &ListArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let schedules = schedules(&repo)?;
    let now = jiff::Timestamp::now();
    let next: Vec<Option<jiff::Timestamp>> = schedules
        .iter()
        .map(|s| s.timing.next_after(now, 1).into_iter().next())
        .collect();
    if args.json {
        let doc = Value::Array(
            schedules
                .iter()
                .zip(&next)
                .map(|(s, next)| schedule_json(s, *next))
                .collect(),
        );
        return Ok(printer.json(&doc, JsonStyle::Pretty)?);
    }
    let rows: Vec<Vec<String>> = schedules
        .iter()
        .zip(&next)
        .map(|(s, next)| {
            vec![
                s.name.clone(),
                s.timing.to_string(),
                if s.targets.is_empty() {
                    "(pipeline)".to_owned()
                } else {
                    s.targets.join(" ")
                },
                next.map_or_else(|| "never".to_owned(), |t| t.to_string()),
            ]
        })
        .collect();
    print_table(
        printer,
        &["name", "when", "targets", "next"],
        &rows,
        "No schedules: add a `[[schedule]]` table to .kin/config.toml (see docs/schedule.md).",
    )
}
