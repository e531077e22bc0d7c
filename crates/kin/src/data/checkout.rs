//! `kin checkout`: make the workspace match the recorded versions, from the cache.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use kin_cache::hashing::{default_threads, hash_file_as, parallel_map};
use kin_cache::link::{LinkError, link_from_cache};
use kin_cache::odb::ObjectDb;
use kin_cache::state::StateIndex;
use kin_cache::walk::walk_files;
use kin_format::manifest::Manifest;
use kin_format::md5::ObjectId;

use super::workspace_hash::hash_workspace_path;
use super::{DataError, NoProgress, Progress, tracked_outs};
use crate::Repo;
use crate::paths::{DirsChecked, refuse_symlinked_dir_output};
use crate::tracked::select_outs;

/// What checkout did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckoutReport {
    /// Outputs whose workspace content was (re)created.
    pub restored: Vec<String>,
    /// Outputs already as recorded.
    pub unchanged: Vec<String>,
    /// Outputs (or files in them) whose objects are not in the cache.
    pub missing: Vec<String>,
}

/// How `checkout` treats the workspace.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckoutOptions {
    /// Replace or remove workspace files even when their content is in no cache.
    pub force: bool,
}

/// Checks out `targets` (`.dvc` files, tracked paths or stage addresses; all when empty).
/// Nothing is changed when a file that would be replaced or removed holds content found in
/// no cache, unless `options.force`: as DVC, kin does not lose unsaved work silently.
pub fn checkout(
    repo: &Repo,
    cwd: &Path,
    targets: &[PathBuf],
    options: CheckoutOptions,
    progress: &dyn Progress,
) -> Result<CheckoutReport, DataError> {
    let _lock = repo.lock()?;
    let root = repo.root();
    let project = repo.project()?;
    let caches = repo.caches();
    let link_types = &repo.settings().link_types;
    let mut state = StateIndex::open(&repo.state_path())?;
    let all = tracked_outs(root, &project)?;
    let selected = select_outs(root, cwd, &all, targets)?;
    let mut report = CheckoutReport::default();
    let mut to_restore = Vec::new();
    let mut unsaved = Vec::new();
    let mut dirs = DirsChecked::default();
    for out in selected {
        let Some(id) = out.id.filter(|_| out.cached) else {
            continue;
        };
        // DVC 2 entries are compared by their hash and restored from their own cache.
        let cache = caches.for_hash(out.hash_name);
        // Before anything changes: nothing is written through a symbolic link to a directory.
        dirs.refuse_symlinked_dirs(root, out.path.as_str())?;
        if !options.force {
            refuse_symlinked_dir_output(root, out.path.as_str())?;
        }
        let path = root.join(&out.path);
        let current = if std::fs::symlink_metadata(&path).is_ok() {
            hash_workspace_path(
                root,
                out.path.as_str(),
                out.hash_name,
                &mut state,
                None,
                &NoProgress,
            )
            .ok()
            .map(|h| h.id)
        } else {
            None
        };
        if current == Some(id) {
            report.unchanged.push(out.path.to_string());
            continue;
        }
        if !options.force {
            unsaved.extend(unsaved_files(
                cache,
                root,
                out.path.as_str(),
                &id,
                &mut state,
            )?);
        }
        to_restore.push((out, id));
    }
    if !unsaved.is_empty() {
        return Err(DataError::Unsaved { paths: unsaved });
    }
    for (out, id) in to_restore {
        let restored = restore_from_cache(
            caches.for_hash(out.hash_name),
            root,
            out.path.as_str(),
            &id,
            out.is_exec,
            link_types,
            &mut state,
            progress,
            &mut report.missing,
        )?;
        if restored {
            report.restored.push(out.path.to_string());
        }
    }
    Ok(report)
}

/// Workspace files under `rel` that restoring `id` would replace or remove although their
/// content is in no cache (as hashed by the names of `cache`, where `id` is).
fn unsaved_files(
    cache: &ObjectDb,
    root: &Path,
    rel: &str,
    id: &ObjectId,
    state: &mut StateIndex,
) -> Result<Vec<String>, DataError> {
    let path = root.join(rel);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return Ok(Vec::new());
    };
    let wanted: HashMap<String, kin_format::md5::Md5> = if id.is_dir {
        match std::fs::read_to_string(cache.object_path(id)) {
            Ok(text) => Manifest::from_json(&text)
                .map_err(|e| DataError::BadManifest {
                    id: id.to_string(),
                    reason: e.reason,
                })?
                .entries()
                .iter()
                .map(|e| (e.relpath.clone(), e.md5))
                .collect(),
            // Without its manifest the directory is not restored, so nothing is lost.
            Err(_) => return Ok(Vec::new()),
        }
    } else {
        HashMap::new()
    };
    let saved = |md5: kin_format::md5::Md5| cache.contains(&ObjectId::file(md5));
    if !meta.is_dir() {
        // A symbolic link is read through, as hashing reads it; a dangling one holds nothing.
        let Ok(target) = std::fs::metadata(&path) else {
            return Ok(Vec::new());
        };
        let stat = kin_cache::walk::FileStat::of(&target);
        let md5 = match state.get(cache.hash_name(), rel, &stat) {
            Ok(Some(md5)) => md5,
            _ => hash_file_as(&path, cache.hash_name())?.0,
        };
        let restorable = !id.is_dir && begins_object(&path, &cache.object_path(id));
        return Ok(if saved(md5) || restorable {
            Vec::new()
        } else {
            vec![rel.to_owned()]
        });
    }
    let known = state.load_under(cache.hash_name(), rel)?;
    let mut lost = Vec::new();
    for file in walk_files(&path, root, default_threads())? {
        let key = format!("{rel}/{}", file.relpath);
        let md5 = match known.get(&key).and_then(|e| e.md5_if_fresh(&file.stat)) {
            Some(md5) => md5,
            None => hash_file_as(&file.path_in(&path), cache.hash_name())?.0,
        };
        let wanted = wanted.get(&file.relpath);
        if wanted == Some(&md5) || saved(md5) {
            continue;
        }
        let restorable = wanted.is_some_and(|w| {
            begins_object(
                &file.path_in(&path),
                &cache.object_path(&ObjectId::file(*w)),
            )
        });
        if !restorable {
            lost.push(key);
        }
    }
    Ok(lost)
}

/// Whether the file at `path` holds the start of the cache object `object`: what a checkout
/// killed while copying leaves. Its content is in the cache, so replacing it loses nothing.
fn begins_object(path: &Path, object: &Path) -> bool {
    use std::io::Read;
    let (Ok(mut file), Ok(mut source)) = (std::fs::File::open(path), std::fs::File::open(object))
    else {
        return false;
    };
    let (Ok(file_meta), Ok(object_meta)) = (file.metadata(), source.metadata()) else {
        return false;
    };
    if file_meta.len() > object_meta.len() {
        return false;
    }
    let mut ours = vec![0u8; 64 << 10];
    let mut theirs = vec![0u8; 64 << 10];
    loop {
        let n = match file.read(&mut ours) {
            Ok(0) => return true,
            Ok(n) => n,
            Err(_) => return false,
        };
        if source.read_exact(&mut theirs[..n]).is_err() || ours[..n] != theirs[..n] {
            return false;
        }
    }
}

/// Recreates repo-relative `rel` as version `id` from `cache` (the one `id`'s hash name
/// keeps objects in), noting what the cache lacks in `missing`. Returns whether the path is
/// now complete.
#[allow(clippy::too_many_arguments)]
pub(crate) fn restore_from_cache(
    cache: &ObjectDb,
    root: &Path,
    rel: &str,
    id: &ObjectId,
    is_exec: bool,
    link_types: &[kin_cache::link::LinkType],
    state: &mut StateIndex,
    progress: &dyn Progress,
    missing: &mut Vec<String>,
) -> Result<bool, DataError> {
    if id.is_dir {
        return checkout_dir(cache, root, rel, id, link_types, state, progress, missing);
    }
    if !cache.contains(id) {
        missing.push(rel.to_owned());
        return Ok(false);
    }
    progress.add_total(1, 0);
    link_over_dir(&cache.object_path(id), &root.join(rel), link_types, is_exec)?;
    progress.advance(1, 0);
    Ok(true)
}

/// Links `object` at `target`. A directory in the way (where the data now wants a file) is
/// removed and the link tried again; nothing is stat'ed first in the common case.
fn link_over_dir(
    object: &Path,
    target: &Path,
    link_types: &[kin_cache::link::LinkType],
    is_exec: bool,
) -> Result<(), DataError> {
    match link_from_cache(object, target, link_types, is_exec) {
        Err(LinkError::DirectoryInTheWay { .. }) => {
            remove_dir_in_way(target)?;
            link_from_cache(object, target, link_types, is_exec)?;
        }
        other => {
            other?;
        }
    }
    Ok(())
}

fn remove_dir_in_way(path: &Path) -> Result<(), DataError> {
    if path.is_dir() && !path.is_symlink() {
        std::fs::remove_dir_all(path).map_err(|source| DataError::Remove {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

/// Restores a directory: links changed or missing files, removes files the manifest lacks.
#[allow(clippy::too_many_arguments)]
fn checkout_dir(
    cache: &ObjectDb,
    root: &Path,
    rel: &str,
    id: &ObjectId,
    link_types: &[kin_cache::link::LinkType],
    state: &mut StateIndex,
    progress: &dyn Progress,
    missing: &mut Vec<String>,
) -> Result<bool, DataError> {
    let manifest_path = cache.object_path(id);
    let Ok(text) = std::fs::read_to_string(&manifest_path) else {
        missing.push(rel.to_owned());
        return Ok(false);
    };
    let manifest = Manifest::from_json(&text).map_err(|e| DataError::BadManifest {
        id: id.to_string(),
        reason: e.reason,
    })?;
    let dir = root.join(rel);
    // Whatever is not a real directory is in the way, a symbolic link to one above all: it is
    // removed itself, never followed.
    let in_the_way = std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir());
    if in_the_way {
        std::fs::remove_file(&dir).map_err(|source| DataError::Remove {
            path: dir.clone(),
            source,
        })?;
    }
    let mut dirs = DirsChecked::default();
    for entry in manifest.entries() {
        dirs.refuse_symlinked_dirs(root, &format!("{rel}/{}", entry.relpath))?;
    }
    let present = if dir.is_dir() {
        walk_files(&dir, root, default_threads())?
    } else {
        Vec::new()
    };
    let entries = state.load_under(cache.hash_name(), rel)?;
    let wanted: HashSet<&str> = manifest
        .entries()
        .iter()
        .map(|e| e.relpath.as_str())
        .collect();
    for file in &present {
        if !wanted.contains(file.relpath.as_str()) {
            let path = file.path_in(&dir);
            std::fs::remove_file(&path).map_err(|source| DataError::Remove { path, source })?;
        }
    }
    progress.add_total(manifest.entries().len() as u64, 0);
    let present_by_path: HashMap<&str, &kin_cache::walk::WalkedFile> =
        present.iter().map(|f| (f.relpath.as_str(), f)).collect();
    let stale: Vec<&kin_format::manifest::ManifestEntry> = manifest
        .entries()
        .iter()
        .filter(|entry| {
            // A file the walk did not list is not there to keep (or hidden by .dvcignore,
            // and then replaced like any other).
            let up_to_date = present_by_path
                .get(entry.relpath.as_str())
                .is_some_and(|file| {
                    let recorded = entries
                        .get(&format!("{rel}/{}", file.relpath))
                        .and_then(|e| e.md5_if_fresh(&file.stat));
                    match recorded {
                        Some(md5) => md5 == entry.md5,
                        None => hash_file_as(&file.path_in(&dir), cache.hash_name())
                            .is_ok_and(|(md5, _)| md5 == entry.md5),
                    }
                });
            if up_to_date {
                progress.advance(1, 0);
            }
            !up_to_date
        })
        .collect();
    // Whether each object is in the cache is asked on the linking threads, not before them.
    let linked = parallel_map(&stale, link_threads(), |entry| {
        let object = cache.object_path(&ObjectId::file(entry.md5));
        if !object.is_file() {
            return Ok(false);
        }
        link_over_dir(&object, &dir.join(&entry.relpath), link_types, false)?;
        progress.advance(1, 0);
        Ok::<_, DataError>(true)
    })?;
    let before = missing.len();
    missing.extend(
        stale
            .iter()
            .zip(linked)
            .filter(|(_, linked)| !linked)
            .map(|(entry, _)| format!("{rel}/{}", entry.relpath)),
    );
    Ok(missing.len() == before)
}

/// Threads for creating workspace files: `KIN_LINK_THREADS`, else every core.
fn link_threads() -> usize {
    std::env::var(crate::env::KIN_LINK_THREADS)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(default_threads)
}
