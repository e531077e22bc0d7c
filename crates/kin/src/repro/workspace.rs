//! The workspace as a repro sees it: hashes of deps and outs through the stat index, remembered
//! for the rest of the run so a path shared by two stages is hashed once. A path a DVC 2
//! entry records is also hashed by md5-dos2unix and looked for in DVC 2's cache.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kin_cache::caches::Caches;
use kin_cache::state::StateIndex;
use kin_format::md5::{HashName, ObjectId};
use kin_pipeline::paths_overlap;

use crate::data::workspace_hash::{HashedPath, hash_workspace_path};
use crate::data::{DataError, NoProgress};

/// Hashing access to the workspace for one repro.
pub(crate) struct Workspace {
    root: PathBuf,
    state: StateIndex,
    caches: Arc<Caches>,
    known: HashMap<(String, HashName), Option<HashedPath>>,
    /// The repository lock's generation `known` was learnt under (see `RepoLock::generation`).
    generation: u64,
}

impl Workspace {
    pub fn new(root: &Path, state: StateIndex, caches: Caches) -> Self {
        Workspace {
            root: root.to_path_buf(),
            state,
            caches: Arc::new(caches),
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

    /// DVC 3's cache and DVC 2's, for objects named by either hash.
    pub fn caches(&self) -> Arc<Caches> {
        Arc::clone(&self.caches)
    }

    pub fn state_mut(&mut self) -> &mut StateIndex {
        &mut self.state
    }

    /// The current version of repo-relative `rel`, `None` when it does not exist.
    pub fn hash(&mut self, rel: &str) -> Result<Option<HashedPath>, DataError> {
        self.hash_as(rel, HashName::Md5)
    }

    /// The current version of `rel` by hash `name`, `None` when it does not exist.
    pub fn hash_as(&mut self, rel: &str, name: HashName) -> Result<Option<HashedPath>, DataError> {
        let key = (rel.to_owned(), name);
        if let Some(known) = self.known.get(&key) {
            return Ok(known.clone());
        }
        let hashed = if std::fs::symlink_metadata(self.root.join(rel)).is_ok() {
            Some(hash_workspace_path(
                &self.root,
                rel,
                name,
                &mut self.state,
                None,
                &NoProgress,
            )?)
        } else {
            None
        };
        self.known.insert(key, hashed.clone());
        Ok(hashed)
    }

    /// Records a version (hashed by `name`) just computed elsewhere (e.g. while caching an
    /// output).
    pub fn remember(&mut self, rel: &str, name: HashName, hashed: Option<HashedPath>) {
        self.forget(rel);
        self.known.insert((rel.to_owned(), name), hashed);
    }

    /// Drops what is known about `rel` and every path inside or around it: a stage wrote there.
    pub fn forget(&mut self, rel: &str) {
        self.known
            .retain(|(known, _), _| !paths_overlap(known, rel));
    }

    /// Whether the cache of hash `name` holds `id` whole (for a directory: its manifest and
    /// every file).
    pub fn in_cache_as(&self, id: &ObjectId, name: HashName) -> Result<bool, DataError> {
        Ok(self.state.holds_complete(self.caches.for_hash(name), id)?)
    }
}
