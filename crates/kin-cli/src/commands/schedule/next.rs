//! `kin schedule next NAME`: when a schedule fires next.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::schedule::json::fire_time_json;
use kin::schedule::parse_instant;
use serde_json::{Value, json};

use super::schedule_named;
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct NextArgs {
    /// The schedule's name.
    pub name: String,
    /// How many fire times.
    #[arg(short = 'n', long = "count", default_value_t = 5)]
    pub count: usize,
    /// Count from this instant (RFC 3339, like `2026-03-08T00:00:00Z`) instead of now.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_next(printer: Printer, cwd: &Path, args: &NextArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let schedule = schedule_named(&repo, &args.name)?;
    let from = match &args.from {
        Some(text) => parse_instant(text).map_err(|e| CommandError::usage(e.to_string()))?,
        None => jiff::Timestamp::now(),
    };
    let times = schedule.timing.next_after(from, args.count);
    if args.json {
        let doc = json!({
            "schedule": schedule.name,
            "from": from.to_string(),
            "times": times.iter().map(|t| fire_time_json(&schedule, *t)).collect::<Vec<Value>>(),
        });
        return Ok(printer.json(&doc, JsonStyle::Pretty)?);
    }
    if times.is_empty() {
        writeln!(
            printer.status(),
            "`{}` never fires after {from}.",
            schedule.name
        )?;
        return Ok(());
    }
    let mut out = printer.stdout();
    for time in &times {
        let shown = fire_time_json(&schedule, *time);
        let local = shown["local"].as_str().unwrap_or_default();
        writeln!(out, "{time}  {local}")?;
    }
    Ok(())
}
