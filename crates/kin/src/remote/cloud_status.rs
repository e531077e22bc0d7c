//! `kin status -c`: how the cache compares with a remote, per workspace path, as DVC says it.

use std::path::Path;

use kin_format::repo_path::RepoPath;

use super::error::RemoteOpError;
use super::objects::{Wanted, manifest_files};
use super::transfer::{
    TransferOptions, by_hash_name, jobs_for, objects_of, outs_by_remote, remote_has,
};
use crate::Repo;
use crate::tracked::tracked_outs;

/// Where an object is, when not on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CloudState {
    /// In the cache, not on the remote: `push` would upload it.
    New,
    /// On the remote, not in the cache: `fetch` would download it.
    Deleted,
    /// Neither has it.
    Missing,
}

impl CloudState {
    /// DVC's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            CloudState::New => "new",
            CloudState::Deleted => "deleted",
            CloudState::Missing => "missing",
        }
    }
}

/// One remote's differences from the cache, sorted by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudStatus {
    pub remote: String,
    pub entries: Vec<(RepoPath, CloudState)>,
}

/// Compares the objects of `options.targets` between the cache and their remotes. A
/// directory manifest only the remote has is read from it (without storing it) so that its
/// files can be compared too, as DVC does; the manifest itself is then not listed, as DVC,
/// which stores the manifest it read, does not list it. Objects of DVC 2 entries are compared between
/// DVC 2's cache and DVC 2's layout on the remote.
pub fn cloud_status(
    repo: &Repo,
    cwd: &Path,
    options: &TransferOptions,
) -> Result<Vec<CloudStatus>, RemoteOpError> {
    let all = tracked_outs(repo.root(), &repo.project()?)?;
    let caches = repo.caches();
    let mut statuses = Vec::new();
    for (named, outs) in outs_by_remote(repo, cwd, options, &all)? {
        let remote = kin_remote::open(&named.spec)?;
        let jobs = jobs_for(&named, options.jobs);
        let mut entries = Vec::new();
        for (name, outs) in by_hash_name(&outs) {
            let cache = caches.for_hash(name);
            entries.extend(compare(remote.as_ref(), cache, &outs, jobs)?);
        }
        entries.sort();
        entries.dedup();
        statuses.push(CloudStatus {
            remote: named.name,
            entries,
        });
    }
    Ok(statuses)
}

/// How the objects of `outs` (named by the hash of `cache`) differ between `cache` and the
/// remote's layout for that hash.
fn compare(
    remote: &dyn kin_remote::Remote,
    cache: &kin_cache::odb::ObjectDb,
    outs: &[&crate::tracked::TrackedOut],
    jobs: usize,
) -> Result<Vec<(RepoPath, CloudState)>, RemoteOpError> {
    let name = cache.hash_name();
    let objects = objects_of(cache, outs)?;
    let mut wanted: Vec<Wanted> = objects.files;
    wanted.extend(objects.dirs.into_iter().map(|(dir, _)| dir));
    let mut unknown = objects.unknown_dirs;
    // Directories known only to the remote: read their manifests from it.
    let mut manifests = Vec::new();
    for dir in &unknown {
        let mut bytes = Vec::new();
        match remote.get(&super::objects::remote_key(&dir.id, name), &mut bytes) {
            Ok(_) => manifests.push((dir.clone(), bytes)),
            Err(kin_remote::RemoteError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    for (dir, bytes) in manifests {
        wanted.extend(manifest_files(
            &String::from_utf8_lossy(&bytes),
            &dir.path,
            &dir.id,
        )?);
        unknown.retain(|u| u.id != dir.id);
    }
    let ids: Vec<_> = wanted.iter().map(|w| w.id).collect();
    let on_remote = remote_has(remote, &ids, name, jobs)?;
    let mut entries: Vec<(RepoPath, CloudState)> = wanted
        .into_iter()
        .filter_map(|w| {
            let local = cache.contains(&w.id);
            let state = match (local, on_remote.contains(&w.id)) {
                (true, true) => return None,
                (true, false) => CloudState::New,
                (false, true) => CloudState::Deleted,
                (false, false) => CloudState::Missing,
            };
            Some((w.path, state))
        })
        .collect();
    entries.extend(unknown.into_iter().map(|u| (u.path, CloudState::Missing)));
    Ok(entries)
}
