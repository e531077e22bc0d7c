//! Runs that could not be recorded in the lineage store, worded once for `repro`, `commit` and
//! `add`.

use std::io::{self, Write};
use std::sync::Mutex;

use kin::lineage::{LineageError, LineageEvents};
use kin::repro::ReproEvents;

use crate::printer::Printer;

/// The warning for a run of `stage` (a stage, or a `.dvc` file) the store did not take.
pub fn not_recorded(stage: &str, error: &LineageError) -> String {
    format!("warning: the run of '{stage}' was not recorded in the lineage store: {error}\n")
}

/// Prints each warning on stderr as it comes (shown even with `-q`: the work happened, its
/// lineage is missing). Events cannot return errors, so the first failed write is kept for
/// [`LineageWarnings::finish`] and nothing more is written.
pub struct LineageWarnings {
    printer: Printer,
    failed: Mutex<Option<io::Error>>,
}

impl LineageWarnings {
    pub fn new(printer: Printer) -> Self {
        LineageWarnings {
            printer,
            failed: Mutex::new(None),
        }
    }

    /// The first write that failed, if one did.
    pub fn finish(self) -> io::Result<()> {
        match self.failed.into_inner() {
            Ok(Some(error)) => Err(error),
            _ => Ok(()),
        }
    }
}

impl LineageEvents for LineageWarnings {
    fn lineage_failed(&self, stage: &str, error: &LineageError) {
        let Ok(mut failed) = self.failed.lock() else {
            return;
        };
        if failed.is_none()
            && let Err(e) = self
                .printer
                .stderr()
                .write_all(not_recorded(stage, error).as_bytes())
        {
            *failed = Some(e);
        }
    }
}

/// `kin commit` reports nothing else while it records stages.
impl ReproEvents for LineageWarnings {}
