//! Putting cache objects into the workspace with the strategies of `cache.type`.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// One of DVC's link types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    Reflink,
    Hardlink,
    Symlink,
    Copy,
}

/// Why a workspace file could not be created.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("unknown cache.type `{0}` (expected reflink, hardlink, symlink or copy)")]
    UnknownType(String),
    #[error("cannot create `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Set once a reflink fails because the filesystem cannot clone.
static REFLINK_UNSUPPORTED: AtomicBool = AtomicBool::new(false);

/// Copies into a new file created with `mode` (the kernel copies the bytes where it can).
fn copy_with_mode(from: &Path, to: &Path, mode: u32) -> std::io::Result<()> {
    let mut source = std::fs::File::open(from)?;
    let mut dest = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(to)?;
    std::io::copy(&mut source, &mut dest).map(|_| ())
}

/// Parses `cache.type` (`reflink,copy` is DVC's default).
pub fn parse_link_types(value: Option<&str>) -> Result<Vec<LinkType>, LinkError> {
    value
        .unwrap_or("reflink,copy")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| match name {
            "reflink" => Ok(LinkType::Reflink),
            "hardlink" => Ok(LinkType::Hardlink),
            "symlink" => Ok(LinkType::Symlink),
            "copy" => Ok(LinkType::Copy),
            other => Err(LinkError::UnknownType(other.to_owned())),
        })
        .collect()
}

/// Creates `dest` from the cache object `object`, trying each link type in order, through a
/// temp file and a rename so `dest` is never half-written. Returns the type that worked.
pub fn link_from_cache(
    object: &Path,
    dest: &Path,
    types: &[LinkType],
    is_exec: bool,
) -> Result<LinkType, LinkError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LinkError::Io { path, source }
    };
    if let Some(parent) = dest.parent().filter(|p| !p.is_dir()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    if dest.is_dir() && !dest.is_symlink() {
        return Err(LinkError::Io {
            path: dest.to_path_buf(),
            source: std::io::Error::other("a directory is in the way"),
        });
    }
    // A path that does not exist yet is created in place: nothing is replaced, and an
    // interrupted copy leaves a file whose hash differs, which status reports and the next
    // checkout repairs. Only replacing an existing file needs a temp file and a rename.
    if std::fs::symlink_metadata(dest).is_err()
        && let Some(kind) = create_in_place(object, dest, types, mode_for(is_exec))
    {
        return Ok(kind);
    }
    let file_name = dest
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temp = dest.with_file_name(format!(".{file_name}.kin-tmp-{}", std::process::id()));
    // Workspace copies are writable; cache objects stay read-only.
    let mode = mode_for(is_exec);
    let mut last_error = None;
    for &kind in types {
        if kind == LinkType::Reflink && REFLINK_UNSUPPORTED.load(Ordering::Relaxed) {
            continue;
        }
        let attempt = create_link(kind, object, &temp, mode);
        match attempt {
            Ok(()) => {
                std::fs::rename(&temp, dest).map_err(io(dest))?;
                return Ok(kind);
            }
            Err(error) => {
                let _ = std::fs::remove_file(&temp);
                if kind == LinkType::Reflink && is_unsupported(&error) {
                    // The filesystem cannot clone: do not pay for the attempt on every file.
                    REFLINK_UNSUPPORTED.store(true, Ordering::Relaxed);
                }
                last_error = Some(error);
            }
        }
    }
    Err(LinkError::Io {
        path: dest.to_path_buf(),
        source: last_error.unwrap_or_else(|| std::io::Error::other("no link type configured")),
    })
}

/// Creates `target` (which must not exist) from `object` with one link type.
fn create_link(kind: LinkType, object: &Path, target: &Path, mode: u32) -> std::io::Result<()> {
    match kind {
        LinkType::Reflink => reflink_copy::reflink(object, target)
            .and_then(|()| std::fs::set_permissions(target, std::fs::Permissions::from_mode(mode))),
        LinkType::Hardlink => std::fs::hard_link(object, target),
        LinkType::Symlink => {
            std::path::absolute(object).and_then(|abs| std::os::unix::fs::symlink(abs, target))
        }
        LinkType::Copy => copy_with_mode(object, target, mode),
    }
}

fn mode_for(is_exec: bool) -> u32 {
    if is_exec { 0o755 } else { 0o644 }
}

/// Tries each link type directly at `dest` (which does not exist); `None` if all fail.
fn create_in_place(object: &Path, dest: &Path, types: &[LinkType], mode: u32) -> Option<LinkType> {
    for &kind in types {
        if kind == LinkType::Reflink && REFLINK_UNSUPPORTED.load(Ordering::Relaxed) {
            continue;
        }
        let attempt = create_link(kind, object, dest, mode);
        match attempt {
            Ok(()) => return Some(kind),
            Err(error) => {
                if kind == LinkType::Reflink && is_unsupported(&error) {
                    REFLINK_UNSUPPORTED.store(true, Ordering::Relaxed);
                }
                if matches!(kind, LinkType::Reflink | LinkType::Copy) {
                    let _ = std::fs::remove_file(dest);
                }
            }
        }
    }
    None
}

/// EOPNOTSUPP / EXDEV / EINVAL: what filesystems answer when they cannot clone.
fn is_unsupported(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::Unsupported
            | std::io::ErrorKind::CrossesDevices
            | std::io::ErrorKind::InvalidInput
    ) || matches!(error.raw_os_error(), Some(95 | 18 | 22))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_and_sets_modes() {
        let dir = tempfile::tempdir().expect("tmp");
        let object = dir.path().join("object");
        std::fs::write(&object, b"data").expect("write");
        std::fs::set_permissions(&object, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        let dest = dir.path().join("out/file.sh");
        let used = link_from_cache(
            &object,
            &dest,
            &parse_link_types(None).expect("types"),
            true,
        )
        .expect("link");
        assert!(matches!(used, LinkType::Reflink | LinkType::Copy));
        assert_eq!(std::fs::read(&dest).expect("read"), b"data");
        assert_eq!(
            std::fs::metadata(&dest).expect("meta").permissions().mode() & 0o777,
            0o755
        );
        let linked = dir.path().join("hard");
        assert_eq!(
            link_from_cache(&object, &linked, &[LinkType::Hardlink], false).expect("link"),
            LinkType::Hardlink
        );
        assert!(parse_link_types(Some("reflink,teleport")).is_err());
    }
}
