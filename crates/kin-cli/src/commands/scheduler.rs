//! `kin scheduler`: runs every schedule of `.kin/config.toml` when it is due, until stopped.
//! `--once --now TIME` looks at one instant and exits (how tests drive time).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use kin::schedule::parse_instant;
use kin_server::scheduler::{SchedulerOptions, run_once, run_until_stopped};

use super::schedule::{kin_executable, schedules};
use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Look at the schedules once, run what is due, wait for it and exit.
    #[arg(long)]
    pub once: bool,
    /// With `--once`: the instant to look at (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME", requires = "once")]
    pub now: Option<String>,
}

pub fn cmd_scheduler(
    printer: Printer,
    cwd: &Path,
    args: &SchedulerArgs,
) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let schedules = schedules(&repo)?;
    let now = match &args.now {
        Some(text) => Some(parse_instant(text).map_err(|e| CommandError::usage(e.to_string()))?),
        None => None,
    };
    if !args.once && schedules.is_empty() {
        return Err(CommandError::failure("there are no schedules to run")
            .with_hint("add a `[[schedule]]` table to .kin/config.toml (see docs/schedule.md)"));
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| CommandError::failure(format!("cannot handle signals: {e}")))?;
    }
    let options = SchedulerOptions {
        root: repo.root().to_path_buf(),
        schedules,
        kin: kin_executable()?,
        stop,
        report: status_lines(printer),
    };
    let result = if args.once {
        run_once(options, now.unwrap_or_else(jiff::Timestamp::now))
    } else {
        run_until_stopped(options)
    };
    result.map_err(|e| CommandError::failure(e.to_string()))
}

/// The scheduler's lines, on the status stream.
pub(crate) fn status_lines(printer: Printer) -> kin_server::scheduler::Report {
    Arc::new(move |line: &str| {
        let _ = writeln!(printer.status(), "{line}");
    })
}
