//! A directory's manifest exactly as DVC 3 writes it: the JSON whose md5 names the directory.

use crate::md5::{Md5, ObjectId};
use crate::python::{DumpOptions, dumps};
use crate::yaml::{Location, Map, Node, Value};

/// One file of a directory, by its path inside the directory (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ManifestEntry {
    pub relpath: String,
    pub md5: Md5,
}

/// A directory's files sorted by relpath. Empty directories are not part of it, as in DVC.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    entries: Vec<ManifestEntry>,
}

/// A manifest that is not the JSON DVC writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid directory manifest: {reason}")]
pub struct BadManifest {
    pub reason: String,
}

impl Manifest {
    pub fn new(mut entries: Vec<ManifestEntry>) -> Self {
        entries.sort_by(|a, b| a.relpath.cmp(&b.relpath));
        Manifest { entries }
    }

    pub fn entries(&self) -> &[ManifestEntry] {
        &self.entries
    }

    /// `[{"md5": "…", "relpath": "…"}, …]`: Python's `json.dumps(sort_keys=True)` of the
    /// entries, which is what DVC hashes.
    pub fn to_json(&self) -> String {
        let field = |text: String| Node::unlocated(Value::Str(text));
        let items = self
            .entries
            .iter()
            .map(|entry| {
                let mut map = Map::new();
                map.insert(
                    "md5".to_owned(),
                    Location::UNKNOWN,
                    field(entry.md5.to_hex()),
                );
                map.insert(
                    "relpath".to_owned(),
                    Location::UNKNOWN,
                    field(entry.relpath.clone()),
                );
                Node::unlocated(Value::Map(map))
            })
            .collect();
        let options = DumpOptions {
            sort_keys: true,
            exclude: &[],
            indent: None,
        };
        dumps(&Value::List(items), options)
    }

    /// The directory's object id: md5 of the JSON, with `.dir`.
    pub fn object_id(&self) -> ObjectId {
        Self::id_of_json(&self.to_json())
    }

    /// The object id of a manifest's JSON (for a caller that also stores the JSON).
    pub fn id_of_json(json: &str) -> ObjectId {
        ObjectId::dir(Md5::of(json.as_bytes()))
    }

    /// Reads a manifest written by DVC or kin.
    pub fn from_json(text: &str) -> Result<Self, BadManifest> {
        let bad = |reason: &str| BadManifest {
            reason: reason.to_owned(),
        };
        let node = crate::params_file::parse_params(
            text,
            crate::params_file::ParamsFormat::Json,
            std::path::Path::new("manifest"),
        )
        .map_err(|e| bad(&e.to_string()))?;
        let items = node.as_list().ok_or_else(|| bad("not a list"))?;
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            let map = item.as_map().ok_or_else(|| bad("entry is not an object"))?;
            let relpath = map
                .get("relpath")
                .and_then(|n| n.as_str())
                .ok_or_else(|| bad("entry without relpath"))?;
            let md5 = map
                .get("md5")
                .and_then(|n| n.as_str())
                .ok_or_else(|| bad("entry without md5"))?;
            // A manifest may come from any remote: one naming `../x` or `.git/hooks/…` must not
            // make checkout write outside its directory.
            crate::repo_path::check_relpath_inside(relpath).map_err(|e| bad(&e.to_string()))?;
            entries.push(ManifestEntry {
                relpath: relpath.to_owned(),
                md5: md5.parse().map_err(|_| bad("entry md5 is not a hash"))?,
            });
        }
        Ok(Manifest::new(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_dvc_manifest_and_hash() {
        // Recorded from `dvc add` (DVC 3.67.1) of a directory with these four files.
        let entry = |relpath: &str, md5: &str| ManifestEntry {
            relpath: relpath.into(),
            md5: md5.parse().expect("hash"),
        };
        let manifest = Manifest::new(vec![
            entry("sub/ünï.txt", "39c7627198d038fbb0f6fa7e2152a220"),
            entry("a.txt", "60b725f10c9c85c70d97880dfe8191b3"),
            entry("sub/empty.txt", "d41d8cd98f00b204e9800998ecf8427e"),
            entry("run.sh", "3e2b31c72181b87149ff995e7202c0e3"),
        ]);
        assert_eq!(
            manifest.to_json(),
            r#"[{"md5": "60b725f10c9c85c70d97880dfe8191b3", "relpath": "a.txt"}, {"md5": "3e2b31c72181b87149ff995e7202c0e3", "relpath": "run.sh"}, {"md5": "d41d8cd98f00b204e9800998ecf8427e", "relpath": "sub/empty.txt"}, {"md5": "39c7627198d038fbb0f6fa7e2152a220", "relpath": "sub/\u00fcn\u00ef.txt"}]"#
        );
        assert_eq!(
            manifest.object_id().to_string(),
            "5edea7ba3ee6f8a54b340b85b3bc7b50.dir"
        );
        assert_eq!(Manifest::from_json(&manifest.to_json()), Ok(manifest));
    }

    #[test]
    fn refuses_entries_that_leave_the_directory() {
        for relpath in [
            "../../x",
            "../.git/hooks/pre-commit",
            "/etc/passwd",
            "a/../../b",
            ".git/config",
        ] {
            let text = format!(
                r#"[{{"md5": "60b725f10c9c85c70d97880dfe8191b3", "relpath": "{relpath}"}}]"#
            );
            assert!(Manifest::from_json(&text).is_err(), "{relpath}");
        }
    }
}
