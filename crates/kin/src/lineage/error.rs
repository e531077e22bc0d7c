//! Errors of lineage capture and queries.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LineageError {
    #[error(transparent)]
    Store(#[from] kin_store::StoreError),
    #[error(transparent)]
    Config(#[from] crate::kin_config::KinConfigError),
    #[error(
        "`[openlineage] namespace` in .kin/config.toml must be a non-empty string, not {found}"
    )]
    NamespaceSetting { found: String },
    #[error("`[store] {key}` in .kin/config.toml must be {expected}, not {found}")]
    StoreSetting {
        key: &'static str,
        expected: &'static str,
        found: String,
    },
    #[error("cannot keep the log {path}: {source}")]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot store the log of stage `{stage}`: {source}")]
    LogObject {
        stage: String,
        source: kin_cache::odb::CacheError,
    },
    #[error("`{path}` has no recorded versions")]
    UnknownPath { path: String },
    #[error("no recorded version of `{path}` has a hash starting with `{prefix}`")]
    NoSuchVersion { path: String, prefix: String },
    #[error("`{path}@{prefix}` matches {count} versions; give more of the hash")]
    AmbiguousVersion {
        path: String,
        prefix: String,
        count: usize,
    },
    #[error("`{target}` is neither a recorded path nor a stage with recorded runs")]
    UnknownTarget { target: String },
    #[error("the current version of `{path}` ({hash}) was never recorded")]
    NotRecorded { path: String, hash: String },
    #[error("cannot read what the repository tracks: {reason}")]
    Tracked { reason: String },
    #[error("run {run} generated nothing to compare")]
    NothingGenerated { run: String },
    #[error("`{path}` has only one recorded version: nothing to compare it with")]
    NoPreviousVersion { path: String },
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    #[error("`{rev}` is not a revision of this repository")]
    NotARevision {
        rev: String,
        source: crate::git::GitError,
    },
    #[error("`{path}` is not tracked at `{rev}`")]
    NotTrackedAt { path: String, rev: String },
    #[error("cannot record the inputs of stage `{stage}`: {reason}")]
    Inputs { stage: String, reason: String },
    #[error(transparent)]
    Repo(#[from] crate::RepoError),
    #[error(transparent)]
    Model(#[from] crate::registry::resolve::ModelRefError),
    #[error("`{model}` is the artifact at `{path}`, not `{expected}`")]
    ModelElsewhere {
        model: String,
        path: String,
        expected: String,
    },
}
