//! `kin repro`: run the stale stages of the pipeline and record them in dvc.lock.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use kin::repro::{
    Change, OutputStream, ReproError, ReproEvents, ReproOptions, Selection, StageOutcome,
};
use serde_json::{Value, json};

use crate::command_error::CommandError;
use crate::stage_changes::{describe, to_json};

#[derive(Debug, Args)]
pub struct ReproArgs {
    /// Stages (`train`, `sub/dvc.yaml:train`), foreach groups or pipeline files (default: ./dvc.yaml).
    pub targets: Vec<String>,
    /// Run the stages even if nothing changed.
    #[arg(short, long)]
    pub force: bool,
    /// Run only the named stages, not what they depend on.
    #[arg(short, long)]
    pub single_item: bool,
    /// Run the named stages and everything that depends on them, not what they depend on.
    #[arg(long)]
    pub downstream: bool,
    /// Run the whole pipelines the named stages belong to.
    #[arg(short, long)]
    pub pipeline: bool,
    /// Run every pipeline in the repository.
    #[arg(short = 'P', long)]
    pub all_pipelines: bool,
    /// Treat directory targets as every pipeline file below them.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Show what would run, without running it.
    #[arg(long)]
    pub dry: bool,
    /// After a failure, go on with the stages that do not depend on it.
    #[arg(short, long)]
    pub keep_going: bool,
    /// Run up to N independent stages at once.
    #[arg(short, long, default_value_t = 1, value_name = "N")]
    pub jobs: usize,
    /// Do not restore outputs from the run-cache; run the command.
    #[arg(long)]
    pub no_run_cache: bool,
    /// Wait for another kin or DVC process to release the repository instead of failing.
    #[arg(long)]
    pub wait: bool,
    /// Print a JSON report of what happened to each stage (command output goes to stderr).
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_repro(cwd: &Path, args: &ReproArgs, quiet: bool) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let options = ReproOptions {
        selection: Selection {
            targets: args.targets.clone(),
            single_item: args.single_item,
            downstream: args.downstream,
            pipeline: args.pipeline,
            all_pipelines: args.all_pipelines,
            recursive: args.recursive,
        },
        force: args.force,
        dry: args.dry,
        keep_going: args.keep_going,
        jobs: args.jobs,
        run_cache: !args.no_run_cache,
        wait: args.wait,
        interrupted: interrupt_flag()?,
    };
    let printer = Printer {
        chatty: !quiet && !args.json,
        json: args.json,
        prefix: args.jobs > 1,
    };
    let report = kin::repro::repro(&repo, cwd, &options, &printer)?;
    if args.json {
        let stages: Vec<Value> = report
            .stages
            .iter()
            .map(|(stage, result)| outcome_json(stage, result))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "stages": stages }))
                .expect("JSON values always serialize")
        );
    }
    let mut failed = Vec::new();
    let mut worked = false;
    for (stage, result) in report.stages {
        match result {
            Err(e) => {
                if !args.json {
                    eprint!("{}", CommandError::from(e).render());
                }
                failed.push(format!("'{stage}'"));
            }
            Ok(StageOutcome::Blocked { by }) => {
                printer.say(&format!(
                    "Stage '{stage}' skipped: it depends on failed stage '{by}'"
                ));
            }
            Ok(StageOutcome::UpToDate) => {}
            Ok(_) => worked = true,
        }
    }
    if !failed.is_empty() {
        let which = if failed.len() > 1 {
            format!("stages: {}", failed.join(", "))
        } else {
            failed.join("")
        };
        return Err(
            CommandError::failure(format!("failed to reproduce {which}")).with_hint(
                "fix the error above and run `kin repro` again; finished stages are kept",
            ),
        );
    }
    if !worked {
        printer.say("Data and pipelines are up to date.");
    }
    Ok(())
}

/// Prints what a repro does, as DVC words it; command output passes through (prefixed with
/// the stage when stages run in parallel).
struct Printer {
    /// Print kin's own messages (not with `-q` or `--json`).
    chatty: bool,
    /// Command stdout goes to stderr, keeping stdout for the JSON report.
    json: bool,
    prefix: bool,
}

impl Printer {
    fn say(&self, text: &str) {
        if self.chatty {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
        }
    }
}

impl ReproEvents for Printer {
    fn waiting_for_lock(&self, holder: &Path) {
        eprintln!(
            "Waiting for `{}`: another kin or DVC process is working in this repository",
            holder.display()
        );
    }

    fn stage_skipped(&self, stage: &str) {
        self.say(&format!("Stage '{stage}' didn't change, skipping"));
    }

    fn stage_started(&self, stage: &str, changes: &[Change]) {
        let mut text = format!("Running stage '{stage}':");
        // A stage never run has every other reason too; the first one says it all.
        let shown = if matches!(changes.first(), Some(Change::NotRecorded)) {
            &changes[..1]
        } else {
            changes
        };
        for change in shown.iter().take(5) {
            text.push_str(&format!("\n  why: {}", describe(change)));
        }
        if shown.len() > 5 {
            text.push_str(&format!("\n  why: … and {} more", shown.len() - 5));
        }
        self.say(&text);
    }

    fn frozen_verified(&self, stage: &str) {
        self.say(&format!("Verifying outputs in frozen stage: '{stage}'"));
    }

    fn command_started(&self, _stage: &str, command: &str) {
        self.say(&format!("> {command}"));
    }

    fn output(&self, stage: &str, stream: OutputStream, line: &[u8]) {
        let prefix = if self.prefix {
            format!("[{stage}] ")
        } else {
            String::new()
        };
        let write = |out: &mut dyn Write| {
            let _ = out.write_all(prefix.as_bytes());
            let _ = out.write_all(line);
            let _ = out.flush();
        };
        match stream {
            OutputStream::Stdout if !self.json => write(&mut std::io::stdout().lock()),
            _ => write(&mut std::io::stderr().lock()),
        }
    }

    fn restored_from_run_cache(&self, stage: &str) {
        self.say(&format!(
            "Stage '{stage}' is cached - skipping run, checking out outputs"
        ));
    }

    fn lock_written(&self, path: &Path, created: bool) {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let verb = if created { "Generating" } else { "Updating" };
        self.say(&format!("{verb} lock file '{name}'"));
    }

    fn lineage_failed(&self, stage: &str, error: &kin::lineage::LineageError) {
        // A warning even under --quiet: the run happened but its lineage is missing.
        eprintln!(
            "warning: the run of stage '{stage}' was not recorded in the lineage store: {error}"
        );
    }
}

/// Ctrl-C and SIGTERM set the flag; the repro stops its commands and records nothing half-done.
fn interrupt_flag() -> Result<Arc<AtomicBool>, CommandError> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&flag)).map_err(|e| {
            CommandError::failure(format!("cannot install the interrupt handler: {e}"))
        })?;
    }
    Ok(flag)
}

fn outcome_json(stage: &str, result: &Result<StageOutcome, ReproError>) -> Value {
    let reasons = |changes: &[Change]| changes.iter().map(to_json).collect::<Vec<_>>();
    match result {
        Ok(StageOutcome::UpToDate) => json!({"stage": stage, "status": "up-to-date"}),
        Ok(StageOutcome::WouldRun(c)) => {
            json!({"stage": stage, "status": "would-run", "reasons": reasons(c)})
        }
        Ok(StageOutcome::Ran(c)) => json!({"stage": stage, "status": "ran", "reasons": reasons(c)}),
        Ok(StageOutcome::Restored) => json!({"stage": stage, "status": "restored"}),
        Ok(StageOutcome::Verified) => json!({"stage": stage, "status": "verified"}),
        Ok(StageOutcome::Blocked { by }) => {
            json!({"stage": stage, "status": "skipped", "failed_upstream": by})
        }
        Err(e) => json!({"stage": stage, "status": "failed", "error": e.to_string()}),
    }
}
