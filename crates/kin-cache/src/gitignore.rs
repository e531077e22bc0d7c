//! Adding `/name` to the `.gitignore` beside a tracked path, as `dvc add` does.

use std::path::{Path, PathBuf};
use std::process::Command;

use kin_format::atomic_write::write_atomic;

/// Why `.gitignore` could not be updated.
#[derive(Debug, thiserror::Error)]
#[error("cannot update `{}`: {source}", path.display())]
pub struct GitignoreError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Adds `/<file name>` to `<parent>/.gitignore` unless git already ignores `path`.
/// Returns the `.gitignore` that changed, if any.
pub fn ignore_in_git(repo_root: &Path, path: &Path) -> Result<Option<PathBuf>, GitignoreError> {
    if !repo_root.join(".git").exists() || is_git_ignored(repo_root, path) {
        return Ok(None);
    }
    let Some(name) = path.file_name() else {
        return Ok(None);
    };
    let gitignore = path.parent().unwrap_or(repo_root).join(".gitignore");
    let entry = format!("/{}", escape_gitignore(&name.to_string_lossy()));
    let existing = match std::fs::read_to_string(&gitignore) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(GitignoreError {
                path: gitignore,
                source,
            });
        }
    };
    if existing.lines().any(|line| line == entry) {
        return Ok(None);
    }
    let mut updated = existing;
    if !updated.is_empty() && !updated.ends_with('\n') {
        updated.push('\n');
    }
    updated.push_str(&entry);
    updated.push('\n');
    write_atomic(&gitignore, updated.as_bytes()).map_err(|source| GitignoreError {
        path: gitignore.clone(),
        source,
    })?;
    Ok(Some(gitignore))
}

/// gitignore patterns treat `!`, `#`, `*`, `?`, `[` and `\` specially; DVC escapes them.
fn escape_gitignore(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '!' | '#' | '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn is_git_ignored(repo_root: &Path, path: &Path) -> bool {
    Command::new("git")
        .args(["check-ignore", "-q", "--no-index", "--"])
        .arg(path)
        .current_dir(repo_root)
        .status()
        .is_ok_and(|s| s.success())
}
