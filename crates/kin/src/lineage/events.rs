//! The one way a failure to record lineage is reported, by `kin repro`, `kin commit` and `kin add`.

use super::LineageError;

/// Told when a run could not be recorded in the lineage store (a read-only `.kin/`, a full
/// disk). Recording never fails the work: outputs, `dvc.lock` and `.dvc` files are in place
/// by then, so the command goes on and this is how the missing record reaches the user.
/// Called from worker threads when stages run in parallel.
pub trait LineageEvents: Sync {
    /// The run of `stage` (a stage address, or the `.dvc` file `kin add` wrote) was not
    /// recorded.
    fn lineage_failed(&self, _stage: &str, _error: &LineageError) {}
}
