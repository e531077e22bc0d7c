//! The content-addressed cache at `.dvc/cache/files/md5/xx/rest`, shared with DVC.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hashing::{HashError, hash_and_copy};
use crate::md5::{Md5, ObjectId};

/// Why an object could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(transparent)]
    Read(#[from] HashError),
    #[error("cannot write `{}` into the cache: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` changed while it was being cached (expected {expected}, read {actual})", path.display())]
    Changed {
        path: PathBuf,
        expected: Md5,
        actual: Md5,
    },
}

/// The cache's object directory.
#[derive(Debug, Clone)]
pub struct ObjectDb {
    root: PathBuf,
}

/// Distinguishes temp files of one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl ObjectDb {
    /// The cache under a repository's `.dvc/` directory (DVC 3's `files/md5` layout).
    pub fn in_dvc_dir(dvc_dir: &Path) -> Self {
        ObjectDb {
            root: dvc_dir.join("cache").join("files").join("md5"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn object_path(&self, id: &ObjectId) -> PathBuf {
        let hex = id.md5.to_hex();
        let suffix = if id.is_dir { ".dir" } else { "" };
        self.root
            .join(&hex[..2])
            .join(format!("{}{suffix}", &hex[2..]))
    }

    pub fn contains(&self, id: &ObjectId) -> bool {
        self.object_path(id).is_file()
    }

    /// A temp path inside the cache: never named like an object, so a killed writer leaves
    /// nothing DVC or kin would read as one.
    fn temp_path(&self) -> PathBuf {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        self.root.join(format!(".tmp-{}-{n}", std::process::id()))
    }

    fn write_error(path: &Path) -> impl Fn(std::io::Error) -> CacheError + '_ {
        move |source| CacheError::Write {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Copies `source` into the cache in one read, naming it by the md5 of what was read.
    /// If `expected` is given and the content differs, nothing is stored.
    pub fn ingest_file(
        &self,
        source: &Path,
        expected: Option<Md5>,
    ) -> Result<(Md5, u64), CacheError> {
        std::fs::create_dir_all(&self.root).map_err(Self::write_error(&self.root))?;
        let temp = self.temp_path();
        let result = (|| {
            let file = File::create(&temp).map_err(Self::write_error(&temp))?;
            let mut writer = BufWriter::with_capacity(1 << 20, file);
            let (md5, size) = hash_and_copy(source, &mut writer)?;
            writer.flush().map_err(Self::write_error(&temp))?;
            if let Some(expected) = expected.filter(|e| *e != md5) {
                return Err(CacheError::Changed {
                    path: source.to_path_buf(),
                    expected,
                    actual: md5,
                });
            }
            self.publish(&temp, &ObjectId::file(md5))?;
            Ok((md5, size))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    /// Stores `bytes` (a directory manifest) under `id`.
    pub fn insert_bytes(&self, id: &ObjectId, bytes: &[u8]) -> Result<(), CacheError> {
        if self.contains(id) {
            return Ok(());
        }
        std::fs::create_dir_all(&self.root).map_err(Self::write_error(&self.root))?;
        let temp = self.temp_path();
        let result = std::fs::write(&temp, bytes)
            .map_err(Self::write_error(&temp))
            .and_then(|()| self.publish(&temp, id));
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    /// Makes a finished temp file read-only and renames it to its object path (atomic).
    fn publish(&self, temp: &Path, id: &ObjectId) -> Result<(), CacheError> {
        let target = self.object_path(id);
        if target.is_file() {
            let _ = std::fs::remove_file(temp);
            return Ok(());
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(Self::write_error(parent))?;
        }
        std::fs::set_permissions(temp, std::fs::Permissions::from_mode(0o444))
            .map_err(Self::write_error(temp))?;
        std::fs::rename(temp, &target).map_err(Self::write_error(&target))
    }

    /// Every object id in the cache (for gc).
    pub fn list(&self) -> Vec<ObjectId> {
        let mut ids = Vec::new();
        let Ok(prefixes) = std::fs::read_dir(&self.root) else {
            return ids;
        };
        for prefix in prefixes.flatten() {
            let prefix_name = prefix.file_name().to_string_lossy().to_string();
            if prefix_name.len() != 2 {
                continue;
            }
            let Ok(objects) = std::fs::read_dir(prefix.path()) else {
                continue;
            };
            for object in objects.flatten() {
                let name = format!("{prefix_name}{}", object.file_name().to_string_lossy());
                if let Ok(id) = name.parse() {
                    ids.push(id);
                }
            }
        }
        ids.sort();
        ids
    }

    /// Removes leftovers of writers that were killed (`.tmp-<pid>-*` of processes that are gone).
    pub fn remove_stale_temps(&self) {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(pid) = name.strip_prefix(".tmp-").and_then(|r| r.split('-').next()) else {
                continue;
            };
            let alive = pid.parse::<u32>().is_ok_and(|p| {
                p == std::process::id() || Path::new(&format!("/proc/{p}")).exists()
            });
            if !alive {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_names_by_content_and_is_read_only() {
        let dir = tempfile::tempdir().expect("tmp");
        let odb = ObjectDb::in_dvc_dir(&dir.path().join(".dvc"));
        let source = dir.path().join("a.txt");
        std::fs::write(&source, b"a\n").expect("write");
        let (md5, size) = odb.ingest_file(&source, None).expect("ingest");
        assert_eq!(size, 2);
        let path = odb.object_path(&ObjectId::file(md5));
        assert!(
            path.ends_with("files/md5/60/b725f10c9c85c70d97880dfe8191b3"),
            "{}",
            path.display()
        );
        assert_eq!(
            std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
            0o444
        );
        assert_eq!(odb.list(), vec![ObjectId::file(md5)]);
        let wrong = Md5::of(b"other");
        assert!(matches!(
            odb.ingest_file(&source, Some(wrong)),
            Err(CacheError::Changed { .. })
        ));
        let leftovers: Vec<_> = std::fs::read_dir(odb.root())
            .expect("read")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "no temp files remain");
    }
}
