//! Paths as the user sees them: targets typed relative to the current directory made
//! repository-relative, and repository paths and stage addresses shown relative to the
//! current directory, as DVC shows them.

use std::path::{Component, Path, PathBuf};

use crate::command_error::CommandError;

/// Repo-relative paths and the paths shown to the user (relative to the current directory).
pub struct Paths {
    root: PathBuf,
    /// The current directory relative to the root, as components.
    cwd_parts: Vec<String>,
    cwd: PathBuf,
}

impl Paths {
    pub fn new(repo: &kin::Repo, cwd: &Path) -> Paths {
        let cwd = std::path::absolute(cwd).unwrap_or_else(|_| cwd.to_path_buf());
        let cwd = normalize(&cwd);
        let cwd_parts = cwd
            .strip_prefix(repo.root())
            .map(|rel| {
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        Paths {
            root: repo.root().to_path_buf(),
            cwd_parts,
            cwd,
        }
    }

    /// A target given on the command line (relative to the current directory) as a
    /// repo-relative path.
    pub fn target(&self, target: &Path) -> Result<String, CommandError> {
        let full = normalize(&self.cwd.join(target));
        let rel = full.strip_prefix(&self.root).map_err(|_| {
            CommandError::usage(format!(
                "`{}` is outside the repository `{}`",
                target.display(),
                self.root.display()
            ))
            .with_hint("give paths inside the repository")
        })?;
        Ok(rel.to_string_lossy().replace('\\', "/"))
    }

    /// [`Paths::target`] of each of `targets`.
    pub fn targets(&self, targets: &[PathBuf]) -> Result<Vec<String>, CommandError> {
        targets.iter().map(|t| self.target(t)).collect()
    }

    /// A repo-relative path as seen from the current directory (`../m.json` from `sub/`).
    pub fn display(&self, path: &str) -> String {
        kin::paths::relative_from(&self.cwd_in_repo(), path)
    }

    /// The current directory, repo-relative (`` at the root).
    pub fn cwd_in_repo(&self) -> String {
        self.cwd_parts.join("/")
    }
}

impl Paths {
    /// A stage address (`train`, `sub/dvc.yaml:train`) or `.dvc` file as DVC names it from
    /// the current directory: the pipeline file relative to it, and only the stage's name
    /// when that file is the `dvc.yaml` right here.
    pub fn display_address(&self, address: &str) -> String {
        let (file, name) = match address.rsplit_once(':') {
            Some((file, name)) => (file, Some(name)),
            None if address.ends_with(".dvc") => (address, None),
            None => ("dvc.yaml", Some(address)),
        };
        let file = self.display(file);
        match name {
            Some(name) if file == "dvc.yaml" => name.to_owned(),
            Some(name) => format!("{file}:{name}"),
            None => file,
        }
    }

    /// A dep or output as `dvc status` shows it: relative to the current directory, or the
    /// absolute path it is when outside the repository.
    pub fn display_any(&self, path: &str) -> String {
        if Path::new(path).is_absolute() {
            path.to_owned()
        } else {
            self.display(path)
        }
    }
}

/// Removes `.` and resolves `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
