//! Which files are metrics and params in a source, and their parsed content, as DVC 3 collects them.

use std::path::Path;

use kin_format::params_file::{ParamsFileError, ParamsFormat, parse_params};
use kin_format::yaml::{Node, Value as Yaml, YamlError};
use serde_json::{Map, Value};

use super::error::{FileFormat, MetricsError};
use super::python::py_truthy;
use super::tree::Tree;
use super::{Collected, Source};
use crate::Repo;
use crate::paths::wdir_join;
use crate::tracked::TrackedOut;
use kin_format::manifest::Manifest;

/// DVC's default params file, tracked whole when it exists.
const DEFAULT_PARAMS_FILE: &str = "params.yaml";

/// One file of a collection: its content, or why it could not be read.
#[derive(Debug)]
pub struct FileEntry {
    /// Repo-relative, `/`-separated.
    pub path: String,
    pub content: Result<Value, MetricsError>,
}

/// Everything collected from one source, in DVC's order (stage outputs, then top-level
/// entries; or the targets as given).
#[derive(Debug, Default)]
pub struct Collection {
    pub files: Vec<FileEntry>,
}

impl Collection {
    /// The files that could be read, as the plain `{"<path>": content}` map that diffs and
    /// the lineage store use.
    pub fn data(&self) -> Collected {
        self.files
            .iter()
            .filter_map(|f| f.content.as_ref().ok().map(|v| (f.path.clone(), v.clone())))
            .collect()
    }

    /// The files that could not be read.
    pub fn errors(&self) -> impl Iterator<Item = (&str, &MetricsError)> {
        self.files
            .iter()
            .filter_map(|f| f.content.as_ref().err().map(|e| (f.path.as_str(), e)))
    }
}

/// The metrics of `source`: every `metrics:` output of every stage and the top-level
/// `metrics:` lists of every `dvc.yaml`; or, when `targets` (repo-relative) are given,
/// those files. Directories stand for every file below them.
pub fn collect_metrics(
    repo: &Repo,
    source: &Source,
    targets: &[String],
) -> Result<Collection, MetricsError> {
    collect_metrics_in(repo, &Tree::open(repo, source)?, targets)
}

/// [`collect_metrics`] from a source's files already opened.
pub(crate) fn collect_metrics_in(
    repo: &Repo,
    tree: &Tree,
    targets: &[String],
) -> Result<Collection, MetricsError> {
    let (paths, tracked) = if targets.is_empty() {
        let project = tree.project(repo)?;
        let mut paths = Vec::new();
        for stage in &project.stages {
            for out in stage.outs_of(kin_pipeline::OutKind::Metric) {
                paths.push(wdir_join(&stage.wdir, &out.path));
            }
        }
        for file in &project.files {
            let dir = parent_dir(&file.path);
            paths.extend(
                file.metrics
                    .iter()
                    .filter_map(Node::as_str)
                    .map(|m| wdir_join(dir, m)),
            );
        }
        (paths, tree.tracked(&project))
    } else {
        let tracked = tree
            .project(repo)
            .map(|p| tree.tracked(&p))
            .unwrap_or_default();
        (targets.to_vec(), tracked)
    };
    let mut files = Vec::new();
    for path in distinct(expand(tree, paths)) {
        let content = read_parsed(repo, tree, &tracked, &path).map(|v| {
            let extracted = extract_metrics(&v.to_json()).unwrap_or(Value::Null);
            if py_truthy(&extracted) {
                extracted
            } else {
                Value::Object(Map::new())
            }
        });
        files.push(FileEntry { path, content });
    }
    Ok(Collection { files })
}

/// The params of `source`, as `dvc params diff` collects them: the keys each stage's
/// `params:` names (whole files where a stage tracks a whole file), the files of the
/// top-level `params:` lists, and all of `params.yaml` when it exists. `deps_only` keeps
/// only what stages depend on; `targets` (repo-relative) replaces all of it with those
/// whole files.
pub fn collect_params(
    repo: &Repo,
    source: &Source,
    targets: &[String],
    deps_only: bool,
) -> Result<Collection, MetricsError> {
    collect_params_in(repo, &Tree::open(repo, source)?, targets, deps_only)
}

/// [`collect_params`] from a source's files already opened.
pub(crate) fn collect_params_in(
    repo: &Repo,
    tree: &Tree,
    targets: &[String],
    deps_only: bool,
) -> Result<Collection, MetricsError> {
    let mut wanted: Vec<(String, Vec<String>)> = Vec::new();
    let mut interpolated = Vec::new();
    let tracked = if targets.is_empty() {
        let project = tree.project(repo)?;
        interpolated = interpolated_params(&project);
        for stage in &project.stages {
            for dep in &stage.params {
                let keys = dep.keys.clone().unwrap_or_default();
                wanted.push((wdir_join(&stage.wdir, &dep.file), keys));
            }
        }
        if !deps_only {
            for file in &project.files {
                let dir = parent_dir(&file.path);
                wanted.extend(
                    file.params
                        .iter()
                        .filter_map(Node::as_str)
                        .map(|p| (wdir_join(dir, p), Vec::new())),
                );
            }
            if tree.is_file(DEFAULT_PARAMS_FILE) {
                wanted.push((DEFAULT_PARAMS_FILE.to_owned(), Vec::new()));
            }
        }
        tree.tracked(&project)
    } else {
        wanted.extend(targets.iter().map(|t| (t.clone(), Vec::new())));
        tree.project(repo)
            .map(|p| tree.tracked(&p))
            .unwrap_or_default()
    };
    let mut files: Vec<FileEntry> = Vec::new();
    for (file, keys) in merge_params(wanted) {
        for path in expand(tree, vec![file]) {
            if files.iter().any(|f| f.path == path) {
                continue;
            }
            let content = read_parsed(repo, tree, &tracked, &path).map(|v| {
                let v = params_json(&v);
                if keys.is_empty() {
                    v
                } else {
                    select_keys(&v, &keys)
                }
            });
            files.push(FileEntry { path, content });
        }
    }
    // Files that no `params:` names but stages read through `${...}`: the values read.
    for (path, values) in interpolated {
        if !files.iter().any(|f| f.path == path) {
            files.push(FileEntry {
                path,
                content: Ok(Value::Object(values)),
            });
        }
    }
    Ok(Collection { files })
}

/// DVC's "tracked vars": per params file, the values stages interpolated from it, keyed by
/// their dotted path (`models.a.lr`, `seeds.1`), files in the order stages first read them.
fn interpolated_params(project: &kin_pipeline::Project) -> Vec<(String, Map<String, Value>)> {
    let mut files: Vec<(String, Map<String, Value>)> = Vec::new();
    for var in project.stages.iter().flat_map(|s| &s.tracked_vars) {
        let index = match files.iter().position(|(file, _)| *file == var.file) {
            Some(index) => index,
            None => {
                files.push((var.file.clone(), Map::new()));
                files.len() - 1
            }
        };
        files[index]
            .1
            .insert(var.key.clone(), params_json(&var.value));
    }
    files
}

/// DVC's `_merge_params`: one entry per file in order of first mention; a file that is
/// anywhere tracked whole keeps no key list (whole), otherwise its keys in order.
fn merge_params(wanted: Vec<(String, Vec<String>)>) -> Vec<(String, Vec<String>)> {
    let whole: Vec<String> = wanted
        .iter()
        .filter(|(_, keys)| keys.is_empty())
        .map(|(file, _)| file.clone())
        .collect();
    let mut merged: Vec<(String, Vec<String>)> = Vec::new();
    for (file, keys) in wanted {
        let slot = match merged.iter().position(|(f, _)| *f == file) {
            Some(i) => i,
            None => {
                merged.push((file.clone(), Vec::new()));
                merged.len() - 1
            }
        };
        if !whole.contains(&file) {
            merged[slot].1.extend(keys);
        }
    }
    merged
}

/// DVC's `_extract_metrics`: numbers, strings and booleans, and mappings of them; lists,
/// nulls and mappings left empty are dropped. `None` when nothing is left.
pub fn extract_metrics(value: &Value) -> Option<Value> {
    match value {
        Value::Number(_) | Value::String(_) | Value::Bool(_) => Some(value.clone()),
        Value::Object(map) => {
            let mut kept = Map::new();
            for (key, item) in map {
                match extract_metrics(item) {
                    Some(Value::Object(inner)) if inner.is_empty() => {}
                    Some(v) => {
                        kept.insert(key.clone(), v);
                    }
                    None => {}
                }
            }
            Some(Value::Object(kept))
        }
        Value::Null | Value::Array(_) => None,
    }
}

/// The parts of a params file that `keys` (dotted paths, as in `dvc.yaml`) select, nested
/// as in the file, the way dpath's `search` + `merge` build them.
pub fn select_keys(doc: &Value, keys: &[String]) -> Value {
    let mut out = Value::Object(Map::new());
    let mut seen: Vec<&String> = Vec::new();
    for key in keys {
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let segments: Vec<&str> = key.split('.').collect();
        if let Some(found) = search(doc, &segments) {
            merge_into(&mut out, found);
        }
    }
    out
}

/// The part of `doc` along `segments` (map keys, `*`/`?` globs, list indices), or `None`.
fn search(doc: &Value, segments: &[&str]) -> Option<Value> {
    let Some((first, rest)) = segments.split_first() else {
        return Some(doc.clone());
    };
    match doc {
        Value::Object(map) => {
            let mut found = Map::new();
            for (key, value) in map {
                if glob_match(first, key)
                    && let Some(inner) = search(value, rest)
                {
                    found.insert(key.clone(), inner);
                }
            }
            (!found.is_empty()).then_some(Value::Object(found))
        }
        Value::Array(items) => {
            let index: usize = first.parse().ok()?;
            let inner = search(items.get(index)?, rest)?;
            let mut list = vec![Value::Null; index];
            list.push(inner);
            Some(Value::Array(list))
        }
        _ => None,
    }
}

/// Deep merge, as dpath's `merge`: mappings key by key, lists element by element (nulls
/// are holes), anything else replaced.
fn merge_into(target: &mut Value, source: Value) {
    match (target, source) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                match into.get_mut(&key) {
                    Some(existing) => merge_into(existing, value),
                    None => {
                        into.insert(key, value);
                    }
                }
            }
        }
        (Value::Array(into), Value::Array(from)) => {
            for (i, value) in from.into_iter().enumerate() {
                if i < into.len() {
                    if !value.is_null() {
                        merge_into(&mut into[i], value);
                    }
                } else {
                    into.push(value);
                }
            }
        }
        (target, source) => *target = source,
    }
}

/// fnmatch's `*` and `?` (dpath matches key segments as globs); other text literally.
fn glob_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn parent_dir(dvcfile: &str) -> &str {
    dvcfile.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Paths with directories replaced by the files below them.
fn expand(tree: &Tree, paths: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for path in paths {
        if tree.is_dir(&path) {
            out.extend(tree.files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn distinct(paths: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for path in paths {
        if !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

/// A params file's content as JSON for `params diff`. JSON keys are strings, so a mapping's
/// key that is not a string becomes Python's `str()` of it (`b.None`, `b.1`, as DVC's
/// flattened keys read). A list holding what JSON cannot (such a key, or a float that is not
/// finite) becomes its Python `repr()` right away (`[{1: 'x'}, inf]`), which is what DVC's
/// params diff shows for any list.
fn params_json(value: &Yaml) -> Value {
    fn beyond_json(value: &Yaml) -> bool {
        match value {
            Yaml::Float(f) => !f.is_finite(),
            Yaml::Map(map) => map
                .iter()
                .any(|e| e.key_scalar.is_some() || beyond_json(&e.value.value)),
            Yaml::List(items) => items.iter().any(|item| beyond_json(&item.value)),
            _ => false,
        }
    }
    match value {
        Yaml::List(_) if beyond_json(value) => Value::String(kin_format::python::repr(value)),
        Yaml::List(items) => Value::Array(items.iter().map(|n| params_json(&n.value)).collect()),
        Yaml::Map(map) => Value::Object(
            map.iter()
                .map(|e| (e.json_key(), params_json(&e.value.value)))
                .collect(),
        ),
        other => other.to_json(),
    }
}

/// Reads and parses one file; where the source lacks it, from the cache by the version its
/// `dvc.lock` or `.dvc` file records (as DVC reads cached metrics).
fn read_parsed(
    repo: &Repo,
    tree: &Tree,
    tracked: &[TrackedOut],
    path: &str,
) -> Result<Yaml, MetricsError> {
    parse(path, &read_bytes(repo, tree, tracked, path)?)
}

/// The bytes of one file of a source; where the source lacks it, from the cache by the
/// version its `dvc.lock` or `.dvc` file records.
pub(crate) fn read_bytes(
    repo: &Repo,
    tree: &Tree,
    tracked: &[TrackedOut],
    path: &str,
) -> Result<Vec<u8>, MetricsError> {
    match tree.read(path)? {
        Some(bytes) => Ok(bytes),
        None => read_cached(repo, tracked, path),
    }
}

/// The files below `path` that a cached directory output holds by its recorded version
/// (`path` the output or a directory inside it), repo-relative and sorted; `None` when no
/// cached directory output covers `path` or its listing is not in the cache. A git revision
/// has these files only in the cache.
pub(crate) fn cached_dir_files(
    repo: &Repo,
    tracked: &[TrackedOut],
    path: &str,
) -> Option<Vec<String>> {
    let path = path.trim_end_matches('/');
    let caches = repo.caches();
    for out in tracked {
        let Some(id) = out.id.as_ref().filter(|id| id.is_dir && out.cached) else {
            continue;
        };
        let inside = if path == out.path.as_str() {
            ""
        } else {
            match path.strip_prefix(&format!("{}/", out.path)) {
                Some(rest) => rest,
                None => continue,
            }
        };
        let listing = std::fs::read(caches.for_hash(out.hash_name).object_path(id)).ok()?;
        let manifest = Manifest::from_json(&String::from_utf8_lossy(&listing)).ok()?;
        let mut files: Vec<String> = manifest
            .entries()
            .iter()
            .filter(|e| inside.is_empty() || e.relpath.starts_with(&format!("{inside}/")))
            .map(|e| format!("{}/{}", out.path, e.relpath))
            .collect();
        files.sort();
        return (!files.is_empty()).then_some(files);
    }
    None
}

fn read_cached(repo: &Repo, tracked: &[TrackedOut], path: &str) -> Result<Vec<u8>, MetricsError> {
    let tracked_at = |out: &TrackedOut| {
        path == out.path
            || path
                .strip_prefix(out.path.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let missing = || MetricsError::Missing {
        path: path.to_owned(),
        tracked: tracked.iter().any(tracked_at),
    };
    let caches = repo.caches();
    for out in tracked {
        let Some(id) = out.id.as_ref() else { continue };
        if !out.cached {
            continue;
        }
        // A DVC 2 entry's objects are in DVC 2's cache.
        let cache = caches.for_hash(out.hash_name);
        let read_object = |id: &kin_format::md5::ObjectId| {
            std::fs::read(cache.object_path(id)).map_err(|_| MetricsError::NotInCache {
                path: path.to_owned(),
                id: id.md5.to_hex(),
            })
        };
        if out.path == path && !id.is_dir {
            return read_object(id);
        }
        if id.is_dir
            && let Some(inside) = path.strip_prefix(&format!("{}/", out.path))
        {
            let text = read_object(id)?;
            let manifest =
                Manifest::from_json(&String::from_utf8_lossy(&text)).map_err(|_| missing())?;
            let entry = manifest
                .entries()
                .iter()
                .find(|e| e.relpath == inside)
                .ok_or_else(missing)?;
            return read_object(&kin_format::md5::ObjectId::file(entry.md5));
        }
    }
    Err(missing())
}

/// Parses a metrics or params file in the format its extension names.
pub fn parse(path: &str, bytes: &[u8]) -> Result<Yaml, MetricsError> {
    let format = FileFormat::of(path);
    let corrupted = |message: String| MetricsError::Corrupted {
        path: path.to_owned(),
        format,
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| corrupted(e.to_string()))?;
    let params_format = match format {
        FileFormat::Yaml => ParamsFormat::Yaml,
        FileFormat::Json => ParamsFormat::Json,
        FileFormat::Toml => ParamsFormat::Toml,
        FileFormat::Python => {
            return Err(MetricsError::PythonUnsupported {
                path: path.to_owned(),
            });
        }
    };
    let node = parse_params(text, params_format, Path::new(path)).map_err(|e| match e {
        ParamsFileError::Yaml { source, .. } => {
            let line = source.location().line;
            match source {
                YamlError::Syntax { message, .. } => corrupted(format!("{message} (line {line})")),
                other => corrupted(format!("{other} (line {line})")),
            }
        }
        ParamsFileError::Json { message, .. } | ParamsFileError::Toml { message, .. } => {
            corrupted(message)
        }
        other => corrupted(other.to_string()),
    })?;
    Ok(node.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extracts_as_dvc() {
        let v =
            json!({"a": 1, "l": [1], "n": null, "e": {}, "d": {"x": [2], "y": "s"}, "f": false});
        assert_eq!(
            extract_metrics(&v),
            Some(json!({"a": 1, "d": {"y": "s"}, "f": false}))
        );
        assert_eq!(extract_metrics(&json!([1])), None);
        assert_eq!(extract_metrics(&json!(0.5)), Some(json!(0.5)));
    }

    #[test]
    fn selects_keys_as_dpath() {
        let doc = json!({"train": {"lr": 0.1, "layers": [8, 4], "opt": {"m": 0.9}}, "seed": 1});
        let keys = |k: &[&str]| k.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            select_keys(&doc, &keys(&["train.lr", "seed", "missing.key"])),
            json!({"train": {"lr": 0.1}, "seed": 1})
        );
        assert_eq!(
            select_keys(&doc, &keys(&["train.layers.1"])),
            json!({"train": {"layers": [null, 4]}})
        );
        assert_eq!(
            select_keys(&doc, &keys(&["train.o*"])),
            json!({"train": {"opt": {"m": 0.9}}})
        );
        assert_eq!(
            select_keys(&doc, &keys(&["train.opt", "train.opt.m"])),
            json!({"train": {"opt": {"m": 0.9}}})
        );
    }

    #[test]
    fn params_keep_what_dvc_shows_of_keys_that_are_not_strings() {
        let doc = parse(
            "p.yaml",
            b"a: [{1: x, 0.5: y, null: w}, {true: z}]\nb: {1: x, null: w, false: z}\nc: [1, 2]\n",
        )
        .expect("yaml");
        assert_eq!(
            params_json(&doc),
            json!({
                "a": "[{1: 'x', 0.5: 'y', None: 'w'}, {True: 'z'}]",
                "b": {"1": "x", "None": "w", "False": "z"},
                "c": [1, 2],
            })
        );
    }

    #[test]
    fn merges_params_as_dvc() {
        let w = |f: &str, k: &[&str]| (f.to_owned(), k.iter().map(|s| (*s).to_owned()).collect());
        let merged = merge_params(vec![
            w("params.yaml", &["a"]),
            w("other.toml", &["x"]),
            w("other.toml", &["y"]),
            w("params.yaml", &[]),
        ]);
        assert_eq!(
            merged,
            vec![w("params.yaml", &[]), w("other.toml", &["x", "y"])]
        );
    }

    #[test]
    fn parses_by_extension() {
        let parsed = |path: &str, bytes: &[u8]| parse(path, bytes).expect("parses").to_json();
        assert_eq!(
            parsed("m.json", br#"{"a": 1.0, "b": 2}"#),
            json!({"a": 1.0, "b": 2})
        );
        assert_eq!(
            parsed("m.yaml", b"a: 1.0e-7\nb: [1]\n"),
            json!({"a": 1e-7, "b": [1]})
        );
        assert_eq!(parsed("p.toml", b"[m]\nd = 3\n"), json!({"m": {"d": 3}}));
        let err = parse("m.json", b"{\"a\": ").expect_err("corrupted");
        assert_eq!(err.dvc_type(), "JSONFileCorruptedError");
    }
}
