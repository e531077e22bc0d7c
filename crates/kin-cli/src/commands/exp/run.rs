//! `kin exp run`: one experiment, or a sweep of them in parallel.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::experiments::{Outcome, RunRequest, sweep};

use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Stages or dvc.yaml files to reproduce (default: all).
    pub targets: Vec<String>,
    /// Set a param, `[FILE:]KEY=VALUE`; a sweep `KEY=1,2,3`, `KEY=range(0, 1, 0.25)` or
    /// `KEY=choice(a, b)` makes one experiment per value (per combination with several).
    #[arg(short = 'S', long = "set-param", value_name = "[FILE:]KEY=VALUE")]
    pub set_param: Vec<String>,
    /// The experiment's name (default: a generated `adjective-noun`).
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// How many experiments run at once.
    #[arg(short = 'j', long, default_value_t = 1)]
    pub jobs: usize,
    /// Queue the experiments instead of running them; `kin queue start` runs them later.
    #[arg(long)]
    pub queue: bool,
}

pub fn cmd_run(printer: Printer, cwd: &Path, args: &RunArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let sets = args
        .set_param
        .iter()
        .map(|spec| sweep::parse_set(spec))
        .collect::<Result<Vec<_>, _>>()?;
    let request = RunRequest {
        targets: args.targets.clone(),
        sets,
        name: args.name.clone(),
        jobs: args.jobs.max(1),
        kin: super::super::schedule::kin_executable()?,
    };
    // Every name, file and key is checked before anything runs.
    let planned = kin::experiments::plan(&repo, &request)?;
    if args.queue {
        kin::experiments::queue::enqueue(&repo, &request, &planned)?;
        for one in &planned {
            writeln!(
                printer.status(),
                "Queued experiment `{}`{}",
                one.name,
                describe(&one.assignment)
            )?;
        }
        writeln!(printer.status(), "run them with `kin queue start [-j N]`")?;
        return Ok(());
    }
    if planned.len() > 1 {
        writeln!(
            printer.status(),
            "running {} experiments, {} at a time",
            planned.len(),
            request.jobs.min(planned.len())
        )?;
    }
    let report = |outcome: &Outcome| report_outcome(printer, outcome);
    let outcomes = kin::experiments::run(&repo, &request, planned, &report)?;
    failures(&outcomes)?;
    writeln!(
        printer.status(),
        "see them with `kin exp show`; `kin exp apply NAME` brings one into the workspace"
    )?;
    Ok(())
}

/// ` (train.lr=0.1, …)`: the params an experiment sets.
pub(crate) fn describe(assignment: &kin::experiments::Assignment) -> String {
    let values: Vec<String> = assignment
        .iter()
        .map(|(_, key, value)| format!("{key}={value}"))
        .collect();
    if values.is_empty() {
        String::new()
    } else {
        format!(" ({})", values.join(", "))
    }
}

/// Reports each outcome as it ends.
pub(crate) fn report_outcome(printer: Printer, outcome: &Outcome) {
    let shown = describe(&outcome.planned.assignment);
    let _ = match &outcome.result {
        Ok(_) => writeln!(
            printer.status(),
            "Ran experiment `{}`{shown}",
            outcome.planned.name
        ),
        Err(e) => writeln!(
            printer.stderr(),
            "error: experiment `{}`{shown}: {e}",
            outcome.planned.name
        ),
    };
}

/// Exit 1 when any experiment failed.
pub(crate) fn failures(outcomes: &[Outcome]) -> Result<(), CommandError> {
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    if failed > 0 {
        return Err(CommandError::failure(format!(
            "{failed} of {} experiments failed",
            outcomes.len()
        ))
        .with_hint("the errors above say where; the experiments that ran are kept"));
    }
    Ok(())
}
