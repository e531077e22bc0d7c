//! Every output whose content kin knows: `.dvc` files' outs and, from `dvc.lock`, stage outs.
//! Below data, lineage, metrics and remotes, which all ask it.

use std::path::{Path, PathBuf};

use kin_cache::dvc_file::read_dvc_file;
use kin_format::md5::{HashName, ObjectId};
use kin_pipeline::Project;

use crate::paths::{PathError, repo_relative, wdir_join};
use kin_format::repo_path::RepoPath;

/// Why the tracked outputs could not be listed or selected.
#[derive(Debug, thiserror::Error)]
pub enum TrackedError {
    #[error(transparent)]
    DvcFile(#[from] kin_cache::dvc_file::DvcFileError),
    #[error(transparent)]
    LockFile(#[from] kin_cache::lock_file::LockFileError),
    #[error("`{}` is not a valid lock file: {reason}", path.display())]
    BadLock { path: PathBuf, reason: String },
    #[error("`{target}` is not tracked by any .dvc file or stage output")]
    NotTracked { target: String },
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("an output of `{owner}` is refused: {reason}")]
    Unsafe {
        owner: String,
        reason: kin_format::repo_path::PathRefusal,
    },
}

/// One tracked output and the version recorded for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedOut {
    /// What records it: `data.dvc` or a stage address.
    pub owner: String,
    /// Where it is in the workspace: inside the repository, past the path policy.
    pub path: RepoPath,
    /// `None` when nothing was recorded yet.
    pub id: Option<ObjectId>,
    /// The recorded size (of all files, for a directory) and number of files.
    pub size: Option<u64>,
    pub nfiles: Option<u64>,
    pub is_exec: bool,
    /// False for `cache: false` stage outputs: hashed but never in the cache.
    pub cached: bool,
    /// False for `push: false`: `kin push` leaves it out.
    pub push: bool,
    /// The remote it lives in when not the default one (`remote:`).
    pub remote: Option<String>,
    /// How `id` was computed, which says in which cache (and where on a remote) its objects
    /// are: DVC 2's md5-dos2unix for entries written without `hash: md5`.
    pub hash_name: HashName,
}

/// All tracked outputs of the repository.
pub fn tracked_outs(root: &Path, project: &Project) -> Result<Vec<TrackedOut>, TrackedError> {
    let mut outs = Vec::new();
    for data in &project.data_files {
        let dir = data.path.rsplit_once('/').map_or("", |(d, _)| d);
        for out in read_dvc_file(&root.join(&data.path))? {
            outs.push(TrackedOut {
                owner: data.path.clone(),
                path: out_path(dir, &out.path, &data.path)?,
                id: out.id,
                size: out.size,
                nfiles: out.nfiles,
                is_exec: out.is_exec,
                cached: true,
                push: out.push,
                remote: out.remote,
                hash_name: out.hash_name,
            });
        }
    }
    for file in &project.files {
        let lock_path = file
            .path
            .strip_suffix("dvc.yaml")
            .map(|d| format!("{d}dvc.lock"))
            .unwrap_or_default();
        let locked = read_lock_outs(&root.join(&lock_path))?;
        for stage in &file.stages {
            for out in &stage.outs {
                let recorded = locked
                    .iter()
                    .find(|r| r.stage == stage.name && r.path == out.path);
                outs.push(TrackedOut {
                    owner: stage.address(),
                    path: out_path(&stage.wdir, &out.path, &stage.address())?,
                    id: recorded.and_then(|r| r.id),
                    size: recorded.and_then(|r| r.size),
                    nfiles: recorded.and_then(|r| r.nfiles),
                    is_exec: recorded.is_some_and(|r| r.is_exec),
                    cached: out.cache,
                    push: out.push,
                    remote: out.remote.clone(),
                    hash_name: recorded.map_or(HashName::Md5, |r| r.hash_name),
                });
            }
        }
    }
    Ok(outs)
}

/// The outputs `targets` (typed in `cwd`) name: a `.dvc` file or stage address names all its
/// outputs, a path names the output at that path. No targets select everything.
pub fn select_outs<'a>(
    root: &Path,
    cwd: &Path,
    all: &'a [TrackedOut],
    targets: &[PathBuf],
) -> Result<Vec<&'a TrackedOut>, TrackedError> {
    if targets.is_empty() {
        return Ok(all.iter().collect());
    }
    let mut selected = Vec::new();
    for target in targets {
        let text = target.to_string_lossy();
        let rel = repo_relative(root, cwd, target).ok();
        let matching: Vec<&TrackedOut> = all
            .iter()
            .filter(|o| {
                o.owner == text
                    || rel
                        .as_ref()
                        .is_some_and(|r| o.owner == r.as_str() || o.path == *r)
            })
            .collect();
        if matching.is_empty() {
            return Err(TrackedError::NotTracked {
                target: text.into_owned(),
            });
        }
        selected.extend(matching);
    }
    Ok(selected)
}

/// An output written relative to `dir` (a stage's `wdir` or a `.dvc` file's directory), as a
/// repository path; the project's loading already refused what the path policy forbids.
fn out_path(dir: &str, path: &str, owner: &str) -> Result<RepoPath, TrackedError> {
    RepoPath::parse(&wdir_join(dir, path)).map_err(|reason| TrackedError::Unsafe {
        owner: owner.to_owned(),
        reason,
    })
}

/// One output recorded in a `dvc.lock`.
struct LockedOut {
    stage: String,
    /// As written in dvc.yaml (relative to the stage's wdir).
    path: String,
    id: Option<ObjectId>,
    size: Option<u64>,
    nfiles: Option<u64>,
    is_exec: bool,
    hash_name: HashName,
}

/// The outputs recorded in the `dvc.lock` at `path` (none when it does not exist). A lock
/// that cannot be read is an error: acting on an empty reading would look like nothing is
/// recorded.
fn read_lock_outs(path: &Path) -> Result<Vec<LockedOut>, TrackedError> {
    let lock = kin_cache::lock_file::read_lock_file(path)?;
    let mut found = Vec::new();
    for name in lock.stage_names() {
        let entry = lock.entry(name).map_err(|reason| TrackedError::BadLock {
            path: path.to_path_buf(),
            reason,
        })?;
        for out in entry.into_iter().flat_map(|e| e.outs) {
            found.push(LockedOut {
                stage: name.to_owned(),
                path: out.path,
                id: out.id,
                size: out.size,
                nfiles: out.nfiles,
                is_exec: out.is_exec,
                hash_name: out.hash_name,
            });
        }
    }
    Ok(found)
}
