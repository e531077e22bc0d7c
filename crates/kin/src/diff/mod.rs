//! `kin diff`: what tracked data was added, deleted, modified or renamed between two git
//! revisions, or between a revision and the workspace, computed as DVC 3's `dvc diff` does
//! (its data-index diff): outputs compared by hash, directories file by file through their
//! manifests, a deletion and an addition of the same content paired as a rename, and — when
//! the workspace is compared — the old versions the cache lacks.

mod compare;
mod side;

use crate::Repo;
use crate::metrics::{MetricsError, Source};

/// What `kin diff` compares.
#[derive(Debug, Clone)]
pub struct DiffRequest {
    /// The old side: a git revision (DVC's default `HEAD`).
    pub a_rev: String,
    /// The new side; `None` for the workspace, which also reports what the cache lacks.
    pub b_rev: Option<String>,
    /// Only these repo-relative paths (outputs, directories holding outputs, or paths inside
    /// a tracked directory); every output when empty.
    pub targets: Vec<String>,
}

/// A path and the hash of its content (`….dir` for a directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffEntry {
    /// Repo-relative; a directory ends in `/`.
    pub path: String,
    pub hash: String,
}

/// A path whose content changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modified {
    pub path: String,
    pub old_hash: String,
    pub new_hash: String,
}

/// Content that moved from one path to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    pub old_path: String,
    pub new_path: String,
    pub hash: String,
}

/// The changes, each list sorted by path (a rename by its old path).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataDiff {
    pub added: Vec<DiffEntry>,
    pub deleted: Vec<DiffEntry>,
    pub modified: Vec<Modified>,
    pub renamed: Vec<Renamed>,
    /// Old versions the cache does not hold; `None` when two revisions are compared (DVC
    /// reports this only against the workspace).
    pub not_in_cache: Option<Vec<DiffEntry>>,
}

impl DataDiff {
    /// Whether nothing at all differs (DVC then prints `{}`).
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.deleted.is_empty()
            && self.modified.is_empty()
            && self.renamed.is_empty()
            && self.not_in_cache.as_ref().is_none_or(Vec::is_empty)
    }
}

/// Why a diff could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Revision(#[from] MetricsError),
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    #[error(transparent)]
    State(#[from] kin_cache::state::StateError),
    #[error("`{target}` is not tracked data in `{a_rev}` nor in `{b_rev}`")]
    UnknownTarget {
        target: String,
        a_rev: String,
        b_rev: String,
    },
}

/// Computes the diff `request` asks for.
pub fn diff(repo: &Repo, request: &DiffRequest) -> Result<DataDiff, DiffError> {
    if !crate::metrics::has_commits(repo) {
        return Ok(DataDiff::default());
    }
    let old_source = Source::Rev(request.a_rev.clone());
    // `workspace` named as the new side is the workspace too, as in DVC (which then does not
    // report what the cache lacks: only an omitted side does).
    let new_source = match request.b_rev.as_deref() {
        None | Some("workspace") => Source::Workspace,
        Some(rev) => Source::Rev(rev.to_owned()),
    };
    let old_commit = side::commit_of(repo, &request.a_rev)?;
    // The same commit twice: nothing to compare, as DVC answers.
    if let Source::Rev(b_rev) = &new_source
        && side::commit_of(repo, b_rev)? == old_commit
    {
        return Ok(DataDiff::default());
    }
    let old = side::Side::read(repo, &old_source)?;
    let new = side::Side::read(repo, &new_source)?;
    let roots = compare::roots(&old, &new, &request.targets).map_err(|target| {
        DiffError::UnknownTarget {
            target,
            a_rev: request.a_rev.clone(),
            b_rev: request
                .b_rev
                .clone()
                .unwrap_or_else(|| "workspace".to_owned()),
        }
    })?;
    let with_missing = request.b_rev.is_none();
    Ok(compare::compare(repo, &old, &new, &roots, with_missing))
}
