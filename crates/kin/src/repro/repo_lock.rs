//! The repository lock: DVC's own `.dvc/tmp/lock` (an `flock`, as DVC's zc.lockfile takes it),
//! so two kin processes, or kin and DVC, never run a pipeline in one repository at once.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::ReproError;
use super::events::ReproEvents;

/// How long to retry before giving up without `--wait` (DVC retries for about as long).
const PATIENCE: Duration = Duration::from_secs(3);

/// Held for as long as the value lives; the OS releases it if the process dies.
#[derive(Debug)]
pub struct RepoLock {
    _file: File,
}

impl RepoLock {
    /// Takes the lock of the repository whose `.dvc` directory is `dvc_dir`. Without `wait`,
    /// fails after a few seconds when another process holds it.
    pub fn acquire(
        dvc_dir: &Path,
        wait: bool,
        events: &dyn ReproEvents,
    ) -> Result<Self, ReproError> {
        let path: PathBuf = dvc_dir.join("tmp").join("lock");
        let error = |source| ReproError::Lock {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dvc_dir.join("tmp")).map_err(error)?;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
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
                    if wait {
                        if !announced {
                            events.waiting_for_lock(&path);
                            announced = true;
                        }
                    } else if started.elapsed() > PATIENCE {
                        return Err(ReproError::Locked { path });
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        // Like zc.lockfile: the holder's pid, for whoever wonders who holds it.
        let _ = file.set_len(0);
        let _ = writeln!(file, " {}", std::process::id());
        Ok(RepoLock { _file: file })
    }
}
