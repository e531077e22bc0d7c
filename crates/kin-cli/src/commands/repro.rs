//! `kin repro`: run the stale stages of the pipeline and record them in dvc.lock.

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use clap::Args;
use kin::repro::{
    Change, OutputStream, ReproError, ReproEvents, ReproOptions, Selection, StageOutcome,
};
use serde_json::{Value, json};

use crate::command_error::CommandError;
use crate::lineage_view::warnings::{Unrecorded, not_recorded};
use crate::printer::{JsonStyle, Printer, Stream, write_json};
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
    /// Tag the runs this repro records (repeatable); over `KIN_TAGS` and `.kin/config.toml`.
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = crate::lineage_view::tag_arg)]
    pub tags: Vec<(String, String)>,
}

pub fn cmd_repro(printer: Printer, cwd: &Path, args: &ReproArgs) -> Result<(), CommandError> {
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
        tags: args.tags.clone(),
    };
    let view = ReproView {
        printer,
        chatty: !printer.is_quiet() && !args.json,
        json: args.json,
        prefix: args.jobs > 1,
        stdout_failed: Mutex::new(None),
        stderr_failed: Mutex::new(None),
        unrecorded: Unrecorded::default(),
    };
    let report = kin::repro::repro(&repo, cwd, &options, &view)?;
    for warning in &report.warnings {
        view.emit(Target::Stderr, |err| writeln!(err, "warning: {warning}"));
    }
    if args.json {
        let stages: Vec<Value> = report
            .stages
            .iter()
            .map(|(stage, result)| outcome_json(stage, result))
            .collect();
        let document = json!({ "stages": stages, "tags": report.tags });
        view.emit(Target::Stdout, |out| {
            write_json(out, &document, JsonStyle::Pretty)
        });
    }
    let mut failed = Vec::new();
    let mut worked = false;
    for (stage, result) in report.stages {
        match result {
            Err(e) => {
                if !args.json {
                    printer.report_error(&CommandError::from(e));
                }
                failed.push(format!("'{stage}'"));
            }
            // Said when it happened (`stage_blocked`).
            Ok(StageOutcome::Blocked { .. }) | Ok(StageOutcome::UpToDate) => {}
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
    if let Some(error) = view.unrecorded.error() {
        return Err(error);
    }
    if !worked {
        view.say("Data and pipelines are up to date.");
    }
    match view.write_error() {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

/// Prints what a repro does, as DVC words it; command output passes through (prefixed with
/// the stage when stages run in parallel).
///
/// Events cannot return errors, so the first failed write to each stream is kept and that
/// stream is left alone from then on; the repro goes on (a reader that went away is no reason
/// to stop a stage half-way) and `cmd_repro` reports the error when it is over, after any
/// failed stage.
struct ReproView {
    printer: Printer,
    /// Print kin's own messages (not with `-q` or `--json`).
    chatty: bool,
    /// Command stdout goes to stderr, keeping stdout for the JSON report.
    json: bool,
    prefix: bool,
    stdout_failed: Mutex<Option<io::Error>>,
    stderr_failed: Mutex<Option<io::Error>>,
    unrecorded: Unrecorded,
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Stdout,
    Stderr,
}

impl ReproView {
    /// Runs `write` on the stream unless an earlier write to it failed. The stream's lock is
    /// held throughout, so lines from stages running in parallel never interleave.
    fn emit(&self, target: Target, write: impl FnOnce(&mut Stream) -> io::Result<()>) {
        let (failed, mut stream) = match target {
            Target::Stdout => (&self.stdout_failed, self.printer.stdout()),
            Target::Stderr => (&self.stderr_failed, self.printer.stderr()),
        };
        let Ok(mut failed) = failed.lock() else {
            return;
        };
        if failed.is_none()
            && let Err(error) = write(&mut stream)
        {
            *failed = Some(error);
        }
    }

    fn say(&self, text: &str) {
        if self.chatty {
            self.emit(Target::Stdout, |out| writeln!(out, "{text}"));
        }
    }

    /// The first write that failed, stdout's before stderr's.
    fn write_error(&self) -> Option<io::Error> {
        [&self.stdout_failed, &self.stderr_failed]
            .into_iter()
            .find_map(|failed| failed.lock().ok()?.take())
    }
}

impl ReproEvents for ReproView {
    fn waiting_for_lock(&self, holder: &Path) {
        self.emit(Target::Stderr, |err| {
            writeln!(
                err,
                "Waiting for `{}`: another kin or DVC process is working in this repository",
                holder.display()
            )
        });
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

    fn data_source_unchanged(&self, dvc_file: &str) {
        self.say(&format!("'{dvc_file}' didn't change, skipping"));
    }

    fn data_source_changed(&self, dvc_file: &str) {
        self.say(&format!("Verifying data sources in stage: '{dvc_file}'"));
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
        let target = match stream {
            OutputStream::Stdout if !self.json => Target::Stdout,
            _ => Target::Stderr,
        };
        self.emit(target, |out| {
            out.write_all(prefix.as_bytes())?;
            out.write_all(line)?;
            out.flush()
        });
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

    fn stage_blocked(&self, stage: &str, failed: &str) {
        self.say(&format!(
            "Stage '{stage}' skipped: it depends on failed stage '{failed}'"
        ));
    }
}

impl kin::lineage::LineageEvents for ReproView {
    fn lineage_failed(&self, stage: &str, error: &kin::lineage::LineageError) {
        // A warning even under --quiet: the run happened but its lineage is missing; the
        // repro fails once it is over.
        self.unrecorded.note(stage);
        self.emit(Target::Stderr, |err| {
            err.write_all(not_recorded(stage, error).as_bytes())
        });
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
