//! Lineage: recording runs into the store as they happen, importing them from git history,
//! and answering upstream, downstream and "what changed" questions.

pub(crate) mod capture;
pub(crate) mod context;
mod environment;
mod error;
mod events;
mod git_records;
pub mod import;
pub mod json;
mod namespace;
mod project;
mod run_detail;
pub mod tags;
pub mod target;
pub mod why;

use std::path::{Path, PathBuf};

pub(crate) use context::actor;
pub use context::now;
pub use error::LineageError;
pub use events::LineageEvents;
pub use kin_store;
pub use namespace::openlineage_namespace;
pub use project::project_name;
pub use run_detail::RunDetail;
pub use target::Target;

use kin_store::{Direction, LineageStore, Start, Subgraph};

use crate::Repo;

/// Where the lineage store lives in a repository by default.
pub fn store_path(root: &Path) -> PathBuf {
    root.join(".kin").join("lineage.db")
}

/// Where this repository's lineage store lives: `KIN_STORE_URL`, else `[store] url` in
/// `.kin/config.toml`, else `.kin/lineage.db`. A relative path is the repository's.
pub fn store_location(root: &Path) -> Result<kin_store::StoreLocation, LineageError> {
    let config = crate::kin_config::load(root)?;
    // A malformed project name fails here, before anything is recorded under another name.
    project::configured(&config)?;
    let configured = match std::env::var(crate::env::KIN_STORE_URL) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => match config.get("store").and_then(|store| store.get("url")) {
            None => None,
            Some(toml::Value::String(url)) => Some(url.clone()),
            Some(other) => {
                return Err(LineageError::StoreSetting {
                    key: "url",
                    expected: "a string",
                    found: other.to_string(),
                });
            }
        },
    };
    Ok(match configured {
        Some(url) => kin_store::StoreLocation::parse(&url, root)?,
        None => kin_store::StoreLocation::Sqlite(store_path(root)),
    })
}

/// Whether the repository has a lineage store to read: a configured server always does, a
/// SQLite file once something was recorded.
pub fn store_exists(root: &Path) -> Result<bool, LineageError> {
    Ok(match store_location(root)? {
        kin_store::StoreLocation::Sqlite(path) => path.is_file(),
        kin_store::StoreLocation::Postgres(_) => true,
    })
}

/// kin's own content-addressed objects (run logs), apart from DVC's cache.
pub fn objects_dir(root: &Path) -> PathBuf {
    root.join(".kin").join("objects")
}

/// Opens the repository's lineage store, creating it if needed.
pub fn open_store(repo: &Repo) -> Result<kin_store::Store, LineageError> {
    Ok(kin_store::Store::open(&store_location(repo.root())?)?)
}

/// The answer to `kin lineage up|down`.
#[derive(Debug)]
pub struct LineageView {
    pub target: Target,
    pub graph: Subgraph,
}

/// Upstream or downstream of `target` (as typed in `cwd`), up to `depth` runs away.
pub fn lineage(
    repo: &Repo,
    cwd: &Path,
    target: &str,
    direction: Direction,
    depth: usize,
) -> Result<LineageView, LineageError> {
    let store = open_store(repo)?;
    lineage_in(repo, &store, cwd, target, direction, depth)
}

/// [`lineage`] against an open store.
pub fn lineage_in(
    repo: &Repo,
    store: &dyn LineageStore,
    cwd: &Path,
    target: &str,
    direction: Direction,
    depth: usize,
) -> Result<LineageView, LineageError> {
    let target = target::resolve(repo, store, cwd, target)?;
    lineage_of(store, target, direction, depth)
}

/// Upstream or downstream of a resolved target, up to `depth` runs away.
pub fn lineage_of(
    store: &dyn LineageStore,
    target: Target,
    direction: Direction,
    depth: usize,
) -> Result<LineageView, LineageError> {
    let start = match &target {
        Target::Version(version) => Start::Versions(vec![version.id]),
        Target::Run(run) => Start::Run(run.key),
    };
    let graph = kin_store::traverse(store, &start, direction, depth)?;
    Ok(LineageView { target, graph })
}
