//! Lineage: recording runs into the store as they happen, importing them from git history,
//! and answering upstream, downstream and "what changed" questions.

pub(crate) mod capture;
mod context;
mod environment;
mod error;

use std::path::{Path, PathBuf};

pub use error::LineageError;
pub use kin_store;

use crate::Repo;

/// Where the lineage store lives in a repository.
pub fn store_path(root: &Path) -> PathBuf {
    root.join(".kin").join("lineage.db")
}

/// kin's own content-addressed objects (run logs), apart from DVC's cache.
pub fn objects_dir(root: &Path) -> PathBuf {
    root.join(".kin").join("objects")
}

/// Opens the repository's lineage store, creating it if needed.
pub fn open_store(repo: &Repo) -> Result<kin_store::SqliteStore, LineageError> {
    Ok(kin_store::SqliteStore::open(&store_path(repo.root()))?)
}
