//! `kin gc`: remove cache objects that nothing in scope references, from DVC 3's cache and
//! DVC 2's (whose objects only DVC 2 entries reference).

use std::collections::HashSet;

use kin_cache::odb::ObjectDb;
use kin_format::dvc_file::parse_dvc_file_text;
use kin_format::lock_file::LockFile;
use kin_format::manifest::Manifest;
use kin_format::md5::{HashName, ObjectId};

use super::{DataError, tracked_outs};
use crate::Repo;
use crate::git::{GitObjects, git_output};

/// Which references keep objects alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcScope {
    /// `.dvc` files and `dvc.lock` in the workspace.
    pub workspace: bool,
    /// `.dvc` files and `dvc.lock` files in every commit reachable from any ref.
    pub all_commits: bool,
}

/// What gc removed (or, on a dry run, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcReport {
    pub removed: Vec<ObjectId>,
    pub kept: usize,
    pub bytes: u64,
}

/// Removes unreferenced objects; with `dry_run` only reports them.
pub fn gc(repo: &Repo, scope: GcScope, dry_run: bool) -> Result<GcReport, DataError> {
    // Under the lock no repro or add is between caching an object and recording it.
    let _lock = repo.lock()?;
    let mut roots: HashSet<(HashName, ObjectId)> = HashSet::new();
    if scope.workspace {
        let project = repo.project()?;
        roots.extend(
            tracked_outs(repo.root(), &project)?
                .into_iter()
                .filter_map(|o| o.id.map(|id| (o.hash_name, id))),
        );
    }
    if scope.all_commits {
        roots.extend(ids_in_history(repo)?);
    }
    let mut report = GcReport::default();
    // An object is kept only for entries of its own hash name, as DVC's gc does per cache.
    for cache in repo.caches().all() {
        let name = cache.hash_name();
        let named: HashSet<ObjectId> = roots
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, id)| *id)
            .collect();
        let keep = expand_directories(cache, &named)?;
        for id in cache.list() {
            if keep.contains(&id) {
                report.kept += 1;
                continue;
            }
            let path = cache.object_path(&id);
            report.bytes += std::fs::metadata(&path).map_or(0, |m| m.len());
            if !dry_run {
                std::fs::remove_file(&path).map_err(|source| DataError::Remove { path, source })?;
            }
            report.removed.push(id);
        }
    }
    Ok(report)
}

/// Directory ids keep their manifest and every file the manifest lists.
fn expand_directories(
    cache: &ObjectDb,
    roots: &HashSet<ObjectId>,
) -> Result<HashSet<ObjectId>, DataError> {
    let mut keep = roots.clone();
    for id in roots.iter().filter(|id| id.is_dir) {
        let Ok(text) = std::fs::read_to_string(cache.object_path(id)) else {
            continue;
        };
        let manifest = Manifest::from_json(&text).map_err(|e| DataError::BadManifest {
            id: id.to_string(),
            reason: e.reason,
        })?;
        keep.extend(manifest.entries().iter().map(|e| ObjectId::file(e.md5)));
    }
    Ok(keep)
}

/// Every object id (with its hash name) named by a `.dvc` file or `dvc.lock` in any commit
/// reachable from any ref.
fn ids_in_history(repo: &Repo) -> Result<HashSet<(HashName, ObjectId)>, DataError> {
    let git = |args: &[&str]| -> Result<String, DataError> {
        Ok(String::from_utf8_lossy(&git_output(repo.root(), args)?).into_owned())
    };
    let commits = git(&["rev-list", "--all"])?;
    // Blob ids of every .dvc / dvc.lock across history, deduplicated: most commits share them.
    let mut blobs: HashSet<String> = HashSet::new();
    for commit in commits.lines().filter(|l| !l.is_empty()) {
        for line in git(&["ls-tree", "-r", commit])?.lines() {
            // `<mode> blob <oid>\t<path>`
            let Some((meta, path)) = line.split_once('\t') else {
                continue;
            };
            let name = path.rsplit('/').next().unwrap_or(path);
            if (name.ends_with(".dvc") || name == "dvc.lock")
                && let Some(oid) = meta.split_whitespace().nth(2)
            {
                blobs.insert(oid.to_owned());
            }
        }
    }
    let mut ids = HashSet::new();
    if blobs.is_empty() {
        return Ok(ids);
    }
    let blobs: Vec<String> = blobs.into_iter().collect();
    for text in GitObjects::open(repo.root())?
        .blobs(&blobs)?
        .into_iter()
        .flatten()
    {
        ids.extend(ids_in_text(&String::from_utf8_lossy(&text)));
    }
    Ok(ids)
}

/// Ids in a `.dvc` file or `dvc.lock` text, with their hash names. In text that reads as
/// neither, every `md5:` value that parses as an object id counts, under both names: an
/// object gc cannot place is kept.
fn ids_in_text(text: &str) -> Vec<(HashName, ObjectId)> {
    if let Ok(outs) = parse_dvc_file_text(text) {
        return outs
            .into_iter()
            .filter_map(|o| o.id.map(|id| (o.hash_name, id)))
            .collect();
    }
    if let Ok(lock) = LockFile::parse(text) {
        let entries: Result<Vec<_>, _> = lock
            .stage_names()
            .into_iter()
            .map(|name| lock.entry(name))
            .collect();
        if let Ok(entries) = entries {
            return entries
                .into_iter()
                .flatten()
                .flat_map(|entry| entry.deps.into_iter().chain(entry.outs))
                .filter_map(|p| p.id.map(|id| (p.hash_name, id)))
                .collect();
        }
    }
    text.lines()
        .filter_map(|line| line.trim().trim_start_matches("- ").strip_prefix("md5:"))
        .filter_map(|value| value.trim().parse().ok())
        .flat_map(|id| [(HashName::Md5, id), (HashName::Md5Dos2Unix, id)])
        .collect()
}
