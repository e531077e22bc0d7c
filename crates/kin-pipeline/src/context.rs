//! The template context: params.yaml, `vars` files and dicts merged as DVC merges them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::template::TemplateError;
use kin_format::params_file::{ParamsFileError, load_params_file};
use kin_format::yaml::{Location, Map, Node, Value};

/// Why the context could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(transparent)]
    File(#[from] ParamsFileError),
    #[error("expected a mapping in `{path}`, found {found}")]
    NotAMapping { path: PathBuf, found: &'static str },
    #[error("could not find `{key}` in `{path}`")]
    MissingKey { path: PathBuf, key: String },
    #[error(
        "cannot redefine `{key}` from `{new_source}`: it already exists in `{existing_source}`"
    )]
    Redefined {
        key: String,
        new_source: String,
        existing_source: String,
    },
    #[error("`{item}` cannot be loaded: {reason}")]
    AlreadyLoaded { item: String, reason: &'static str },
    #[error("`{key}` in `{origin}` is {kind}, which templates cannot hold")]
    UnsupportedValue {
        origin: String,
        key: String,
        kind: &'static str,
    },
    #[error("`{keys}` is reserved inside foreach/matrix and cannot be set by `vars`")]
    Reserved { keys: String },
}

/// The data that `${...}` expressions read from.
#[derive(Debug, Clone, Default)]
pub struct Context {
    data: Map,
    /// Each merged source with its data, to name where a conflicting key first came from.
    sources: Vec<Source>,
    /// Files already loaded: `None` when loaded whole, else the keys taken from them.
    imports: HashMap<PathBuf, Option<Vec<String>>>,
    reserved: Vec<String>,
    /// For a foreach `item` drawn from a params file: that file and the item's dotted path
    /// in it, so what a stage reads through `${item.lr}` is tracked as `models.a.lr`.
    origins: HashMap<String, (String, String)>,
    /// While a stage body is resolved: the file values it interpolated (see [`TrackedVar`]).
    tracked: RefCell<Option<Vec<TrackedVar>>>,
}

/// One merged source: a params file (named repo-relative) or a `vars` mapping.
#[derive(Debug, Clone)]
struct Source {
    name: String,
    data: Node,
    is_file: bool,
}

/// A value a stage interpolated from a params file: what `dvc params diff` lists for files
/// that no stage's `params:` names (DVC's "tracked vars").
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedVar {
    /// The params file, relative to the repository root.
    pub file: String,
    /// The value's dotted path in the file (`models.a.lr`, `seeds.1`).
    pub key: String,
    pub value: Value,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads `item` (`file` or `file:key1,key2`, relative to `base`) and merges it.
    /// `display_base` is `base` as shown to users (relative to the repo root).
    pub fn merge_file(
        &mut self,
        base: &Path,
        display_base: &Path,
        item: &str,
    ) -> Result<(), ContextError> {
        let (file, keys) = match item.split_once(':') {
            Some((file, keys)) => (file, keys),
            None => (item, ""),
        };
        let select: Option<Vec<String>> = if keys.is_empty() {
            None
        } else {
            Some(
                keys.split(',')
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )
        };
        let display = normalize_display(&display_base.join(file));
        if let Some(previous) = self.imports.get(&display) {
            match (&select, previous) {
                (None, None) => return Ok(()),
                (None, Some(_)) => {
                    return Err(ContextError::AlreadyLoaded {
                        item: item.to_owned(),
                        reason: "it is partially loaded already",
                    });
                }
                (Some(_), None) => {
                    return Err(ContextError::AlreadyLoaded {
                        item: item.to_owned(),
                        reason: "it is already loaded whole",
                    });
                }
                (Some(new), Some(old)) if new.iter().any(|k| old.contains(k)) => {
                    return Err(ContextError::AlreadyLoaded {
                        item: item.to_owned(),
                        reason: "some of its keys are loaded already",
                    });
                }
                (Some(_), Some(_)) => {}
            }
        }
        let node = load_params_file(&base.join(file), &display)?;
        let Value::Map(mut map) = node.value else {
            return Err(ContextError::NotAMapping {
                path: display,
                found: node.value.kind_name(),
            });
        };
        if let Some(keys) = &select {
            let mut selected = Map::new();
            for key in keys {
                let entry = map.entry(key).ok_or_else(|| ContextError::MissingKey {
                    path: display.clone(),
                    key: key.clone(),
                })?;
                selected.insert(key.clone(), entry.key_at, entry.value.clone());
            }
            map = selected;
        }
        self.merge_source(&display.to_string_lossy(), map, true)?;
        match (self.imports.get_mut(&display), select) {
            (Some(Some(old)), Some(new)) => old.extend(new),
            (_, select) => {
                self.imports.insert(display, select);
            }
        }
        Ok(())
    }

    /// Merges inline data (a `vars` dict) named `source` in errors.
    pub fn merge(&mut self, source: &str, data: Map) -> Result<(), ContextError> {
        self.merge_source(source, data, false)
    }

    fn merge_source(&mut self, source: &str, data: Map, is_file: bool) -> Result<(), ContextError> {
        let data = string_keys_only(&data);
        let clashing: Vec<&str> = self
            .reserved
            .iter()
            .filter(|k| data.contains_key(k))
            .map(String::as_str)
            .collect();
        if !clashing.is_empty() {
            return Err(ContextError::Reserved {
                keys: clashing.join("`, `"),
            });
        }
        if let Some(key) = find_timestamp(&data, "") {
            return Err(ContextError::UnsupportedValue {
                origin: source.to_owned(),
                key,
                kind: "a date",
            });
        }
        let node = Node::unlocated(Value::Map(data.clone()));
        if let Err(key) = merge_into(&mut self.data, data, "") {
            return Err(ContextError::Redefined {
                new_source: source.to_owned(),
                existing_source: self.source_of(&key),
                key,
            });
        }
        self.sources.push(Source {
            name: source.to_owned(),
            data: node,
            is_file,
        });
        Ok(())
    }

    fn source_of(&self, dotted: &str) -> String {
        self.sources
            .iter()
            .find(|s| lookup(&s.data, dotted).is_some())
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "the context".to_owned())
    }

    /// The params file `dotted` comes from, when it comes from a file (not inline `vars`).
    pub fn file_of(&self, dotted: &str) -> Option<String> {
        self.sources
            .iter()
            .find(|s| lookup(&s.data, dotted).is_some())
            .filter(|s| s.is_file)
            .map(|s| s.name.clone())
    }

    /// Notes that the reserved `key` (a foreach `item`) is `path` of params file `file`.
    pub fn set_origin(&mut self, key: &str, origin: Option<(String, String)>) {
        match origin {
            Some(origin) => self.origins.insert(key.to_owned(), origin),
            None => self.origins.remove(key),
        };
    }

    /// Starts noting the file values that `select` hands out (see [`TrackedVar`]).
    pub fn start_tracking(&self) {
        *self.tracked.borrow_mut() = Some(Vec::new());
    }

    /// Stops noting and returns what was noted since [`Context::start_tracking`].
    pub fn finish_tracking(&self) -> Vec<TrackedVar> {
        self.tracked.borrow_mut().take().unwrap_or_default()
    }

    /// Notes a selected leaf if tracking: scalars only, as DVC tracks only those, and only
    /// values from params files (inline `vars` and `key` are local to the pipeline file).
    fn track(&self, segments: &[String], node: &Node) {
        let mut tracked = self.tracked.borrow_mut();
        let Some(tracked) = tracked.as_mut() else {
            return;
        };
        if node.value.is_composite() {
            return;
        }
        let Some((first, rest)) = segments.split_first() else {
            return;
        };
        let (file, key) = if let Some((file, base)) = self.origins.get(first) {
            let mut key = base.clone();
            for segment in rest {
                key.push('.');
                key.push_str(segment);
            }
            (file.clone(), key)
        } else if self.reserved.contains(first) {
            return;
        } else {
            let key = segments.join(".");
            match self.file_of(&key) {
                Some(file) => (file, key),
                None => return,
            }
        };
        tracked.push(TrackedVar {
            file,
            key,
            value: node.value.clone(),
        });
    }

    /// Sets `item`/`key` for one foreach or matrix iteration, returning what to restore.
    pub fn set_reserved(&mut self, values: Vec<(&str, Node)>) -> Vec<(String, Option<Node>)> {
        let mut saved = Vec::new();
        for (key, value) in values {
            let value = Node::new(string_keys_only_in(&value.value), value.at);
            saved.push((key.to_owned(), self.data.remove(key)));
            self.data.insert(key.to_owned(), Location::UNKNOWN, value);
            self.reserved.push(key.to_owned());
        }
        saved
    }

    /// Undoes `set_reserved`.
    pub fn restore(&mut self, saved: Vec<(String, Option<Node>)>) {
        for (key, previous) in saved {
            self.origins.remove(&key);
            self.data.remove(&key);
            self.reserved.retain(|k| *k != key);
            if let Some(previous) = previous {
                self.data.insert(key, Location::UNKNOWN, previous);
            }
        }
    }

    /// Looks up a parsed expression (`["a", "b", "0"]`).
    pub fn select(&self, segments: &[String]) -> Result<&Node, TemplateError> {
        let full = || segments.join(".");
        let (first, rest) = segments
            .split_first()
            .ok_or_else(|| TemplateError::NotFound { key: full() })?;
        let mut node = self
            .data
            .get(first)
            .ok_or_else(|| TemplateError::NotFound { key: full() })?;
        for (depth, segment) in rest.iter().enumerate() {
            node = match &node.value {
                Value::Map(map) => map.get(segment),
                Value::List(items) => list_index(items, segment),
                other => {
                    return Err(TemplateError::NotAContainer {
                        prefix: segments[..=depth].join("."),
                        kind: other.kind_name(),
                        rest: segments[depth + 1..].join("."),
                    });
                }
            }
            .ok_or_else(|| TemplateError::NotFound { key: full() })?;
        }
        self.track(segments, node);
        Ok(node)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.data.contains_key(key)
    }

    /// Top-level names, for "did you mean" hints.
    pub fn top_level_keys(&self) -> Vec<String> {
        self.data.keys().map(str::to_owned).collect()
    }
}

/// `map` without the keys that are not strings, at any depth: DVC's context ignores them
/// ("a limitation for the interpolation"), so `${x}` of `{1: a, b: c}` is `--b c`.
fn string_keys_only(map: &Map) -> Map {
    let mut kept = Map::new();
    for entry in map.iter().filter(|e| e.key_scalar.is_none()) {
        let value = Node::new(string_keys_only_in(&entry.value.value), entry.value.at);
        kept.insert(entry.key.clone(), entry.key_at, value);
    }
    kept
}

fn string_keys_only_in(value: &Value) -> Value {
    match value {
        Value::Map(map) => Value::Map(string_keys_only(map)),
        Value::List(items) => Value::List(
            items
                .iter()
                .map(|n| Node::new(string_keys_only_in(&n.value), n.at))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The dotted key of the first date in `map`: DVC's context only holds plain data.
fn find_timestamp(map: &Map, prefix: &str) -> Option<String> {
    fn in_node(node: &Node, key: String) -> Option<String> {
        match &node.value {
            Value::Timestamp(_) => Some(key),
            Value::Map(map) => find_timestamp(map, &key),
            Value::List(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, n)| in_node(n, format!("{key}[{i}]"))),
            _ => None,
        }
    }
    map.iter().find_map(|e| {
        let key = if prefix.is_empty() {
            e.key.clone()
        } else {
            format!("{prefix}.{}", e.key)
        };
        in_node(&e.value, key)
    })
}

/// Python-style list indexing: negative indices count from the end.
fn list_index<'a>(items: &'a [Node], segment: &str) -> Option<&'a Node> {
    let index: i64 = segment.parse().ok()?;
    let len = i64::try_from(items.len()).ok()?;
    let index = if index < 0 { index + len } else { index };
    usize::try_from(index).ok().and_then(|i| items.get(i))
}

/// The node at a dotted key, walking into maps by key and lists by index (`seeds.1`).
fn lookup<'a>(node: &'a Node, dotted: &str) -> Option<&'a Node> {
    dotted
        .split('.')
        .try_fold(node, |node, key| match &node.value {
            Value::Map(map) => map.get(key),
            Value::List(items) => list_index(items, key),
            _ => None,
        })
}

/// Recursive merge: dicts merge key by key; any other clash returns the dotted key.
fn merge_into(into: &mut Map, update: Map, prefix: &str) -> Result<(), String> {
    for entry in update.iter() {
        let path = if prefix.is_empty() {
            entry.key.clone()
        } else {
            format!("{prefix}.{}", entry.key)
        };
        match (into.get_mut(&entry.key), &entry.value.value) {
            (
                Some(Node {
                    value: Value::Map(existing),
                    ..
                }),
                Value::Map(incoming),
            ) => {
                merge_into(existing, incoming.clone(), &path)?;
            }
            (Some(_), _) => return Err(path),
            (None, _) => into.insert(entry.key.clone(), entry.key_at, entry.value.clone()),
        }
    }
    Ok(())
}

/// `a/./b/../c` → `a/c`, without touching the filesystem.
pub fn normalize_display(path: &Path) -> PathBuf {
    let mut parts: Vec<std::path::Component> = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(parts.last(), Some(std::path::Component::Normal(_))) =>
            {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        PathBuf::from(".")
    } else {
        parts.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kin_format::yaml::parse_yaml;

    fn map(yaml: &str) -> Map {
        parse_yaml(yaml)
            .expect("yaml")
            .as_map()
            .expect("map")
            .clone()
    }

    fn seg(s: &str) -> Vec<String> {
        s.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn nested_dicts_merge_and_scalars_clash() {
        let mut ctx = Context::new();
        ctx.merge("params.yaml", map("a: {x: 1}\nb: 2\n"))
            .expect("first");
        ctx.merge("vars[0]", map("a: {y: 2}\n"))
            .expect("disjoint nested keys merge");
        assert_eq!(ctx.select(&seg("a.y")).expect("a.y").value, Value::Int(2));
        let err = ctx.merge("vars[1]", map("a: {x: 3}\n")).expect_err("clash");
        assert_eq!(
            err.to_string(),
            "cannot redefine `a.x` from `vars[1]`: it already exists in `params.yaml`"
        );
    }

    #[test]
    fn select_walks_lists_and_reports_primitives() {
        let mut ctx = Context::new();
        ctx.merge("v", map("l: [10, 20]\ns: str\n")).expect("merge");
        assert_eq!(ctx.select(&seg("l.1")).expect("l.1").value, Value::Int(20));
        assert_eq!(
            ctx.select(&seg("l.-1")).expect("l.-1").value,
            Value::Int(20)
        );
        assert!(matches!(
            ctx.select(&seg("l.5")),
            Err(TemplateError::NotFound { .. })
        ));
        assert!(matches!(
            ctx.select(&seg("s.x")),
            Err(TemplateError::NotAContainer { .. })
        ));
    }

    #[test]
    fn reserved_keys_are_restored() {
        let mut ctx = Context::new();
        ctx.merge("v", map("item: global\n")).expect("merge");
        let saved = ctx.set_reserved(vec![("item", Node::unlocated(Value::Int(1)))]);
        assert!(ctx.merge("vars", map("item: 2\n")).is_err());
        ctx.restore(saved);
        assert_eq!(
            ctx.select(&seg("item")).expect("item").value,
            Value::Str("global".into())
        );
    }

    #[test]
    fn keys_that_are_not_strings_are_left_out_as_dvc_does() {
        let mut ctx = Context::new();
        ctx.merge(
            "p",
            map("a: [{1: x, b: c}]\nd: {null: w, true: z, e: f}\n2: two\n"),
        )
        .expect("merge");
        assert_eq!(ctx.top_level_keys(), ["a", "d"]);
        let item = ctx.select(&seg("a.0")).expect("a.0");
        assert_eq!(
            item.as_map().map(|m| m.keys().collect::<Vec<_>>()),
            Some(vec!["b"])
        );
        let d = ctx.select(&seg("d")).expect("d");
        assert_eq!(
            d.as_map().map(|m| m.keys().collect::<Vec<_>>()),
            Some(vec!["e"])
        );
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(
            normalize_display(Path::new("./a/../b/./c")),
            PathBuf::from("b/c")
        );
        assert_eq!(normalize_display(Path::new("a/..")), PathBuf::from("."));
        assert_eq!(normalize_display(Path::new("../x")), PathBuf::from("../x"));
    }
}
