//! The lineage model: artifact versions, runs, environments and the edges between them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::error::StoreError;
use crate::ids::{ArtifactHash, RunId};
use crate::timestamp::Timestamp;

/// A version's key in one store (not meaningful across stores).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct VersionId(pub i64);

/// A run's key in one store; [`RunId`] is the id users see.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct RunKey(pub i64);

/// One version of an artifact path: its content hash, size and file count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactVersion {
    pub id: VersionId,
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub hash: ArtifactHash,
    pub size: Option<u64>,
    pub nfiles: Option<u64>,
    /// When the store first saw this version.
    pub first_seen: Timestamp,
}

/// A version as a run reports it, before the store has given it an id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVersion {
    pub path: String,
    pub hash: ArtifactHash,
    pub size: Option<u64>,
    pub nfiles: Option<u64>,
}

/// How a run ended.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RunStatus {
    /// Its commands ran and exited 0.
    Succeeded,
    /// A command failed or was interrupted.
    Failed,
    /// Its outputs were restored from the cache of an earlier run with the same inputs.
    Restored,
    /// Its deps and outputs were recorded as found in the workspace, without running its
    /// command: a frozen stage `kin repro` verified, or `kin commit`. What `dvc.lock` now
    /// vouches for, not what a command was seen to produce.
    Committed,
    /// Read from a git commit's `dvc.lock` or `.dvc` files by `kin history import`.
    Imported,
}

impl RunStatus {
    pub const ALL: [RunStatus; 5] = [
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::Restored,
        RunStatus::Committed,
        RunStatus::Imported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Restored => "restored",
            RunStatus::Committed => "committed",
            RunStatus::Imported => "imported",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RunStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RunStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown run status `{text}` (expected succeeded, failed, restored, committed or imported)"
                )
            })
    }
}

/// The machine and software a run saw. Identified by the hash of its canonical JSON, so
/// every run that saw the same environment shares one record.
#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    pub hash: String,
    /// `{"os": .., "kernel": .., "cpu": .., "gpu": [..], "tools": {..}, "python": {..}}`.
    pub body: serde_json::Value,
}

/// Key-value context on a run (`project=pricing`, `regulatory=gdpr`), sorted by key.
pub type Tags = BTreeMap<String, String>;

/// A run to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRun {
    pub id: RunId,
    /// The stage address (`train`, `sub/dvc.yaml:train`, or a `.dvc` file for `kin add`).
    pub stage: String,
    /// The commands with templates expanded, one per line.
    pub cmd: String,
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
    pub user: Option<String>,
    pub host: Option<String>,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
    /// `{"params.yaml": {"lr": 0.1}}`: per params file, the stage's tracked keys.
    pub params: serde_json::Value,
    /// `{"metrics.json": {...}}`: per metrics output, its parsed content.
    pub metrics: serde_json::Value,
    pub environment: Option<Environment>,
    /// Content hash of the run's captured output, kept in kin's object store.
    pub log_object: Option<String>,
    /// A digest of what the run recorded (stage, cmd, deps, params, outs); importing history
    /// skips records whose fingerprint is already known.
    pub fingerprint: Option<String>,
    pub tags: Tags,
    /// The project (repository) the run belongs to, when a store holds several.
    pub project: Option<String>,
    pub used: Vec<NewVersion>,
    pub generated: Vec<NewVersion>,
}

impl NewRun {
    /// A run of `stage` starting at `started` with a fresh id and nothing else known yet.
    pub fn new(stage: String, cmd: String, status: RunStatus, started: Timestamp) -> Self {
        NewRun {
            id: RunId::new_v7(started),
            stage,
            cmd,
            status,
            exit_code: None,
            started,
            ended: None,
            user: None,
            host: None,
            git_commit: None,
            git_dirty: None,
            params: serde_json::Value::Object(Default::default()),
            metrics: serde_json::Value::Object(Default::default()),
            environment: None,
            log_object: None,
            fingerprint: None,
            tags: Tags::new(),
            project: None,
            used: Vec::new(),
            generated: Vec::new(),
        }
    }
}

/// A recorded run.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub key: RunKey,
    pub id: RunId,
    pub stage: String,
    pub cmd: String,
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
    pub user: Option<String>,
    pub host: Option<String>,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
    pub params: serde_json::Value,
    pub metrics: serde_json::Value,
    /// The hash of its environment record.
    pub environment: Option<String>,
    pub log_object: Option<String>,
    pub tags: Tags,
    pub project: Option<String>,
    /// See [`NewRun::fingerprint`].
    pub fingerprint: Option<String>,
}

/// Which runs `kin runs` lists.
#[derive(Clone, Debug, Default)]
pub struct RunFilter {
    pub stage: Option<String>,
    pub status: Option<RunStatus>,
    pub since: Option<Timestamp>,
    /// Runs holding every one of these tags.
    pub tags: Vec<(String, String)>,
    /// Runs of this project only.
    pub project: Option<String>,
    /// Only runs listed after this one, newest first: a page's last run continues the list
    /// where it stopped, whatever was recorded meanwhile.
    pub after: Option<RunCursor>,
    pub limit: Option<usize>,
}

/// Where a list of runs (newest first) stopped: the last run's start and store key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RunCursor {
    pub started: Timestamp,
    pub key: RunKey,
}

impl RunCursor {
    /// The cursor after `run`.
    pub fn after(run: &Run) -> Self {
        RunCursor {
            started: run.started,
            key: run.key,
        }
    }
}

/// `STARTED.KEY`: opaque to callers, stable for a store.
impl fmt::Display for RunCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.started.millis(), self.key.0)
    }
}

impl FromStr for RunCursor {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || StoreError::BadCursor {
            text: text.to_owned(),
        };
        let (started, key) = text.split_once('.').ok_or_else(bad)?;
        Ok(RunCursor {
            started: Timestamp::from_millis(started.parse().map_err(|_| bad())?),
            key: RunKey(key.parse().map_err(|_| bad())?),
        })
    }
}

/// Which way a traversal goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
    /// Towards what produced the start: generating runs, their inputs, recursively.
    Up,
    /// Towards what the start reached: consuming runs, their outputs, recursively.
    Down,
}

/// Which content twins of a version ([`crate::LineageStore::content_twins`]) to find.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Twins {
    /// Twins some run generated: where content that entered a project from outside was made.
    Generated,
    /// Twins no run generated: where content made (or held) elsewhere entered a project.
    External,
}

impl Twins {
    /// The statement finding a version's (`$1`) twins, in SQL both backends read (`$1` is
    /// SQLite's first parameter too). It is written to be driven from the hash index and
    /// per-row index lookups, whatever a planner estimates: twins are few, tables are not.
    /// Projects compare with runs without one as one project, as in a store from before
    /// projects.
    pub(crate) fn select(self) -> String {
        let generated = match self {
            Twins::Generated => "EXISTS",
            Twins::External => "NOT EXISTS",
        };
        // The projects of the runs touching version `{v}`, without a project as ''.
        let projects = |v: &str| {
            format!(
                "SELECT coalesce(r.project, '') AS project FROM used u JOIN run r ON r.id = u.run_id
                 WHERE u.version_id = {v}
                 UNION SELECT coalesce(r.project, '') FROM generated g JOIN run r ON r.id = g.run_id
                 WHERE g.version_id = {v}"
            )
        };
        format!(
            "SELECT twin.id FROM artifact_version twin
             WHERE twin.hash = (
                     SELECT v.hash FROM artifact_version v
                     WHERE v.id = $1 AND v.hash NOT IN ('{EMPTY_FILE}', '{EMPTY_DIRECTORY}')
                       AND coalesce(v.size, 1) <> 0 AND coalesce(v.nfiles, 1) <> 0)
               AND twin.artifact_id <> (SELECT v.artifact_id FROM artifact_version v WHERE v.id = $1)
               AND {generated} (SELECT 1 FROM generated g WHERE g.version_id = twin.id)
               AND NOT EXISTS (
                   SELECT 1 FROM ({twin_projects}) AS theirs
                   WHERE theirs.project IN ({own_projects}))
             ORDER BY twin.id",
            twin_projects = projects("twin.id"),
            own_projects = projects("$1"),
        )
    }
}

/// The first and last project in the run index's order (NULL first): two index lookups,
/// equal when the store holds one project.
pub(crate) const PROJECT_BOUNDS: &str = "SELECT
    (SELECT coalesce(project, '') FROM run ORDER BY project LIMIT 1),
    (SELECT coalesce(project, '') FROM run ORDER BY project DESC LIMIT 1)";

/// DVC's hash of an empty file, and of an empty directory's manifest (`[]`).
const EMPTY_FILE: &str = "d41d8cd98f00b204e9800998ecf8427e";
const EMPTY_DIRECTORY: &str = "d751713988987e9331980363e24189ce.dir";

impl EdgeKind {
    /// The table holding edges of this kind.
    pub(crate) fn table(self) -> &'static str {
        match self {
            EdgeKind::Used => "used",
            EdgeKind::Generated => "generated",
        }
    }
}

/// How a run relates to a version.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum EdgeKind {
    Used,
    Generated,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Edge {
    pub run: RunKey,
    pub version: VersionId,
    pub kind: EdgeKind,
}

/// What a traversal reached: nodes with their distance (in runs) from the start, and the
/// edges it followed.
#[derive(Clone, Debug, Default)]
pub struct Subgraph {
    pub versions: Vec<(ArtifactVersion, usize)>,
    pub runs: Vec<(Run, usize)>,
    pub edges: Vec<Edge>,
    /// `(origin, twin)`: the same content under two paths in different projects, the origin
    /// being upstream (see [`crate::LineageStore::content_twins`]).
    pub same_content: Vec<(VersionId, VersionId)>,
}

/// A stage assignment made through kin, with its approval and the evidence it was checked on.
#[derive(Clone, Debug, PartialEq)]
pub struct Promotion {
    pub artifact: String,
    pub version: String,
    pub stage: String,
    /// The git tag that records the assignment.
    pub tag: String,
    pub git_commit: String,
    /// Who assigned it (the git identity that wrote the tag).
    pub author: String,
    pub approver: Option<String>,
    pub reason: Option<String>,
    /// Whether requirements the policy set were not met and `--force` overrode them.
    pub overridden: bool,
    /// The requirements checked and how each turned out.
    pub evidence: serde_json::Value,
    pub at: Timestamp,
}

/// A JSON column's text as both backends store it: an empty object and null as NULL.
pub(crate) fn json_column(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::Object(map) if map.is_empty() => None,
        other => Some(other.to_string()),
    }
}

/// A value a [`RunFilter`] compares a column with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FilterValue {
    Text(String),
    Integer(i64),
}

impl RunFilter {
    /// The SQL conditions on run `r` this filter sets, each value's placeholder written by
    /// `placeholder(n)` (n from 1), and the values in order: one query for both backends.
    pub(crate) fn conditions(
        &self,
        placeholder: impl Fn(usize) -> String,
    ) -> (Vec<String>, Vec<FilterValue>) {
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        if let Some(stage) = &self.stage {
            values.push(FilterValue::Text(stage.clone()));
            conditions.push(format!("r.stage = {}", placeholder(values.len())));
        }
        if let Some(status) = self.status {
            values.push(FilterValue::Text(status.as_str().to_owned()));
            conditions.push(format!("r.status = {}", placeholder(values.len())));
        }
        if let Some(since) = self.since {
            values.push(FilterValue::Integer(since.millis()));
            conditions.push(format!("r.started_at >= {}", placeholder(values.len())));
        }
        if let Some(project) = &self.project {
            values.push(FilterValue::Text(project.clone()));
            conditions.push(format!("r.project = {}", placeholder(values.len())));
        }
        if let Some(after) = self.after {
            values.push(FilterValue::Integer(after.started.millis()));
            values.push(FilterValue::Integer(after.key.0));
            let (started, key) = (placeholder(values.len() - 1), placeholder(values.len()));
            conditions.push(format!(
                "(r.started_at < {started} OR (r.started_at = {started} AND r.id < {key}))"
            ));
        }
        for (key, value) in &self.tags {
            values.push(FilterValue::Text(key.clone()));
            values.push(FilterValue::Text(value.clone()));
            let (k, v) = (placeholder(values.len() - 1), placeholder(values.len()));
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM run_tag t WHERE t.run_id = r.id AND t.key = {k} AND t.value = {v})"
            ));
        }
        (conditions, values)
    }

    /// The whole query for `columns` of the runs this filter selects, newest first.
    pub(crate) fn select(&self, columns: &str, conditions: &[String]) -> String {
        let mut sql = format!("SELECT {columns} FROM run r");
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY r.started_at DESC, r.id DESC");
        if let Some(limit) = self.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        sql
    }
}
