//! Why a remote could not be configured or a transfer did not complete.

use std::path::PathBuf;

/// A failure of `kin remote`, `push`, `fetch`, `pull` or `status -c`.
#[derive(Debug, thiserror::Error)]
pub enum RemoteOpError {
    #[error("no default remote is set")]
    NoDefaultRemote,
    #[error("remote `{name}` is not configured")]
    UnknownRemote { name: String, known: Vec<String> },
    #[error("remote `{name}` already exists")]
    RemoteExists { name: String },
    #[error("`{option}` is not an option of {kind} remotes")]
    UnknownOption { option: String, kind: &'static str },
    #[error("`{option}` is not set for remote `{name}`")]
    OptionNotSet { name: String, option: String },
    #[error("cannot update `{}`: {source}", path.display())]
    ConfigIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] crate::DvcConfigError),
    #[error(transparent)]
    Repo(#[from] crate::RepoError),
    #[error(transparent)]
    Storage(#[from] kin_remote::RemoteError),
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    #[error(transparent)]
    Tracked(#[from] crate::tracked::TrackedError),
    #[error("`{target}` is not tracked: no `.dvc` file or stage output has that path")]
    UnknownTarget { target: String },
    #[error("{failed} of {total} objects did not transfer to or from {remote}")]
    Incomplete {
        remote: String,
        failed: usize,
        total: usize,
        /// The first failures, each naming its object (path and hash) and why.
        failures: Vec<String>,
    },
    #[error("directory manifest {id} of `{path}` is missing from the cache and the remote")]
    MissingManifest { path: String, id: String },
    #[error("directory manifest {id} of `{path}` is unreadable: {reason}")]
    BadManifest {
        path: String,
        id: String,
        reason: String,
    },
    #[error(transparent)]
    Lineage(#[from] crate::lineage::LineageError),
    #[error("the lineage record `{key}` on the remote is not valid: {reason}")]
    BadRecord { key: String, reason: String },
}
