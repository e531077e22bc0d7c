//! A stage's run in the lineage store: what its processing leaves behind, and the one map
//! from its outcome to the run recorded (or not) once the stage is over.

use std::path::PathBuf;

use kin_format::lock_file::LockEntry;
use kin_pipeline::Stage;
use kin_store::RunStatus;

use super::outputs::inputs_entry;
use super::params::ParamValues;
use super::stage_run::Shared;
use super::{ReproError, StageOutcome};
use crate::lineage::LineageError;
use crate::lineage::capture::{Capture, StageExecution};

/// What processing a stage leaves for its run record: plain facts, noted as they happen,
/// so that the stage's own code makes no lineage calls.
#[derive(Default)]
pub(crate) struct Trace {
    /// The params the stage was judged with (a failed run records the inputs it saw).
    pub params: Vec<ParamValues>,
    /// Where its commands' output went, once they were started.
    pub log: Option<PathBuf>,
    /// Its commands all exited 0 (what came after may still have failed).
    pub commands_succeeded: bool,
    /// The dvc.lock entry recorded for it, and whether that differs from the one before.
    pub recorded: Option<(LockEntry, bool)>,
}

/// The status and exit code of the run a stage's outcome records; `None`: nothing to record.
///
/// A run is recorded whenever the stage's commands ran (whatever came of them), its outputs
/// were restored, or dvc.lock was given a new entry for it without running it. Stages that
/// were up to date, only judged (`--dry`), blocked by a failure upstream, or failed before
/// any command started leave no run.
pub(crate) fn run_status(
    result: &Result<StageOutcome, ReproError>,
    trace: &Trace,
) -> Option<(RunStatus, Option<i32>)> {
    match result {
        Ok(StageOutcome::Ran(_)) => Some((RunStatus::Succeeded, Some(0))),
        Ok(StageOutcome::Restored) => Some((RunStatus::Restored, None)),
        // Verified (frozen) or committed: a run only when dvc.lock now vouches for something
        // new, so verifying unchanged outputs again adds nothing to the graph.
        Ok(StageOutcome::Verified) => trace
            .recorded
            .as_ref()
            .filter(|(_, changed)| *changed)
            .map(|_| (RunStatus::Committed, None)),
        Ok(StageOutcome::UpToDate | StageOutcome::WouldRun(_) | StageOutcome::Blocked { .. }) => {
            None
        }
        Err(ReproError::CommandFailed { code, .. }) => Some((RunStatus::Failed, *code)),
        Err(ReproError::Interrupted { .. }) => Some((RunStatus::Failed, None)),
        // The commands succeeded but what they left could not be kept (an output not created).
        Err(_) if trace.commands_succeeded => Some((RunStatus::Failed, Some(0))),
        Err(_) => None,
    }
}

/// Finishes the capture of a stage from its outcome: the one place a stage's run is recorded.
/// A failure to record is told to the events, never returned: the stage's work is done.
pub(crate) fn finish(
    shared: &Shared<'_>,
    stage: &Stage,
    capture: Capture,
    result: &Result<StageOutcome, ReproError>,
    trace: Trace,
) {
    let Some((status, exit_code)) = run_status(result, &trace) else {
        return;
    };
    let entry = match trace.recorded {
        Some((entry, _)) if status != RunStatus::Failed => entry,
        // A failed run has no record in dvc.lock: its inputs are hashed as they are now.
        _ => match inputs_entry(stage, None, &trace.params, &mut shared.workspace()) {
            Ok(inputs) => inputs,
            Err(error) => {
                let error = LineageError::Inputs {
                    stage: stage.address(),
                    reason: error.to_string(),
                };
                shared.events.lineage_failed(&stage.address(), &error);
                return;
            }
        },
    };
    let execution = StageExecution {
        stage,
        status,
        exit_code,
        entry: &entry,
        log: trace.log.as_deref(),
    };
    shared
        .recorder
        .finish_stage(capture, &execution, shared.events);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(code: Option<i32>) -> Result<StageOutcome, ReproError> {
        Err(ReproError::CommandFailed {
            stage: "train".to_owned(),
            command: "false".to_owned(),
            code,
        })
    }

    #[test]
    fn each_outcome_maps_to_one_status() {
        let trace = Trace::default();
        let ran = Ok(StageOutcome::Ran(Vec::new()));
        assert_eq!(
            run_status(&ran, &trace),
            Some((RunStatus::Succeeded, Some(0)))
        );
        assert_eq!(
            run_status(&Ok(StageOutcome::Restored), &trace),
            Some((RunStatus::Restored, None))
        );
        assert_eq!(
            run_status(&failed(Some(3)), &trace),
            Some((RunStatus::Failed, Some(3)))
        );
        let interrupted = Err(ReproError::Interrupted {
            stage: "train".to_owned(),
            command: "sleep 9".to_owned(),
        });
        assert_eq!(
            run_status(&interrupted, &trace),
            Some((RunStatus::Failed, None))
        );
        for quiet in [
            StageOutcome::UpToDate,
            StageOutcome::WouldRun(Vec::new()),
            StageOutcome::Blocked { by: "a".to_owned() },
        ] {
            assert_eq!(run_status(&Ok(quiet), &trace), None);
        }
    }

    fn entry() -> LockEntry {
        LockEntry {
            cmd: kin_format::Command::Single("true".to_owned()),
            deps: Vec::new(),
            params: Vec::new(),
            outs: Vec::new(),
        }
    }

    #[test]
    fn a_verified_stage_is_a_committed_run_only_when_its_entry_changed() {
        let verified = Ok(StageOutcome::Verified);
        let mut trace = Trace::default();
        assert_eq!(run_status(&verified, &trace), None);
        trace.recorded = Some((entry(), false));
        assert_eq!(run_status(&verified, &trace), None);
        trace.recorded = Some((entry(), true));
        assert_eq!(
            run_status(&verified, &trace),
            Some((RunStatus::Committed, None))
        );
    }

    #[test]
    fn kin_failing_after_the_commands_succeeded_is_a_failed_run() {
        let missing = Err(ReproError::MissingOutputs {
            stage: "train".to_owned(),
            paths: vec!["model.pkl".to_owned()],
        });
        let mut trace = Trace::default();
        assert_eq!(run_status(&missing, &trace), None);
        trace.commands_succeeded = true;
        assert_eq!(
            run_status(&missing, &trace),
            Some((RunStatus::Failed, Some(0)))
        );
    }
}
