//! Replacing a file so that readers see the old or the new content, never a mix: the new
//! content goes to a temp file beside it, which is renamed over it. One temp naming scheme,
//! `.<name>.kin-tmp-<pid>-<n>`: the pid keeps two processes apart, the counter two threads.
//!
//! A process killed between writing the temp and renaming it leaves the temp behind; the next
//! write of the same file removes temps of processes that are gone, in directories small
//! enough to list cheaply (a `.dvc` file beside 20,000 data files is not worth a listing).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers this process's temp files.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `bytes`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// Replaces `path` with what `fill` writes to the temp file; the temp file is removed again
/// if `fill` or the rename fails.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    remove_dead_temps(path);
    write_atomic_shared_with(path, fill)
}

/// [`write_atomic_with`] for a directory other machines may write too (a remote, a shared
/// cache): leftovers are not swept there, since a process id says nothing about another
/// machine's processes, and listing the directory on every object would slow a transfer.
pub fn write_atomic_shared_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let temp = temp_path(path);
    let result = File::create(&temp)
        .and_then(|mut file| fill(&mut file))
        .and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Directories larger than this (in bytes of directory entries) are not listed for leftovers.
const LISTED_DIR_BYTES: u64 = 64 << 10;

/// Removes `.<name>.kin-tmp-<pid>-<n>` beside `path` left by processes that are gone.
fn remove_dead_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if std::fs::metadata(dir).map_or(true, |m| m.len() > LISTED_DIR_BYTES) {
        return;
    }
    let prefix = format!(".{}.kin-tmp-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` exists; where `/proc` does not tell, it is taken to be alive.
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// The temp file that will replace `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.kin-tmp-{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f.txt");
        write_atomic(&path, b"one").expect("write");
        write_atomic(&path, b"two").expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let failed = write_atomic_with(&path, |_| Err(std::io::Error::other("no")));
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["f.txt"]);
        assert_ne!(
            temp_path(&path),
            temp_path(&path),
            "two temps never share a name"
        );
    }

    #[test]
    fn the_next_write_removes_what_a_killed_writer_left() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("dvc.lock");
        // pid 1 is alive; a pid above pid_max never is.
        let dead = dir.path().join(".dvc.lock.kin-tmp-2147483600-0");
        let alive = dir.path().join(".dvc.lock.kin-tmp-1-0");
        std::fs::write(&dead, "half").expect("write");
        std::fs::write(&alive, "busy").expect("write");
        write_atomic(&path, b"lock").expect("write");
        assert!(!dead.exists());
        assert!(alive.exists(), "another live writer's temp is not touched");
    }
}
