//! Why a stage must run: its command, deps, params and outs compared with its `dvc.lock` entry,
//! with DVC's rules and vocabulary (`modified`, `deleted`, `new`, `not in cache`). A path DVC 2
//! recorded (no `hash: md5`) is compared by md5-dos2unix, its objects sought in DVC 2's cache.

use std::path::{Component, Path, PathBuf};

use kin_format::lock_file::{LockEntry, LockedPath};
use kin_format::md5::{HashName, ObjectId};
use kin_format::repo_path::RepoPath;
use kin_format::yaml::{Map, Value};
use kin_pipeline::Stage;

use super::params::ParamValues;
use super::workspace::Workspace;
use crate::data::DataError;
use crate::paths::wdir_join;
use kin_format::python::py_eq;

/// How a path or param differs from its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Deleted,
    Modified,
    New,
    NotInCache,
}

impl ChangeKind {
    /// DVC's word for it in `dvc status`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Deleted => "deleted",
            ChangeKind::Modified => "modified",
            ChangeKind::New => "new",
            ChangeKind::NotInCache => "not in cache",
        }
    }
}

/// One reason a stage is out of date.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The stage has no `dvc.lock` entry yet (the other reasons follow from that).
    NotRecorded,
    /// A dep differs from the version recorded. `path` is as `dvc status` names it: from the
    /// repository root, normalised (absolute when outside the repository).
    Dep {
        path: String,
        kind: ChangeKind,
        recorded: Option<ObjectId>,
        current: Option<ObjectId>,
    },
    /// A dependency given by URL (`s3://…`, `https://…`) differs from the version its
    /// storage reported when recorded (an entity tag or checksum, see [`crate::external`]).
    ExternalDep {
        url: String,
        kind: ChangeKind,
        recorded: Option<String>,
        current: Option<String>,
    },
    /// A params file (named from the repository root) is missing, or was never recorded
    /// (`key: None`), or one key changed.
    Param {
        file: String,
        key: Option<String>,
        kind: ChangeKind,
        recorded: Option<Value>,
        current: Option<Value>,
    },
    /// An output (inside the repository: the project's loading refused any other).
    Out {
        path: RepoPath,
        kind: ChangeKind,
        recorded: Option<ObjectId>,
        current: Option<ObjectId>,
    },
    AlwaysChanged,
    CommandChanged,
}

impl Change {
    /// True for reasons that concern deps or params (DVC's "changed deps").
    pub fn is_dep(&self) -> bool {
        matches!(
            self,
            Change::Dep { .. } | Change::ExternalDep { .. } | Change::Param { .. }
        )
    }
}

fn recorded_path<'a>(items: &'a [LockedPath], path: &str) -> Option<&'a LockedPath> {
    items.iter().find(|p| p.path == path)
}

/// The hash a recorded path is compared by: the one it was recorded with.
fn hash_name_of(recorded: Option<&LockedPath>) -> HashName {
    recorded.map_or(HashName::Md5, |p| p.hash_name)
}

/// A dep, output or params file as `dvc status` names it, whatever the stage's `wdir`: its
/// normalised path from the repository root, or its absolute path when it lies outside.
fn status_path(root: &Path, wdir: &str, path: &str) -> String {
    let wdir = RepoPath::parse(wdir).unwrap_or_else(|_| RepoPath::root());
    match RepoPath::join(&wdir, path) {
        Ok(inside) => inside.as_str().to_owned(),
        Err(_) => {
            let mut full = PathBuf::new();
            for component in root.join(wdir.as_str()).join(path).components() {
                match component {
                    Component::CurDir => {}
                    Component::ParentDir => {
                        full.pop();
                    }
                    other => full.push(other),
                }
            }
            full.to_string_lossy().into_owned()
        }
    }
}

/// How a workspace path compares with its record: DVC's `workspace_status`.
fn path_change(recorded: Option<ObjectId>, current: Option<ObjectId>) -> Option<ChangeKind> {
    match (recorded, current) {
        (_, None) => Some(ChangeKind::Deleted),
        (None, Some(_)) => Some(ChangeKind::Modified),
        (Some(r), Some(c)) if r != c => Some(ChangeKind::Modified),
        (Some(_), Some(_)) => None,
    }
}

/// Every reason `stage` is out of date against `entry`, in DVC's order: deps and params,
/// outs, always-changed, command. Empty when the stage is up to date.
pub(crate) fn stage_changes(
    stage: &Stage,
    entry: Option<&LockEntry>,
    params: &[ParamValues],
    workspace: &mut Workspace,
) -> Result<Vec<Change>, DataError> {
    let mut changes = Vec::new();
    if entry.is_none() {
        changes.push(Change::NotRecorded);
    }
    if !stage.frozen {
        for dep in &stage.deps {
            let locked = entry.and_then(|e| recorded_path(&e.deps, &dep.path));
            if crate::external::is_url(&dep.path) {
                let recorded = locked.and_then(|p| p.external.as_ref()).map(|v| &v.value);
                let current = crate::external::current_state(&dep.path)?.map(|s| s.version.value);
                let kind = match (recorded, &current) {
                    (_, None) => Some(ChangeKind::Deleted),
                    (Some(r), Some(c)) if r == c => None,
                    (_, Some(_)) => Some(ChangeKind::Modified),
                };
                if let Some(kind) = kind {
                    changes.push(Change::ExternalDep {
                        url: dep.path.clone(),
                        kind,
                        recorded: recorded.cloned(),
                        current,
                    });
                }
                continue;
            }
            let recorded = locked.and_then(|p| p.id);
            let current = workspace
                .hash_as(&wdir_join(&stage.wdir, &dep.path), hash_name_of(locked))?
                .map(|h| h.id);
            if let Some(kind) = path_change(recorded, current) {
                changes.push(Change::Dep {
                    path: status_path(workspace.root(), &stage.wdir, &dep.path),
                    kind,
                    recorded,
                    current,
                });
            }
        }
        for param in params {
            let recorded = entry.and_then(|e| {
                e.params
                    .iter()
                    .find(|(file, _)| *file == param.file)
                    .map(|(_, v)| v)
            });
            let file = status_path(workspace.root(), &stage.wdir, &param.file);
            param_changes(param, &file, recorded, &mut changes);
        }
    }
    for out in &stage.outs {
        let written = wdir_join(&stage.wdir, &out.path);
        let path = RepoPath::parse(&written).map_err(|reason| DataError::UnsafePath {
            path: written.clone(),
            reason,
        })?;
        let locked = entry.and_then(|e| recorded_path(&e.outs, &out.path));
        let recorded = locked.and_then(|p| p.id);
        let name = hash_name_of(locked);
        if let Some(id) = recorded
            && out.cache
            && !workspace.in_cache_as(&id, name)?
        {
            changes.push(Change::Out {
                path,
                kind: ChangeKind::NotInCache,
                recorded,
                current: None,
            });
            continue;
        }
        let current = workspace.hash_as(path.as_str(), name)?.map(|h| h.id);
        if let Some(kind) = path_change(recorded, current) {
            changes.push(Change::Out {
                path,
                kind,
                recorded,
                current,
            });
        }
    }
    let is_callback = stage.deps.is_empty() && stage.params.is_empty() && stage.outs.is_empty();
    if is_callback || stage.always_changed {
        changes.push(Change::AlwaysChanged);
    }
    if let Some(entry) = entry
        && entry.cmd != stage.cmd
    {
        changes.push(Change::CommandChanged);
    }
    Ok(changes)
}

/// DVC's params status: the whole file when it is missing or was never recorded, else per
/// key, in the order the stage lists them (for a whole file: the file's keys, then recorded ones).
fn param_changes(
    param: &ParamValues,
    file: &str,
    recorded: Option<&Map>,
    changes: &mut Vec<Change>,
) {
    let whole = |kind| Change::Param {
        file: file.to_owned(),
        key: None,
        kind,
        recorded: None,
        current: None,
    };
    let Some(current) = &param.values else {
        changes.push(whole(ChangeKind::Deleted));
        return;
    };
    let Some(recorded) = recorded else {
        changes.push(whole(ChangeKind::New));
        return;
    };
    let keys: Vec<String> = match &param.keys {
        Some(keys) => keys.clone(),
        None => {
            let mut keys: Vec<String> = current.keys().map(str::to_owned).collect();
            for key in recorded.keys() {
                if !keys.iter().any(|k| k == key) {
                    keys.push(key.to_owned());
                }
            }
            keys
        }
    };
    for key in keys {
        let now = current.get(&key).map(|n| &n.value);
        let before = recorded.get(&key).map(|n| &n.value);
        let kind = match (before, now) {
            (_, None) => ChangeKind::Deleted,
            (None, Some(_)) => ChangeKind::New,
            (Some(b), Some(n)) if !py_eq(b, n) => ChangeKind::Modified,
            (Some(_), Some(_)) => continue,
        };
        changes.push(Change::Param {
            file: file.to_owned(),
            key: Some(key),
            kind,
            recorded: before.cloned(),
            current: now.cloned(),
        });
    }
}
