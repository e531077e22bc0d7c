//! `dvc.lock` (schema 2.0): what DVC or kin recorded per stage, and the text DVC writes for it.

mod entry;

pub(crate) use entry::version_id;
pub use entry::{ExternalField, ExternalVersion, LockEntry, LockedPath};

use crate::yaml::emit::to_yaml_document;
use crate::yaml::{Map, Node, Value, parse_yaml};

/// A whole `dvc.lock`. Keys kin does not manage (e.g. `datasets`) are kept as read, and
/// stages keep their order, as DVC's round-trip update does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LockFile {
    doc: Map,
}

impl LockFile {
    /// Parses lock file text (as read from disk or from a git commit).
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc = parse_yaml(text).map_err(|e| format!("{e} at {}", e.location()))?;
        let doc = match doc.value {
            Value::Map(map) => map,
            Value::Null => Map::new(),
            other => return Err(format!("expected a mapping, found {}", other.kind_name())),
        };
        if let Some(stages) = doc.get("stages")
            && !matches!(stages.value, Value::Map(_) | Value::Null)
        {
            return Err("`stages` is not a mapping".to_owned());
        }
        // DVC 3 reads schema 2.0 only (and DVC 1's schema-less layout); a lock from a newer
        // or unknown writer is refused rather than misread.
        if let Some(schema) = doc.get("schema")
            && schema.as_str() != Some("2.0")
        {
            return Err(format!(
                "unsupported schema version {} (DVC 3 and kin read '2.0')",
                crate::python::repr(&schema.value)
            ));
        }
        let lock = Self { doc };
        for name in lock.stage_names() {
            lock.entry(name)?;
        }
        Ok(lock)
    }

    pub fn is_empty(&self) -> bool {
        self.doc.is_empty()
    }

    fn stages(&self) -> Option<&Map> {
        if self.is_v1() {
            return Some(&self.doc);
        }
        self.doc.get("stages").and_then(Node::as_map)
    }

    /// DVC 1 wrote stages at the top level, without `schema:` or `stages:`.
    fn is_v1(&self) -> bool {
        !self.doc.is_empty() && !self.doc.contains_key("schema") && !self.doc.contains_key("stages")
    }

    /// Names of the recorded stages, in file order.
    pub fn stage_names(&self) -> Vec<&str> {
        self.stages()
            .map(|s| s.keys().collect())
            .unwrap_or_default()
    }

    /// The recorded entry of stage `name`.
    pub fn entry(&self, name: &str) -> Result<Option<LockEntry>, String> {
        match self.stages().and_then(|s| s.get(name)) {
            None => Ok(None),
            Some(node) => LockEntry::from_node(node)
                .map(Some)
                .map_err(|reason| format!("stage `{name}`: {reason}")),
        }
    }

    /// Records `entry` for stage `name`: in place when the stage is already recorded, else
    /// before the stage `before` (when recorded) or at the end.
    pub fn set_entry(&mut self, name: &str, entry: &LockEntry, before: Option<&str>) {
        if self.is_v1() {
            // Rewritten in the current schema, as DVC does when it updates a DVC 1 lock.
            let stages = std::mem::take(&mut self.doc);
            self.doc.insert(
                "schema".to_owned(),
                Default::default(),
                Node::unlocated(Value::Str("2.0".to_owned())),
            );
            self.doc.insert(
                "stages".to_owned(),
                Default::default(),
                Node::unlocated(Value::Map(stages)),
            );
        }
        if self.doc.is_empty() {
            self.doc.insert(
                "schema".to_owned(),
                Default::default(),
                Node::unlocated(Value::Str("2.0".to_owned())),
            );
        }
        let value = Node::unlocated(entry.to_value());
        let mut stages = self.stages().cloned().unwrap_or_default();
        match before.filter(|b| !stages.contains_key(name) && stages.contains_key(b)) {
            Some(before) => {
                let mut reordered = Map::new();
                for item in stages.iter() {
                    if item.key == before {
                        reordered.insert(name.to_owned(), Default::default(), value.clone());
                    }
                    reordered.insert(item.key.clone(), item.key_at, item.value.clone());
                }
                stages = reordered;
            }
            None => stages.insert(name.to_owned(), Default::default(), value),
        }
        self.doc.insert(
            "stages".to_owned(),
            Default::default(),
            Node::unlocated(Value::Map(stages)),
        );
    }

    /// The file's text, as DVC's ruamel writer lays it out.
    pub fn render(&self) -> String {
        to_yaml_document(&Value::Map(self.doc.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "train:\n  cmd: python train.py\n  deps:\n  - path: data.csv\n    md5: 0123456789abcdef0123456789abcdef\n  outs:\n  - path: model.pkl\n    md5: fedcba9876543210fedcba9876543210\n";

    #[test]
    fn reads_dvc1_locks_and_rewrites_them_in_schema_2() {
        let mut lock = LockFile::parse(V1).expect("parses");
        assert_eq!(lock.stage_names(), vec!["train"]);
        let entry = lock.entry("train").expect("valid").expect("present");
        assert_eq!(entry.deps[0].path, "data.csv");
        assert_eq!(
            entry.outs[0].id.map(|id| id.to_string()).as_deref(),
            Some("fedcba9876543210fedcba9876543210")
        );
        lock.set_entry("train", &entry, None);
        let text = lock.render();
        assert!(
            text.starts_with("schema: '2.0'\nstages:\n  train:\n"),
            "{text}"
        );
    }

    #[test]
    fn dvc2_entries_keep_their_hash_beside_dvc3_ones() {
        // What DVC 3.67 wrote after a repro where only `in.txt` and `out.txt` changed.
        let text = "schema: '2.0'\nstages:\n  s:\n    cmd: cp in.txt out.txt\n    deps:\n    - path: in.txt\n      hash: md5\n      md5: 8c8f2ff0bac61ccfb16c5bfc3a9b5c6a\n      size: 9\n    - path: k.txt\n      md5: ccc87e7257869ad33a6a0bd9e28a4ae4\n      size: 2\n    outs:\n    - path: out.txt\n      hash: md5\n      md5: 8c8f2ff0bac61ccfb16c5bfc3a9b5c6a\n      size: 9\n    - path: same.txt\n      md5: ccc87e7257869ad33a6a0bd9e28a4ae4\n      size: 2\n";
        let mut lock = LockFile::parse(text).expect("parses");
        let entry = lock.entry("s").expect("valid").expect("present");
        let names: Vec<_> = entry
            .deps
            .iter()
            .chain(&entry.outs)
            .map(|p| p.hash_name)
            .collect();
        use crate::md5::HashName::{Md5, Md5Dos2Unix};
        assert_eq!(names, [Md5, Md5Dos2Unix, Md5, Md5Dos2Unix]);
        lock.set_entry("s", &entry, None);
        assert_eq!(lock.render(), text);
    }
}
