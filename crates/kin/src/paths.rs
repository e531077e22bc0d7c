//! The bottom of kin's path handling: user-given paths made repo-relative (refusing what is
//! outside or internal), paths joined to a stage's `wdir`, and the on-disk half of the path
//! policy (never through a symbolic link to a directory). The textual half is
//! `kin_format::repo_path`.

use std::path::{Component, Path, PathBuf};

use kin_format::repo_path::RepoPath;

/// Why a path is refused.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("`{}` is outside the repository", path.display())]
    OutsideRepo { path: PathBuf },
    #[error("`{path}` is inside `{inside}`, which kin and DVC manage themselves")]
    Internal { path: String, inside: &'static str },
    #[error(
        "`{path}` is reached through the symbolic link `{link}`, which kin does not write through"
    )]
    SymlinkInPath { path: String, link: String },
}

/// `target` (relative to `cwd` or absolute) as a `/`-separated path relative to `root`.
pub(crate) fn repo_relative(root: &Path, cwd: &Path, target: &Path) -> Result<RepoPath, PathError> {
    let joined = if target.is_absolute() {
        target.to_path_buf()
    } else {
        cwd.join(target)
    };
    let mut normal = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    let outside = || PathError::OutsideRepo {
        path: target.to_path_buf(),
    };
    let relative = normal.strip_prefix(root).map_err(|_| outside())?;
    if relative.as_os_str().is_empty() {
        return Err(outside());
    }
    let rel = relative.to_string_lossy().replace('\\', "/");
    for inside in [".dvc", ".git", ".kin"] {
        if rel == inside || rel.starts_with(&format!("{inside}/")) {
            return Err(PathError::Internal { path: rel, inside });
        }
    }
    // What is left after stripping the root is a plain relative path: `..` was applied.
    RepoPath::parse(&rel).map_err(|_| PathError::OutsideRepo {
        path: target.to_path_buf(),
    })
}

/// Refuses to write or delete at repo-relative `rel` when a directory on the way there is a
/// symbolic link: through it, kin would write wherever the link points, outside the repository
/// included. (DVC refuses to add files inside symlinked directories for the same reason.)
pub(crate) fn refuse_symlinked_dirs(root: &Path, rel: &str) -> Result<(), PathError> {
    let mut checked = DirsChecked::default();
    checked.refuse_symlinked_dirs(root, rel)
}

/// Directories already found to be real ones, so checking the many files of one tracked
/// directory stats each directory once.
#[derive(Default)]
pub(crate) struct DirsChecked {
    real: std::collections::HashSet<String>,
}

impl DirsChecked {
    /// [`refuse_symlinked_dirs`], remembering the directories it found real.
    pub(crate) fn refuse_symlinked_dirs(
        &mut self,
        root: &Path,
        rel: &str,
    ) -> Result<(), PathError> {
        for (end, _) in rel.match_indices('/') {
            let dir = &rel[..end];
            if self.real.contains(dir) {
                continue;
            }
            match std::fs::symlink_metadata(root.join(dir)) {
                // Nothing further down exists yet: kin creates real directories.
                Err(_) => return Ok(()),
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(PathError::SymlinkInPath {
                        path: rel.to_owned(),
                        link: dir.to_owned(),
                    });
                }
                Ok(_) => {
                    self.real.insert(dir.to_owned());
                }
            }
        }
        Ok(())
    }
}

/// Refuses an output path that is itself a symbolic link to a directory: hashing, caching or
/// restoring it would read or write through the link.
pub(crate) fn refuse_symlinked_dir_output(root: &Path, rel: &str) -> Result<(), PathError> {
    let path = root.join(rel);
    let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && path.is_dir() {
        return Err(PathError::SymlinkInPath {
            path: rel.to_owned(),
            link: rel.to_owned(),
        });
    }
    Ok(())
}

/// A path written relative to a stage's `wdir` (or a `.dvc` file's directory), made
/// repo-relative and `/`-separated.
/// Repo-relative `path` as seen from the repo-relative directory `cwd` (`` or `.` for the
/// root): `../m.json` from `sub/`, `.` for `cwd` itself.
pub fn relative_from(cwd: &str, path: &str) -> String {
    let cwd: Vec<&str> = cwd
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let common = cwd.iter().zip(&parts).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; cwd.len() - common];
    out.extend(&parts[common..]);
    if out.is_empty() {
        ".".to_owned()
    } else {
        out.join("/")
    }
}

pub(crate) fn wdir_join(dir: &str, path: &str) -> String {
    let joined = if dir.is_empty() || dir == "." {
        path.to_owned()
    } else {
        format!("{dir}/{path}")
    };
    kin_pipeline::context::normalize_display(Path::new(&joined))
        .to_string_lossy()
        .replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_and_refuses() {
        let root = Path::new("/repo");
        assert_eq!(
            repo_relative(root, Path::new("/repo/sub"), Path::new("../data")).expect("ok"),
            "data"
        );
        assert!(matches!(
            repo_relative(root, root, Path::new("../x")),
            Err(PathError::OutsideRepo { .. })
        ));
        assert!(matches!(
            repo_relative(root, root, Path::new(".")),
            Err(PathError::OutsideRepo { .. })
        ));
        assert!(matches!(
            repo_relative(root, root, Path::new(".dvc/cache")),
            Err(PathError::Internal { .. })
        ));
    }
}
