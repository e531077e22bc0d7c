//! `kin queue`: the experiments `kin exp run --queue` left to run later — start them, see
//! them, remove them.

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::command_error::CommandError;
use crate::commands::exp::run::{describe, failures, report_outcome};
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct QueueArgs {
    #[command(subcommand)]
    pub command: QueueCommand,
}

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Run every queued experiment (in the foreground), N at a time.
    Start {
        #[arg(short = 'j', long, default_value_t = 1)]
        jobs: usize,
    },
    /// The queued, running and interrupted experiments.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Remove queued (or interrupted) experiments.
    Remove {
        names: Vec<String>,
        /// Every queued and interrupted experiment.
        #[arg(short = 'a', long)]
        all: bool,
    },
}

pub fn cmd_queue(printer: Printer, cwd: &Path, args: &QueueArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    match &args.command {
        QueueCommand::Start { jobs } => {
            let kin = super::schedule::kin_executable()?;
            let report = |outcome: &kin::experiments::Outcome| report_outcome(printer, outcome);
            let outcomes = kin::experiments::queue::start(&repo, kin, (*jobs).max(1), &report)?;
            if outcomes.is_empty() {
                writeln!(printer.status(), "no experiments are queued")?;
            }
            failures(&outcomes)
        }
        QueueCommand::Status { json } => {
            let queued = kin::experiments::queue::list(&repo)?;
            if *json {
                let rows: Vec<_> = queued
                    .iter()
                    .map(|q| {
                        json!({
                            "name": q.name,
                            "status": q.state.as_str(),
                            "baseline": q.baseline,
                            "queued_at": q.queued_at,
                            "params": q.assignment.iter().map(|(f, k, v)| json!({"file": f, "key": k, "value": v})).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                printer.json(&json!(rows), JsonStyle::Pretty)?;
                return Ok(());
            }
            for q in &queued {
                writeln!(
                    printer.stdout(),
                    "{:<12} {}{}",
                    q.state.as_str(),
                    q.name,
                    describe(&q.assignment)
                )?;
            }
            Ok(())
        }
        QueueCommand::Remove { names, all } => {
            if names.is_empty() && !all {
                return Err(CommandError::usage(
                    "name the queued experiments to remove, or give --all",
                ));
            }
            let removed = kin::experiments::queue::remove(&repo, names, *all)?;
            writeln!(
                printer.status(),
                "removed {} queued experiment(s)",
                removed.len()
            )?;
            Ok(())
        }
    }
}
