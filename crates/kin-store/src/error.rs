//! Errors of the lineage store.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the lineage store {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the directory of the lineage store {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the lineage store {path} has schema version {found}; this kin knows up to {known}")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("lineage store query failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("no recorded run has an id starting with `{prefix}`")]
    NoSuchRun { prefix: String },
    #[error("`{prefix}` matches {count} runs; give more of the id")]
    AmbiguousRun { prefix: String, count: usize },
    #[error("`{text}` is not a run id (expected hex digits, optionally with dashes)")]
    BadRunId { text: String },
    #[error("`{text}` is not a content hash (32 hex digits, `.dir` for a directory)")]
    BadHash { text: String },
    #[error("the store holds a corrupt {what}: `{value}`")]
    Corrupt { what: &'static str, value: String },
    #[error("no artifact version with id {0}")]
    NoSuchVersion(i64),
}
