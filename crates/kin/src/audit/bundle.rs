//! Evidence bundles: a self-contained folder or tar of files for an auditor, with a
//! `MANIFEST.json` of every file's SHA-256, and the offline check that nothing in it changed.
//! The tar is plain POSIX ustar, written and read here (a few dozen lines, no dependency).

use std::io::Read;
use std::path::{Path, PathBuf};

use kin_store::audit::sha256_hex_bytes;
use serde_json::{Value, json};

/// The manifest's name inside a bundle.
pub const MANIFEST: &str = "MANIFEST.json";

/// What identifies the bundle format in its manifest.
pub const FORMAT: &str = "kin-evidence-bundle/1";

/// One file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Relative, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Why a bundle could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot write the bundle {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the bundle {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} exists and is not an empty directory", path.display())]
    NotEmpty { path: PathBuf },
    #[error("{} is not a kin evidence bundle: {reason}", path.display())]
    NotABundle { path: PathBuf, reason: String },
}

/// Writes `files` and their manifest (about `subject`) to `out`: a directory, or a tar file
/// when `out` ends in `.tar`. Nothing is left half-written: a tar is written atomically, a
/// directory is refused unless new or empty.
pub fn write_bundle(
    out: &Path,
    subject: &str,
    mut files: Vec<BundleFile>,
) -> Result<usize, BundleError> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let listed: Vec<Value> = files
        .iter()
        .map(|f| json!({"path": f.path, "sha256": sha256_hex_bytes(&f.bytes), "size": f.bytes.len()}))
        .collect();
    let manifest = json!({"format": FORMAT, "subject": subject, "files": listed});
    let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    text.push('\n');
    files.push(BundleFile {
        path: MANIFEST.to_owned(),
        bytes: text.into_bytes(),
    });
    let write_error = |source| BundleError::Write {
        path: out.to_path_buf(),
        source,
    };
    if out.extension().is_some_and(|e| e == "tar") {
        let tar = to_tar(&files);
        kin_format::atomic_write::write_atomic(out, &tar).map_err(write_error)?;
        return Ok(files.len());
    }
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(write_error)?
            .next()
            .is_some()
    {
        return Err(BundleError::NotEmpty {
            path: out.to_path_buf(),
        });
    }
    for file in &files {
        let path = out.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_error)?;
        }
        kin_format::atomic_write::write_atomic(&path, &file.bytes).map_err(write_error)?;
    }
    Ok(files.len())
}

/// Checks a bundle offline: every file the manifest lists is there with its digest, and no
/// file is there that it does not list. The problems found (none: intact).
pub fn verify_bundle(path: &Path) -> Result<Vec<String>, BundleError> {
    let files = read_bundle(path)?;
    let not_bundle = |reason: &str| BundleError::NotABundle {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    let manifest = files
        .iter()
        .find(|f| f.path == MANIFEST)
        .ok_or_else(|| not_bundle("it has no MANIFEST.json"))?;
    let manifest: Value = serde_json::from_slice(&manifest.bytes)
        .map_err(|_| not_bundle("its MANIFEST.json is not JSON"))?;
    if manifest["format"] != FORMAT {
        return Err(not_bundle("its MANIFEST.json names another format"));
    }
    let mut problems = Vec::new();
    let listed = manifest["files"].as_array().cloned().unwrap_or_default();
    for entry in &listed {
        let name = entry["path"].as_str().unwrap_or_default();
        match files.iter().find(|f| f.path == name) {
            None => problems.push(format!("{name} is missing")),
            Some(file)
                if Some(sha256_hex_bytes(&file.bytes).as_str()) != entry["sha256"].as_str() =>
            {
                problems.push(format!(
                    "{name} was modified: its SHA-256 is not the one the manifest lists"
                ));
            }
            Some(_) => {}
        }
    }
    for file in &files {
        if file.path != MANIFEST && !listed.iter().any(|e| e["path"] == file.path.as_str()) {
            problems.push(format!(
                "{} is not in the manifest: it was added",
                file.path
            ));
        }
    }
    Ok(problems)
}

fn read_bundle(path: &Path) -> Result<Vec<BundleFile>, BundleError> {
    let read_error = |source| BundleError::Read {
        path: path.to_path_buf(),
        source,
    };
    if path.is_file() {
        let bytes = std::fs::read(path).map_err(read_error)?;
        return from_tar(&bytes).ok_or_else(|| BundleError::NotABundle {
            path: path.to_path_buf(),
            reason: "it is not a tar file".to_owned(),
        });
    }
    let mut files = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(read_error)? {
            let entry = entry.map_err(read_error)?;
            let kind = entry.file_type().map_err(read_error)?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                let mut bytes = Vec::new();
                std::fs::File::open(entry.path())
                    .and_then(|mut f| f.read_to_end(&mut bytes))
                    .map_err(read_error)?;
                let relative = entry
                    .path()
                    .strip_prefix(path)
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                files.push(BundleFile {
                    path: relative,
                    bytes,
                });
            }
        }
    }
    Ok(files)
}

const BLOCK: usize = 512;

/// A ustar archive of `files` (regular files, mode 0644, time 0).
fn to_tar(files: &[BundleFile]) -> Vec<u8> {
    let mut out = Vec::new();
    for file in files {
        let mut header = [0u8; BLOCK];
        let name = file.path.as_bytes();
        // Names longer than 100 bytes go in ustar's 155-byte prefix, split at a `/`.
        let (prefix, name) = match name.len() {
            0..=100 => (&b""[..], name),
            _ => {
                let split = file.path[..file.path.len().min(155)]
                    .rfind('/')
                    .unwrap_or(0);
                (&name[..split], &name[split + 1..])
            }
        };
        header[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
        header[100..107].copy_from_slice(b"0000644");
        header[108..115].copy_from_slice(b"0000000");
        header[116..123].copy_from_slice(b"0000000");
        header[124..135].copy_from_slice(format!("{:011o}", file.bytes.len()).as_bytes());
        header[136..147].copy_from_slice(b"00000000000");
        header[156] = b'0';
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[345..345 + prefix.len().min(155)].copy_from_slice(&prefix[..prefix.len().min(155)]);
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&file.bytes);
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    out
}

/// The regular files of a ustar archive; `None` if it is not one.
fn from_tar(bytes: &[u8]) -> Option<Vec<BundleFile>> {
    let mut files = Vec::new();
    let mut at = 0;
    while at + BLOCK <= bytes.len() {
        let header = &bytes[at..at + BLOCK];
        if header.iter().all(|&b| b == 0) {
            return Some(files);
        }
        if &header[257..262] != b"ustar" {
            return None;
        }
        let field = |range: std::ops::Range<usize>| {
            let raw = &header[range];
            let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
            String::from_utf8_lossy(&raw[..end]).into_owned()
        };
        let size = usize::from_str_radix(field(124..136).trim(), 8).ok()?;
        let (name, prefix) = (field(0..100), field(345..500));
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let start = at + BLOCK;
        let data = bytes.get(start..start + size)?;
        if header[156] == b'0' || header[156] == 0 {
            files.push(BundleFile {
                path,
                bytes: data.to_vec(),
            });
        }
        at = start + size.div_ceil(BLOCK) * BLOCK;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<BundleFile> {
        vec![
            BundleFile {
                path: "card.md".to_owned(),
                bytes: b"# card\n".to_vec(),
            },
            BundleFile {
                path: format!("runs/{}/run.json", "r".repeat(120)),
                bytes: b"{}".to_vec(),
            },
        ]
    }

    #[test]
    fn a_tar_bundle_round_trips_and_system_tar_reads_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let tar = dir.path().join("evidence.tar");
        assert_eq!(
            write_bundle(&tar, "churn@v1.0.0", files()).expect("written"),
            3
        );
        assert_eq!(verify_bundle(&tar).expect("read"), Vec::<String>::new());
        let listed = std::process::Command::new("tar")
            .arg("tf")
            .arg(&tar)
            .output()
            .expect("tar runs");
        let listed = String::from_utf8_lossy(&listed.stdout);
        assert!(
            listed.contains("MANIFEST.json") && listed.contains("card.md"),
            "{listed}"
        );
        assert!(
            listed.contains(&format!("runs/{}/run.json", "r".repeat(120))),
            "{listed}"
        );
    }

    #[test]
    fn an_edited_added_or_removed_file_fails_verification() {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join("bundle");
        write_bundle(&out, "churn@v1.0.0", files()).expect("written");
        assert_eq!(verify_bundle(&out).expect("read"), Vec::<String>::new());
        std::fs::write(out.join("card.md"), "# edited\n").expect("edit");
        std::fs::write(out.join("extra.txt"), "x").expect("add");
        let problems = verify_bundle(&out).expect("read");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("card.md was modified")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("extra.txt is not in the manifest")),
            "{problems:?}"
        );
        std::fs::remove_file(out.join("card.md")).expect("remove");
        assert!(
            verify_bundle(&out)
                .expect("read")
                .iter()
                .any(|p| p == "card.md is missing")
        );
        assert!(matches!(
            write_bundle(&out, "x", files()),
            Err(BundleError::NotEmpty { .. })
        ));
    }
}
