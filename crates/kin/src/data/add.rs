//! `kin add`: hash paths into the cache and record them in `.dvc` files as `dvc add` does.

use std::path::{Path, PathBuf};

use kin_cache::dvc_file::write_updated;
use kin_cache::gitignore::ignore_in_git;
use kin_cache::link::{LinkType, link_from_cache};
use kin_cache::state::StateIndex;
use kin_format::dvc_file::{DvcOut, parse_dvc_file_text};
use kin_format::md5::{HashName, ObjectId};
use kin_format::repo_path::RepoPath;
use kin_pipeline::paths_overlap;

use super::workspace_hash::hash_workspace_path;
use super::{DataError, NoProgress, Progress};
use crate::Repo;
use crate::lineage::LineageEvents;
use crate::lineage::capture::{Capture, Recorder};
use crate::paths::{refuse_symlinked_dir_output, refuse_symlinked_dirs, repo_relative};
use kin_store::NewVersion;

/// Options for `add`.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {}

/// What `add` recorded for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// Where the data is.
    pub path: RepoPath,
    /// Repo-relative path of the `.dvc` file written.
    pub dvc_file: String,
    pub id: ObjectId,
    pub size: u64,
    pub nfiles: Option<u64>,
    /// The `.gitignore` that received an entry, if one did.
    pub gitignore: Option<PathBuf>,
}

/// Adds each target (relative to `cwd`) to the cache and writes `<target>.dvc` beside it.
/// Each new version is recorded in lineage as a run of its `.dvc` file; one that cannot be
/// is told to `lineage`, and the add goes on.
pub fn add(
    repo: &Repo,
    cwd: &Path,
    targets: &[PathBuf],
    _options: &AddOptions,
    progress: &dyn Progress,
    lineage: &dyn LineageEvents,
) -> Result<Vec<Added>, DataError> {
    let _lock = repo.lock()?;
    let root = repo.root();
    let project = repo.project()?;
    repo.check_graph(&project)?;
    let caches = repo.caches();
    for cache in caches.all() {
        cache.remove_stale_temps();
    }
    let link_types = repo.settings().link_types.clone();
    let mut state = StateIndex::open(&repo.state_path())?;
    let tags = crate::lineage::tags::resolve(root, &[])?;
    let recorder = Recorder::new(root, tags);
    let mut added = Vec::new();
    for target in targets {
        let capture = recorder.start();
        let path = repo_relative(root, cwd, target)?;
        path.check_writable()
            .map_err(|reason| DataError::UnsafePath {
                path: path.to_string(),
                reason,
            })?;
        let rel = path.as_str();
        refuse_symlinked_dirs(root, rel)?;
        refuse_symlinked_dir_output(root, rel)?;
        let dvc_file = format!("{rel}.dvc");
        check_new_data_path(&project, rel, &dvc_file)?;
        if std::fs::symlink_metadata(root.join(rel)).is_err() {
            return Err(DataError::NotFound {
                path: target.clone(),
            });
        }
        let data = Ingest {
            root,
            caches: &caches,
            link_types: &link_types,
            recorder: &recorder,
            source: None,
        };
        added.push(data.record(&path, &dvc_file, &mut state, capture, progress, lineage)?);
    }
    Ok(added)
}

/// Refuses to track `rel` with `dvc_file` when a stage writes it or another `.dvc` file
/// tracks it (or a path inside or around it).
pub(crate) fn check_new_data_path(
    project: &kin_pipeline::Project,
    rel: &str,
    dvc_file: &str,
) -> Result<(), DataError> {
    if let Some(stage) = project
        .graph
        .nodes
        .iter()
        .find(|n| n.stage.is_some() && n.outs.iter().any(|o| paths_overlap(o.as_str(), rel)))
    {
        return Err(DataError::StageOutput {
            path: rel.to_owned(),
            stage: stage.address.clone(),
        });
    }
    if let Some((node, other)) = project
        .graph
        .nodes
        .iter()
        .filter(|n| n.stage.is_none() && n.address != dvc_file)
        .find_map(|n| {
            n.outs
                .iter()
                .find(|o| paths_overlap(o.as_str(), rel))
                .map(|o| (n, o))
        })
    {
        return Err(DataError::Overlap {
            path: rel.to_owned(),
            other: other.to_string(),
            dvc_file: node.address.clone(),
        });
    }
    Ok(())
}

/// What recording data in a `.dvc` file needs: `kin add`, and `kin repro` when a data
/// source changed.
pub(crate) struct Ingest<'a> {
    pub root: &'a Path,
    pub caches: &'a kin_cache::caches::Caches,
    pub link_types: &'a [LinkType],
    pub recorder: &'a Recorder,
    /// For an import: what the data was fetched from (its run in lineage uses it).
    pub source: Option<crate::lineage::capture::DataSource>,
}

impl Ingest<'_> {
    /// Hashes repo-relative `rel` into the cache, links it as `cache.type` says, updates its
    /// `.dvc` file (keeping what else the file holds) and `.gitignore`, and records the new
    /// version in lineage (a failure to record is told to `lineage`). Data the `.dvc` file
    /// records with DVC 2's hash keeps that hash, and DVC 2's cache, while it is unchanged.
    pub(crate) fn record(
        &self,
        repo_path: &RepoPath,
        dvc_file: &str,
        state: &mut StateIndex,
        capture: Capture,
        progress: &dyn Progress,
        lineage: &dyn LineageEvents,
    ) -> Result<Added, DataError> {
        let root = self.root;
        let rel = repo_path.as_str();
        let path = root.join(rel);
        let name = rel.rsplit('/').next().unwrap_or(rel).to_owned();
        let before = std::fs::read(root.join(dvc_file)).ok();
        let hash_name = hash_name_to_record(root, rel, &name, before.as_deref(), state)?;
        let cache = self.caches.for_hash(hash_name);
        let hashed = hash_workspace_path(root, rel, hash_name, state, Some(cache), progress)?;
        // Git's state is read before the first change, so the run says whether the checkout
        // was dirty before this add, not because of it.
        self.recorder.before_changes();
        if matches!(
            self.link_types.first(),
            Some(LinkType::Hardlink | LinkType::Symlink)
        ) {
            relink(cache, &path, &hashed, self.link_types)?;
        }
        let out = DvcOut {
            path: name,
            id: Some(hashed.id),
            size: Some(hashed.size),
            nfiles: hashed.nfiles,
            is_exec: hashed.is_exec,
            push: true,
            remote: None,
            hash_name,
        };
        write_updated(&root.join(dvc_file), &out, before.as_deref())?;
        let gitignore = ignore_in_git(root, &path)?;
        // Re-adding unchanged data is not a new version: record only what changed.
        if before != std::fs::read(root.join(dvc_file)).ok() {
            record_add(
                self.recorder,
                capture,
                dvc_file,
                rel,
                &hashed,
                self.source.as_ref(),
                lineage,
            );
        }
        Ok(Added {
            path: repo_path.clone(),
            dvc_file: dvc_file.to_owned(),
            id: hashed.id,
            size: hashed.size,
            nfiles: hashed.nfiles,
            gitignore,
        })
    }
}

/// The hash an add records: DVC 2's md5-dos2unix while the `.dvc` file (text `existing`)
/// has it for `name` and the content still hashes to it, else DVC 3's md5, as DVC's
/// `update_legacy_hash_name` decides.
fn hash_name_to_record(
    root: &Path,
    rel: &str,
    name: &str,
    existing: Option<&[u8]>,
    state: &mut StateIndex,
) -> Result<HashName, DataError> {
    let recorded = existing
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(|text| parse_dvc_file_text(text).ok())
        .and_then(|outs| outs.into_iter().find(|o| o.path == name))
        .filter(|out| out.hash_name.is_legacy())
        .and_then(|out| out.id);
    let Some(recorded) = recorded else {
        return Ok(HashName::Md5);
    };
    let current = hash_workspace_path(root, rel, HashName::Md5Dos2Unix, state, None, &NoProgress)?;
    Ok(if current.id == recorded {
        HashName::Md5Dos2Unix
    } else {
        HashName::Md5
    })
}

/// Finishes the add's capture: a run generating the new version.
fn record_add(
    recorder: &Recorder,
    capture: Capture,
    dvc_file: &str,
    path: &str,
    hashed: &super::workspace_hash::HashedPath,
    source: Option<&crate::lineage::capture::DataSource>,
    lineage: &dyn LineageEvents,
) {
    let hash = match hashed.id.to_string().parse() {
        Ok(hash) => hash,
        Err(error) => {
            lineage.lineage_failed(dvc_file, &crate::lineage::LineageError::from(error));
            return;
        }
    };
    let version = NewVersion {
        path: path.to_owned(),
        hash,
        size: Some(hashed.size),
        nfiles: hashed.nfiles,
    };
    recorder.finish_add(capture, dvc_file, version, source, lineage);
}

/// With `cache.type` hardlink or symlink, the workspace copy is replaced by a link to the cache.
pub(crate) fn relink(
    cache: &kin_cache::odb::ObjectDb,
    path: &Path,
    hashed: &super::workspace_hash::HashedPath,
    types: &[LinkType],
) -> Result<(), DataError> {
    match &hashed.manifest {
        None => {
            link_from_cache(&cache.object_path(&hashed.id), path, types, hashed.is_exec)?;
        }
        Some(manifest) => {
            for entry in manifest.entries() {
                let object = cache.object_path(&ObjectId::file(entry.md5));
                link_from_cache(&object, &path.join(&entry.relpath), types, false)?;
            }
        }
    }
    Ok(())
}
