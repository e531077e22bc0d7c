//! Runs that could not be recorded in the lineage store, worded once for `repro`, `commit` and
//! `add`.

use std::io::{self, Write};
use std::sync::Mutex;

use kin::lineage::{LineageError, LineageEvents};
use kin::repro::ReproEvents;

use crate::command_error::CommandError;
use crate::printer::Printer;

/// The warning for a run of `stage` (a stage, or a `.dvc` file) the store did not take.
pub fn not_recorded(stage: &str, error: &LineageError) -> String {
    format!("warning: the run of '{stage}' was not recorded in the lineage store: {error}\n")
}

/// The runs a command could not record, for the error it ends with: the work is done (its
/// outputs, `dvc.lock` and `.dvc` files are in place) but lineage must never go missing
/// quietly, so the command fails once it is over.
#[derive(Default)]
pub struct Unrecorded(Mutex<Vec<String>>);

impl Unrecorded {
    pub fn note(&self, stage: &str) {
        if let Ok(mut stages) = self.0.lock() {
            stages.push(format!("'{stage}'"));
        }
    }

    /// The command's closing error, if a run went unrecorded.
    pub fn error(&self) -> Option<CommandError> {
        let stages = self.0.lock().ok()?;
        let (count, which) = match stages.len() {
            0 => return None,
            1 => ("1 run".to_owned(), "its"),
            n => (format!("{n} runs"), "their"),
        };
        Some(
            CommandError::failure(format!(
                "{count} not recorded in the lineage store: {}",
                stages.join(", ")
            ))
            .with_hint(format!(
                "{which} outputs, dvc.lock and .dvc files are in place; once the store takes \
                 writes again (see the warnings above), commit them to git and run \
                 `kin history import` to record them from history"
            )),
        )
    }
}

/// Prints each warning on stderr as it comes (shown even with `-q`: the work happened, its
/// lineage is missing). Events cannot return errors, so the first failed write is kept for
/// [`LineageWarnings::finish`] and nothing more is written.
pub struct LineageWarnings {
    printer: Printer,
    failed: Mutex<Option<io::Error>>,
    unrecorded: Unrecorded,
}

impl LineageWarnings {
    pub fn new(printer: Printer) -> Self {
        LineageWarnings {
            printer,
            failed: Mutex::new(None),
            unrecorded: Unrecorded::default(),
        }
    }

    /// The first write that failed, if one did; else the runs not recorded, if any were.
    pub fn finish(self) -> Result<(), CommandError> {
        if let Ok(Some(error)) = self.failed.into_inner() {
            return Err(error.into());
        }
        match self.unrecorded.error() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl LineageEvents for LineageWarnings {
    fn lineage_failed(&self, stage: &str, error: &LineageError) {
        self.unrecorded.note(stage);
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
