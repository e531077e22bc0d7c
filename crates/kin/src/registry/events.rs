//! Registry events as GTO models them: what a tag (or, for `commit`, a version's commit) says
//! happened to an artifact, with who did it and when.

use super::git_tags::GitTime;

/// What happened. The order is GTO's priority, which breaks ties between events of one second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    /// The commit a version points at (GTO's enrichment event).
    Commit,
    Deprecation,
    Registration,
    Deregistration,
    Assignment,
    Unassignment,
}

impl EventKind {
    /// GTO's `priority`.
    pub fn priority(self) -> u8 {
        match self {
            EventKind::Commit => 0,
            EventKind::Deprecation => 2,
            EventKind::Registration => 3,
            EventKind::Deregistration => 4,
            EventKind::Assignment => 5,
            EventKind::Unassignment => 6,
        }
    }

    /// Whether the event adds (a commit, registration, assignment) rather than takes away.
    pub fn addition(self) -> bool {
        match self {
            EventKind::Commit | EventKind::Registration | EventKind::Assignment => true,
            EventKind::Deprecation | EventKind::Deregistration | EventKind::Unassignment => false,
        }
    }

    /// The name `gto` prints (`event`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Commit => "commit",
            EventKind::Deprecation => "deprecation",
            EventKind::Registration => "registration",
            EventKind::Deregistration => "deregistration",
            EventKind::Assignment => "assignment",
            EventKind::Unassignment => "unassignment",
        }
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub artifact: String,
    pub created_at: GitTime,
    pub author: String,
    pub author_email: String,
    pub message: String,
    pub commit: String,
    /// The tag that records it; `None` for a commit event.
    pub tag: Option<String>,
    /// The version it concerns; `None` for a deprecation.
    pub version: Option<String>,
    /// The stage, for an assignment or unassignment.
    pub stage: Option<String>,
    /// The committer, for a commit event.
    pub committer: Option<(String, String)>,
    /// What GTO's `artifacts.yaml` says of the artifact at this commit, for a commit event.
    pub enrichments: Vec<serde_json::Value>,
}

impl Event {
    /// What GTO calls the event's `ref`: its tag, or its commit.
    pub fn reference(&self) -> &str {
        self.tag.as_deref().unwrap_or(&self.commit)
    }
}

/// `events` sorted by time, oldest first, ties kept in the given order; newest first is that
/// order reversed (Python's `sorted(...)[::-1]`, which GTO uses throughout).
pub fn by_time(mut events: Vec<&Event>, ascending: bool) -> Vec<&Event> {
    events.sort_by_key(|e| e.created_at.secs);
    if !ascending {
        events.reverse();
    }
    events
}

/// Appends `event` to a list kept sorted by time, after any of the same second.
pub fn insert_by_time(list: &mut Vec<Event>, event: Event) {
    list.push(event);
    list.sort_by_key(|e| e.created_at.secs);
}
