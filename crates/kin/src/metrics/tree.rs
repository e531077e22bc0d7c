//! The files of one source: the workspace, or a git revision copied into a temporary directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use kin_pipeline::{Project, load_project};

use super::Source;
use super::error::MetricsError;
use crate::Repo;
use crate::git::{GitError, GitObjects, git_command};
use crate::tracked::TrackedOut;

/// Blobs up to this size are copied out of git up front (pipeline files, params and vars
/// files, metrics); larger ones are read from git only if asked for.
const COPY_LIMIT: u64 = 4 << 20;

/// Read access to one source's files by repo-relative, `/`-separated path.
pub(crate) struct Tree {
    /// The directory holding the files: the repo root, or the temporary copy of a revision.
    root: PathBuf,
    /// `workspace` or the revision as the user named it.
    place: String,
    rev: Option<RevisionFiles>,
}

struct RevisionFiles {
    /// The repo root as a path inside the git tree (`` or `sub/`).
    prefix: String,
    commit: String,
    /// Every file of the revision, repo-relative, sorted.
    files: Vec<String>,
    /// Files too large to copy, by path: their blob ids.
    large: HashMap<String, String>,
    _temp: TempDir,
}

impl Tree {
    pub fn open(repo: &Repo, source: &Source) -> Result<Tree, MetricsError> {
        match source {
            Source::Workspace => Ok(Tree {
                root: repo.root().to_path_buf(),
                place: "the workspace".to_owned(),
                rev: None,
            }),
            Source::Rev(rev) => open_revision(repo.root(), rev),
        }
    }

    /// Every pipeline of the source.
    pub fn project(&self, repo: &Repo) -> Result<Project, MetricsError> {
        // A revision's pipelines are read with that revision's config.
        let parsing = if self.rev.is_some() {
            crate::DvcConfig::load(&self.root.join(".dvc"))?.parsing()?
        } else {
            repo.settings().parsing
        };
        load_project(&self.root, parsing).map_err(|error| MetricsError::Pipeline {
            place: self.place.clone(),
            root: self.rev.is_none().then(|| self.root.clone()),
            error: Box::new(error),
        })
    }

    /// Outputs recorded in the source's `dvc.lock` and `.dvc` files, whose content the
    /// cache holds even where the source itself does not have the file.
    pub fn tracked(&self, project: &Project) -> Vec<TrackedOut> {
        crate::tracked::tracked_outs(&self.root, project).unwrap_or_default()
    }

    pub fn is_dir(&self, path: &str) -> bool {
        match &self.rev {
            None => self.root.join(path).is_dir(),
            Some(rev) => {
                let dir = dir_prefix(path);
                rev.files.iter().any(|f| f.starts_with(&dir))
            }
        }
    }

    pub fn is_file(&self, path: &str) -> bool {
        match &self.rev {
            None => self.root.join(path).is_file(),
            Some(rev) => rev.files.binary_search_by(|f| f.as_str().cmp(path)).is_ok(),
        }
    }

    /// Every file below directory `path`, sorted.
    pub fn files_under(&self, path: &str) -> Vec<String> {
        let dir = dir_prefix(path);
        match &self.rev {
            Some(rev) => rev
                .files
                .iter()
                .filter(|f| f.starts_with(&dir))
                .cloned()
                .collect(),
            None => {
                let mut found = Vec::new();
                walk(&self.root.join(path), &dir, &mut found);
                found.sort();
                found
            }
        }
    }

    /// The bytes of `path`, `None` if the source has no such file.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>, MetricsError> {
        if let Some(rev) = &self.rev
            && let Some(blob) = rev.large.get(path)
        {
            return git_blob(&self.root, &rev.commit, blob, &rev.prefix, path).map(Some);
        }
        let full = self.root.join(path);
        if full.is_dir() {
            return Ok(None);
        }
        match std::fs::read(&full) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(MetricsError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }
}

/// `a/b` -> `a/b/`; the root (``) stays ``.
fn dir_prefix(path: &str) -> String {
    let path = path.trim_end_matches('/');
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("{path}/")
    }
}

fn walk(dir: &Path, prefix: &str, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if matches!(name.as_str(), ".git" | ".dvc" | ".kin") {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let rel = format!("{prefix}{name}");
        if kind.is_dir() {
            walk(&entry.path(), &format!("{rel}/"), found);
        } else {
            found.push(rel);
        }
    }
}

fn git(root: &Path, rev: &str, args: &[&str]) -> Result<std::process::Output, MetricsError> {
    git_command(root, args).map_err(|source| MetricsError::Git {
        rev: rev.to_owned(),
        source,
    })
}

fn git_failed(rev: &str, args: &[&str], output: &std::process::Output) -> MetricsError {
    MetricsError::Git {
        rev: rev.to_owned(),
        source: GitError::failed(args, output),
    }
}

/// Whether the git repository around `root` has at least one commit (false without git).
pub(crate) fn has_commits(root: &Path) -> bool {
    git(
        root,
        "HEAD",
        &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
    )
    .is_ok_and(|o| o.status.success())
}

/// Where `root` is in its git work tree (`` or `sub/`), `None` outside git; asked of git
/// once per directory and process, as `kin exp show` opens hundreds of revisions.
fn git_place(root: &Path, rev: &str) -> Result<Option<String>, MetricsError> {
    static PLACES: OnceLock<Mutex<HashMap<PathBuf, Option<String>>>> = OnceLock::new();
    let places = PLACES.get_or_init(Mutex::default);
    if let Some(known) = places
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(root)
    {
        return Ok(known.clone());
    }
    let args = ["rev-parse", "--is-inside-work-tree", "--show-prefix"];
    let output = git(root, rev, &args)?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let place = match lines.next() {
        Some("true") if output.status.success() => {
            Some(lines.next().unwrap_or_default().to_owned())
        }
        _ => None,
    };
    places
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(root.to_path_buf(), place.clone());
    Ok(place)
}

/// A full object id (SHA-1 or SHA-256 hex): a commit named this way needs no lookup.
fn is_object_id(rev: &str) -> bool {
    matches!(rev.len(), 40 | 64) && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolves `rev` to a commit id.
pub(crate) fn resolve(root: &Path, rev: &str) -> Result<String, MetricsError> {
    if git_place(root, rev)?.is_none() {
        return Err(MetricsError::NoGit {
            rev: rev.to_owned(),
            root: root.to_path_buf(),
        });
    }
    if is_object_id(rev) {
        return Ok(rev.to_ascii_lowercase());
    }
    let git_error = |source| MetricsError::Git {
        rev: rev.to_owned(),
        source,
    };
    if let Some(commit) = crate::git::resolve_commit(root, rev).map_err(git_error)? {
        return Ok(commit);
    }
    // An experiment's name (HEAD's experiments first), as DVC resolves revisions.
    let head = crate::git::resolve_commit(root, "HEAD").map_err(git_error)?;
    crate::experiments::refs::find(root, rev, head.as_deref())
        .map(|found| found.commit)
        .map_err(|_| MetricsError::UnknownRevision {
            rev: rev.to_owned(),
        })
}

fn open_revision(root: &Path, rev: &str) -> Result<Tree, MetricsError> {
    let commit = resolve(root, rev)?;
    let prefix = git_place(root, rev)?.unwrap_or_default();
    let treeish = if prefix.is_empty() {
        commit.clone()
    } else {
        format!("{commit}:{}", prefix.trim_end_matches('/'))
    };
    // `--full-tree`: run from a subdirectory, ls-tree would also keep only the paths below it
    // inside the tree it lists (the repository of a `dvc init --subdir` is such a subdirectory).
    let listing_args = ["ls-tree", "--full-tree", "-r", "-l", "-z", &treeish];
    let listing = git(root, rev, &listing_args)?;
    if !listing.status.success() {
        // A full object id is taken without a lookup: one that names no commit is unknown.
        if is_object_id(rev)
            && crate::git::resolve_commit(root, rev)
                .ok()
                .flatten()
                .is_none()
        {
            return Err(MetricsError::UnknownRevision {
                rev: rev.to_owned(),
            });
        }
        // The repo root did not exist in that commit: nothing to read there.
        if prefix.is_empty() {
            return Err(git_failed(rev, &listing_args, &listing));
        }
    }
    let temp = TempDir::new().map_err(|source| MetricsError::TempTree {
        rev: rev.to_owned(),
        source,
    })?;
    let mut files = Vec::new();
    let mut large = HashMap::new();
    let mut wanted: Vec<(String, String)> = Vec::new();
    for record in listing.stdout.split(|b| *b == 0) {
        // `<mode> SP <type> SP <object> SP+ <size> TAB <path>`
        let Ok(record) = std::str::from_utf8(record) else {
            continue;
        };
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [mode, "blob", oid, size] = fields.as_slice() else {
            continue;
        };
        if *mode == "120000" {
            continue;
        }
        files.push(path.to_owned());
        if size.parse::<u64>().is_ok_and(|s| s <= COPY_LIMIT) {
            wanted.push(((*oid).to_owned(), path.to_owned()));
        } else {
            large.insert(path.to_owned(), (*oid).to_owned());
        }
    }
    files.sort();
    copy_blobs(root, rev, temp.path(), &wanted)?;
    Ok(Tree {
        root: temp.path().to_path_buf(),
        place: format!("`{rev}`"),
        rev: Some(RevisionFiles {
            prefix,
            commit,
            files,
            large,
            _temp: temp,
        }),
    })
}

/// Writes each `(blob id, path)` below `into`, reading them all through one `git cat-file --batch`.
fn copy_blobs(
    root: &Path,
    rev: &str,
    into: &Path,
    wanted: &[(String, String)],
) -> Result<(), MetricsError> {
    if wanted.is_empty() {
        return Ok(());
    }
    let git_error = |source| MetricsError::Git {
        rev: rev.to_owned(),
        source,
    };
    let temp_error = |source| MetricsError::TempTree {
        rev: rev.to_owned(),
        source,
    };
    let ids: Vec<String> = wanted.iter().map(|(oid, _)| oid.clone()).collect();
    let contents = GitObjects::open(root)
        .and_then(|objects| objects.blobs(&ids))
        .map_err(git_error)?;
    for ((oid, path), content) in wanted.iter().zip(contents) {
        let content = content.ok_or_else(|| {
            git_error(crate::git::GitError::Unexpected {
                reply: format!("{oid} missing"),
            })
        })?;
        let target = into.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(temp_error)?;
        }
        std::fs::write(&target, &content).map_err(temp_error)?;
    }
    Ok(())
}

/// One blob by id (for files too large to copy up front).
fn git_blob(
    root: &Path,
    rev: &str,
    blob: &str,
    prefix: &str,
    path: &str,
) -> Result<Vec<u8>, MetricsError> {
    let output = git(root, rev, &["cat-file", "blob", blob])?;
    if !output.status.success() {
        return Err(MetricsError::Io {
            path: format!("{prefix}{path}"),
            source: std::io::Error::other(
                String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            ),
        });
    }
    Ok(output.stdout)
}

/// A directory under the system temp dir, removed with everything in it when dropped.
struct TempDir {
    path: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        loop {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("kin-rev-{}-{nanos:x}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
