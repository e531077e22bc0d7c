//! Lists the files of a tracked directory as DVC does: `.dvcignore` respected, symlinked
//! files followed, symlinked directories skipped, empty directories invisible.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

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
    pub path: PathBuf,
    pub stat: FileStat,
}

/// Why a directory could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("cannot list `{}`: {message}", path.display())]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

/// How many directories `dir` holds directly (stops counting at 2).
fn subdirectories(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .take(2)
            .count()
    })
}

/// All files under `dir`, sorted by relpath. `.dvcignore` files in `dir`, below it and in its
/// parents up to `repo_root` apply.
pub fn walk_files(
    dir: &Path,
    repo_root: &Path,
    threads: usize,
) -> Result<Vec<WalkedFile>, WalkError> {
    let mut builder = WalkBuilder::new(dir);
    builder
        .standard_filters(false)
        .hidden(false)
        .parents(false)
        .follow_links(false)
        .add_custom_ignore_filename(".dvcignore")
        .threads(threads);
    // Parent `.dvcignore` files up to the repo root also apply to this directory.
    let mut ancestor = dir.parent();
    while let Some(parent) = ancestor {
        let file = parent.join(".dvcignore");
        if file.is_file() {
            builder.add_ignore(file);
        }
        if parent == repo_root {
            break;
        }
        ancestor = parent.parent();
    }
    let files = Mutex::new(Vec::new());
    let failure: Mutex<Option<WalkError>> = Mutex::new(None);
    let visit = |entry: Result<ignore::DirEntry, ignore::Error>| {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                if let Ok(mut failure) = failure.lock() {
                    failure.get_or_insert(WalkError {
                        path: dir.to_path_buf(),
                        message: error.to_string(),
                    });
                }
                return WalkState::Quit;
            }
        };
        let Some(kind) = entry.file_type() else {
            return WalkState::Continue;
        };
        if kind.is_dir() {
            return WalkState::Continue;
        }
        let path = entry.path();
        // Symlinks count by their target when it is a file, like DVC's local filesystem.
        let metadata = match std::fs::metadata(path) {
            Ok(m) if m.is_file() => m,
            Ok(_) => return WalkState::Continue,
            Err(error) if kind.is_symlink() && error.kind() == std::io::ErrorKind::NotFound => {
                return WalkState::Continue;
            }
            Err(error) => {
                if let Ok(mut failure) = failure.lock() {
                    failure.get_or_insert(WalkError {
                        path: path.to_path_buf(),
                        message: error.to_string(),
                    });
                }
                return WalkState::Quit;
            }
        };
        let Ok(relative) = path.strip_prefix(dir) else {
            return WalkState::Continue;
        };
        let relpath = relative.to_string_lossy().replace('\\', "/");
        if let Ok(mut files) = files.lock() {
            files.push(WalkedFile {
                relpath,
                path: path.to_path_buf(),
                stat: FileStat::of(&metadata),
            });
        }
        WalkState::Continue
    };
    // Worker threads pay off only when there are subdirectories to spread over; a flat
    // directory (the common dependency of one stage) is walked on this thread.
    if threads > 1 && subdirectories(dir) > 1 {
        builder.build_parallel().run(|| Box::new(&visit));
    } else {
        for entry in builder.build() {
            if matches!(visit(entry), WalkState::Quit) {
                break;
            }
        }
    }
    if let Some(error) = failure.into_inner().ok().flatten() {
        return Err(error);
    }
    let mut files = files.into_inner().unwrap_or_default();
    files.sort_by(|a, b| a.relpath.cmp(&b.relpath));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_files_respecting_dvcignore() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = root.path().join("data");
        std::fs::create_dir_all(dir.join("sub/empty")).expect("mkdir");
        std::fs::create_dir_all(dir.join("skip")).expect("mkdir");
        for f in ["a.txt", "sub/b.txt", "skip/c.txt", "x.tmp"] {
            std::fs::write(dir.join(f), f).expect("write");
        }
        std::fs::write(root.path().join(".dvcignore"), "*.tmp\n").expect("write");
        std::fs::write(dir.join(".dvcignore"), "skip/\n").expect("write");
        std::os::unix::fs::symlink(dir.join("a.txt"), dir.join("link.txt")).expect("symlink");
        let files = walk_files(&dir, root.path(), 2).expect("walk");
        let names: Vec<&str> = files.iter().map(|f| f.relpath.as_str()).collect();
        assert_eq!(names, [".dvcignore", "a.txt", "link.txt", "sub/b.txt"]);
    }
}
