//! Two collections compared key by key, as DVC's `metrics diff` and `params diff` compare them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Collected;
use super::python::{py_eq, py_repr, py_sub, py_truthy};

/// What DVC puts in a key's place when one side is a mapping and the other is not.
const UNPARSABLE: &str = "unable to parse";

/// One key's values on both sides. `Null` stands for "missing" (DVC does not tell a missing
/// key from a null value).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub old: Value,
    pub new: Value,
    /// `new - old` when both are numbers (booleans count as 0 and 1).
    pub diff: Option<Value>,
}

/// The changes of one file, keys sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct FileDiff {
    pub path: String,
    /// Dotted keys (`train.lr`; `` for a file that holds a single value), sorted.
    pub changes: Vec<(String, Change)>,
}

/// The changes of every file that has some, files sorted by path. (DVC prints files in
/// Python's set order, which differs from run to run; kin sorts them.)
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diff {
    pub files: Vec<FileDiff>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// DVC's `--json` shape: `{"<path>": {"<key>": {"old": .., "new": .., "diff": ..}}}`,
    /// `diff` only where both sides are numbers.
    pub fn to_json(&self) -> Value {
        let mut files = Map::new();
        for file in &self.files {
            let mut keys = Map::new();
            for (key, change) in &file.changes {
                let mut entry = Map::new();
                entry.insert("old".to_owned(), change.old.clone());
                entry.insert("new".to_owned(), change.new.clone());
                if let Some(diff) = &change.diff {
                    entry.insert("diff".to_owned(), diff.clone());
                }
                keys.insert(key.clone(), Value::Object(entry));
            }
            files.insert(file.path.clone(), Value::Object(keys));
        }
        Value::Object(files)
    }
}

/// Compares two `{"<path>": content}` maps, wherever they came from (workspace, git
/// revisions, recorded runs). Lists compare by their Python text, nested mappings by dotted
/// key; unchanged keys are left out unless `all`.
pub fn diff_tables(old: &Collected, new: &Collected, all: bool) -> Diff {
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    let empty = Value::Object(Map::new());
    let mut files = Vec::new();
    for path in paths {
        let a = prepare(old.get(path).unwrap_or(&empty));
        let b = prepare(new.get(path).unwrap_or(&empty));
        let changes = if a.is_object() || b.is_object() {
            diff_mappings(&a, &b, all)
        } else {
            diff_values(a, b, all)
                .map(|c| vec![(String::new(), c)])
                .unwrap_or_default()
        };
        if !changes.is_empty() {
            files.push(FileDiff {
                path: path.clone(),
                changes,
            });
        }
    }
    Diff { files }
}

/// DVC's `format_dict` (lists become their Python text) followed by its `_parse` (text that
/// is JSON is read as JSON).
fn prepare(content: &Value) -> Value {
    match format_lists(content) {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        other => other,
    }
}

/// Lists, at any depth of mappings, replaced by their Python `repr()`.
pub(crate) fn format_lists(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), format_lists(v)))
                .collect(),
        ),
        Value::Array(_) => Value::String(py_repr(value)),
        other => other.clone(),
    }
}

/// `flatten_dict.flatten(d, reducer="dot")`: nested keys joined with `.`, empty mappings
/// dropped.
pub(crate) fn flatten(map: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    flatten_into(map, "", &mut out);
    out
}

fn flatten_into(map: &Map<String, Value>, prefix: &str, out: &mut Vec<(String, Value)>) {
    for (key, value) in map {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) => flatten_into(inner, &full, out),
            other => out.push((full, other.clone())),
        }
    }
}

/// One side's keys: flattened for a mapping, nothing for an empty or false value, and
/// "unable to parse" for any key when it is some other value.
enum Side {
    Keys(BTreeMap<String, Value>),
    Unparsable,
}

impl Side {
    fn of(value: &Value) -> Side {
        if !py_truthy(value) {
            return Side::Keys(BTreeMap::new());
        }
        match value {
            Value::Object(map) => Side::Keys(flatten(map).into_iter().collect()),
            _ => Side::Unparsable,
        }
    }

    fn get(&self, key: &str) -> Value {
        match self {
            Side::Keys(keys) => keys.get(key).cloned().unwrap_or(Value::Null),
            Side::Unparsable => Value::String(UNPARSABLE.to_owned()),
        }
    }

    fn keys(&self) -> impl Iterator<Item = &String> {
        match self {
            Side::Keys(keys) => Some(keys.keys()),
            Side::Unparsable => None,
        }
        .into_iter()
        .flatten()
    }
}

fn diff_mappings(old: &Value, new: &Value, all: bool) -> Vec<(String, Change)> {
    let (a, b) = (Side::of(old), Side::of(new));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| diff_values(a.get(key), b.get(key), all).map(|c| (key.clone(), c)))
        .collect()
}

fn diff_values(old: Value, new: Value, all: bool) -> Option<Change> {
    if !all && py_eq(&old, &new) {
        return None;
    }
    let diff = if old.is_null() || new.is_null() {
        None
    } else {
        py_sub(&new, &old)
    };
    Some(Change { old, new, diff })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn collected(v: Value) -> Collected {
        match v {
            Value::Object(map) => map,
            _ => panic!("object expected"),
        }
    }

    #[test]
    fn diffs_as_dvc() {
        let old = collected(json!({
            "m.json": {"acc": 0.912345678, "n": 10, "ok": true, "nested": {"b": {"c": 0.5}}, "same": 1},
            "gone.json": {"x": 1},
        }));
        let new = collected(json!({
            "m.json": {"acc": 0.95, "n": 12, "ok": false, "nested": {"b": {"c": 0.75}}, "same": 1.0, "newk": "s"},
        }));
        let diff = diff_tables(&old, &new, false);
        assert_eq!(
            crate::metrics::python::py_json(&diff.to_json()),
            concat!(
                r#"{"gone.json": {"x": {"old": 1, "new": null}}, "#,
                r#""m.json": {"acc": {"old": 0.912345678, "new": 0.95, "diff": 0.03765432199999996}, "#,
                r#""n": {"old": 10, "new": 12, "diff": 2}, "#,
                r#""nested.b.c": {"old": 0.5, "new": 0.75, "diff": 0.25}, "#,
                r#""newk": {"old": null, "new": "s"}, "#,
                r#""ok": {"old": true, "new": false, "diff": -1}}}"#
            )
        );
        let all = diff_tables(&old, &new, true);
        let same = &all.files[1].changes.iter().find(|(k, _)| k == "same");
        assert_eq!(
            same.map(|(_, c)| c.diff.clone()),
            Some(Some(json!(0.0))),
            "1.0 - 1 is 0.0 in Python"
        );
    }

    #[test]
    fn lists_compare_as_text_and_scalars_as_whole_files() {
        let old = collected(json!({"p.yaml": {"l": [8, 4], "s": "x"}, "s.yaml": 3}));
        let new = collected(json!({"p.yaml": {"l": [8, 4, 2], "s": "x"}, "s.yaml": 5}));
        let diff = diff_tables(&old, &new, false);
        assert_eq!(
            diff.to_json(),
            json!({
                "p.yaml": {"l": {"old": "[8, 4]", "new": "[8, 4, 2]"}},
                "s.yaml": {"": {"old": 3, "new": 5, "diff": 2}},
            })
        );
        let mixed = diff_tables(
            &collected(json!({"f": {"a": 1}})),
            &collected(json!({"f": 5})),
            false,
        );
        assert_eq!(
            mixed.to_json(),
            json!({"f": {"a": {"old": 1, "new": "unable to parse"}}})
        );
    }
}
