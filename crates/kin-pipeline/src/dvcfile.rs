//! Reads the `outs` of `.dvc` data files, which appear as source nodes in the pipeline graph.

use std::path::Path;

use crate::error::PipelineError;
use kin_format::yaml::{Location, Node, Value, parse_yaml};

/// A `.dvc` file: a stage without a command whose outputs are tracked data.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFile {
    /// Relative to the repo root, `/`-separated (`data/raw.dvc`).
    pub path: String,
    /// Output paths relative to the `.dvc` file's directory.
    pub outs: Vec<(String, Location)>,
}

/// The keys DVC 3's schema allows at the top of a `.dvc` file. A DVC 1 stage file (`cmd:`)
/// is refused by DVC 3, and so by kin.
const FILE_KEYS: &[&str] = &[
    "md5",
    "wdir",
    "deps",
    "outs",
    "locked",
    "frozen",
    "meta",
    "always_changed",
    "desc",
];
/// The keys of an output entry.
const OUT_KEYS: &[&str] = &[
    "path",
    "md5",
    "checksum",
    "etag",
    "size",
    "nfiles",
    "isexec",
    "version_id",
    "hash",
    "persist",
    "cloud",
    "desc",
    "type",
    "labels",
    "meta",
    "cache",
    "remote",
    "push",
    "files",
    "fs_config",
];
/// The keys of a dependency entry.
const DEP_KEYS: &[&str] = &[
    "path",
    "md5",
    "checksum",
    "etag",
    "size",
    "nfiles",
    "isexec",
    "version_id",
    "hash",
    "persist",
    "cloud",
    "desc",
    "type",
    "labels",
    "meta",
    "repo",
    "db",
    "files",
    "fs_config",
];

/// The types DVC's schema fixes for some keys.
#[derive(Clone, Copy)]
enum Kind {
    Integer,
    Boolean,
    Text,
}

impl Kind {
    /// What a key's value must be, for the keys whose type DVC's schema fixes.
    fn of(key: &str) -> Option<Kind> {
        match key {
            "size" | "nfiles" => Some(Kind::Integer),
            "isexec" | "persist" | "cache" | "push" | "frozen" | "locked" | "always_changed" => {
                Some(Kind::Boolean)
            }
            "path" | "hash" | "remote" | "desc" | "type" | "version_id" => Some(Kind::Text),
            _ => None,
        }
    }

    fn admits(self, value: &Value) -> bool {
        match self {
            Kind::Integer => matches!(value, Value::Int(_) | Value::BigInt(_)),
            Kind::Boolean => matches!(value, Value::Bool(_)),
            Kind::Text => matches!(value, Value::Str(_)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Integer => "an integer",
            Kind::Boolean => "true or false",
            Kind::Text => "a string",
        }
    }
}

/// Checks one mapping of a `.dvc` file against DVC's schema: known keys, typed values.
fn check_map(
    file: &Path,
    node: &Node,
    allowed: &'static [&'static str],
    context: &str,
) -> Result<(), PipelineError> {
    let Some(map) = node.as_map() else {
        return Err(PipelineError::WrongType {
            file: file.to_path_buf(),
            at: node.at,
            what: context.to_owned(),
            expected: "a mapping",
            found: node.value.kind_name(),
        });
    };
    for entry in map.iter() {
        if !allowed.contains(&entry.key.as_str()) {
            return Err(PipelineError::UnknownKey {
                file: file.to_path_buf(),
                at: entry.key_at,
                key: entry.key.clone(),
                context: context.to_owned(),
                allowed,
            });
        }
        if let Some(kind) = Kind::of(&entry.key)
            && !entry.value.is_null()
            && !kind.admits(&entry.value.value)
        {
            return Err(PipelineError::WrongType {
                file: file.to_path_buf(),
                at: entry.value.at,
                what: format!("`{}` of {context}", entry.key),
                expected: kind.name(),
                found: entry.value.value.kind_name(),
            });
        }
    }
    Ok(())
}

/// The entries of a `deps` or `outs` list (absent or null: none).
fn entries<'n>(file: &Path, doc: &'n Node, key: &str) -> Result<&'n [Node], PipelineError> {
    match doc.as_map().and_then(|m| m.get(key)) {
        None => Ok(&[]),
        Some(node) if node.is_null() => Ok(&[]),
        Some(node) => node.as_list().ok_or_else(|| PipelineError::WrongType {
            file: file.to_path_buf(),
            at: node.at,
            what: format!("`{key}` of a .dvc file"),
            expected: "a list",
            found: node.value.kind_name(),
        }),
    }
}

/// Reads the output paths of a `.dvc` file, checked against DVC 3's schema for `.dvc` files.
pub fn load_dvc_file(root: &Path, rel_path: &Path) -> Result<DataFile, PipelineError> {
    let file = rel_path.to_path_buf();
    let text =
        std::fs::read_to_string(root.join(rel_path)).map_err(|source| PipelineError::Read {
            file: file.clone(),
            source,
        })?;
    let doc = parse_yaml(&text).map_err(|source| PipelineError::Yaml {
        file: file.clone(),
        source,
    })?;
    check_map(&file, &doc, FILE_KEYS, "a .dvc file")?;
    for dep in entries(&file, &doc, "deps")? {
        check_map(&file, dep, DEP_KEYS, "a dependency of a .dvc file")?;
    }
    let mut outs = Vec::new();
    for out in entries(&file, &doc, "outs")? {
        check_map(&file, out, OUT_KEYS, "an output of a .dvc file")?;
        let path = out.as_map().and_then(|m| m.get("path"));
        match path.map(|p| &p.value) {
            Some(Value::Str(path)) => outs.push((path.clone(), out.at)),
            _ => {
                return Err(PipelineError::MissingKey {
                    file,
                    at: out.at,
                    key: "path",
                    context: "an output of a .dvc file".to_owned(),
                });
            }
        }
    }
    Ok(DataFile {
        path: rel_path.to_string_lossy().replace('\\', "/"),
        outs,
    })
}
