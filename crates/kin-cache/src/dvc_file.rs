//! `.dvc` files on disk: read, written atomically, and updated in place on a re-add (the
//! format itself is `kin_format::dvc_file`).

use std::path::{Path, PathBuf};

use kin_format::dvc_file::{DvcOut, parse_dvc_file_text, render_dvc_file};
use kin_format::dvc_file_update::update_dvc_text;

/// Why a `.dvc` file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DvcFileError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is not a valid .dvc file: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads the outputs of a `.dvc` file.
pub fn read_dvc_file(path: &Path) -> Result<Vec<DvcOut>, DvcFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| DvcFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_dvc_file_text(&text).map_err(|reason| DvcFileError::Invalid {
        path: path.to_path_buf(),
        reason,
    })
}

/// Writes a `.dvc` file atomically (temp file + rename).
pub fn write_dvc_file(path: &Path, outs: &[DvcOut]) -> Result<(), DvcFileError> {
    write_atomic(path, render_dvc_file(outs).as_bytes()).map_err(|source| DvcFileError::Write {
        path: path.to_path_buf(),
        source,
    })
}

use kin_format::atomic_write::write_atomic;

/// Writes `out` as the `.dvc` file at `path`; when `existing` (its current content) is a file
/// DVC wrote, everything in it but the hash fields is kept.
pub fn write_updated(
    path: &Path,
    out: &DvcOut,
    existing: Option<&[u8]>,
) -> Result<(), DvcFileError> {
    let updated = existing
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(|text| update_dvc_text(text, out));
    match updated {
        Some(text) => write_atomic(path, text.as_bytes()).map_err(|source| DvcFileError::Write {
            path: path.to_path_buf(),
            source,
        }),
        None => write_dvc_file(path, std::slice::from_ref(out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back() {
        let text = "outs:\n- md5: 9dd4e461268c8034f5c8564e155c67a6\n  size: 1\n  isexec: true\n  hash: md5\n  path: single.bin\n";
        let exec = parse_dvc_file_text(text).expect("valid").remove(0);
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("x.dvc");
        write_dvc_file(&path, std::slice::from_ref(&exec)).expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("written"), text);
        assert_eq!(read_dvc_file(&path).expect("read"), vec![exec]);
    }
}
