//! Hashing a workspace file or directory through the stat index: only files whose stat
//! changed are read, on all cores, and when adding they are copied into the cache in the
//! same read. DVC 2 entries are hashed with their md5-dos2unix, remembered apart.

use std::path::{Path, PathBuf};

use kin_cache::dir_memo::Listing;
use kin_cache::hashing::{default_threads, hash_file_as, parallel_map};
use kin_cache::odb::ObjectDb;
use kin_cache::state::StateIndex;
use kin_cache::walk::{FileStat, walk_files};
use kin_format::manifest::{Manifest, ManifestEntry};
use kin_format::md5::{HashName, Md5, ObjectId};

use super::{DataError, Progress};

/// A hashed workspace path.
#[derive(Debug, Clone)]
pub(crate) struct HashedPath {
    pub id: ObjectId,
    pub size: u64,
    /// For directories: how many files.
    pub nfiles: Option<u64>,
    pub is_exec: bool,
    /// For directories hashed to ingest: the manifest, whose entries are the files.
    pub manifest: Option<Manifest>,
}

struct Candidate {
    state_key: String,
    relpath: String,
    path: PathBuf,
    stat: FileStat,
    known: Option<Md5>,
}

/// Hashes `rel` (repo-relative) by hash `name`. With `ingest` (a cache of objects named by
/// `name`), every file ends up in that cache.
///
/// A directory hashed by DVC 2's md5-dos2unix always has its manifest stored in DVC 2's
/// cache, ingesting or not: DVC 3 does the same (`_build_external_tree_info`), so both leave
/// the same objects behind.
pub(crate) fn hash_workspace_path(
    root: &Path,
    rel: &str,
    name: HashName,
    state: &mut StateIndex,
    ingest: Option<&ObjectDb>,
    progress: &dyn Progress,
) -> Result<HashedPath, DataError> {
    hash_path(root, rel, name, state, ingest, false, progress)
}

/// [`hash_workspace_path`] without ingesting, always with a directory's manifest (its files'
/// hashes come from the stat index where fresh): what comparing directories file by file
/// needs.
pub(crate) fn hash_workspace_tree(
    root: &Path,
    rel: &str,
    name: HashName,
    state: &mut StateIndex,
    progress: &dyn Progress,
) -> Result<HashedPath, DataError> {
    hash_path(root, rel, name, state, None, true, progress)
}

fn hash_path(
    root: &Path,
    rel: &str,
    name: HashName,
    state: &mut StateIndex,
    ingest: Option<&ObjectDb>,
    want_manifest: bool,
    progress: &dyn Progress,
) -> Result<HashedPath, DataError> {
    debug_assert!(ingest.is_none_or(|cache| cache.hash_name() == name));
    let legacy_cache = (name.is_legacy() && ingest.is_none())
        .then(|| ObjectDb::legacy_in_dvc_dir(&root.join(".dvc")));
    let manifest_cache = ingest.or(legacy_cache.as_ref());
    let path = root.join(rel);
    let metadata =
        std::fs::metadata(&path).map_err(|_| DataError::NotFound { path: path.clone() })?;
    let is_dir = metadata.is_dir();
    let walked = if is_dir {
        walk_files(&path, root, default_threads())?
    } else {
        Vec::new()
    };
    // Hashing without ingesting needs only the directory's hash: when its listing is as
    // recorded, that is known without a per-file lookup.
    let listing = is_dir.then(|| Listing::of(&walked));
    if let (Some(listing), None, false) = (&listing, ingest, want_manifest)
        && let Some(md5) = state.dir_md5(name, rel, listing)?
        && manifest_cache.is_none_or(|cache| cache.contains(&ObjectId::dir(md5)))
    {
        return Ok(HashedPath {
            id: ObjectId::dir(md5),
            size: walked.iter().map(|f| f.stat.size).sum(),
            nfiles: Some(walked.len() as u64),
            is_exec: false,
            manifest: None,
        });
    }
    let entries = state.load_under(name, rel)?;
    let candidates: Vec<Candidate> = if is_dir {
        walked
            .into_iter()
            .map(|f| {
                let state_key = format!("{rel}/{}", f.relpath);
                let known = entries
                    .get(&state_key)
                    .and_then(|e| e.md5_if_fresh(&f.stat));
                Candidate {
                    state_key,
                    path: f.path_in(&path),
                    relpath: f.relpath,
                    stat: f.stat,
                    known,
                }
            })
            .collect()
    } else {
        let stat = FileStat::of(&metadata);
        vec![Candidate {
            state_key: rel.to_owned(),
            relpath: String::new(),
            known: entries.get(rel).and_then(|e| e.md5_if_fresh(&stat)),
            path,
            stat,
        }]
    };
    let needs_work = |c: &Candidate| match (c.known, ingest) {
        (None, _) => true,
        (Some(md5), Some(cache)) => !cache.contains(&ObjectId::file(md5)),
        (Some(_), None) => false,
    };
    // Decided once per file: with a cache this is a stat, and it must agree between the
    // selection below and the merge after hashing.
    let needs: Vec<bool> = candidates.iter().map(needs_work).collect();
    let work: Vec<&Candidate> = candidates
        .iter()
        .zip(&needs)
        .filter(|(_, n)| **n)
        .map(|(c, _)| c)
        .collect();
    progress.add_total(work.len() as u64, work.iter().map(|c| c.stat.size).sum());
    let computed: Vec<Md5> = parallel_map(&work, default_threads(), |c| {
        let md5 = match ingest {
            Some(cache) => cache.ingest_file(&c.path, c.known, c.stat.size)?.0,
            None => hash_file_as(&c.path, name)?.0,
        };
        progress.advance(1, c.stat.size);
        Ok::<_, DataError>(md5)
    })?;
    state.put_many(
        name,
        work.iter()
            .zip(&computed)
            .map(|(c, md5)| (c.state_key.as_str(), c.stat, *md5)),
    )?;
    let mut computed = computed.into_iter();
    let md5s: Vec<Md5> = candidates
        .iter()
        .zip(&needs)
        .map(|(c, needed)| if *needed { computed.next() } else { c.known })
        .map(|m| m.expect("every candidate has a known or computed hash"))
        .collect();
    let size = candidates.iter().map(|c| c.stat.size).sum();
    if !is_dir {
        return Ok(HashedPath {
            id: ObjectId::file(md5s[0]),
            size,
            nfiles: None,
            is_exec: candidates[0].stat.is_exec,
            manifest: None,
        });
    }
    let manifest = Manifest::new(
        candidates
            .iter()
            .zip(&md5s)
            .map(|(c, md5)| ManifestEntry {
                relpath: c.relpath.clone(),
                md5: *md5,
            })
            .collect(),
    );
    let json = manifest.to_json();
    let id = Manifest::id_of_json(&json);
    if let Some(cache) = manifest_cache {
        cache.insert_bytes(&id, json.as_bytes())?;
    }
    if let Some(listing) = &listing {
        state.put_dir_md5(name, rel, listing, id.md5)?;
    }
    Ok(HashedPath {
        id,
        size,
        nfiles: Some(candidates.len() as u64),
        is_exec: false,
        manifest: Some(manifest),
    })
}
