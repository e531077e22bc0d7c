//! Errors of the data operations (add, checkout, status).

use std::path::PathBuf;

use kin_cache::dvc_file::DvcFileError;
use kin_cache::gitignore::GitignoreError;
use kin_cache::hashing::HashError;
use kin_cache::link::LinkError;
use kin_cache::odb::CacheError;
use kin_cache::state::StateError;
use kin_cache::walk::WalkError;

use crate::repo::RepoError;

/// Why a data operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("`{}` does not exist", path.display())]
    NotFound { path: PathBuf },
    #[error("`{path}` is already an output of stage `{stage}`")]
    StageOutput { path: String, stage: String },
    #[error("`{path}` overlaps `{other}`, already tracked by `{dvc_file}`")]
    Overlap {
        path: String,
        other: String,
        dvc_file: String,
    },
    #[error(
        "checkout would replace or remove files whose content is in no cache:\n  {}",
        paths.join("\n  ")
    )]
    Unsaved { paths: Vec<String> },
    #[error("refusing to track `{path}`: {reason}")]
    UnsafePath {
        path: String,
        reason: kin_format::repo_path::PathRefusal,
    },
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Path(#[from] crate::paths::PathError),
    #[error(transparent)]
    Tracked(#[from] crate::tracked::TrackedError),
    #[error(transparent)]
    Tags(#[from] crate::lineage::tags::TagError),
    #[error(transparent)]
    Lock(#[from] crate::repo_lock::LockError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    External(#[from] crate::external::ExternalError),
    #[error("cannot import `{from}`: {reason}")]
    Import { from: String, reason: String },
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    DvcFile(#[from] DvcFileError),
    #[error(transparent)]
    Gitignore(#[from] GitignoreError),
    #[error(transparent)]
    LockFile(#[from] kin_cache::lock_file::LockFileError),
    #[error("corrupt directory object {id} in the cache: {reason}")]
    BadManifest { id: String, reason: String },
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    #[error("cannot remove `{}`: {source}", path.display())]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
}
