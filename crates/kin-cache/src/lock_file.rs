//! `dvc.lock` on disk: read (a missing file is an empty lock) and written atomically (the
//! format itself is `kin_format::lock_file`).

use std::path::{Path, PathBuf};

use kin_format::lock_file::LockFile;

use kin_format::atomic_write::write_atomic;

/// Why a lock file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LockFileError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is not a valid lock file: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads `path`; a missing file is an empty lock.
pub fn read_lock_file(path: &Path) -> Result<LockFile, LockFileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LockFile::default()),
        Err(source) => {
            return Err(LockFileError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    LockFile::parse(&text).map_err(|reason| LockFileError::Invalid {
        path: path.to_path_buf(),
        reason,
    })
}

/// Writes the lock atomically.
pub fn write_lock_file(path: &Path, lock: &LockFile) -> Result<(), LockFileError> {
    write_atomic(path, lock.render().as_bytes()).map_err(|source| LockFileError::Write {
        path: path.to_path_buf(),
        source,
    })
}
