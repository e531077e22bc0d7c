//! `kin push` and `kin fetch`: move the cache objects of tracked outputs to and from their
//! remotes, in parallel, skipping what the other side has, verifying every download. Objects
//! of DVC 2 entries move between DVC 2's cache and DVC 2's remote layout, as DVC 3 moves them.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use kin_cache::hashing::parallel_map;
use kin_cache::odb::ObjectDb;
use kin_format::md5::{HashName, ObjectId};
use kin_remote::{Remote, RemoteError};

use super::config::{NamedRemote, resolve};
use super::error::RemoteOpError;
use super::objects::{Wanted, id_of_key, listing_prefixes, manifest_entries, remote_key};
use crate::Repo;
use crate::data::{DataError, Progress};
use crate::tracked::{TrackedOut, select_outs, tracked_outs};

/// Below this many objects, ask the remote about each; above it, list the remote once.
const LIST_ABOVE: usize = 256;

/// How many failures an incomplete transfer names.
const FAILURES_SHOWN: usize = 10;

/// What `push` or `fetch` should move.
#[derive(Debug, Clone, Default)]
pub struct TransferOptions {
    /// `.dvc` files, tracked paths or stage addresses, as typed in `cwd`; empty: everything.
    pub targets: Vec<PathBuf>,
    /// `-r`: the remote for outputs that don't name their own (default: `core.remote`).
    pub remote: Option<String>,
    /// `-j`: parallel transfers (default: the remote's `jobs`, else 4 per core, as DVC).
    pub jobs: Option<usize>,
}

/// What one remote's transfer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferReport {
    pub remote: String,
    /// Objects moved (files and directory manifests).
    pub transferred: usize,
    pub bytes: u64,
    /// Objects that were already on the receiving side.
    pub already_there: usize,
    /// Objects neither side has: named by workspace path and hash.
    pub missing: Vec<Wanted>,
    /// Run records of lineage moved along with the data.
    pub lineage_records: usize,
}

/// The outputs each remote is responsible for: an output's own `remote:` wins, the others
/// go to `-r` or the default remote.
pub(crate) fn outs_by_remote<'a>(
    repo: &Repo,
    cwd: &Path,
    options: &TransferOptions,
    all: &'a [TrackedOut],
) -> Result<Vec<(NamedRemote, Vec<&'a TrackedOut>)>, RemoteOpError> {
    let config = repo.config();
    if let Some(name) = &options.remote {
        resolve(config, Some(name))?;
    }
    let selected = select_outs(repo.root(), cwd, all, &options.targets)?;
    let mut groups: BTreeMap<Option<String>, Vec<&TrackedOut>> = BTreeMap::new();
    for out in selected.into_iter().filter(|o| o.cached && o.id.is_some()) {
        let name = out.remote.clone().or_else(|| options.remote.clone());
        groups.entry(name).or_default().push(out);
    }
    if groups.is_empty() {
        // Nothing tracked yet: still say when no remote is configured.
        resolve(config, options.remote.as_deref())?;
    }
    groups
        .into_iter()
        .map(|(name, outs)| Ok((resolve(config, name.as_deref())?, outs)))
        .collect()
}

/// `outs` split by the hash name of their entries (DVC's `_split_legacy_hash_infos`): each
/// group has its own cache and its own layout on the remote.
pub(crate) fn by_hash_name<'a>(outs: &[&'a TrackedOut]) -> Vec<(HashName, Vec<&'a TrackedOut>)> {
    let mut groups: BTreeMap<HashName, Vec<&TrackedOut>> = BTreeMap::new();
    for out in outs {
        groups.entry(out.hash_name).or_default().push(out);
    }
    groups.into_iter().collect()
}

/// Files of `outs`, then their directory manifests, each object once. Directories whose
/// manifest is not in the cache are returned apart.
pub(crate) struct Objects {
    pub files: Vec<Wanted>,
    pub dirs: Vec<(Wanted, Vec<ObjectId>)>,
    pub unknown_dirs: Vec<Wanted>,
}

pub(crate) fn objects_of(cache: &ObjectDb, outs: &[&TrackedOut]) -> Result<Objects, RemoteOpError> {
    let mut seen = HashSet::new();
    let mut objects = Objects {
        files: Vec::new(),
        dirs: Vec::new(),
        unknown_dirs: Vec::new(),
    };
    for out in outs {
        let Some(id) = out.id else { continue };
        let wanted = Wanted {
            id,
            path: out.path.clone(),
        };
        if !id.is_dir {
            if seen.insert(id) {
                objects.files.push(wanted);
            }
            continue;
        }
        match manifest_entries(cache, &out.path, &id)? {
            Some(entries) => {
                let ids = entries.iter().map(|e| e.id).collect();
                for entry in entries {
                    if seen.insert(entry.id) {
                        objects.files.push(entry);
                    }
                }
                if seen.insert(id) {
                    objects.dirs.push((wanted, ids));
                }
            }
            None => objects.unknown_dirs.push(wanted),
        }
    }
    Ok(objects)
}

/// Which of `ids` (of hash `name`) the remote holds.
pub(crate) fn remote_has(
    remote: &dyn Remote,
    ids: &[ObjectId],
    name: HashName,
    jobs: usize,
) -> Result<HashSet<ObjectId>, RemoteError> {
    if ids.len() > LIST_ABOVE {
        let prefixes = listing_prefixes(name, ids.iter().map(|id| id.md5.to_hex()[..2].to_owned()));
        let mut listed = HashSet::new();
        for prefix in prefixes {
            listed.extend(
                remote
                    .list(&prefix)?
                    .iter()
                    .filter_map(|key| id_of_key(key, name)),
            );
        }
        return Ok(ids
            .iter()
            .filter(|id| listed.contains(id))
            .copied()
            .collect());
    }
    let found = parallel_map(ids, jobs, |id| {
        remote.exists(&remote_key(id, name)).map(|has| (*id, has))
    })?;
    Ok(found
        .into_iter()
        .filter(|(_, has)| *has)
        .map(|(id, _)| id)
        .collect())
}

/// The parallelism for `remote`: `-j`, else its `jobs` option, else 4 per core for a local
/// directory (DVC's default) and 16 per core for object storage, where each request mostly
/// waits on the network (and small objects on round trips): threads are cheap next to that.
pub(crate) fn jobs_for(remote: &NamedRemote, jobs: Option<usize>) -> usize {
    let per_core = match remote.spec.scheme() {
        Ok(kin_remote::Scheme::Local(_)) | Err(_) => 4,
        Ok(_) => 16,
    };
    jobs.or_else(|| remote.spec.option("jobs").and_then(|j| j.parse().ok()))
        .unwrap_or_else(|| per_core * kin_cache::hashing::default_threads())
        .max(1)
}

/// Runs `work` over `items` on `jobs` threads and returns the failures. After the first
/// failure (retries already spent: the server is gone, or refuses) no new work starts; the
/// last line then says how much was left untried.
pub(crate) fn run_all<T: Sync>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> Result<(), String> + Sync,
) -> Vec<String> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let stop = AtomicBool::new(false);
    let untried = AtomicUsize::new(0);
    let outcomes: Result<Vec<Option<String>>, std::convert::Infallible> =
        parallel_map(items, jobs, |item| {
            if stop.load(Ordering::Relaxed) {
                untried.fetch_add(1, Ordering::Relaxed);
                return Ok(None);
            }
            let failure = work(item).err();
            if failure.is_some() {
                stop.store(true, Ordering::Relaxed);
            }
            Ok(failure)
        });
    let mut failures: Vec<String> = outcomes.unwrap_or_default().into_iter().flatten().collect();
    let untried = untried.into_inner();
    if untried > 0 {
        failures.push(format!("{untried} more not tried after that"));
    }
    failures
}

fn incomplete(remote: &NamedRemote, failures: Vec<String>, total: usize) -> RemoteOpError {
    RemoteOpError::Incomplete {
        remote: format!("remote `{}`", remote.name),
        failed: failures.len(),
        total,
        failures: failures.into_iter().take(FAILURES_SHOWN).collect(),
    }
}

/// Uploads what the remotes lack. Files go first and a directory's manifest last, only once
/// all its files are there, so a remote never holds a manifest whose files it lacks.
pub fn push(
    repo: &Repo,
    cwd: &Path,
    options: &TransferOptions,
    progress: &dyn Progress,
) -> Result<Vec<TransferReport>, RemoteOpError> {
    let _lock = repo.lock().map_err(DataError::from)?;
    let all = tracked_outs(repo.root(), &repo.project()?)?;
    push_outs(repo, cwd, options, &all, progress)
}

/// [`push`] of the given outputs (an experiment's, say) rather than the workspace's; the
/// caller holds the repository lock.
pub fn push_outs(
    repo: &Repo,
    cwd: &Path,
    options: &TransferOptions,
    all: &[TrackedOut],
    progress: &dyn Progress,
) -> Result<Vec<TransferReport>, RemoteOpError> {
    let caches = repo.caches();
    let mut reports = Vec::new();
    for (named, outs) in outs_by_remote(repo, cwd, options, all)? {
        let outs: Vec<&TrackedOut> = outs.into_iter().filter(|o| o.push).collect();
        let side = Side::open(&named, options.jobs)?;
        let mut report = side.report();
        for (name, outs) in by_hash_name(&outs) {
            push_objects(&side, caches.for_hash(name), &outs, progress, &mut report)?;
        }
        let versions: Vec<(String, String)> = outs
            .iter()
            .filter_map(|o| o.id.map(|id| (o.path.to_string(), id.to_string())))
            .collect();
        report.lineage_records = super::lineage_sync::export(repo, side.remote(), &versions)?;
        reports.push(report);
    }
    Ok(reports)
}

/// The remote one transfer talks to.
struct Side<'a> {
    named: &'a NamedRemote,
    remote: Box<dyn Remote>,
    jobs: usize,
}

impl<'a> Side<'a> {
    fn open(named: &'a NamedRemote, jobs: Option<usize>) -> Result<Self, RemoteOpError> {
        Ok(Side {
            named,
            remote: kin_remote::open(&named.spec)?,
            jobs: jobs_for(named, jobs),
        })
    }

    fn remote(&self) -> &dyn Remote {
        self.remote.as_ref()
    }

    /// An empty report for this remote, which each hash name's transfer adds to.
    fn report(&self) -> TransferReport {
        TransferReport {
            remote: self.named.name.clone(),
            ..TransferReport::default()
        }
    }
}

/// Uploads the objects of `outs`, all named by the hash of `cache`, into that hash's layout.
fn push_objects(
    side: &Side<'_>,
    cache: &ObjectDb,
    outs: &[&TrackedOut],
    progress: &dyn Progress,
    report: &mut TransferReport,
) -> Result<(), RemoteOpError> {
    let (remote, jobs, name) = (side.remote(), side.jobs, cache.hash_name());
    let objects = objects_of(cache, outs)?;
    report.missing.extend(objects.unknown_dirs.iter().cloned());
    let (local, absent): (Vec<Wanted>, Vec<Wanted>) = objects
        .files
        .into_iter()
        .partition(|w| cache.contains(&w.id));
    let mut lacking: HashSet<ObjectId> = objects.unknown_dirs.iter().map(|w| w.id).collect();
    lacking.extend(absent.iter().map(|w| w.id));
    report.missing.extend(absent);
    let mut ids: Vec<ObjectId> = local.iter().map(|w| w.id).collect();
    ids.extend(objects.dirs.iter().map(|(w, _)| w.id));
    let present = remote_has(remote, &ids, name, jobs)?;
    let upload: Vec<&Wanted> = local.iter().filter(|w| !present.contains(&w.id)).collect();
    report.already_there += present.len();
    let sizes: Vec<u64> = upload
        .iter()
        .map(|w| std::fs::metadata(cache.object_path(&w.id)).map_or(0, |m| m.len()))
        .collect();
    progress.add_total(upload.len() as u64, sizes.iter().sum());
    let failed_ids = std::sync::Mutex::new(HashSet::new());
    let indexed: Vec<(usize, &Wanted)> = upload.iter().copied().enumerate().collect();
    let mut failures = run_all(&indexed, jobs, |(index, wanted)| {
        let key = remote_key(&wanted.id, name);
        match remote.put_file(&key, &cache.object_path(&wanted.id)) {
            Ok(()) => {
                progress.advance(1, sizes[*index]);
                Ok(())
            }
            Err(e) => {
                if let Ok(mut ids) = failed_ids.lock() {
                    ids.insert(wanted.id);
                }
                Err(format!("{} ({}): {e}", wanted.path, wanted.id))
            }
        }
    });
    let failed_ids = failed_ids.into_inner().unwrap_or_default();
    let mut pushed_dirs = 0;
    for (dir, files) in &objects.dirs {
        if present.contains(&dir.id) {
            continue;
        }
        if let Some(bad) = files
            .iter()
            .find(|f| failed_ids.contains(f) || lacking.contains(f))
        {
            failures.push(format!(
                "{} ({}): not published because its file {bad} did not transfer",
                dir.path, dir.id
            ));
            continue;
        }
        match remote.put_file(&remote_key(&dir.id, name), &cache.object_path(&dir.id)) {
            Ok(()) => pushed_dirs += 1,
            Err(e) => failures.push(format!("{} ({}): {e}", dir.path, dir.id)),
        }
    }
    if !failures.is_empty() {
        let total = upload.len() + objects.dirs.len();
        return Err(incomplete(side.named, failures, total));
    }
    report.transferred += upload.len() - failed_ids.len() + pushed_dirs;
    report.bytes += sizes.iter().sum::<u64>();
    Ok(())
}

/// Downloads into the cache what it lacks, verifying each object's md5 before it becomes
/// visible. Directory manifests come first, to learn which files a directory needs.
pub fn fetch(
    repo: &Repo,
    cwd: &Path,
    options: &TransferOptions,
    progress: &dyn Progress,
) -> Result<Vec<TransferReport>, RemoteOpError> {
    let _lock = repo.lock().map_err(DataError::from)?;
    let all = tracked_outs(repo.root(), &repo.project()?)?;
    fetch_outs(repo, cwd, options, &all, progress)
}

/// [`fetch`] of the given outputs (an experiment's, say) rather than the workspace's; the
/// caller holds the repository lock.
pub fn fetch_outs(
    repo: &Repo,
    cwd: &Path,
    options: &TransferOptions,
    all: &[TrackedOut],
    progress: &dyn Progress,
) -> Result<Vec<TransferReport>, RemoteOpError> {
    let caches = repo.caches();
    let mut reports = Vec::new();
    for (named, outs) in outs_by_remote(repo, cwd, options, all)? {
        let side = Side::open(&named, options.jobs)?;
        let mut report = side.report();
        for (name, outs) in by_hash_name(&outs) {
            fetch_objects(&side, caches.for_hash(name), &outs, progress, &mut report)?;
        }
        report.lineage_records =
            super::lineage_sync::import(repo, &side.named.name, side.remote())?;
        reports.push(report);
    }
    Ok(reports)
}

/// Downloads the objects of `outs`, all named by the hash of `cache`, from that hash's layout.
fn fetch_objects(
    side: &Side<'_>,
    cache: &ObjectDb,
    outs: &[&TrackedOut],
    progress: &dyn Progress,
    report: &mut TransferReport,
) -> Result<(), RemoteOpError> {
    let remote = side.remote();
    let mut failures = Vec::new();
    // Manifests first: without them a directory's files are unknown.
    let dirs: Vec<Wanted> = outs
        .iter()
        .filter_map(|o| {
            o.id.filter(|id| id.is_dir && !cache.contains(id))
                .map(|id| (o, id))
        })
        .map(|(o, id)| Wanted {
            id,
            path: o.path.clone(),
        })
        .collect();
    for dir in &dirs {
        match download(remote, cache, dir) {
            Ok(size) => {
                report.transferred += 1;
                report.bytes += size;
            }
            Err(Download::Missing) => report.missing.push(dir.clone()),
            Err(Download::Failed(e)) => failures.push(e),
        }
    }
    let objects = objects_of(cache, outs)?;
    let needed: Vec<Wanted> = objects
        .files
        .into_iter()
        .filter(|w| !cache.contains(&w.id))
        .collect();
    report.already_there += objects.dirs.len() + objects.unknown_dirs.len();
    progress.add_total(needed.len() as u64, 0);
    let missing = std::sync::Mutex::new(Vec::new());
    let bytes = std::sync::atomic::AtomicU64::new(0);
    failures.extend(run_all(&needed, side.jobs, |wanted| {
        match download(remote, cache, wanted) {
            Ok(size) => {
                bytes.fetch_add(size, std::sync::atomic::Ordering::Relaxed);
                progress.advance(1, size);
                Ok(())
            }
            Err(Download::Missing) => {
                if let Ok(mut missing) = missing.lock() {
                    missing.push(wanted.clone());
                }
                Ok(())
            }
            Err(Download::Failed(e)) => Err(e),
        }
    }));
    if !failures.is_empty() {
        return Err(incomplete(side.named, failures, needed.len() + dirs.len()));
    }
    let mut missing = missing.into_inner().unwrap_or_default();
    report.transferred += needed.len() - missing.len();
    report.bytes += bytes.into_inner();
    missing.sort_by(|a, b| a.path.cmp(&b.path));
    report.missing.extend(missing);
    Ok(())
}

enum Download {
    Missing,
    Failed(String),
}

/// One object from the remote into the cache, verified by the cache's hash; its size.
fn download(remote: &dyn Remote, cache: &ObjectDb, wanted: &Wanted) -> Result<u64, Download> {
    let key = remote_key(&wanted.id, cache.hash_name());
    let mut size = 0;
    let mut fill = |sink: &mut dyn std::io::Write| {
        size = remote.get(&key, sink).map_err(std::io::Error::other)?;
        Ok(())
    };
    match cache.insert_verified(&wanted.id, &mut fill) {
        Ok(()) => Ok(size),
        Err(kin_cache::odb::CacheError::Receive { source, .. })
            if source
                .get_ref()
                .and_then(|e| e.downcast_ref::<RemoteError>())
                .is_some_and(|e| matches!(e, RemoteError::NotFound { .. })) =>
        {
            Err(Download::Missing)
        }
        Err(e) => Err(Download::Failed(format!(
            "{} ({}): {e}",
            wanted.path, wanted.id
        ))),
    }
}
