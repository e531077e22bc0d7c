//! One side of a diff: every cached output of a git revision or of the workspace with its
//! hash, and each directory's files — from the cache's manifest for a revision (unknown when
//! the cache lacks it), from disk for the workspace.

use std::collections::BTreeMap;

use kin_cache::state::StateIndex;
use kin_format::manifest::Manifest;
use kin_format::md5::{HashName, Md5, ObjectId};

use super::DiffError;
use crate::Repo;
use crate::data::NoProgress;
use crate::data::workspace_hash::hash_workspace_tree;
use crate::metrics::{Source, Tree};

/// A tracked output as one side has it.
#[derive(Debug, Clone)]
pub(super) struct Out {
    pub id: ObjectId,
    pub hash_name: HashName,
    /// A directory's files by path inside it; `None` when its manifest is not at hand.
    pub files: Option<BTreeMap<String, Md5>>,
}

/// Every cached output of one side, by repo-relative path.
#[derive(Debug, Default)]
pub(super) struct Side {
    pub outs: BTreeMap<String, Out>,
}

/// The commit `rev` names, or a clear error for a revision git does not know.
pub(super) fn commit_of(repo: &Repo, rev: &str) -> Result<String, DiffError> {
    Ok(crate::metrics::resolve(repo.root(), rev)?)
}

impl Side {
    pub fn read(repo: &Repo, source: &Source) -> Result<Side, DiffError> {
        match source {
            Source::Workspace => Side::workspace(repo),
            Source::Rev(_) => Side::revision(repo, source),
        }
    }

    /// A revision's outputs as its `dvc.lock` and `.dvc` files record them.
    fn revision(repo: &Repo, source: &Source) -> Result<Side, DiffError> {
        let tree = Tree::open(repo, source)?;
        let project = tree.project(repo)?;
        let caches = repo.caches();
        let mut side = Side::default();
        for out in tree.tracked(&project) {
            let Some(id) = out.id.filter(|_| out.cached) else {
                continue;
            };
            let files = if id.is_dir {
                let object = caches.for_hash(out.hash_name).object_path(&id);
                std::fs::read_to_string(&object)
                    .ok()
                    .and_then(|json| Manifest::from_json(&json).ok())
                    .map(|manifest| files_of(&manifest))
            } else {
                None
            };
            side.outs.insert(
                out.path.as_str().to_owned(),
                Out {
                    id,
                    hash_name: out.hash_name,
                    files,
                },
            );
        }
        Ok(side)
    }

    /// The workspace's outputs as they are on disk now, hashed (through the stat index).
    fn workspace(repo: &Repo) -> Result<Side, DiffError> {
        let root = repo.root();
        let project = repo.project().map_err(crate::data::DataError::from)?;
        let mut state = StateIndex::open(&repo.state_path())?;
        let mut side = Side::default();
        for out in
            crate::tracked::tracked_outs(root, &project).map_err(crate::data::DataError::from)?
        {
            let path = out.path.as_str();
            if !out.cached || std::fs::symlink_metadata(root.join(path)).is_err() {
                continue;
            }
            let hashed = hash_workspace_tree(root, path, out.hash_name, &mut state, &NoProgress)?;
            let files = hashed.manifest.as_ref().map(files_of);
            side.outs.insert(
                path.to_owned(),
                Out {
                    id: hashed.id,
                    hash_name: out.hash_name,
                    files,
                },
            );
        }
        Ok(side)
    }
}

fn files_of(manifest: &Manifest) -> BTreeMap<String, Md5> {
    manifest
        .entries()
        .iter()
        .map(|entry| (entry.relpath.clone(), entry.md5))
        .collect()
}
