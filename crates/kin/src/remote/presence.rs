//! Whether a remote holds every object of one artifact version: the object itself and, for a
//! directory, each file its manifest lists (read from the cache, or from the remote).

use kin_format::md5::{HashName, ObjectId};
use kin_format::repo_path::RepoPath;

use super::config::resolve;
use super::error::RemoteOpError;
use super::objects::{manifest_entries, manifest_files, remote_key};
use super::transfer::{jobs_for, remote_has};
use crate::Repo;

/// The objects of `id` (an artifact at `path`) that the remote `name` lacks, by path.
pub fn missing_on_remote(
    repo: &Repo,
    name: &str,
    path: &RepoPath,
    id: &ObjectId,
) -> Result<Vec<(RepoPath, ObjectId)>, RemoteOpError> {
    let named = resolve(repo.config(), Some(name))?;
    let remote = kin_remote::open(&named.spec)?;
    let cache = repo.cache();
    let mut wanted = vec![(path.clone(), *id)];
    if id.is_dir {
        let files = match manifest_entries(&cache, path, id)? {
            Some(files) => files,
            None => {
                // Not in the cache: the remote's copy of the manifest says what it holds.
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
    let ids: Vec<ObjectId> = wanted.iter().map(|(_, id)| *id).collect();
    let present = remote_has(remote.as_ref(), &ids, HashName::Md5, jobs_for(&named, None))?;
    Ok(wanted
        .into_iter()
        .filter(|(_, id)| !present.contains(id))
        .collect())
}
