//! Which cache objects an output consists of, and where DVC keeps each on a remote.

use kin_cache::odb::ObjectDb;
use kin_format::manifest::Manifest;
use kin_format::md5::ObjectId;

use super::error::RemoteOpError;

/// One object to move, with the workspace path it stands for (for messages and status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub id: ObjectId,
    /// The output path, or `dir/inner/file` for a file of a directory output.
    pub path: String,
}

/// The key DVC 3 stores an object under on a remote: `files/md5/xx/rest[.dir]`.
pub fn remote_key(id: &ObjectId) -> String {
    let hex = id.md5.to_hex();
    let suffix = if id.is_dir { ".dir" } else { "" };
    format!("files/md5/{}/{}{suffix}", &hex[..2], &hex[2..])
}

/// The object id a remote key names, if it is one.
pub fn id_of_key(key: &str) -> Option<ObjectId> {
    let rest = key.strip_prefix("files/md5/")?;
    let (prefix, name) = rest.split_once('/')?;
    if prefix.len() != 2 {
        return None;
    }
    format!("{prefix}{name}").parse().ok()
}

/// The files listed by the cached manifest of directory `id` (output `path`).
pub fn manifest_entries(
    cache: &ObjectDb,
    path: &str,
    id: &ObjectId,
) -> Result<Option<Vec<Wanted>>, RemoteOpError> {
    let text = match std::fs::read_to_string(cache.object_path(id)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(RemoteOpError::BadManifest {
                path: path.to_owned(),
                id: id.to_string(),
                reason: e.to_string(),
            });
        }
    };
    let manifest = Manifest::from_json(&text).map_err(|e| RemoteOpError::BadManifest {
        path: path.to_owned(),
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    Ok(Some(
        manifest
            .entries()
            .iter()
            .map(|entry| Wanted {
                id: ObjectId::file(entry.md5),
                path: format!("{path}/{}", entry.relpath),
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let id: ObjectId = "562ee692a592790b08e880eff9046f72.dir".parse().expect("id");
        let key = remote_key(&id);
        assert_eq!(key, "files/md5/56/2ee692a592790b08e880eff9046f72.dir");
        assert_eq!(id_of_key(&key), Some(id));
        assert_eq!(id_of_key(".kin/lineage/runs/ab.json"), None);
        assert_eq!(
            id_of_key("files/md5/5/62ee692a592790b08e880eff9046f72"),
            None
        );
    }
}
