//! A stage's outputs around its run: cleared (or made private copies) before, hashed into the
//! cache, linked and git-ignored after, and restored from the cache instead of a run. A dep or
//! out DVC 2 recorded keeps DVC 2's hash (and cache) while its content is unchanged.

use std::path::Path;

use kin_cache::gitignore::ignore_in_git;
use kin_cache::link::LinkType;
use kin_cache::walk::walk_files;
use kin_format::lock_file::{LockEntry, LockedPath};
use kin_format::md5::HashName;
use kin_pipeline::Stage;

use super::ReproError;
use super::params::{ParamValues, lock_params};
use super::workspace::Workspace;
use crate::data::add::relink;
use crate::data::checkout::restore_from_cache;
use crate::data::workspace_hash::{HashedPath, hash_workspace_path};
use crate::data::{DataError, NoProgress};
use crate::paths::{refuse_symlinked_dir_output, refuse_symlinked_dirs, wdir_join};

fn remove_error(stage: &Stage, path: &Path) -> impl FnOnce(std::io::Error) -> ReproError {
    let stage = stage.address();
    let path = path.to_path_buf();
    move |source| ReproError::PrepareOutput {
        stage,
        path,
        source,
    }
}

fn remove_path(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
    }
}

/// Replaces a file that shares its data with the cache (hard or symbolic link) by a private
/// copy, so a command appending to it cannot corrupt the cached object.
fn unprotect_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::symlink_metadata(path)?;
    let shared = meta.file_type().is_symlink() || (meta.is_file() && meta.nlink() > 1);
    if !shared {
        return Ok(());
    }
    let mut source = std::fs::File::open(path)?;
    // The copy keeps the mode (an executable stays one) but is the user's to write: cache
    // objects, which the link shared, are read-only.
    let mode = source.metadata()?.permissions().mode() | 0o200;
    kin_format::atomic_write::write_atomic_with(path, |copy| {
        std::io::copy(&mut source, copy)?;
        copy.set_permissions(std::fs::Permissions::from_mode(mode))
    })
}

/// Before a run: outputs are deleted, except `persist: true` ones, which become private copies.
pub(crate) fn prepare_outputs(stage: &Stage, workspace: &mut Workspace) -> Result<(), ReproError> {
    let root = workspace.root().to_path_buf();
    for out in &stage.outs {
        let rel = wdir_join(&stage.wdir, &out.path);
        refuse_symlinked_dirs(&root, &rel)?;
        let path = root.join(&rel);
        workspace.forget(&rel);
        if !out.persist {
            remove_path(&path).map_err(remove_error(stage, &path))?;
            continue;
        }
        refuse_symlinked_dir_output(&root, &rel)?;
        if path.is_dir() {
            let files = walk_files(&path, &root, 1).map_err(DataError::from)?;
            for file in files {
                let file = file.path_in(&path);
                unprotect_file(&file).map_err(remove_error(stage, &file))?;
            }
        } else if std::fs::symlink_metadata(&path).is_ok() {
            unprotect_file(&path).map_err(remove_error(stage, &path))?;
        }
    }
    Ok(())
}

fn locked(path: &str, hashed: &HashedPath, hash_name: HashName) -> LockedPath {
    LockedPath {
        path: path.to_owned(),
        id: Some(hashed.id),
        size: Some(hashed.size),
        nfiles: hashed.nfiles,
        is_exec: hashed.is_exec,
        hash_name,
        external: None,
    }
}

/// The hash to record for repo-relative `rel`, recorded as `recorded` until now: DVC 2's
/// md5-dos2unix while the content still has the recorded one, else DVC 3's md5. This is
/// DVC's `update_legacy_hash_name`: an unchanged DVC 2 entry is written back as it was.
fn hash_name_to_record(
    workspace: &mut Workspace,
    rel: &str,
    recorded: Option<&LockedPath>,
) -> Result<HashName, DataError> {
    let Some(id) = recorded
        .filter(|p| p.hash_name.is_legacy())
        .and_then(|p| p.id)
    else {
        return Ok(HashName::Md5);
    };
    let current = workspace.hash_as(rel, HashName::Md5Dos2Unix)?;
    Ok(if current.is_some_and(|h| h.id == id) {
        HashName::Md5Dos2Unix
    } else {
        HashName::Md5
    })
}

fn recorded_path<'a>(items: Option<&'a [LockedPath]>, path: &str) -> Option<&'a LockedPath> {
    items?.iter().find(|p| p.path == path)
}

/// The stage's inputs as a lock entry would record them (deps hashed, params read), with outs
/// listed by path only: what the run-cache is keyed by. `recorded` is the stage's entry until
/// now, whose DVC 2 deps stay so while unchanged.
pub(crate) fn inputs_entry(
    stage: &Stage,
    recorded: Option<&LockEntry>,
    params: &[ParamValues],
    workspace: &mut Workspace,
) -> Result<LockEntry, ReproError> {
    let mut deps = Vec::new();
    for dep in &stage.deps {
        if crate::external::is_url(&dep.path) {
            let state = crate::external::current_state(&dep.path)
                .map_err(crate::data::DataError::from)?
                .ok_or_else(|| ReproError::MissingDep {
                    stage: stage.address(),
                    path: dep.path.clone(),
                })?;
            deps.push(LockedPath {
                path: dep.path.clone(),
                id: None,
                size: state.size,
                nfiles: None,
                is_exec: false,
                hash_name: HashName::Md5,
                external: Some(state.version),
            });
            continue;
        }
        let rel = wdir_join(&stage.wdir, &dep.path);
        let was = recorded_path(recorded.map(|e| e.deps.as_slice()), &dep.path);
        let name = hash_name_to_record(workspace, &rel, was)?;
        let hashed = workspace
            .hash_as(&rel, name)?
            .ok_or_else(|| ReproError::MissingDep {
                stage: stage.address(),
                path: dep.path.clone(),
            })?;
        deps.push(locked(&dep.path, &hashed, name));
    }
    deps.sort_by(|a, b| a.path.cmp(&b.path));
    let mut outs: Vec<LockedPath> = stage
        .outs
        .iter()
        .map(|o| LockedPath {
            path: o.path.clone(),
            id: None,
            size: None,
            nfiles: None,
            is_exec: false,
            hash_name: HashName::Md5,
            external: None,
        })
        .collect();
    outs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(LockEntry {
        cmd: stage.cmd.clone(),
        deps,
        params: lock_params(params)?,
        outs,
    })
}

/// After a run: every output must exist; cached ones go into the cache, are linked as
/// `cache.type` says and git-ignored. Returns the stage's complete lock entry. An output
/// `recorded` by DVC 2 whose content is unchanged keeps that hash and goes to DVC 2's cache.
pub(crate) fn commit_outputs(
    stage: &Stage,
    recorded: Option<&LockEntry>,
    inputs: LockEntry,
    workspace: &mut Workspace,
    link_types: &[LinkType],
) -> Result<LockEntry, ReproError> {
    let root = workspace.root().to_path_buf();
    let missing: Vec<String> = stage
        .outs
        .iter()
        .filter(|o| std::fs::symlink_metadata(root.join(wdir_join(&stage.wdir, &o.path))).is_err())
        .map(|o| o.path.clone())
        .collect();
    if !missing.is_empty() {
        return Err(ReproError::MissingOutputs {
            stage: stage.address(),
            paths: missing,
        });
    }
    let mut outs = Vec::new();
    for out in &stage.outs {
        let rel = wdir_join(&stage.wdir, &out.path);
        // The command may have made an output a link to a directory elsewhere (or a directory
        // on the way one): caching or relinking it would read and write through the link.
        refuse_symlinked_dirs(&root, &rel)?;
        refuse_symlinked_dir_output(&root, &rel)?;
        workspace.forget(&rel);
        let was = recorded_path(recorded.map(|e| e.outs.as_slice()), &out.path);
        let name = hash_name_to_record(workspace, &rel, was)?;
        let hashed = if out.cache {
            let caches = workspace.caches();
            let hashed = ingest(workspace, &rel, name)?;
            if matches!(
                link_types.first(),
                Some(LinkType::Hardlink | LinkType::Symlink)
            ) {
                relink(caches.for_hash(name), &root.join(&rel), &hashed, link_types)?;
            }
            if let Some(gitignore) =
                ignore_in_git(&root, &root.join(&rel)).map_err(DataError::from)?
            {
                let shown = gitignore.strip_prefix(&root).unwrap_or(&gitignore);
                workspace.forget(&shown.to_string_lossy());
            }
            hashed
        } else {
            workspace
                .hash_as(&rel, name)?
                .ok_or_else(|| ReproError::MissingOutputs {
                    stage: stage.address(),
                    paths: vec![out.path.clone()],
                })?
        };
        outs.push(locked(&out.path, &hashed, name));
        workspace.remember(&rel, name, Some(hashed));
    }
    outs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(LockEntry { outs, ..inputs })
}

/// Hashes repo-relative `rel` by `name` into the cache of that hash.
fn ingest(workspace: &mut Workspace, rel: &str, name: HashName) -> Result<HashedPath, ReproError> {
    let root = workspace.root().to_path_buf();
    let caches = workspace.caches();
    Ok(hash_workspace_path(
        &root,
        rel,
        name,
        workspace.state_mut(),
        Some(caches.for_hash(name)),
        &NoProgress,
    )?)
}

/// Copies `cache: false` outputs into the cache too (the one of the hash `entry` records
/// them with), so a run-cache restore can bring them back (DVC does the same when it saves
/// a run).
pub(crate) fn cache_uncached_outputs(
    stage: &Stage,
    entry: &LockEntry,
    workspace: &mut Workspace,
) -> Result<(), ReproError> {
    for out in stage.outs.iter().filter(|o| !o.cache) {
        let name =
            recorded_path(Some(&entry.outs), &out.path).map_or(HashName::Md5, |p| p.hash_name);
        ingest(workspace, &wdir_join(&stage.wdir, &out.path), name)?;
    }
    Ok(())
}

/// Whether `entry`'s outputs can be restored: every object is in the cache (for directories,
/// the manifest and each file). With `uncached_in_place`, `cache: false` outputs are not
/// restored but must already be as recorded (DVC's `outs_cached`).
pub(crate) fn outputs_restorable(
    stage: &Stage,
    entry: &LockEntry,
    workspace: &mut Workspace,
    uncached_in_place: bool,
) -> Result<bool, ReproError> {
    for recorded in &entry.outs {
        let Some(id) = recorded.id else {
            return Ok(false);
        };
        let uncached = stage
            .outs
            .iter()
            .any(|o| o.path == recorded.path && !o.cache);
        let ok = if uncached && uncached_in_place {
            let rel = wdir_join(&stage.wdir, &recorded.path);
            workspace.hash_as(&rel, recorded.hash_name)?.map(|h| h.id) == Some(id)
        } else {
            workspace.in_cache_as(&id, recorded.hash_name)?
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Recreates the outputs recorded in `entry` from the cache (cached outputs with the repo's
/// link types, `cache: false` ones as copies).
pub(crate) fn restore_outputs(
    stage: &Stage,
    entry: &LockEntry,
    workspace: &mut Workspace,
    link_types: &[LinkType],
    uncached_in_place: bool,
) -> Result<(), ReproError> {
    let root = workspace.root().to_path_buf();
    let caches = workspace.caches();
    for recorded in &entry.outs {
        let Some(id) = recorded.id else { continue };
        let cache = caches.for_hash(recorded.hash_name);
        let Some(out) = stage.outs.iter().find(|o| o.path == recorded.path) else {
            continue;
        };
        if !out.cache && uncached_in_place {
            continue;
        }
        let rel = wdir_join(&stage.wdir, &out.path);
        refuse_symlinked_dirs(&root, &rel)?;
        let path = root.join(&rel);
        remove_path(&path).map_err(remove_error(stage, &path))?;
        workspace.forget(&rel);
        let types: &[LinkType] = if out.cache {
            link_types
        } else {
            &[LinkType::Copy]
        };
        let mut missing = Vec::new();
        restore_from_cache(
            cache,
            &root,
            &rel,
            &id,
            recorded.is_exec,
            types,
            workspace.state_mut(),
            &NoProgress,
            &mut missing,
        )?;
        if !missing.is_empty() {
            return Err(DataError::NotFound {
                path: root.join(&missing[0]),
            }
            .into());
        }
    }
    Ok(())
}
