//! `.dvc` files: the outputs of any DVC 3 one, and the text `dvc add` writes for them.

use crate::yaml::emit::to_yaml_document;
use crate::yaml::{Location, Map, Node, Value, parse_yaml};

use crate::md5::{HashName, ObjectId};

/// One tracked output of a `.dvc` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DvcOut {
    /// Relative to the `.dvc` file's directory.
    pub path: String,
    /// `None` when the file was written without hashes (e.g. before the first commit).
    pub id: Option<ObjectId>,
    pub size: Option<u64>,
    pub nfiles: Option<u64>,
    pub is_exec: bool,
    /// `push: false` keeps the output out of `push` (it is still fetched if on the remote).
    pub push: bool,
    /// `remote:` names the remote this output lives in instead of the default one.
    pub remote: Option<String>,
    /// How `id` was computed: DVC 2 wrote no `hash: md5` (see [`HashName`]).
    pub hash_name: HashName,
}

/// The outputs of `.dvc` file text (as read from disk or from a git commit).
pub fn parse_dvc_file_text(text: &str) -> Result<Vec<DvcOut>, String> {
    let invalid = |reason: String| reason;
    let doc = parse_yaml(text).map_err(|e| invalid(format!("{} at {}", e, e.location())))?;
    let outs = doc
        .as_map()
        .and_then(|m| m.get("outs"))
        .and_then(|o| o.as_list())
        .ok_or_else(|| invalid("no `outs` list".to_owned()))?;
    outs.iter()
        .map(|out| {
            let map = out
                .as_map()
                .ok_or_else(|| invalid("an output is not a mapping".to_owned()))?;
            let path = map
                .get("path")
                .and_then(|p| p.as_str())
                .ok_or_else(|| invalid("an output has no `path`".to_owned()))?;
            let number = |key: &str| match map.get(key).map(|n| &n.value) {
                Some(Value::Int(i)) => u64::try_from(*i).ok(),
                _ => None,
            };
            let id = match map.get("md5").and_then(|m| m.as_str()) {
                Some(md5) => Some(md5.parse().map_err(|e| invalid(format!("{e}")))?),
                None => None,
            };
            Ok(DvcOut {
                path: path.to_owned(),
                id,
                size: number("size"),
                nfiles: number("nfiles"),
                is_exec: matches!(map.get("isexec").map(|n| &n.value), Some(Value::Bool(true))),
                push: !matches!(map.get("push").map(|n| &n.value), Some(Value::Bool(false))),
                remote: map
                    .get("remote")
                    .and_then(|r| r.as_str())
                    .map(str::to_owned),
                hash_name: HashName::of_entry(map.get("hash").and_then(|h| h.as_str())),
            })
        })
        .collect()
}

/// The text `dvc add` writes for these outputs, in DVC's key order. An output that keeps
/// DVC 2's hash is written as DVC 3 writes it: without `hash:`.
pub fn render_dvc_file(outs: &[DvcOut]) -> String {
    let mut doc = Map::new();
    doc.insert(
        "outs".to_owned(),
        Location::UNKNOWN,
        Node::unlocated(Value::List(outs.iter().map(render_out).collect())),
    );
    to_yaml_document(&Value::Map(doc))
}

/// One output's entry, in DVC's key order.
pub fn render_out(out: &DvcOut) -> Node {
    let mut fields = Map::new();
    let mut field = |key: &str, value: Value| {
        fields.insert(key.to_owned(), Location::UNKNOWN, Node::unlocated(value));
    };
    if let Some(id) = out.id {
        field("md5", Value::Str(id.to_string()));
    }
    if let Some(size) = out.size {
        field("size", count(size));
    }
    if let Some(nfiles) = out.nfiles {
        field("nfiles", count(nfiles));
    }
    if out.is_exec {
        field("isexec", Value::Bool(true));
    }
    if !out.hash_name.is_legacy() {
        field("hash", Value::Str("md5".to_owned()));
    }
    field("path", Value::Str(out.path.clone()));
    Node::unlocated(Value::Map(fields))
}

/// A size or file count as a YAML integer. Nothing on disk exceeds `i64::MAX` bytes.
fn count(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_dvc_add() {
        let dir = DvcOut {
            path: "data".into(),
            id: Some("5edea7ba3ee6f8a54b340b85b3bc7b50.dir".parse().expect("id")),
            size: Some(20),
            nfiles: Some(4),
            is_exec: false,
            push: true,
            remote: None,
            hash_name: HashName::Md5,
        };
        assert_eq!(
            render_dvc_file(std::slice::from_ref(&dir)),
            "outs:\n- md5: 5edea7ba3ee6f8a54b340b85b3bc7b50.dir\n  size: 20\n  nfiles: 4\n  hash: md5\n  path: data\n"
        );
        let exec = DvcOut {
            path: "single.bin".into(),
            id: Some("9dd4e461268c8034f5c8564e155c67a6".parse().expect("id")),
            size: Some(1),
            nfiles: None,
            is_exec: true,
            push: true,
            remote: None,
            hash_name: HashName::Md5,
        };
        let text = render_dvc_file(std::slice::from_ref(&exec));
        assert_eq!(
            text,
            "outs:\n- md5: 9dd4e461268c8034f5c8564e155c67a6\n  size: 1\n  isexec: true\n  hash: md5\n  path: single.bin\n"
        );
        assert_eq!(parse_dvc_file_text(&text).expect("read"), vec![exec]);
    }

    #[test]
    fn dvc2_outputs_read_as_legacy_and_are_written_without_hash() {
        // As DVC 2 wrote it, and as DVC 3 writes it back while the content is unchanged.
        let text = "outs:\n- md5: dd8c6a395b5dd36c56d23275028f526c\n  size: 6\n  path: t.txt\n";
        let outs = parse_dvc_file_text(text).expect("read");
        assert_eq!(outs[0].hash_name, HashName::Md5Dos2Unix);
        assert_eq!(render_dvc_file(&outs), text);
    }
}
