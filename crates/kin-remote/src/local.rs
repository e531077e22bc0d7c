//! A remote that is a directory on a local or mounted file system.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::{ObjectHead, Remote, RemoteError};

/// Objects as files under `root`; uploads land in a temp file beside their final name and
/// are renamed into place, so a reader never sees half an object.
#[derive(Debug, Clone)]
pub struct LocalRemote {
    root: PathBuf,
}

impl LocalRemote {
    pub fn new(root: PathBuf) -> Self {
        LocalRemote { root }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// Writes via `fill` into a temp file next to `key`'s path, then renames it into place.
    fn write_atomic(
        &self,
        key: &str,
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> Result<(), RemoteError> {
        let dest = self.path(key);
        let write_error = |source| RemoteError::WriteLocal {
            path: dest.clone(),
            source,
        };
        let dir = dest.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(write_error)?;
        kin_format::atomic_write::write_atomic_shared_with(&dest, |file| {
            fill(file)?;
            file.sync_all()
        })
        .map_err(write_error)
    }
}

impl Remote for LocalRemote {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn head(&self, key: &str) -> Result<Option<ObjectHead>, RemoteError> {
        match std::fs::metadata(self.path(key)) {
            Ok(meta) if meta.is_file() => Ok(Some(ObjectHead {
                size: meta.len(),
                etag: None,
                version: None,
            })),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(RemoteError::ReadLocal {
                path: self.path(key),
                source,
            }),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, RemoteError> {
        let mut keys = Vec::new();
        let mut pending = vec![(self.path(prefix), prefix.trim_end_matches('/').to_owned())];
        while let Some((dir, key)) = pending.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => return Err(RemoteError::ReadLocal { path: dir, source }),
            };
            for entry in entries {
                let entry = entry.map_err(|source| RemoteError::ReadLocal {
                    path: dir.clone(),
                    source,
                })?;
                let name = entry.file_name().to_string_lossy().into_owned();
                // Temp files of uploads in progress are not objects.
                if name.starts_with('.') && name.ends_with(".tmp") {
                    continue;
                }
                let child = if key.is_empty() {
                    name
                } else {
                    format!("{key}/{name}")
                };
                let kind = entry.file_type().map_err(|source| RemoteError::ReadLocal {
                    path: entry.path(),
                    source,
                })?;
                if kind.is_dir() {
                    pending.push((entry.path(), child));
                } else {
                    keys.push(child);
                }
            }
        }
        Ok(keys)
    }

    fn put_file(&self, key: &str, path: &Path) -> Result<(), RemoteError> {
        let mut source = File::open(path).map_err(|source| RemoteError::ReadLocal {
            path: path.to_path_buf(),
            source,
        })?;
        self.write_atomic(key, |dest| io::copy(&mut source, dest).map(drop))
    }

    fn put_bytes(&self, key: &str, bytes: &[u8]) -> Result<(), RemoteError> {
        self.write_atomic(key, |dest| dest.write_all(bytes))
    }

    fn get(&self, key: &str, sink: &mut dyn Write) -> Result<u64, RemoteError> {
        let path = self.path(key);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(RemoteError::NotFound {
                    remote: self.describe(),
                    key: key.to_owned(),
                });
            }
            Err(source) => return Err(RemoteError::ReadLocal { path, source }),
        };
        io::copy(&mut file, sink).map_err(|source| RemoteError::Sink {
            key: key.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_list_exists() {
        let dir = tempfile::tempdir().expect("tempdir");
        let remote = LocalRemote::new(dir.path().join("r"));
        assert!(!remote.exists("files/md5/ab/cd").expect("exists"));
        remote.put_bytes("files/md5/ab/cd", b"hello").expect("put");
        let src = dir.path().join("src");
        std::fs::write(&src, b"world").expect("write");
        remote.put_file("files/md5/ef/01", &src).expect("put");
        assert!(remote.exists("files/md5/ab/cd").expect("exists"));
        let mut keys = remote.list("files/md5").expect("list");
        keys.sort();
        assert_eq!(keys, ["files/md5/ab/cd", "files/md5/ef/01"]);
        let mut out = Vec::new();
        assert_eq!(remote.get("files/md5/ef/01", &mut out).expect("get"), 5);
        assert_eq!(out, b"world");
        assert!(matches!(
            remote.get("files/md5/00/00", &mut Vec::new()),
            Err(RemoteError::NotFound { .. })
        ));
        assert!(remote.list("nothing").expect("list").is_empty());
    }
}
