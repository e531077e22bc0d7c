//! `kin status` for data: which tracked outputs differ from what was recorded.

use kin_cache::state::StateIndex;

use super::workspace_hash::hash_workspace_path;
use super::{DataError, NoProgress, tracked_outs};
use crate::Repo;
use kin_format::repo_path::RepoPath;

/// How a tracked output differs from its recorded version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutStatus {
    /// Recorded but missing from the workspace.
    Deleted,
    /// Present with different content.
    Modified,
    /// Present but no version was recorded yet.
    New,
    /// The recorded version is not (or not wholly) in the cache, whatever the workspace holds.
    NotInCache,
}

impl OutStatus {
    /// DVC's word for it in `dvc status`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutStatus::Deleted => "deleted",
            OutStatus::Modified => "modified",
            OutStatus::New => "new",
            OutStatus::NotInCache => "not in cache",
        }
    }
}

/// One changed output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    pub owner: String,
    pub path: RepoPath,
    pub status: OutStatus,
}

/// Every output of a `.dvc` file that differs from its record, in file order, with DVC's
/// precedence: not in cache, deleted, modified, new. Unchanged files are recognised by the
/// stat index without being read. (Stage outputs are judged with their stage.) An output
/// DVC 2 recorded is compared by its md5-dos2unix and looked for in DVC 2's cache only.
pub fn status(repo: &Repo) -> Result<Vec<StatusEntry>, DataError> {
    let root = repo.root();
    let project = repo.project()?;
    let caches = repo.caches();
    let mut state = StateIndex::open(&repo.state_path())?;
    let mut changed = Vec::new();
    for out in tracked_outs(root, &project)? {
        if !out.owner.ends_with(".dvc") {
            continue;
        }
        let exists = std::fs::symlink_metadata(root.join(&out.path)).is_ok();
        let cache = caches.for_hash(out.hash_name);
        let missing = match out.id {
            Some(id) => !state.holds_complete(cache, &id)?,
            None => false,
        };
        let status = match (out.id, exists) {
            _ if missing => Some(OutStatus::NotInCache),
            (_, false) if out.id.is_none() => continue,
            (_, false) => Some(OutStatus::Deleted),
            (None, true) => Some(OutStatus::New),
            (Some(recorded), true) => {
                let current = hash_workspace_path(
                    root,
                    out.path.as_str(),
                    out.hash_name,
                    &mut state,
                    None,
                    &NoProgress,
                )?;
                (current.id != recorded).then_some(OutStatus::Modified)
            }
        };
        if let Some(status) = status {
            changed.push(StatusEntry {
                owner: out.owner,
                path: out.path,
                status,
            });
        }
    }
    Ok(changed)
}
