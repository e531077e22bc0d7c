//! What a lineage query is about: `run:ID`, `path@HASHPREFIX`, a path (its current version)
//! or a stage address (its latest run).

use std::path::Path;

use kin_store::{ArtifactVersion, LineageStore, Run, RunFilter};

use super::error::LineageError;
use crate::Repo;
use crate::paths::repo_relative;
use crate::tracked::tracked_outs;

/// A resolved query target.
#[derive(Clone, Debug)]
pub enum Target {
    Version(ArtifactVersion),
    Run(Box<Run>),
}

/// Resolves `text` as the user typed it in `cwd`.
pub fn resolve(
    repo: &Repo,
    store: &dyn LineageStore,
    cwd: &Path,
    text: &str,
) -> Result<Target, LineageError> {
    if let Some(id) = text.strip_prefix("run:") {
        return Ok(Target::Run(Box::new(store.run_by_prefix(id)?)));
    }
    if let Some((path, prefix)) = text.rsplit_once('@')
        && !prefix.is_empty()
        && prefix.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let path = relative(repo, cwd, path);
        return version_by_prefix(store, &path, &prefix.to_ascii_lowercase()).map(Target::Version);
    }
    let path = relative(repo, cwd, text);
    if let Some(version) = current_version(repo, store, &path)? {
        return Ok(Target::Version(version));
    }
    let latest = store.runs(&RunFilter {
        stage: Some(text.to_owned()),
        limit: Some(1),
        ..RunFilter::default()
    })?;
    if let Some(run) = latest.into_iter().next() {
        return Ok(Target::Run(Box::new(run)));
    }
    Err(LineageError::UnknownTarget {
        target: text.to_owned(),
    })
}

/// The repository-relative form of a path typed in `cwd` (as typed if it can't be made so).
fn relative(repo: &Repo, cwd: &Path, text: &str) -> String {
    repo_relative(repo.root(), cwd, Path::new(text))
        .map_or_else(|_| text.trim_end_matches('/').to_owned(), String::from)
}

/// The version of `path` whose hash starts with `prefix`.
pub fn version_by_prefix(
    store: &dyn LineageStore,
    path: &str,
    prefix: &str,
) -> Result<ArtifactVersion, LineageError> {
    let versions = store.versions_of(path)?;
    if versions.is_empty() {
        return Err(LineageError::UnknownPath {
            path: path.to_owned(),
        });
    }
    let mut matching: Vec<ArtifactVersion> = versions
        .into_iter()
        .filter(|v| v.hash.as_str().starts_with(prefix))
        .collect();
    match matching.len() {
        1 => Ok(matching.remove(0)),
        0 => Err(LineageError::NoSuchVersion {
            path: path.to_owned(),
            prefix: prefix.to_owned(),
        }),
        count => Err(LineageError::AmbiguousVersion {
            path: path.to_owned(),
            prefix: prefix.to_owned(),
            count,
        }),
    }
}

/// The version of `path` the workspace records now (in `dvc.lock` or its `.dvc` file); for
/// paths no longer tracked, the latest recorded one. `None` if the store never saw the path.
pub fn current_version(
    repo: &Repo,
    store: &dyn LineageStore,
    path: &str,
) -> Result<Option<ArtifactVersion>, LineageError> {
    let project = repo.project()?;
    let tracked = tracked_outs(repo.root(), &project)
        .map_err(|e| LineageError::Tracked {
            reason: e.to_string(),
        })?
        .into_iter()
        .find(|t| t.path == path);
    if let Some(id) = tracked.and_then(|t| t.id) {
        let hash = id.to_string().parse()?;
        return match store.version(path, &hash)? {
            Some(version) => Ok(Some(version)),
            None => Err(LineageError::NotRecorded {
                path: path.to_owned(),
                hash: hash.to_string(),
            }),
        };
    }
    Ok(store.versions_of(path)?.pop())
}
