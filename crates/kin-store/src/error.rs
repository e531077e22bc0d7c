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
    #[error("the lineage store {store} has schema version {found}; this kin knows up to {known}")]
    TooNew {
        /// The store's path or URL (without its password).
        store: String,
        found: i64,
        known: i64,
    },
    #[error(
        "cannot connect to the lineage store {url}: {}",
        postgres_reason(source)
    )]
    Connect {
        /// Without its password.
        url: String,
        source: postgres::Error,
    },
    #[error("lineage store query failed: {}", postgres_reason(.0))]
    Postgres(#[from] postgres::Error),
    #[error(
        "`{url}` is not a lineage store: give a file path, `sqlite:PATH` or `postgres://USER@HOST/DB`"
    )]
    UnsupportedUrl { url: String },
    #[error(
        "the target store has its own history (its audit entry {seq} is not the source's): copy into an empty store or an earlier copy of this one"
    )]
    CopyDiverged { seq: i64 },
    #[error("`{text}` is not a cursor of this store's run list")]
    BadCursor { text: String },
    #[error("copying into the store wrote no {what} row for {name}")]
    CopyIncomplete { what: &'static str, name: String },
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

/// What went wrong with PostgreSQL in words: the server's own message (`password
/// authentication failed for user "kin"`), or the client's with its cause (`error connecting
/// to server: Connection refused`), where `postgres::Error` alone says only `db error`.
fn postgres_reason(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return match db.hint() {
            Some(hint) => format!("{} ({hint})", db.message()),
            None => db.message().to_owned(),
        };
    }
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    text
}
