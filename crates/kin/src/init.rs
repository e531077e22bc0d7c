//! `kin init`: creates `.dvc/` as `dvc init` does and kin's own `.kin/`, without touching what exists.

use std::path::{Path, PathBuf};

/// Why a repository could not be initialised.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("`{}` is not inside a git repository", dir.display())]
    NotGit { dir: PathBuf },
    #[error("`{}` is inside the git repository at `{}`, not at its root", dir.display(), git_root.display())]
    NotGitRoot { dir: PathBuf, git_root: PathBuf },
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot stage the new files in git: {source}")]
    GitAdd { source: crate::git::GitError },
}

#[derive(Debug, Clone, Copy, Default)]
pub struct InitOptions {
    /// Initialise without git: DVC's `core.no_scm`.
    pub no_scm: bool,
}

/// What `init` created; empty when everything already existed.
#[derive(Debug, Clone, Default)]
pub struct InitReport {
    pub created: Vec<PathBuf>,
}

const DVC_GITIGNORE: &str = "/config.local\n/tmp\n/cache\n";
const DVCIGNORE: &str = "# Paths DVC and kin should not look into, in .gitignore syntax.\n";
const KIN_CONFIG: &str = "# kin settings for this repository (see docs/configuration.md).\n";
const KIN_GITIGNORE: &str = "# Local state (lineage store, stat index) stays out of git.\n/*\n!/.gitignore\n!/config.toml\n";

/// Initialises `dir`. Idempotent: existing files are left as they are.
pub fn init(dir: &Path, options: InitOptions) -> Result<InitReport, InitError> {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !options.no_scm {
        match git_toplevel(&dir) {
            None => return Err(InitError::NotGit { dir }),
            Some(top) if !same_dir(&top, &dir) => {
                return Err(InitError::NotGitRoot { dir, git_root: top });
            }
            Some(_) => {}
        }
    }
    let mut report = InitReport::default();
    let dvc_config = if options.no_scm {
        "[core]\n    no_scm = True\n"
    } else {
        ""
    };
    let mut files: Vec<(&str, &str)> = vec![(".dvc/config", dvc_config)];
    if !options.no_scm {
        files.push((".dvc/.gitignore", DVC_GITIGNORE));
        files.push((".dvcignore", DVCIGNORE));
    }
    files.push((".kin/config.toml", KIN_CONFIG));
    files.push((".kin/.gitignore", KIN_GITIGNORE));
    for dir_name in [".dvc", ".dvc/tmp", ".kin"] {
        let path = dir.join(dir_name);
        std::fs::create_dir_all(&path).map_err(|source| InitError::Write { path, source })?;
    }
    for (rel, contents) in &files {
        if write_new(&dir.join(rel), contents)? {
            report.created.push(PathBuf::from(rel));
        }
    }
    if !options.no_scm && !report.created.is_empty() {
        let created: Vec<String> = report
            .created
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let mut args = vec!["add", "--"];
        args.extend(created.iter().map(String::as_str));
        crate::git::git_output(&dir, &args).map_err(|source| InitError::GitAdd { source })?;
    }
    Ok(report)
}

/// Writes `contents` only if `path` does not exist, through a temporary file and a rename.
fn write_new(path: &Path, contents: &str) -> Result<bool, InitError> {
    if path.exists() {
        return Ok(false);
    }
    let write_error = |source| InitError::Write {
        path: path.to_path_buf(),
        source,
    };
    kin_format::atomic_write::write_atomic(path, contents.as_ref()).map_err(write_error)?;
    Ok(true)
}

fn git_toplevel(dir: &Path) -> Option<PathBuf> {
    let output = crate::git::git_output(dir, &["rev-parse", "--show-toplevel"]).ok()?;
    Some(PathBuf::from(String::from_utf8_lossy(&output).trim()))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
