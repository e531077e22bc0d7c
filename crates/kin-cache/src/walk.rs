//! Lists the files of a tracked directory as DVC does: `.dvcignore` respected, symlinked
//! files followed, symlinked directories skipped, empty directories invisible.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use ignore::Match;
use ignore::gitignore::Gitignore;

/// The stat facts the state index keys on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    pub inode: u64,
    pub mtime_ns: i128,
    pub size: u64,
    pub is_exec: bool,
}

impl FileStat {
    pub fn of(metadata: &std::fs::Metadata) -> Self {
        FileStat {
            inode: metadata.ino(),
            mtime_ns: i128::from(metadata.mtime()) * 1_000_000_000
                + i128::from(metadata.mtime_nsec()),
            size: metadata.len(),
            is_exec: metadata.mode() & 0o111 != 0,
        }
    }
}

/// A file inside a walked directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkedFile {
    /// Relative to the walked directory, `/`-separated.
    pub relpath: String,
    pub stat: FileStat,
}

impl WalkedFile {
    /// The file's path, given the directory that was walked. (Not stored: a no-op status
    /// never needs the paths of the files it stats.)
    pub fn path_in(&self, walked: &Path) -> PathBuf {
        walked.join(&self.relpath)
    }
}

/// Why a directory could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("cannot list `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the ignore rules in `{}`: {message}", path.display())]
    Rules { path: PathBuf, message: String },
    /// DVC refuses to hash a directory holding a `.dvcignore` (its rules would change what
    /// the directory's own hash covers); kin does the same, so both agree on every hash.
    #[error(
        "`{}` lies inside the tracked directory `{}`, which DVC does not allow: move its rules \
         into a .dvcignore above `{}`",
        file.display(), top.display(), top.display()
    )]
    IgnoreFileInside { file: PathBuf, top: PathBuf },
    #[error("a thread listing `{}` panicked", path.display())]
    Panicked { path: PathBuf },
}

/// Whether `path` is ignored: the innermost `.dvcignore` with an opinion decides, as a
/// deeper `.gitignore` overrides a shallower one. `rules` are outermost first.
fn is_ignored(rules: &[Gitignore], path: &Path, is_dir: bool) -> bool {
    for matcher in rules.iter().rev() {
        match matcher.matched(path, is_dir) {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => {}
        }
    }
    false
}

/// Reads one `.dvcignore`, rooted at the directory that holds it.
fn read_dvcignore(file: &Path) -> Result<Gitignore, WalkError> {
    let (matcher, error) = Gitignore::new(file);
    match error {
        Some(error) if matcher.is_empty() => Err(WalkError::Rules {
            path: file.to_path_buf(),
            message: error.to_string(),
        }),
        _ => Ok(matcher),
    }
}

/// The `.dvcignore` files from `repo_root` down to `dir`'s parent, outermost first.
fn inherited_rules(dir: &Path, repo_root: &Path) -> Result<Vec<Gitignore>, WalkError> {
    let mut rules = Vec::new();
    let mut ancestor = dir.parent();
    while let Some(parent) = ancestor {
        let file = parent.join(".dvcignore");
        if file.is_file() {
            rules.push(read_dvcignore(&file)?);
        }
        if parent == repo_root {
            break;
        }
        ancestor = parent.parent();
    }
    rules.reverse();
    Ok(rules)
}

/// One walk: the directory walked and the rules that hold throughout it (a `.dvcignore`
/// inside it is refused, so no rule changes on the way down).
struct Walk<'a> {
    top: &'a Path,
    rules: Vec<Gitignore>,
}

/// A directory still to be listed.
struct DirJob {
    path: PathBuf,
    /// Its relpath with a trailing `/`, or empty for the walked directory itself.
    prefix: String,
}

fn io_failure(path: &Path) -> impl Fn(std::io::Error) -> WalkError + '_ {
    move |source| WalkError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Walk<'_> {
    /// Lists one directory into `files` and `subdirs`. Entries are stat'ed relative to the
    /// open directory (`DirEntry::metadata` is `statx` on the directory's descriptor), not
    /// by full path: on 20,000 files the path lookups cost more than the stats.
    fn list_dir(
        &self,
        job: &DirJob,
        files: &mut Vec<WalkedFile>,
        subdirs: &mut Vec<DirJob>,
    ) -> Result<(), WalkError> {
        let entries = std::fs::read_dir(&job.path).map_err(io_failure(&job.path))?;
        for entry in entries {
            let entry = entry.map_err(io_failure(&job.path))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // Error paths are built lazily: on success no file's full path is ever made.
            let kind = entry
                .file_type()
                .map_err(|e| io_failure(&entry.path())(e))?;
            if kind.is_dir() {
                let path = entry.path();
                if !is_ignored(&self.rules, &path, true) {
                    subdirs.push(DirJob {
                        prefix: relpath(&job.prefix, &name, "/"),
                        path,
                    });
                }
                continue;
            }
            if !self.rules.is_empty() && is_ignored(&self.rules, &entry.path(), false) {
                continue;
            }
            // Symlinks count by their target when it is a file, like DVC's local filesystem;
            // dangling links and links to directories are skipped.
            let metadata = if kind.is_symlink() {
                match std::fs::metadata(entry.path()) {
                    Ok(m) => m,
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(error) => return Err(io_failure(&entry.path())(error)),
                }
            } else {
                entry.metadata().map_err(|e| io_failure(&entry.path())(e))?
            };
            if !metadata.is_file() {
                continue;
            }
            if name == ".dvcignore" {
                return Err(WalkError::IgnoreFileInside {
                    file: entry.path(),
                    top: self.top.to_path_buf(),
                });
            }
            files.push(WalkedFile {
                relpath: relpath(&job.prefix, &name, ""),
                stat: FileStat::of(&metadata),
            });
        }
        Ok(())
    }

    /// Lists directories from `queue` until none are left (or one failed); returns the files
    /// this thread found.
    fn work(&self, queue: &Queue) -> Vec<WalkedFile> {
        let mut found = Vec::new();
        let mut subdirs = Vec::new();
        let Ok(mut state) = queue.state.lock() else {
            return found;
        };
        loop {
            if state.failure.is_some() {
                break;
            }
            let Some(job) = state.jobs.pop() else {
                if state.busy == 0 {
                    break;
                }
                match queue.changed.wait(state) {
                    Ok(next) => state = next,
                    Err(_) => return found,
                }
                continue;
            };
            state.busy += 1;
            drop(state);
            let listed = self.list_dir(&job, &mut found, &mut subdirs);
            state = match queue.state.lock() {
                Ok(state) => state,
                Err(_) => return found,
            };
            state.busy -= 1;
            match listed {
                Ok(()) => state.jobs.append(&mut subdirs),
                Err(error) => {
                    state.failure.get_or_insert(error);
                }
            }
            queue.changed.notify_all();
        }
        queue.changed.notify_all();
        found
    }
}

/// `prefix` + `name` + `suffix` in one allocation.
fn relpath(prefix: &str, name: &str, suffix: &str) -> String {
    let mut relpath = String::with_capacity(prefix.len() + name.len() + suffix.len());
    relpath.push_str(prefix);
    relpath.push_str(name);
    relpath.push_str(suffix);
    relpath
}

/// Directories waiting to be listed, shared by the walking threads.
struct Queue {
    state: Mutex<QueueState>,
    changed: Condvar,
}

struct QueueState {
    jobs: Vec<DirJob>,
    /// Threads listing a directory now (which may add jobs).
    busy: usize,
    failure: Option<WalkError>,
}

/// All files under `dir`, sorted by relpath, on up to `threads` threads. The `.dvcignore`
/// files above `dir`, up to `repo_root`, apply; one inside `dir` is an error, as in DVC.
pub fn walk_files(
    dir: &Path,
    repo_root: &Path,
    threads: usize,
) -> Result<Vec<WalkedFile>, WalkError> {
    let walk = Walk {
        top: dir,
        rules: inherited_rules(dir, repo_root)?,
    };
    let (mut files, mut subdirs) = (Vec::new(), Vec::new());
    let top = DirJob {
        path: dir.to_path_buf(),
        prefix: String::new(),
    };
    walk.list_dir(&top, &mut files, &mut subdirs)?;
    // Worker threads pay off only when there are subdirectories to spread over; a flat
    // directory (the common dependency of one stage) is walked on this thread.
    let threads = if subdirs.len() > 1 { threads.max(1) } else { 1 };
    let queue = Queue {
        state: Mutex::new(QueueState {
            jobs: subdirs,
            busy: 0,
            failure: None,
        }),
        changed: Condvar::new(),
    };
    let all_joined = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .map(|_| scope.spawn(|| walk.work(&queue)))
            .collect();
        files.extend(walk.work(&queue));
        let mut all_joined = true;
        for helper in helpers {
            match helper.join() {
                Ok(found) => files.extend(found),
                Err(_) => all_joined = false,
            }
        }
        all_joined
    });
    // A listing with a missing part would hash to a wrong directory: refuse it.
    let panicked = || WalkError::Panicked {
        path: dir.to_path_buf(),
    };
    let state = queue.state.into_inner().map_err(|_| panicked())?;
    if !all_joined {
        return Err(panicked());
    }
    if let Some(error) = state.failure {
        return Err(error);
    }
    files.sort_unstable_by(|a, b| a.relpath.cmp(&b.relpath));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(files: &[WalkedFile]) -> Vec<&str> {
        files.iter().map(|f| f.relpath.as_str()).collect()
    }

    #[test]
    fn lists_files_respecting_the_dvcignore_files_above() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = root.path().join("work/data");
        std::fs::create_dir_all(dir.join("sub/empty")).expect("mkdir");
        std::fs::create_dir_all(dir.join("skip")).expect("mkdir");
        for f in ["a.txt", "sub/b.txt", "skip/c.txt", "x.tmp", "keep.tmp"] {
            std::fs::write(dir.join(f), f).expect("write");
        }
        std::fs::write(root.path().join(".dvcignore"), "*.tmp\n").expect("write");
        // The deeper file wins: it re-includes what the root's rule excludes.
        std::fs::write(
            root.path().join("work/.dvcignore"),
            "data/skip/\n!data/keep.tmp\n",
        )
        .expect("write");
        std::os::unix::fs::symlink(dir.join("a.txt"), dir.join("link.txt")).expect("symlink");
        std::os::unix::fs::symlink(dir.join("sub"), dir.join("link-dir")).expect("symlink");
        std::os::unix::fs::symlink(dir.join("gone"), dir.join("dangling")).expect("symlink");
        let files = walk_files(&dir, root.path(), 2).expect("walk");
        assert_eq!(
            names(&files),
            ["a.txt", "keep.tmp", "link.txt", "sub/b.txt"]
        );
        let link = files
            .iter()
            .find(|f| f.relpath == "link.txt")
            .expect("link");
        assert_eq!(
            link.stat.size,
            "a.txt".len() as u64,
            "counted by its target"
        );
    }

    #[test]
    fn a_dvcignore_inside_the_walked_directory_is_refused() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = root.path().join("data");
        std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        std::fs::write(dir.join("sub/.dvcignore"), "*.csv\n").expect("write");
        match walk_files(&dir, root.path(), 2) {
            Err(WalkError::IgnoreFileInside { file, top }) => {
                assert_eq!(file, dir.join("sub/.dvcignore"));
                assert_eq!(top, dir);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn threads_find_what_one_thread_finds() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = root.path().join("data");
        let mut expected = Vec::new();
        for i in 0..40 {
            // Uneven depths and widths, so threads finish their directories at different times.
            let sub = format!("d{}/e{}/f{}", i % 7, i % 3, i);
            std::fs::create_dir_all(dir.join(&sub)).expect("mkdir");
            for j in 0..(i % 5) {
                let rel = format!("{sub}/file{j}");
                std::fs::write(dir.join(&rel), &rel).expect("write");
                expected.push(rel);
            }
        }
        expected.sort();
        for threads in [1, 2, 8] {
            let files = walk_files(&dir, root.path(), threads).expect("walk");
            assert_eq!(names(&files), expected, "{threads} threads");
        }
    }

    #[test]
    fn an_unreadable_directory_is_named() {
        let root = tempfile::tempdir().expect("tmp");
        let missing = root.path().join("nothing-here");
        match walk_files(&missing, root.path(), 2) {
            Err(WalkError::Io { path, .. }) => assert_eq!(path, missing),
            other => panic!("expected an io error, got {other:?}"),
        }
    }
}
