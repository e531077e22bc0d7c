//! What a lineage query is about: `run:ID`, `model:NAME@VERSION` or `model:NAME#STAGE` (a
//! registered model version), `path@HASHPREFIX`, a path (its current version) or a stage
//! address (its latest run).

use std::path::Path;

use kin_store::{ArtifactHash, ArtifactVersion, LineageStore, Run, RunFilter};

use super::error::LineageError;
use super::git_records::{Record, record_files, records_in};
use crate::Repo;
use crate::git::GitObjects;
use crate::paths::repo_relative;
use crate::paths::wdir_join;
use crate::registry::Registry;
use crate::registry::resolve::{
    ModelRef, ModelRefError, ResolvedVersion, declaration_at, resolve_version,
};
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
    if let Some(target) = node_id(store, text)? {
        return Ok(target);
    }
    if let Some(model) = text.strip_prefix("model:") {
        return model_version(repo, store, model).map(Target::Version);
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
    latest_run(store, text)
}

/// Resolves `text` with nothing but the store (a server given a store without its
/// repository): `run:ID`, `artifact:PATH@HASH`, `PATH@HASHPREFIX`, a path (its latest
/// recorded version) or a stage (its latest run).
pub fn resolve_recorded(store: &dyn LineageStore, text: &str) -> Result<Target, LineageError> {
    if let Some(target) = node_id(store, text)? {
        return Ok(target);
    }
    if let Some((path, prefix)) = text.rsplit_once('@')
        && !prefix.is_empty()
        && prefix.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return version_by_prefix(store, path, &prefix.to_ascii_lowercase()).map(Target::Version);
    }
    if let Some(version) = store.versions_of(text.trim_end_matches('/'))?.pop() {
        return Ok(Target::Version(version));
    }
    latest_run(store, text)
}

/// A node as the JSON answers name it: `run:ID` (or a unique prefix) or
/// `artifact:PATH@HASH`.
fn node_id(store: &dyn LineageStore, text: &str) -> Result<Option<Target>, LineageError> {
    if let Some(id) = text.strip_prefix("run:") {
        return Ok(Some(Target::Run(Box::new(store.run_by_prefix(id)?))));
    }
    if let Some(node) = text.strip_prefix("artifact:") {
        let Some((path, hash)) = node.rsplit_once('@') else {
            return Err(LineageError::UnknownTarget {
                target: text.to_owned(),
            });
        };
        return version_by_prefix(store, path, hash).map(|v| Some(Target::Version(v)));
    }
    Ok(None)
}

/// The latest run of stage `text`.
fn latest_run(store: &dyn LineageStore, text: &str) -> Result<Target, LineageError> {
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
    if let Some(version) = exact_version(store, path, prefix)? {
        return Ok(version);
    }
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

/// The one version of `path` a whole hash names, found through the index rather than by
/// listing every version of the path (a served graph asks this for every node it opens).
/// `None` when `prefix` is not a whole hash, or when it leaves the choice open: no such
/// version, or both a file and a directory version whose digests are `prefix`.
fn exact_version(
    store: &dyn LineageStore,
    path: &str,
    prefix: &str,
) -> Result<Option<ArtifactVersion>, LineageError> {
    let Ok(hash) = prefix.parse::<ArtifactHash>() else {
        return Ok(None);
    };
    let found = store.version(path, &hash)?;
    if hash.is_dir() || found.is_none() {
        return Ok(found);
    }
    let dir_twin: ArtifactHash = format!("{prefix}.dir").parse()?;
    match store.version(path, &dir_twin)? {
        Some(_) => Ok(None),
        None => Ok(found),
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

/// The version of a registered model (`NAME@VERSION`, `NAME#STAGE`, `NAME@latest`): its
/// artifact's path as declared at the version's commit, and the version recorded there.
pub(crate) fn model_version(
    repo: &Repo,
    store: &dyn LineageStore,
    text: &str,
) -> Result<ArtifactVersion, LineageError> {
    let model = ModelRef::parse(text)?;
    let registry = Registry::open(repo.root()).map_err(ModelRefError::from)?;
    let resolved = resolve_version(&registry, &model)?;
    registered_content(repo, store, &resolved)
}

/// A registered version's recorded content: its artifact's path as declared at the
/// version's commit, and the version `dvc.lock` or a `.dvc` file records for it there.
pub(crate) fn registered_content(
    repo: &Repo,
    store: &dyn LineageStore,
    version: &ResolvedVersion,
) -> Result<ArtifactVersion, LineageError> {
    let declared = declaration_at(repo.root(), &version.artifact, &version.commit)?;
    version_at_rev(repo, store, &declared.path, &version.commit)
}

/// The version of `path` that `dvc.lock` or a `.dvc` file records at the git revision `rev`.
pub(crate) fn version_at_rev(
    repo: &Repo,
    store: &dyn LineageStore,
    path: &str,
    rev: &str,
) -> Result<ArtifactVersion, LineageError> {
    let mut objects = GitObjects::open(repo.root())?;
    for file in record_files(repo.root(), rev)? {
        for record in records_in(&mut objects, rev, &file)? {
            let found = match record {
                Record::Stage { wdir, entry, .. } => entry
                    .outs
                    .iter()
                    .find(|o| wdir_join(&wdir, &o.path) == path)
                    .and_then(|o| o.id)
                    .map(|id| id.to_string()),
                Record::Data { versions, .. } => versions
                    .into_iter()
                    .find(|v| v.path == path)
                    .map(|v| v.hash.to_string()),
            };
            if let Some(hash) = found {
                let hash: kin_store::ArtifactHash = hash.parse()?;
                return store
                    .version(path, &hash)?
                    .ok_or_else(|| LineageError::NotRecorded {
                        path: path.to_owned(),
                        hash: hash.to_string(),
                    });
            }
        }
    }
    Err(LineageError::NotTrackedAt {
        path: path.to_owned(),
        rev: rev.to_owned(),
    })
}
