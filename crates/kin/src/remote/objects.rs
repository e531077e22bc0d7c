//! Which cache objects an output consists of, and where DVC keeps each on a remote.

use kin_cache::odb::ObjectDb;
use kin_format::manifest::Manifest;
use kin_format::md5::{HashName, ObjectId};
use kin_format::repo_path::RepoPath;

use super::error::RemoteOpError;

/// One object to move, with the workspace path it stands for (for messages and status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub id: ObjectId,
    /// The output path, or `dir/inner/file` for a file of a directory output.
    pub path: RepoPath,
}

/// The key DVC 3 stores an object named by hash `name` under on a remote:
/// `files/md5/xx/rest[.dir]` for its own md5, and `xx/rest[.dir]`, the layout DVC 2 pushed,
/// for DVC 2's md5-dos2unix (`Remote.legacy_odb`). DVC 3 never looks in the other layout.
pub fn remote_key(id: &ObjectId, name: HashName) -> String {
    let hex = id.md5.to_hex();
    let suffix = if id.is_dir { ".dir" } else { "" };
    format!("{}{}/{}{suffix}", layout_root(name), &hex[..2], &hex[2..])
}

/// Where objects of hash `name` start on a remote (empty, or ending in `/`).
fn layout_root(name: HashName) -> &'static str {
    match name {
        HashName::Md5 => "files/md5/",
        HashName::Md5Dos2Unix => "",
    }
}

/// The directories to list for objects of hash `name` whose ids start with `prefixes`:
/// DVC 3's whole tree, or, for DVC 2's layout at the remote's root, only the two-digit
/// directories asked about (the root also holds `files/` and kin's own records).
pub fn listing_prefixes(name: HashName, prefixes: impl Iterator<Item = String>) -> Vec<String> {
    match name {
        HashName::Md5 => vec!["files/md5".to_owned()],
        HashName::Md5Dos2Unix => {
            let mut wanted: Vec<String> = prefixes.collect();
            wanted.sort();
            wanted.dedup();
            wanted
        }
    }
}

/// The object id a remote key of hash `name` names, if it is one.
pub fn id_of_key(key: &str, name: HashName) -> Option<ObjectId> {
    let rest = key.strip_prefix(layout_root(name))?;
    let (prefix, name) = rest.split_once('/')?;
    if prefix.len() != 2 || name.contains('/') {
        return None;
    }
    format!("{prefix}{name}").parse().ok()
}

/// The files listed by the cached manifest of directory `id` (output `path`).
pub fn manifest_entries(
    cache: &ObjectDb,
    path: &RepoPath,
    id: &ObjectId,
) -> Result<Option<Vec<Wanted>>, RemoteOpError> {
    let text = match std::fs::read_to_string(cache.object_path(id)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(RemoteOpError::BadManifest {
                path: path.to_string(),
                id: id.to_string(),
                reason: e.to_string(),
            });
        }
    };
    manifest_files(&text, path, id).map(Some)
}

/// The files a directory manifest's text lists, as objects wanted under `path`.
pub fn manifest_files(
    text: &str,
    path: &RepoPath,
    id: &ObjectId,
) -> Result<Vec<Wanted>, RemoteOpError> {
    let manifest = Manifest::from_json(text).map_err(|e| RemoteOpError::BadManifest {
        path: path.to_string(),
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    Ok(manifest
        .entries()
        .iter()
        .map(|entry| Wanted {
            id: ObjectId::file(entry.md5),
            path: path.child(&entry.relpath),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let id: ObjectId = "562ee692a592790b08e880eff9046f72.dir".parse().expect("id");
        let key = remote_key(&id, HashName::Md5);
        assert_eq!(key, "files/md5/56/2ee692a592790b08e880eff9046f72.dir");
        assert_eq!(id_of_key(&key, HashName::Md5), Some(id));
        assert_eq!(id_of_key(".kin/lineage/runs/ab.json", HashName::Md5), None);
        assert_eq!(
            id_of_key("files/md5/5/62ee692a592790b08e880eff9046f72", HashName::Md5),
            None
        );
        // DVC 2's layout: at the root, and never read from DVC 3's.
        let legacy = remote_key(&id, HashName::Md5Dos2Unix);
        assert_eq!(legacy, "56/2ee692a592790b08e880eff9046f72.dir");
        assert_eq!(id_of_key(&legacy, HashName::Md5Dos2Unix), Some(id));
        assert_eq!(id_of_key(&key, HashName::Md5Dos2Unix), None);
        assert_eq!(id_of_key(&legacy, HashName::Md5), None);
    }
}
