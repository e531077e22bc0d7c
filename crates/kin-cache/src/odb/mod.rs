//! The content-addressed cache shared with DVC: `.dvc/cache/files/md5/xx/rest` for DVC 3's
//! md5, and DVC 2's md5-dos2unix objects where DVC 2 kept them, at `.dvc/cache/xx/rest`.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::hashing::{ContentHasher, HashError, hash_bytes, hash_file_as};
use crate::new_file::{LinkMethod, NewFile, OpenDir, Published};
use kin_format::md5::{HashName, Md5, ObjectId};

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
    #[error("the content received for {id} hashes to {actual}: refused")]
    Corrupt { id: ObjectId, actual: Md5 },
    #[error("receiving {id} failed: {source}")]
    Receive {
        id: ObjectId,
        source: std::io::Error,
    },
}

/// Files larger than this are copied and hashed in one read (see `ingest_file`).
const SINGLE_PASS_ABOVE: u64 = 8 << 20;

/// Objects are read-only.
const OBJECT_MODE: u32 = 0o444;

/// The cache's object directory.
#[derive(Debug)]
pub struct ObjectDb {
    root: PathBuf,
    /// What names the objects here (DVC's `HashFileDB.hash_name`): content is hashed this
    /// way when stored or received.
    hash_name: HashName,
    /// Directories known to exist, held open (see `KnownDir`).
    known_dirs: Mutex<HashMap<PathBuf, Arc<KnownDir>>>,
    /// Objects this process stored in directories it created (see `KnownDir::created`).
    stored_in_new_dirs: Mutex<HashSet<Md5>>,
    /// How new objects get their names on this cache's filesystem.
    link_method: LinkMethod,
    /// This process's id, for temp names (asked once, not once per object).
    pid: u32,
    /// The marker saying this handle writes named temps into the cache (see
    /// `remove_stale_temps`), created before its first one and removed when the handle is
    /// dropped.
    writing_marker: OnceLock<Option<PathBuf>>,
}

/// A directory of the cache, open for creating objects in it.
#[derive(Debug)]
struct KnownDir {
    dir: OpenDir,
    /// Whether this process created it. In one it created, the only objects are those it
    /// stored itself or a racing kin process stored (which publishing without replacing
    /// catches), so no object there needs a stat first.
    created: bool,
}

/// Writes through to `inner` and hashes what passes.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: ContentHasher,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Distinguishes temp files of one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl ObjectDb {
    /// The cache under a repository's `.dvc/` directory (DVC 3's `files/md5` layout).
    pub fn in_dvc_dir(dvc_dir: &Path) -> Self {
        Self::at(dvc_dir.join("cache").join("files").join("md5"))
    }

    /// The cache of objects DVC 2 entries name (md5-dos2unix), at the top of `.dvc/cache`,
    /// where DVC 2 put every object and DVC 3 still keeps them (its "legacy" cache).
    pub fn legacy_in_dvc_dir(dvc_dir: &Path) -> Self {
        let mut odb = Self::at(dvc_dir.join("cache"));
        odb.hash_name = HashName::Md5Dos2Unix;
        odb
    }

    /// A store with the same two-level layout rooted elsewhere (kin's own objects, such as
    /// run logs, which DVC's `gc` must not see).
    pub fn at(root: PathBuf) -> Self {
        ObjectDb {
            root,
            hash_name: HashName::Md5,
            known_dirs: Mutex::new(HashMap::new()),
            stored_in_new_dirs: Mutex::new(HashSet::new()),
            link_method: LinkMethod::default(),
            pid: std::process::id(),
            writing_marker: OnceLock::new(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn hash_name(&self) -> HashName {
        self.hash_name
    }

    pub fn object_path(&self, id: &ObjectId) -> PathBuf {
        let (dir, name) = self.object_location(id);
        dir.join(name)
    }

    /// The directory an object lives in and its name there.
    fn object_location(&self, id: &ObjectId) -> (PathBuf, String) {
        let hex = id.md5.to_hex();
        let suffix = if id.is_dir { ".dir" } else { "" };
        (self.root.join(&hex[..2]), format!("{}{suffix}", &hex[2..]))
    }

    pub fn contains(&self, id: &ObjectId) -> bool {
        self.object_path(id).is_file()
    }

    /// The newest mtime of the cache root and its prefix directories: what changes whenever an
    /// object is added or removed. `None` when the cache does not exist.
    pub fn latest_change_ns(&self) -> Option<i128> {
        let mtime = |meta: &std::fs::Metadata| {
            i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
        };
        let mut latest = mtime(&std::fs::metadata(&self.root).ok()?);
        for entry in std::fs::read_dir(&self.root).ok()?.flatten() {
            let is_prefix = entry.file_name().len() == 2;
            if let (true, Ok(meta)) = (is_prefix, entry.metadata()) {
                latest = latest.max(mtime(&meta));
            }
        }
        Some(latest)
    }

    /// Whether the cache holds `id` whole: the object and, for a directory, a readable
    /// manifest and every file it lists. Otherwise `dvc status` says "not in cache",
    /// whatever the workspace holds.
    pub fn holds_complete(&self, id: &ObjectId) -> bool {
        if !id.is_dir {
            return self.contains(id);
        }
        let Ok(text) = std::fs::read_to_string(self.object_path(id)) else {
            return false;
        };
        let Ok(manifest) = kin_format::manifest::Manifest::from_json(&text) else {
            return false;
        };
        let entries = manifest.entries();
        let threads = crate::hashing::default_threads().min(entries.len().div_ceil(512).max(1));
        // One stat per file; large directories are split across cores in big chunks, and the
        // first missing file ends the search.
        let parts: Vec<_> = entries
            .chunks(entries.len().div_ceil(threads).max(1))
            .collect();
        crate::hashing::parallel_map(&parts, threads, |part| {
            if part.iter().all(|e| self.contains(&ObjectId::file(e.md5))) {
                Ok(())
            } else {
                Err(())
            }
        })
        .is_ok()
    }

    /// A temp name: never named like an object, so a killed writer leaves nothing DVC or kin
    /// would read as one (and `remove_stale_temps` finds it by its prefix).
    fn temp_name(&self) -> String {
        self.mark_writing();
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        format!(".tmp-{}-{n}", self.pid)
    }

    fn write_error(path: &Path) -> impl Fn(std::io::Error) -> CacheError + '_ {
        move |source| CacheError::Write {
            path: path.to_path_buf(),
            source,
        }
    }

    /// `write_error` for the object `name` in `dir`, whose path is built only on error.
    fn object_write_error(dir: &OpenDir, name: &str) -> impl Fn(std::io::Error) -> CacheError {
        move |source| CacheError::Write {
            path: dir.path().join(name),
            source,
        }
    }

    /// Creates and opens a directory of the cache once per process, not once per object.
    fn ensure_dir(&self, dir: &Path) -> Result<Arc<KnownDir>, CacheError> {
        let mut known = self.known_dirs.lock().map_err(|_| CacheError::Write {
            path: dir.to_path_buf(),
            source: std::io::Error::other("a cache writer thread panicked"),
        })?;
        if let Some(known_dir) = known.get(dir) {
            return Ok(Arc::clone(known_dir));
        }
        let created = match std::fs::create_dir(dir) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => false,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(Self::write_error(dir))?;
                true
            }
            Err(e) => return Err(Self::write_error(dir)(e)),
        };
        let known_dir = Arc::new(KnownDir {
            dir: OpenDir::open(dir).map_err(Self::write_error(dir))?,
            created,
        });
        known.insert(dir.to_path_buf(), Arc::clone(&known_dir));
        Ok(known_dir)
    }

    /// The object's directory (created if need be) and its name there.
    fn object_dir(&self, id: &ObjectId) -> Result<(Arc<KnownDir>, String), CacheError> {
        let (dir, name) = self.object_location(id);
        Ok((self.ensure_dir(&dir)?, name))
    }

    /// Leaves a marker in the cache root, once per handle, before the first named temp: a
    /// writer killed mid-way leaves it behind, which is how the next writer knows that the
    /// prefix directories may hold stale temps, without listing them on every run.
    fn mark_writing(&self) {
        self.writing_marker.get_or_init(|| {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let marker = self.root.join(format!(".tmp-{}-writing-{n}", self.pid));
            std::fs::create_dir_all(&self.root).ok()?;
            File::create(&marker).ok().map(|_| marker)
        });
    }

    /// A new read-only object file in `dir`'s filesystem, not yet under any object's name.
    fn new_object_file<'d>(
        &'d self,
        dir: &'d OpenDir,
        temp_name: &'d dyn Fn() -> String,
    ) -> Result<NewFile<'d>, CacheError> {
        NewFile::create(dir, OBJECT_MODE, &self.link_method, temp_name)
            .map_err(Self::write_error(dir.path()))
    }

    /// Names a finished object file `dir/name`; an object already there is kept.
    fn publish(
        &self,
        file: NewFile<'_>,
        dir: &OpenDir,
        name: &str,
    ) -> Result<Published, CacheError> {
        file.publish(dir, name, &self.link_method)
            .map_err(Self::object_write_error(dir, name))
    }

    /// Stores `bytes` as the object `name` in `dir`.
    fn store_bytes(
        &self,
        dir: &OpenDir,
        name: &str,
        bytes: &[u8],
    ) -> Result<Published, CacheError> {
        let temp_name = || self.temp_name();
        let mut file = self.new_object_file(dir, &temp_name)?;
        file.file()
            .write_all(bytes)
            .map_err(Self::object_write_error(dir, name))?;
        self.publish(file, dir, name)
    }

    /// Copies `source` into the cache and returns its md5 and size. `known` is the md5 the
    /// caller expects (from the stat index); content that differs is an error, and nothing is stored.
    ///
    /// Small files are hashed first and copied into their object's own directory, so thousands
    /// of them do not all contend for one directory; large files are copied and hashed in a
    /// single read, because for them reading twice costs more than anything else.
    pub fn ingest_file(
        &self,
        source: &Path,
        known: Option<Md5>,
        size_hint: u64,
    ) -> Result<(Md5, u64), CacheError> {
        if size_hint > SINGLE_PASS_ABOVE {
            return self.ingest_single_pass(source, known);
        }
        if let Some(md5) = known.filter(|md5| self.contains(&ObjectId::file(*md5))) {
            return Ok((md5, size_hint));
        }
        // One open and one read: the bytes that are hashed are the bytes that are stored.
        let bytes = read_sized(source, size_hint).map_err(|e| HashError {
            path: source.to_path_buf(),
            source: e,
        })?;
        let md5 = hash_bytes(self.hash_name, &bytes);
        if let Some(expected) = known.filter(|e| *e != md5) {
            return Err(CacheError::Changed {
                path: source.to_path_buf(),
                expected,
                actual: md5,
            });
        }
        let size = bytes.len() as u64;
        let (dir, name) = self.object_dir(&ObjectId::file(md5))?;
        // In a directory this process created, only objects it stored (or a racing kin
        // process, which publishing without replacing catches) can exist: no stat is needed,
        // where a cold cache would pay one on every file.
        let stored = if dir.created {
            self.stored_in_new_dirs
                .lock()
                .is_ok_and(|stored| stored.contains(&md5))
        } else {
            dir.dir.holds_file(&name)
        };
        if stored {
            return Ok((md5, size));
        }
        self.store_bytes(&dir.dir, &name, &bytes)?;
        if dir.created
            && let Ok(mut stored) = self.stored_in_new_dirs.lock()
        {
            stored.insert(md5);
        }
        Ok((md5, size))
    }

    /// Large files: the kernel copies the bytes into the cache on one core while this thread
    /// hashes them on another, so the time is the hash's, not hash plus copy. The source's
    /// stat is compared before and after: a file that changed meanwhile is refused.
    fn ingest_single_pass(
        &self,
        source: &Path,
        known: Option<Md5>,
    ) -> Result<(Md5, u64), CacheError> {
        let read_error = |e| {
            CacheError::Read(HashError {
                path: source.to_path_buf(),
                source: e,
            })
        };
        let before = std::fs::metadata(source).map_err(read_error)?;
        // Written in the cache root, as its object directory is known only once it is hashed.
        let root = self.ensure_dir(&self.root)?;
        let temp_name = || self.temp_name();
        let mut new_file = self.new_object_file(&root.dir, &temp_name)?;
        let (copied, hashed) = std::thread::scope(|scope| {
            let file = new_file.file();
            let copy = scope.spawn(move || {
                let mut from = File::open(source)?;
                std::io::copy(&mut from, file)
            });
            let hashed = hash_file_as(source, self.hash_name);
            (copy.join(), hashed)
        });
        let (md5, size) = hashed?;
        let copy_error = Self::write_error(source);
        let copied = copied
            .map_err(|_| copy_error(std::io::Error::other("the copy thread panicked")))?
            .map_err(&copy_error)?;
        let after = std::fs::metadata(source).map_err(read_error)?;
        let unchanged = copied == size
            && before.len() == after.len()
            && before.modified().ok() == after.modified().ok()
            && before.ino() == after.ino();
        if !unchanged || known.is_some_and(|expected| expected != md5) {
            return Err(CacheError::Changed {
                path: source.to_path_buf(),
                expected: known.unwrap_or(md5),
                actual: md5,
            });
        }
        let (dir, name) = self.object_dir(&ObjectId::file(md5))?;
        self.publish(new_file, &dir.dir, &name)?;
        Ok((md5, size))
    }

    /// Stores `bytes` (a directory manifest) under `id`.
    pub fn insert_bytes(&self, id: &ObjectId, bytes: &[u8]) -> Result<(), CacheError> {
        let (dir, name) = self.object_dir(id)?;
        if !dir.dir.holds_file(&name) {
            self.store_bytes(&dir.dir, &name, bytes)?;
        }
        Ok(())
    }

    /// Stores the object `id` from content that `fill` writes (a download), hashing it on the
    /// way. Content whose md5 is not `id`'s is refused, and nothing partial is ever visible
    /// under the object's name: the file gets the object's name only once verified.
    pub fn insert_verified(
        &self,
        id: &ObjectId,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), CacheError> {
        let (dir, name) = self.object_dir(id)?;
        let temp_name = || self.temp_name();
        let mut new_file = self.new_object_file(&dir.dir, &temp_name)?;
        let actual = {
            let mut sink = HashingWriter {
                inner: std::io::BufWriter::with_capacity(1 << 16, new_file.file()),
                hasher: ContentHasher::new(self.hash_name),
            };
            fill(&mut sink)
                .and_then(|()| sink.inner.flush())
                .map_err(|source| CacheError::Receive { id: *id, source })?;
            sink.hasher.finalize()
        };
        if actual != id.md5 {
            return Err(CacheError::Corrupt { id: *id, actual });
        }
        self.publish(new_file, &dir.dir, &name)?;
        Ok(())
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
        let Ok(top) = std::fs::read_dir(&self.root) else {
            return;
        };
        // The root holds every writer's marker (and the named temps of large files): only
        // when a dead writer left something there are the prefix directories listed too, so
        // a cache of a million objects is not read on every run. A named temp is only ever
        // made after its writer's marker (`temp_name`), so none is missed.
        let mut prefix_dirs = Vec::new();
        let mut writer_died = false;
        for entry in top.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                prefix_dirs.push(entry.path());
            } else if self.is_stale_temp(&entry) {
                let _ = std::fs::remove_file(entry.path());
                writer_died = true;
            }
        }
        if !writer_died {
            return;
        }
        for dir in prefix_dirs {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if self.is_stale_temp(&entry) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }

    /// Whether `entry` is a temp file (or marker) of a process that is gone.
    fn is_stale_temp(&self, entry: &std::fs::DirEntry) -> bool {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(".tmp-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            return false;
        };
        pid != self.pid && !Path::new(&format!("/proc/{pid}")).exists()
    }
}

impl Drop for ObjectDb {
    fn drop(&mut self) {
        if let Some(Some(marker)) = self.writing_marker.get() {
            let _ = std::fs::remove_file(marker);
        }
    }
}

/// Reads a whole file whose size the walk saw, without asking the filesystem for it again.
fn read_sized(path: &Path, size_hint: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(usize::try_from(size_hint).unwrap_or(0).saturating_add(1));
    // `File::read_to_end` would stat the file to size the buffer; through `take` the reads go
    // straight into the capacity reserved here.
    File::open(path)?.take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests;
