//! The workspace as a repro sees it: hashes of deps and outs through the stat index, remembered
//! for the rest of the run so a path shared by two stages is hashed once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kin_cache::odb::ObjectDb;
use kin_cache::state::StateIndex;
use kin_format::md5::ObjectId;
use kin_pipeline::paths_overlap;

use crate::data::workspace_hash::{HashedPath, hash_workspace_path};
use crate::data::{DataError, NoProgress};

/// Hashing access to the workspace for one repro.
pub(crate) struct Workspace {
    root: PathBuf,
    state: StateIndex,
    cache: Arc<ObjectDb>,
    known: HashMap<String, Option<HashedPath>>,
    /// The repository lock's generation `known` was learnt under (see `RepoLock::generation`).
    generation: u64,
}

impl Workspace {
    pub fn new(root: &Path, state: StateIndex, cache: ObjectDb) -> Self {
        Workspace {
            root: root.to_path_buf(),
            state,
            cache: Arc::new(cache),
            known: HashMap::new(),
            generation: 0,
        }
    }

    /// Forgets every remembered version once the repository lock was let go and taken back
    /// (`generation` changed): another process may have changed anything meanwhile.
    pub fn sync_generation(&mut self, generation: u64) {
        if self.generation != generation {
            self.known.clear();
            self.generation = generation;
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn cache(&self) -> Arc<ObjectDb> {
        Arc::clone(&self.cache)
    }

    pub fn state_mut(&mut self) -> &mut StateIndex {
        &mut self.state
    }

    /// The current version of repo-relative `rel`, `None` when it does not exist.
    pub fn hash(&mut self, rel: &str) -> Result<Option<HashedPath>, DataError> {
        if let Some(known) = self.known.get(rel) {
            return Ok(known.clone());
        }
        let hashed = if std::fs::symlink_metadata(self.root.join(rel)).is_ok() {
            Some(hash_workspace_path(
                &self.root,
                rel,
                &mut self.state,
                None,
                &NoProgress,
            )?)
        } else {
            None
        };
        self.known.insert(rel.to_owned(), hashed.clone());
        Ok(hashed)
    }

    /// Records a version just computed elsewhere (e.g. while caching an output).
    pub fn remember(&mut self, rel: &str, hashed: Option<HashedPath>) {
        self.forget(rel);
        self.known.insert(rel.to_owned(), hashed);
    }

    /// Drops what is known about `rel` and every path inside or around it: a stage wrote there.
    pub fn forget(&mut self, rel: &str) {
        self.known.retain(|known, _| !paths_overlap(known, rel));
    }

    /// Whether the cache holds `id` whole (for a directory: its manifest and every file).
    pub fn in_cache(&self, id: &ObjectId) -> Result<bool, DataError> {
        Ok(self.state.holds_complete(&self.cache, id)?)
    }
}
