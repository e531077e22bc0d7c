//! What a repro reports while it works; the CLI turns these into terminal output.

use std::path::Path;

use super::changes::Change;
use crate::lineage::LineageEvents;

/// Which pipe a line of command output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// Receives progress from a repro. Called from worker threads when stages run in parallel.
/// A run that could not be recorded in lineage is reported through [`LineageEvents`], as
/// `kin add` and `kin commit` report theirs.
pub trait ReproEvents: LineageEvents + Sync {
    /// Another process holds the repository lock; kin waits for it.
    fn waiting_for_lock(&self, _holder: &Path) {}
    /// The stage is up to date.
    fn stage_skipped(&self, _stage: &str) {}
    /// The stage will run (or, with `--dry`, would run) because of `changes` (empty when forced).
    fn stage_started(&self, _stage: &str, _changes: &[Change]) {}
    /// A `.dvc` data source in the plan holds the data its file records.
    fn data_source_unchanged(&self, _dvc_file: &str) {}
    /// A `.dvc` data source's data changed: it is recorded again before the stages using it.
    fn data_source_changed(&self, _dvc_file: &str) {}
    /// A frozen stage is checked, not run.
    fn frozen_verified(&self, _stage: &str) {}
    /// One command of the stage starts.
    fn command_started(&self, _stage: &str, _command: &str) {}
    /// One line (with its newline, if any) of a command's output.
    fn output(&self, _stage: &str, _stream: OutputStream, _line: &[u8]) {}
    /// The outputs were restored from the run-cache instead of running the command.
    fn restored_from_run_cache(&self, _stage: &str) {}
    /// A lock file was created or updated.
    fn lock_written(&self, _path: &Path, _created: bool) {}
    /// With `--keep-going`, a stage is skipped because `failed`, upstream of it, failed.
    fn stage_blocked(&self, _stage: &str, _failed: &str) {}
}

/// Events that go nowhere.
pub struct NoEvents;

impl ReproEvents for NoEvents {}

impl LineageEvents for NoEvents {}
