//! Streaming md5 (DVC 3's, or DVC 2's md5-dos2unix) of files, and of many files at once on
//! all cores.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use md5::Digest;

use kin_format::md5::{HashName, Md5};

use crate::dos2unix::Dos2UnixMd5;

/// Read buffer: large enough to amortise syscalls, small enough for many threads, and DVC 2's
/// hashing chunk, so that its hash takes each read where it lies instead of copying it.
const CHUNK: usize = crate::dos2unix::CHUNK;

/// Why a file could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{}`: {source}", path.display())]
pub struct HashError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// A streaming hash of content, by the hash name an entry records.
#[derive(Clone)]
pub enum ContentHasher {
    Md5(md5::Md5),
    Dos2Unix(Dos2UnixMd5),
}

impl ContentHasher {
    pub fn new(name: HashName) -> Self {
        match name {
            HashName::Md5 => ContentHasher::Md5(md5::Md5::new()),
            HashName::Md5Dos2Unix => ContentHasher::Dos2Unix(Dos2UnixMd5::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            ContentHasher::Md5(hasher) => hasher.update(data),
            ContentHasher::Dos2Unix(hasher) => hasher.update(data),
        }
    }

    pub fn finalize(self) -> Md5 {
        match self {
            ContentHasher::Md5(hasher) => Md5(hasher.finalize().into()),
            ContentHasher::Dos2Unix(hasher) => hasher.finalize(),
        }
    }
}

/// The hash `name` of `bytes` (a whole file's content).
pub fn hash_bytes(name: HashName, bytes: &[u8]) -> Md5 {
    match name {
        HashName::Md5 => Md5::of(bytes),
        HashName::Md5Dos2Unix => crate::dos2unix::dos2unix_md5(bytes),
    }
}

/// The md5 and size of a file's bytes, read once.
pub fn hash_file(path: &Path) -> Result<(Md5, u64), HashError> {
    hash_file_as(path, HashName::Md5)
}

/// The hash `name` and size of a file, read once.
pub fn hash_file_as(path: &Path, name: HashName) -> Result<(Md5, u64), HashError> {
    let error = |source| HashError {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(error)?;
    let mut hasher = ContentHasher::new(name);
    let mut size = 0u64;
    // One buffer per thread: allocating (and zeroing) a fresh one per file would cost more
    // than hashing a small file.
    BUFFER.with_borrow_mut(|buffer| {
        loop {
            let read = match file.read(buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(error(e)),
            };
            hasher.update(&buffer[..read]);
            size += read as u64;
        }
        Ok(())
    })?;
    Ok((hasher.finalize(), size))
}

thread_local! {
    static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; CHUNK]);
}

/// Runs `work` over `items` on `threads` workers; results keep the input order.
/// md5 is one sequential stream per file, so parallelism comes from files, not chunks.
pub fn parallel_map<T: Sync, R: Send, E: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    // Spawning a thread costs more than hashing a handful of small files.
    if items.len() <= 1 || threads <= 1 {
        return items.iter().map(&work).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let failure: Mutex<Option<E>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= items.len() || failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                        break;
                    }
                    match work(&items[index]) {
                        Ok(result) => {
                            if let Ok(mut results) = results.lock() {
                                results[index] = Some(result);
                            }
                        }
                        Err(error) => {
                            if let Ok(mut failure) = failure.lock() {
                                failure.get_or_insert(error);
                            }
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(error) = failure.into_inner().ok().flatten() {
        return Err(error);
    }
    Ok(results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.expect("every index below len was processed when no worker failed"))
        .collect())
}

/// The number of worker threads to use: every core.
pub fn default_threads() -> usize {
    // Asked once per process: the answer reads cgroup files, and a status asks per directory.
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_like_md5sum() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f");
        std::fs::write(&path, b"a\n").expect("write");
        let (md5, size) = hash_file(&path).expect("hash");
        assert_eq!(md5.to_string(), "60b725f10c9c85c70d97880dfe8191b3");
        assert_eq!(size, 2);
    }

    #[test]
    fn files_hash_by_name_across_reads() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f");
        // Larger than a read, so DVC's chunking must survive reads of any size.
        let mut content = b"a\r\n".repeat(400_000);
        content.push(0);
        std::fs::write(&path, &content).expect("write");
        let (legacy, size) = hash_file_as(&path, HashName::Md5Dos2Unix).expect("hash");
        assert_eq!(size, content.len() as u64);
        assert_eq!(legacy, hash_bytes(HashName::Md5Dos2Unix, &content));
        assert_eq!(hash_file(&path).expect("hash").0, Md5::of(&content));
        assert_ne!(legacy, Md5::of(&content));
    }

    #[test]
    fn parallel_map_keeps_order_and_reports_errors() {
        let items: Vec<u32> = (0..100).collect();
        let doubled = parallel_map(&items, 4, |x| Ok::<_, ()>(x * 2)).expect("ok");
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        let failed = parallel_map(&items, 4, |x| if *x == 50 { Err("boom") } else { Ok(*x) });
        assert_eq!(failed, Err("boom"));
    }
}
