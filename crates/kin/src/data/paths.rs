//! Turning user-given paths into repo-relative ones, refusing what is outside or internal.

use std::path::{Component, Path, PathBuf};

use super::DataError;

/// `target` (relative to `cwd` or absolute) as a `/`-separated path relative to `root`.
pub(crate) fn repo_relative(root: &Path, cwd: &Path, target: &Path) -> Result<String, DataError> {
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
    let outside = || DataError::OutsideRepo {
        path: target.to_path_buf(),
    };
    let relative = normal.strip_prefix(root).map_err(|_| outside())?;
    if relative.as_os_str().is_empty() {
        return Err(outside());
    }
    let rel = relative.to_string_lossy().replace('\\', "/");
    for inside in [".dvc", ".git", ".kin"] {
        if rel == inside || rel.starts_with(&format!("{inside}/")) {
            return Err(DataError::Internal { path: rel, inside });
        }
    }
    Ok(rel)
}

/// A path written relative to a stage's `wdir` (or a `.dvc` file's directory), made
/// repo-relative and `/`-separated.
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
            Err(DataError::OutsideRepo { .. })
        ));
        assert!(matches!(
            repo_relative(root, root, Path::new(".")),
            Err(DataError::OutsideRepo { .. })
        ));
        assert!(matches!(
            repo_relative(root, root, Path::new(".dvc/cache")),
            Err(DataError::Internal { .. })
        ));
    }
}
