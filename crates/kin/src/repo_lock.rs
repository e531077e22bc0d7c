//! The repository lock: DVC's own `.dvc/tmp/lock` (an `flock`, as DVC's zc.lockfile takes it),
//! held by every command that writes the cache or the workspace, so no two kin processes, or
//! kin and DVC, change one repository at once.
//!
//! `kin repro` lets go of it while stage commands run, as `dvc repro` does, so a stage may call
//! `kin` or `dvc` itself; the per-output read/write lock (`rwlock`) keeps two processes from
//! running one stage meanwhile. Inside one process several stages run at once (`-j`), so the
//! lock counts the threads that need it and is only let go when none does.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long to retry before giving up without waiting (DVC retries for about as long).
const PATIENCE: Duration = Duration::from_secs(3);

/// Why the repository lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the repository is locked by another process{} (`{}`)", holder_text(*holder), path.display())]
    Held { path: PathBuf, holder: Option<u32> },
    #[error("cannot take the repository lock `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn holder_text(holder: Option<u32>) -> String {
    holder
        .map(|pid| format!(" (pid {pid})"))
        .unwrap_or_default()
}

/// How long to wait when another process holds the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockWait {
    /// A few seconds of retries, then [`LockError::Held`]; what DVC does.
    #[default]
    Briefly,
    /// Until the other process lets go.
    Forever,
}

/// The lock of one repository, held for as long as the value lives; the OS releases it if
/// the process dies.
#[derive(Debug)]
pub struct RepoLock {
    file: File,
    path: PathBuf,
    state: Mutex<Holding>,
}

#[derive(Debug)]
struct Holding {
    /// Threads of this process that need the lock now.
    holders: usize,
    /// Threads running a command, which other processes may take the lock during.
    releasing: usize,
    /// Whether this process has the `flock`.
    locked: bool,
    /// Bumped each time the lock is taken back after being let go: whatever was read from
    /// the repository before may have been changed by someone else since.
    generation: u64,
}

/// One thread's need for the lock; see [`RepoLock::hold`].
#[must_use]
pub struct LockHold<'a> {
    lock: &'a RepoLock,
}

impl Drop for LockHold<'_> {
    fn drop(&mut self) {
        let mut state = self.lock.state();
        state.holders = state.holders.saturating_sub(1);
        // Best effort: failing to unlock only keeps others waiting until this process ends.
        let _ = self.lock.let_go_if_unneeded(&mut state);
    }
}

impl RepoLock {
    /// Takes the lock of the repository whose `.dvc` directory is `dvc_dir`. `on_wait` is
    /// called once if another process holds it and this one is going to wait.
    pub fn acquire(
        dvc_dir: &Path,
        wait: LockWait,
        on_wait: &dyn Fn(&Path),
    ) -> Result<Self, LockError> {
        let path: PathBuf = dvc_dir.join("tmp").join("lock");
        let error = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dvc_dir.join("tmp")).map_err(error)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .read(true)
            .open(&path)
            .map_err(error)?;
        let started = Instant::now();
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::Error(source)) => return Err(error(source)),
                Err(TryLockError::WouldBlock) => {
                    let patient = wait == LockWait::Forever || started.elapsed() < PATIENCE;
                    if !patient {
                        return Err(LockError::Held {
                            holder: read_holder(&file),
                            path,
                        });
                    }
                    if wait == LockWait::Forever && !announced {
                        on_wait(&path);
                        announced = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        write_holder(&file);
        Ok(RepoLock {
            file,
            path,
            state: Mutex::new(Holding {
                holders: 0,
                releasing: 0,
                locked: true,
                generation: 0,
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, Holding> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Declares that this thread needs the lock until the returned value is dropped; takes it
    /// back (waiting for whoever has it) if it was let go.
    pub fn hold(&self) -> Result<LockHold<'_>, LockError> {
        let mut state = self.state();
        self.relock(&mut state)?;
        state.holders += 1;
        Ok(LockHold { lock: self })
    }

    /// Runs `f` (a stage's command) with this thread's need for the lock set aside: when no
    /// other thread of this process needs it either, other processes may take it meanwhile.
    /// The caller must hold it (through [`RepoLock::hold`]); it holds it again afterwards.
    pub fn released_during<T>(&self, f: impl FnOnce() -> T) -> Result<T, LockError> {
        {
            let mut state = self.state();
            state.holders = state.holders.saturating_sub(1);
            state.releasing += 1;
            self.let_go_if_unneeded(&mut state)?;
        }
        let value = f();
        let mut state = self.state();
        state.releasing -= 1;
        self.relock(&mut state)?;
        state.holders += 1;
        Ok(value)
    }

    /// Unlocks when a thread runs a command and none needs the lock. Between stages of a
    /// sequential run it is kept, so nothing read under it has to be read again.
    fn let_go_if_unneeded(&self, state: &mut Holding) -> Result<(), LockError> {
        if state.holders == 0 && state.releasing > 0 && state.locked {
            self.file.unlock().map_err(|source| LockError::Io {
                path: self.path.clone(),
                source,
            })?;
            state.locked = false;
        }
        Ok(())
    }

    /// Changes each time the lock is taken back after being let go.
    pub fn generation(&self) -> u64 {
        self.state().generation
    }

    fn relock(&self, state: &mut Holding) -> Result<(), LockError> {
        if state.locked {
            return Ok(());
        }
        // Whoever took it meanwhile (a `kin add` or `dvc` a stage runs, a user's command) is
        // about to finish: wait for it, as DVC does when it takes its lock back.
        self.file.lock().map_err(|source| LockError::Io {
            path: self.path.clone(),
            source,
        })?;
        write_holder(&self.file);
        state.locked = true;
        state.generation += 1;
        Ok(())
    }
}

/// Like zc.lockfile: the holder's pid, for whoever wonders who holds it.
fn write_holder(mut file: &File) {
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = writeln!(file, " {}", std::process::id());
}

/// The pid the holder wrote, if it wrote one.
fn read_holder(mut file: &File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_fails_then_succeeds_once_released() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = RepoLock::acquire(dir.path(), LockWait::Briefly, &|_| {}).expect("first");
        let second = RepoLock::acquire(dir.path(), LockWait::Briefly, &|_| {});
        match second {
            Err(LockError::Held { holder, .. }) => assert_eq!(holder, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        let hold = first.hold().expect("hold");
        // Another process may take it while this thread's command runs.
        first
            .released_during(|| {
                let during = RepoLock::acquire(dir.path(), LockWait::Briefly, &|_| {})
                    .expect("free while released");
                drop(during);
            })
            .expect("taken back");
        assert_eq!(first.generation(), 1);
        assert!(matches!(
            RepoLock::acquire(dir.path(), LockWait::Briefly, &|_| {}),
            Err(LockError::Held { .. })
        ));
        drop(hold);
    }

    #[test]
    fn stays_locked_while_another_thread_needs_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let lock = RepoLock::acquire(dir.path(), LockWait::Briefly, &|_| {}).expect("lock");
        let a = lock.hold().expect("a");
        let _b = lock.hold().expect("b");
        lock.released_during(|| {
            assert!(matches!(
                RepoLock::acquire(dir.path(), LockWait::Briefly, &|_| {}),
                Err(LockError::Held { .. })
            ));
        })
        .expect("released");
        assert_eq!(lock.generation(), 0);
        drop(a);
    }
}
