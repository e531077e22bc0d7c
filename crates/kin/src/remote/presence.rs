//! Whether a remote holds every object of one artifact version — the object itself and, for
//! a directory, each file its manifest lists (read from the cache, or from the remote) — and
//! whether those bytes, read back, still hash to their ids.

use kin_format::md5::{HashName, Md5, ObjectId};
use kin_format::repo_path::RepoPath;

use super::config::resolve;
use super::error::RemoteOpError;
use super::objects::{manifest_entries, manifest_files, remote_key};
use super::transfer::{jobs_for, remote_has};
use crate::Repo;

/// How an object stands on a remote whose bytes were read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteObject {
    /// There, and its bytes hash to its id.
    Intact,
    Missing,
    /// There, and its bytes hash to this instead.
    Corrupt(Md5),
}

/// Every object of `id` (an artifact at `path`) on the remote `name`, read back and
/// re-hashed: the object and, for a directory, each file its manifest lists.
pub fn rehash_on_remote(
    repo: &Repo,
    name: &str,
    path: &RepoPath,
    id: &ObjectId,
) -> Result<Vec<(RepoPath, ObjectId, RemoteObject)>, RemoteOpError> {
    let named = resolve(repo.config(), Some(name))?;
    let remote = kin_remote::open(&named.spec)?;
    let wanted = objects_of_version(repo, remote.as_ref(), path, id)?;
    let jobs = jobs_for(&named, None);
    let checked = kin_cache::hashing::parallel_map(&wanted, jobs, |(path, id)| {
        let mut bytes = Vec::new();
        let state = match remote.get(&remote_key(id, HashName::Md5), &mut bytes) {
            Ok(_) => {
                let md5 = Md5::of(&bytes);
                if md5 == id.md5 {
                    RemoteObject::Intact
                } else {
                    RemoteObject::Corrupt(md5)
                }
            }
            Err(kin_remote::RemoteError::NotFound { .. }) => RemoteObject::Missing,
            Err(e) => return Err(RemoteOpError::from(e)),
        };
        Ok((path.clone(), *id, state))
    })?;
    Ok(checked)
}

/// The object of a version and, for a directory, the files its manifest lists (the cached
/// manifest, else the remote's).
fn objects_of_version(
    repo: &Repo,
    remote: &dyn kin_remote::Remote,
    path: &RepoPath,
    id: &ObjectId,
) -> Result<Vec<(RepoPath, ObjectId)>, RemoteOpError> {
    let cache = repo.cache();
    let mut wanted = vec![(path.clone(), *id)];
    if id.is_dir {
        let files = match manifest_entries(&cache, path, id)? {
            Some(files) => files,
            None => {
                let mut bytes = Vec::new();
                match remote.get(&remote_key(id, HashName::Md5), &mut bytes) {
                    Ok(_) => manifest_files(&String::from_utf8_lossy(&bytes), path, id)?,
                    Err(kin_remote::RemoteError::NotFound { .. }) => Vec::new(),
                    Err(e) => return Err(e.into()),
                }
            }
        };
        wanted.extend(files.into_iter().map(|w| (w.path, w.id)));
    }
    Ok(wanted)
}

/// The objects of `id` (an artifact at `path`) that the remote `name` lacks, by path.
pub fn missing_on_remote(
    repo: &Repo,
    name: &str,
    path: &RepoPath,
    id: &ObjectId,
) -> Result<Vec<(RepoPath, ObjectId)>, RemoteOpError> {
    let named = resolve(repo.config(), Some(name))?;
    let remote = kin_remote::open(&named.spec)?;
    let wanted = objects_of_version(repo, remote.as_ref(), path, id)?;
    let ids: Vec<ObjectId> = wanted.iter().map(|(_, id)| *id).collect();
    let present = remote_has(remote.as_ref(), &ids, HashName::Md5, jobs_for(&named, None))?;
    Ok(wanted
        .into_iter()
        .filter(|(_, id)| !present.contains(id))
        .collect())
}
