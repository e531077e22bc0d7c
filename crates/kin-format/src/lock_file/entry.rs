//! One stage's record in `dvc.lock`: its command, the versions of its deps and outs, its params.

use crate::Command;
use crate::yaml::{Map, Node, Value};

use crate::md5::{HashName, ObjectId};

/// A dep or out as recorded: the path and the version it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPath {
    /// As written in dvc.yaml, relative to the stage's wdir.
    pub path: String,
    pub id: Option<ObjectId>,
    pub size: Option<u64>,
    pub nfiles: Option<u64>,
    pub is_exec: bool,
    /// How `id` was computed: an entry DVC 2 wrote (no `hash: md5`) has DVC 2's hash, and
    /// keeps it, without the key, for as long as its content is unchanged.
    pub hash_name: HashName,
    /// For a dependency outside the repository given by URL: the version its storage
    /// reported (then `id` is `None`).
    pub external: Option<ExternalVersion>,
}

/// How DVC records the version of data it does not hash itself: the object store's entity
/// tag (`etag:`), or an HTTP server's `ETag`/`Content-MD5` or a digest of what it said of the
/// file (`checksum:`); and the object's version where the store keeps versions (`version_id:`:
/// a versioned S3 bucket's or Azure container's version, a GCS object's generation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalVersion {
    pub field: ExternalField,
    pub value: String,
    pub version_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalField {
    Etag,
    Checksum,
}

impl ExternalField {
    pub fn key(self) -> &'static str {
        match self {
            ExternalField::Etag => "etag",
            ExternalField::Checksum => "checksum",
        }
    }
}

/// A stage's entry under `stages:`.
#[derive(Debug, Clone, PartialEq)]
pub struct LockEntry {
    pub cmd: Command,
    pub deps: Vec<LockedPath>,
    /// Per params file: the tracked keys and their values. DVC's order: `params.yaml` first,
    /// then the other files by name; keys sorted.
    pub params: Vec<(String, Map)>,
    pub outs: Vec<LockedPath>,
}

fn str_node(text: &str) -> Node {
    Node::unlocated(Value::Str(text.to_owned()))
}

fn int_node(n: u64) -> Node {
    Node::unlocated(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

fn put(map: &mut Map, key: &str, value: Node) {
    map.insert(key.to_owned(), Default::default(), value);
}

impl LockedPath {
    fn to_value(&self) -> Value {
        let mut map = Map::new();
        put(&mut map, "path", str_node(&self.path));
        if !self.hash_name.is_legacy() {
            put(&mut map, "hash", str_node("md5"));
        }
        if let Some(external) = &self.external {
            put(&mut map, external.field.key(), str_node(&external.value));
        }
        if let Some(id) = &self.id {
            put(&mut map, "md5", str_node(&id.to_string()));
        }
        if let Some(size) = self.size {
            put(&mut map, "size", int_node(size));
        }
        if let Some(nfiles) = self.nfiles {
            put(&mut map, "nfiles", int_node(nfiles));
        }
        if self.is_exec {
            put(&mut map, "isexec", Node::unlocated(Value::Bool(true)));
        }
        // DVC writes the object's version after the other facts of its metadata.
        if let Some(version_id) = self.external.as_ref().and_then(|e| e.version_id.as_ref()) {
            put(&mut map, "version_id", str_node(version_id));
        }
        Value::Map(map)
    }

    fn from_node(node: &Node) -> Result<Self, String> {
        let map = node.as_map().ok_or("a dep or out is not a mapping")?;
        let path = map
            .get("path")
            .and_then(Node::as_str)
            .ok_or("a dep or out has no `path`")?
            .to_owned();
        // As DVC's schema: counts are integers, the hash a string; anything else is refused.
        let number = |key: &str| match map.get(key).map(|n| &n.value) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Int(n)) => u64::try_from(*n)
                .map(Some)
                .map_err(|_| format!("`{key}` of `{path}` is negative")),
            Some(other) => Err(format!(
                "`{key}` of `{path}` is {}, expected an integer",
                other.kind_name()
            )),
        };
        let id = match map.get("md5").map(|n| &n.value) {
            None | Some(Value::Null) => None,
            Some(Value::Str(text)) => Some(
                text.parse::<ObjectId>()
                    .map_err(|e| format!("`{path}`: {e}"))?,
            ),
            Some(other) => {
                return Err(format!(
                    "`md5` of `{path}` is {}, expected a string",
                    other.kind_name()
                ));
            }
        };
        let mut external = None;
        for field in [ExternalField::Etag, ExternalField::Checksum] {
            match map.get(field.key()).map(|n| &n.value) {
                None | Some(Value::Null) => {}
                Some(Value::Str(text)) => {
                    external = Some(ExternalVersion {
                        field,
                        value: text.clone(),
                        version_id: None,
                    });
                }
                Some(other) => {
                    return Err(format!(
                        "`{}` of `{path}` is {}, expected a string",
                        field.key(),
                        other.kind_name()
                    ));
                }
            }
        }
        if let Some(external) = &mut external {
            external.version_id = version_id(map, &path)?;
        }
        Ok(LockedPath {
            external,
            id,
            size: number("size")?,
            nfiles: number("nfiles")?,
            is_exec: matches!(map.get("isexec").map(|n| &n.value), Some(Value::Bool(true))),
            hash_name: HashName::of_entry(map.get("hash").and_then(Node::as_str)),
            path,
        })
    }
}

/// A dependency's `version_id:`, which DVC writes as a string (quoted when it looks like a
/// number, as a GCS generation does) but a hand-edited file may hold as a number.
pub(crate) fn version_id(map: &Map, path: &str) -> Result<Option<String>, String> {
    match map.get("version_id").map(|n| &n.value) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(text)) => Ok(Some(text.clone())),
        Some(Value::Int(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!(
            "`version_id` of `{path}` is {}, expected a string",
            other.kind_name()
        )),
    }
}

impl LockEntry {
    /// The entry as DVC lays it out: `cmd`, then `deps`, `params`, `outs` when not empty.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        let cmd = match &self.cmd {
            Command::Single(text) => Value::Str(text.clone()),
            Command::List(items) => Value::List(items.iter().map(|c| str_node(c)).collect()),
        };
        put(&mut map, "cmd", Node::unlocated(cmd));
        let paths = |items: &[LockedPath]| {
            Node::unlocated(Value::List(
                items
                    .iter()
                    .map(|p| Node::unlocated(p.to_value()))
                    .collect(),
            ))
        };
        if !self.deps.is_empty() {
            put(&mut map, "deps", paths(&self.deps));
        }
        if !self.params.is_empty() {
            let mut files = Map::new();
            for (file, values) in &self.params {
                put(
                    &mut files,
                    file,
                    Node::unlocated(Value::Map(values.clone())),
                );
            }
            put(&mut map, "params", Node::unlocated(Value::Map(files)));
        }
        if !self.outs.is_empty() {
            put(&mut map, "outs", paths(&self.outs));
        }
        Value::Map(map)
    }

    /// Reads an entry as DVC (any 2.x/3.x) or kin wrote it.
    pub fn from_node(node: &Node) -> Result<Self, String> {
        let map = node.as_map().ok_or("the entry is not a mapping")?;
        let cmd = match map.get("cmd").map(|n| &n.value) {
            Some(Value::Str(text)) => Command::Single(text.clone()),
            Some(Value::List(items)) => Command::List(
                items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_owned)
                            .ok_or("`cmd` has a non-string item")
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err("`cmd` is missing or not a string".to_owned()),
        };
        let paths = |key: &str| -> Result<Vec<LockedPath>, String> {
            match map.get(key) {
                None => Ok(Vec::new()),
                Some(node) if node.is_null() => Ok(Vec::new()),
                Some(node) => node
                    .as_list()
                    .ok_or(format!("`{key}` is not a list"))?
                    .iter()
                    .map(LockedPath::from_node)
                    .collect(),
            }
        };
        let mut params = Vec::new();
        if let Some(files) = map.get("params").and_then(Node::as_map) {
            for file in files.iter() {
                let values = match &file.value.value {
                    Value::Map(values) => values.clone(),
                    Value::Null => Map::new(),
                    _ => return Err(format!("params of `{}` are not a mapping", file.key)),
                };
                params.push((file.key.clone(), values));
            }
        }
        Ok(LockEntry {
            cmd,
            deps: paths("deps")?,
            params,
            outs: paths("outs")?,
        })
    }
}
