//! Putting cache objects into the workspace with the strategies of `cache.type`.

use std::io::{Read, Write};
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
    #[error("cannot create `{}`: a directory is in the way", path.display())]
    DirectoryInTheWay { path: PathBuf },
    #[error("cannot create `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Set once a reflink fails because the filesystem cannot clone.
static REFLINK_UNSUPPORTED: AtomicBool = AtomicBool::new(false);

/// Copies into a new file created with `mode`.
fn copy_with_mode(from: &Path, to: &Path, mode: u32) -> std::io::Result<()> {
    let mut source = std::fs::File::open(from)?;
    let mut dest = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(to)?;
    copy_contents(&mut source, &mut dest)
}

/// Most files of a dataset are small: they are copied with plain reads and one write,
/// which costs fewer calls than the kernel copy `std::io::copy` sets up (two stats and two
/// `copy_file_range`s per file). Whatever does not fit the first buffer is left to the
/// kernel copy.
fn copy_contents(source: &mut std::fs::File, dest: &mut std::fs::File) -> std::io::Result<()> {
    let mut buffer = [0u8; 16 << 10];
    let mut filled = 0;
    while filled < buffer.len() {
        match source.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    dest.write_all(&buffer[..filled])?;
    if filled == buffer.len() {
        std::io::copy(source, dest)?;
    }
    Ok(())
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

/// Creates `dest` from the cache object `object`, trying each link type in order, and
/// returns the type that worked. An existing file at `dest` is replaced through a temp file
/// and a rename, so it is never seen half-written; a directory there is refused
/// (`DirectoryInTheWay`), for the caller to decide about.
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
    let mode = mode_for(is_exec);
    // The common case — nothing at `dest` yet — is tried first and costs no stat: a path that
    // does not exist is created in place. Nothing is replaced, and an interrupted copy leaves
    // a file whose hash differs, which status reports and the next checkout repairs.
    let mut placed = create_in_place(object, dest, types, mode);
    if let InPlace::NoParent(_) = placed {
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        placed = create_in_place(object, dest, types, mode);
    }
    match placed {
        InPlace::Placed(kind) => return Ok(kind),
        InPlace::Failed(source) => {
            return Err(LinkError::Io {
                path: dest.to_path_buf(),
                source,
            });
        }
        InPlace::NoParent(_) | InPlace::Exists(_) => {}
    }
    let existing = std::fs::symlink_metadata(dest).map_err(io(dest))?;
    if existing.is_dir() {
        return Err(LinkError::DirectoryInTheWay {
            path: dest.to_path_buf(),
        });
    }
    // Already a hard link to this very object (a re-add in hardlink mode): nothing to do, so
    // no temp link and rename for each of thousands of files. (A hard link made further down
    // the list of types is handled by the removal after the rename.)
    if types.first() == Some(&LinkType::Hardlink) && is_same_inode(object, &existing) {
        return Ok(LinkType::Hardlink);
    }
    let temp = kin_format::atomic_write::temp_path(dest);
    // A temp left by an earlier process that had this pid would stop the attempt below.
    let _ = std::fs::remove_file(&temp);
    match create_in_place(object, &temp, types, mode) {
        InPlace::Placed(kind) => {
            std::fs::rename(&temp, dest).map_err(io(dest))?;
            // rename(2) between two links of one inode succeeds without removing the source.
            let _ = std::fs::remove_file(&temp);
            Ok(kind)
        }
        InPlace::Exists(source) | InPlace::NoParent(source) | InPlace::Failed(source) => {
            Err(LinkError::Io {
                path: dest.to_path_buf(),
                source,
            })
        }
    }
}

/// Remembers a filesystem that cannot clone, so later files do not pay for the attempt.
fn note_if_unsupported(kind: LinkType, error: &std::io::Error) {
    if kind == LinkType::Reflink && is_unsupported(error) {
        REFLINK_UNSUPPORTED.store(true, Ordering::Relaxed);
    }
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

/// Whether `existing` (metadata of a path, not followed) is the object's own inode.
fn is_same_inode(object: &Path, existing: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(object)
        .is_ok_and(|o| existing.is_file() && o.dev() == existing.dev() && o.ino() == existing.ino())
}

fn mode_for(is_exec: bool) -> u32 {
    if is_exec { 0o755 } else { 0o644 }
}

/// What trying to create `dest` directly came to.
enum InPlace {
    Placed(LinkType),
    /// Something is already at `dest`.
    Exists(std::io::Error),
    /// `dest`'s directory (or, rarely, the object) does not exist.
    NoParent(std::io::Error),
    Failed(std::io::Error),
}

/// Tries each link type directly at `dest`, which is expected not to exist (the workspace
/// path itself, or the temp file that replaces an existing one).
fn create_in_place(object: &Path, dest: &Path, types: &[LinkType], mode: u32) -> InPlace {
    let mut last_error = None;
    for &kind in types {
        if kind == LinkType::Reflink && REFLINK_UNSUPPORTED.load(Ordering::Relaxed) {
            continue;
        }
        match create_link(kind, object, dest, mode) {
            Ok(()) => return InPlace::Placed(kind),
            // Nothing was created: whatever is at `dest` is not ours to remove.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                return InPlace::Exists(error);
            }
            // Most likely the directory is missing (another thread may be creating it right
            // now, so it is not stat'ed here); the caller creates it and tries once more.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return InPlace::NoParent(error);
            }
            Err(error) => {
                note_if_unsupported(kind, &error);
                if matches!(kind, LinkType::Reflink | LinkType::Copy) {
                    // A clone or copy that failed half-way leaves a file this call created.
                    let _ = std::fs::remove_file(dest);
                }
                last_error = Some(error);
            }
        }
    }
    InPlace::Failed(last_error.unwrap_or_else(|| std::io::Error::other("no link type configured")))
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
    fn copies_contents_of_every_size_around_the_first_buffer() {
        let dir = tempfile::tempdir().expect("tmp");
        for size in [
            0usize,
            1,
            1024,
            (16 << 10) - 1,
            16 << 10,
            (16 << 10) + 1,
            1 << 20,
        ] {
            let from = dir.path().join(format!("from-{size}"));
            let content: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&from, &content).expect("write");
            let to = dir.path().join(format!("to-{size}"));
            copy_with_mode(&from, &to, 0o644).expect("copy");
            assert_eq!(std::fs::read(&to).expect("read"), content, "size {size}");
        }
    }

    #[test]
    fn relinking_a_hard_link_leaves_no_temp_behind() {
        let dir = tempfile::tempdir().expect("tmp");
        let object = dir.path().join("object");
        std::fs::write(&object, b"data").expect("write");
        let dest = dir.path().join("ws/file");
        for _ in 0..2 {
            link_from_cache(&object, &dest, &[LinkType::Hardlink], false).expect("link");
        }
        // Also when the first type is not a hard link but the file already is one.
        link_from_cache(&object, &dest, &[LinkType::Copy], false).expect("copy over link");
        let names: Vec<String> = std::fs::read_dir(dir.path().join("ws"))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["file"]);
        assert_eq!(std::fs::read(&dest).expect("read"), b"data");
    }

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
