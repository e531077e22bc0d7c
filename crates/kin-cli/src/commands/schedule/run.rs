//! `kin schedule run NAME`: one firing now, with the schedule's policies.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use kin::lineage::kin_store::AttemptOutcome;
use kin::schedule::{Firing, run_firing};

use super::{kin_executable, schedule_named};
use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The schedule's name.
    pub name: String,
}

pub fn cmd_run(printer: Printer, cwd: &Path, args: &RunArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let schedule = schedule_named(&repo, &args.name)?;
    let mut store = kin::lineage::open_store(&repo)?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| CommandError::failure(format!("cannot handle signals: {e}")))?;
    }
    let kin = kin_executable()?;
    let runner = kin::schedule::runner();
    let firing = Firing {
        root: repo.root(),
        kin: &kin,
        fire_time: None,
        stop: &stop,
        runner: &runner,
    };
    let name = schedule.name.clone();
    let mut status = printer.status();
    let outcome = run_firing(&schedule, &firing, &mut store, &mut |line| {
        let _ = writeln!(status, "{name}: {line}");
    })
    .map_err(|e| CommandError::failure(e.to_string()))?;
    match outcome {
        AttemptOutcome::Succeeded | AttemptOutcome::SkippedUnchanged => Ok(()),
        other => Err(CommandError::failure(format!(
            "schedule `{name}` {}",
            match other {
                AttemptOutcome::TimedOut => "timed out",
                AttemptOutcome::Cancelled => "was cancelled",
                _ => "failed",
            }
        ))
        .with_hint(format!("`kin schedule history {name}` lists its attempts"))),
    }
}
