//! A `ReproEvents` that keeps every event, in order, for tests to assert the sequence.

use std::path::Path;
use std::sync::Mutex;

use kin::lineage::{LineageError, LineageEvents};
use kin::repro::{Change, OutputStream, ReproEvents};

/// One event, with what identifies it (stage addresses, commands, lock file names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Waiting,
    Skipped(String),
    /// The stage and its first reason (`None` when forced).
    Started(String, Option<String>),
    Frozen(String),
    Command(String, String),
    Output(String, String),
    Restored(String),
    /// The lock file's name and whether it was created.
    LockWritten(String, bool),
    /// The skipped stage and the failed one upstream.
    Blocked(String, String),
    NotRecorded(String),
}

/// Keeps every event it is sent.
#[derive(Default)]
pub struct Recording(Mutex<Vec<Event>>);

impl Recording {
    fn push(&self, event: Event) {
        self.0.lock().expect("not poisoned").push(event);
    }

    /// The events so far, and forgets them.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().expect("not poisoned"))
    }
}

/// A short name for why a stage started, enough to tell the reasons apart.
fn reason(change: &Change) -> String {
    match change {
        Change::NotRecorded => "not recorded".to_owned(),
        Change::Dep { path, kind, .. } => format!("dep {path} {}", kind.as_str()),
        Change::ExternalDep { url, kind, .. } => format!("dep {url} {}", kind.as_str()),
        Change::Param { key, kind, .. } => {
            format!("param {} {}", key.as_deref().unwrap_or("*"), kind.as_str())
        }
        other => format!("{other:?}"),
    }
}

impl ReproEvents for Recording {
    fn waiting_for_lock(&self, _holder: &Path) {
        self.push(Event::Waiting);
    }

    fn stage_skipped(&self, stage: &str) {
        self.push(Event::Skipped(stage.to_owned()));
    }

    fn stage_started(&self, stage: &str, changes: &[Change]) {
        self.push(Event::Started(
            stage.to_owned(),
            changes.first().map(reason),
        ));
    }

    fn frozen_verified(&self, stage: &str) {
        self.push(Event::Frozen(stage.to_owned()));
    }

    fn command_started(&self, stage: &str, command: &str) {
        self.push(Event::Command(stage.to_owned(), command.to_owned()));
    }

    fn output(&self, stage: &str, _stream: OutputStream, line: &[u8]) {
        let text = String::from_utf8_lossy(line).trim_end().to_owned();
        self.push(Event::Output(stage.to_owned(), text));
    }

    fn restored_from_run_cache(&self, stage: &str) {
        self.push(Event::Restored(stage.to_owned()));
    }

    fn lock_written(&self, path: &Path, created: bool) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        self.push(Event::LockWritten(name.unwrap_or_default(), created));
    }

    fn stage_blocked(&self, stage: &str, failed: &str) {
        self.push(Event::Blocked(stage.to_owned(), failed.to_owned()));
    }
}

impl LineageEvents for Recording {
    fn lineage_failed(&self, stage: &str, _error: &LineageError) {
        self.push(Event::NotRecorded(stage.to_owned()));
    }
}
