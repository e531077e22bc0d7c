//! How long-running data operations report progress; the CLI draws it, tests ignore it.

/// Receives counts of files and bytes as work is planned and done. Called from worker threads.
pub trait Progress: Sync {
    /// Work discovered: `files` more files totalling `bytes`.
    fn add_total(&self, files: u64, bytes: u64);
    /// Work finished.
    fn advance(&self, files: u64, bytes: u64);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn add_total(&self, _files: u64, _bytes: u64) {}
    fn advance(&self, _files: u64, _bytes: u64) {}
}
