//! Files that appear under their final name only once complete: an unnamed `O_TMPFILE`
//! linked into place where the kernel and filesystem allow it, a named temp renamed into
//! place elsewhere. Either way the name never refers to a half-written file, and nothing
//! already under the name is replaced.

use std::fs::File;
use std::io::Seek;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};

use rustix::fs::{AtFlags, CWD, Mode, OFlags, RenameFlags};
use rustix::io::Errno;

/// A directory held open, so files in it are created, linked and renamed relative to it
/// instead of by walking its full path each time.
#[derive(Debug)]
pub(crate) struct OpenDir {
    path: PathBuf,
    fd: OwnedFd,
}

impl OpenDir {
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(OpenDir {
            path: path.to_path_buf(),
            fd,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a regular file named `name` is in this directory (one stat, relative).
    pub(crate) fn holds_file(&self, name: &str) -> bool {
        rustix::fs::statat(&self.fd, name, AtFlags::empty())
            .is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_file())
    }
}

/// What publishing found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Published {
    /// The file is now under its name.
    Placed,
    /// A file was already under the name; it was kept and the new one dropped (callers put
    /// only content-addressed files here, so both hold the same bytes).
    AlreadyThere,
}

/// How unnamed files get their name on one filesystem, learnt from the first attempt.
#[derive(Debug, Default)]
pub(crate) struct LinkMethod(AtomicU8);

/// `linkat(fd, "", …, AT_EMPTY_PATH)`: Linux 6.10 lets a process name a file it opened
/// itself this way (earlier kernels only with CAP_DAC_READ_SEARCH).
const BY_FD: u8 = 0;
/// `linkat` of `/proc/self/fd/N`, for earlier kernels.
const BY_PROC_PATH: u8 = 1;
/// No unnamed files here (no `O_TMPFILE` support, or no way to link them): named temps.
const NAMED_TEMPS: u8 = 2;

impl LinkMethod {
    fn get(&self) -> u8 {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, method: u8) {
        self.0.store(method, Ordering::Relaxed);
    }

    /// Named temps only, as where unnamed files cannot be linked.
    pub(crate) fn named_temps_only() -> Self {
        LinkMethod(AtomicU8::new(NAMED_TEMPS))
    }
}

/// A file being written: unnamed, or under a temp name in a directory, which is removed
/// again unless the file is published.
pub(crate) struct NewFile<'d> {
    file: File,
    temp: Option<(&'d OpenDir, String)>,
    /// Names a temp file (a name no one else uses), when one is needed.
    temp_name: &'d dyn Fn() -> String,
}

impl<'d> NewFile<'d> {
    /// A new file with `mode`, in `dir`'s filesystem. Unnamed where possible; otherwise
    /// created in `dir` under a name from `temp_name`.
    pub(crate) fn create(
        dir: &'d OpenDir,
        mode: u32,
        method: &LinkMethod,
        temp_name: &'d dyn Fn() -> String,
    ) -> std::io::Result<Self> {
        let mode = Mode::from_raw_mode(mode);
        if method.get() != NAMED_TEMPS {
            // Read access too: should linking fail, the bytes are copied out again.
            match rustix::fs::openat(
                &dir.fd,
                ".",
                OFlags::RDWR | OFlags::TMPFILE | OFlags::CLOEXEC,
                mode,
            ) {
                Ok(fd) => {
                    return Ok(NewFile {
                        file: File::from(fd),
                        temp: None,
                        temp_name,
                    });
                }
                // EISDIR: a kernel older than O_TMPFILE; the others: a filesystem without it.
                Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL | Errno::NOSYS) => {
                    method.set(NAMED_TEMPS);
                }
                Err(errno) => return Err(errno.into()),
            }
        }
        let name = temp_name();
        let fd = rustix::fs::openat(
            &dir.fd,
            name.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC,
            mode,
        )?;
        Ok(NewFile {
            file: File::from(fd),
            temp: Some((dir, name)),
            temp_name,
        })
    }

    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Gives the finished file the name `dir/name`, unless a file is already there.
    pub(crate) fn publish(
        mut self,
        dir: &OpenDir,
        name: &str,
        method: &LinkMethod,
    ) -> std::io::Result<Published> {
        let Some((temp_dir, temp_name)) = self.temp.take() else {
            return self.link_unnamed(dir, name, method);
        };
        let renamed = rustix::fs::renameat_with(
            &temp_dir.fd,
            temp_name.as_str(),
            &dir.fd,
            name,
            RenameFlags::NOREPLACE,
        );
        let outcome = match renamed {
            Ok(()) => return Ok(Published::Placed),
            Err(Errno::EXIST) => Ok(Published::AlreadyThere),
            // A filesystem without no-replace renames: ask first, then rename.
            Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) if dir.holds_file(name) => {
                Ok(Published::AlreadyThere)
            }
            Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {
                match rustix::fs::renameat(&temp_dir.fd, temp_name.as_str(), &dir.fd, name) {
                    Ok(()) => return Ok(Published::Placed),
                    Err(errno) => Err(errno.into()),
                }
            }
            Err(errno) => Err(errno.into()),
        };
        let _ = rustix::fs::unlinkat(&temp_dir.fd, temp_name.as_str(), AtFlags::empty());
        outcome
    }

    /// Names an unnamed file by the first method this filesystem has not refused, learning
    /// from each refusal (ENOENT, EPERM or EACCES) so later files skip the failed attempt.
    fn link_unnamed(
        mut self,
        dir: &OpenDir,
        name: &str,
        method: &LinkMethod,
    ) -> std::io::Result<Published> {
        let linked = |result: rustix::io::Result<()>| match result {
            Ok(()) => Some(Ok(Published::Placed)),
            Err(Errno::EXIST) => Some(Ok(Published::AlreadyThere)),
            Err(Errno::NOENT | Errno::PERM | Errno::ACCESS) => None,
            Err(errno) => Some(Err(errno.into())),
        };
        if method.get() == BY_FD {
            let by_fd =
                rustix::fs::linkat(self.file.as_fd(), "", &dir.fd, name, AtFlags::EMPTY_PATH);
            if let Some(outcome) = linked(by_fd) {
                return outcome;
            }
            method.set(BY_PROC_PATH);
        }
        let proc_path = format!("/proc/self/fd/{}", self.file.as_raw_fd());
        let by_path = rustix::fs::linkat(
            CWD,
            proc_path.as_str(),
            &dir.fd,
            name,
            AtFlags::SYMLINK_FOLLOW,
        );
        if let Some(outcome) = linked(by_path) {
            return outcome;
        }
        // Neither works here (no /proc): this file's bytes go out through a named temp, and
        // so will every later file's.
        method.set(NAMED_TEMPS);
        self.copy_to_named(dir, name)
    }

    /// Publishes an unnamed file's bytes under `name` through a named temp in `dir`.
    fn copy_to_named(&mut self, dir: &OpenDir, name: &str) -> std::io::Result<Published> {
        let mode = self.file.metadata()?.permissions().mode() & 0o7777;
        let method = LinkMethod::named_temps_only();
        let mut named = NewFile::create(dir, mode, &method, self.temp_name)?;
        self.file.rewind()?;
        std::io::copy(&mut &self.file, named.file())?;
        named.publish(dir, name, &method)
    }
}

impl Drop for NewFile<'_> {
    fn drop(&mut self) {
        if let Some((dir, name)) = &self.temp {
            let _ = rustix::fs::unlinkat(&dir.fd, name.as_str(), AtFlags::empty());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Writes `content` as `name` with `method` and returns what publishing found.
    fn write_new(dir: &OpenDir, name: &str, content: &[u8], method: &LinkMethod) -> Published {
        let temp_name = || ".tmp-test".to_owned();
        let mut file = NewFile::create(dir, 0o444, method, &temp_name).expect("create");
        file.file().write_all(content).expect("write");
        file.publish(dir, name, method).expect("publish")
    }

    fn each_method() -> [(&'static str, LinkMethod); 3] {
        [
            ("by fd", LinkMethod::default()),
            ("by /proc path", LinkMethod(AtomicU8::new(BY_PROC_PATH))),
            ("named temps", LinkMethod::named_temps_only()),
        ]
    }

    #[test]
    fn each_method_places_a_new_file_read_only_and_keeps_one_already_there() {
        for (label, method) in each_method() {
            let tmp = tempfile::tempdir().expect("tmp");
            let dir = OpenDir::open(tmp.path()).expect("open");
            assert_eq!(
                write_new(&dir, "obj", b"first", &method),
                Published::Placed,
                "{label}"
            );
            assert_eq!(
                write_new(&dir, "obj", b"other", &method),
                Published::AlreadyThere,
                "{label}"
            );
            assert_eq!(
                std::fs::read(tmp.path().join("obj")).expect("read"),
                b"first",
                "{label}"
            );
            let mode = std::fs::metadata(tmp.path().join("obj"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o222, 0, "{label}: writable object");
            assert_eq!(names_in(tmp.path()), ["obj"], "{label}: leftovers");
        }
    }

    #[test]
    fn an_abandoned_file_leaves_nothing_behind() {
        for (label, method) in each_method() {
            let tmp = tempfile::tempdir().expect("tmp");
            let dir = OpenDir::open(tmp.path()).expect("open");
            let temp_name = || ".tmp-test".to_owned();
            let mut file = NewFile::create(&dir, 0o444, &method, &temp_name).expect("create");
            file.file().write_all(b"half").expect("write");
            drop(file);
            assert!(
                names_in(tmp.path()).is_empty(),
                "{label}: {:?}",
                names_in(tmp.path())
            );
        }
    }

    #[test]
    fn an_unnamed_file_that_cannot_be_linked_is_copied_out_through_a_named_temp() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = OpenDir::open(tmp.path()).expect("open");
        let temp_name = || ".tmp-test".to_owned();
        let mut file =
            NewFile::create(&dir, 0o444, &LinkMethod::default(), &temp_name).expect("create");
        assert!(file.temp.is_none(), "this filesystem has no O_TMPFILE");
        file.file().write_all(b"bytes").expect("write");
        assert_eq!(
            file.copy_to_named(&dir, "obj").expect("copy"),
            Published::Placed
        );
        drop(file);
        assert_eq!(
            std::fs::read(tmp.path().join("obj")).expect("read"),
            b"bytes"
        );
        let mode = std::fs::metadata(tmp.path().join("obj"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o622, 0o400, "the copy keeps the read-only mode");
        assert_eq!(names_in(tmp.path()), ["obj"]);
    }
}
