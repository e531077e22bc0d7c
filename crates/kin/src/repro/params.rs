//! The values of a stage's tracked params, selected as DVC selects them (dotted paths).

use std::path::Path;

use kin_format::params_file::{ParamsFileError, load_params_file};
use kin_format::python::key_order;
use kin_format::yaml::{Map, MapEntry, Node, Value};
use kin_pipeline::ParamsDep;

use super::ReproError;

/// DVC's default params file, which always comes first in `dvc.lock`.
const DEFAULT_PARAMS_FILE: &str = "params.yaml";

/// The current values of one params dependency, keyed as `dvc.lock` keys them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParamValues {
    /// The params file as written in dvc.yaml (relative to wdir).
    pub file: String,
    /// `None` when the file does not exist.
    pub values: Option<Map>,
    /// The keys the stage asked for (`None`: the whole file).
    pub keys: Option<Vec<String>>,
}

/// Looks up `a.b.0.c` the way dpath does: maps by key, lists by index.
pub(crate) fn select<'a>(doc: &'a Node, dotted: &str) -> Option<&'a Node> {
    let mut node = doc;
    for segment in dotted.split('.') {
        node = match &node.value {
            Value::Map(map) => map.get(segment)?,
            Value::List(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Reads the current values of every params dependency of a stage (`wdir` is repo-relative).
pub(crate) fn read_params(
    root: &Path,
    wdir: &str,
    deps: &[ParamsDep],
) -> Result<Vec<ParamValues>, ReproError> {
    let mut out = Vec::new();
    for dep in deps {
        let rel = if wdir == "." {
            dep.file.clone()
        } else {
            format!("{wdir}/{}", dep.file)
        };
        let doc = match load_params_file(&root.join(&rel), Path::new(&rel)) {
            Ok(doc) => Some(doc),
            Err(ParamsFileError::Missing { .. }) => None,
            Err(source) => return Err(ReproError::Params { source }),
        };
        let values = doc.map(|doc| {
            let mut values = Map::new();
            match &dep.keys {
                None => {
                    if let Value::Map(map) = doc.value {
                        values = map;
                    }
                }
                Some(keys) => {
                    for key in keys {
                        if let Some(found) = select(&doc, key) {
                            values.insert(key.clone(), Default::default(), found.clone());
                        }
                    }
                }
            }
            values
        });
        out.push(ParamValues {
            file: dep.file.clone(),
            values,
            keys: dep.keys.clone(),
        });
    }
    Ok(out)
}

/// The `params:` section of a lock entry: `params.yaml` first, then files by name, keys sorted.
/// Fails when a tracked key is missing, as `dvc repro` does.
pub(crate) fn lock_params(params: &[ParamValues]) -> Result<Vec<(String, Map)>, ReproError> {
    let mut files: Vec<&ParamValues> = params.iter().collect();
    files.sort_by(|a, b| a.file.cmp(&b.file));
    let mut out: Vec<(String, Map)> = Vec::new();
    for param in files {
        let Some(values) = &param.values else {
            return Err(ReproError::MissingParamsFile {
                file: param.file.clone(),
            });
        };
        if let Some(keys) = &param.keys {
            let missing: Vec<String> = keys
                .iter()
                .filter(|k| !values.contains_key(k))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(ReproError::MissingParams {
                    file: param.file.clone(),
                    keys: missing,
                });
            }
        }
        let mut entries: Vec<&MapEntry> = values.iter().collect();
        entries.sort_by(|a, b| key_order(a, b));
        let mut sorted = Map::new();
        for entry in entries {
            sorted.insert_entry(entry.clone());
        }
        if sorted.is_empty() {
            continue;
        }
        let entry = (param.file.clone(), sorted);
        match out.iter().position(|(f, _)| *f == entry.0) {
            Some(i) => merge_into(&mut out[i].1, entry.1),
            None if param.file == DEFAULT_PARAMS_FILE => out.insert(0, entry),
            None => out.push(entry),
        }
    }
    Ok(out)
}

fn merge_into(target: &mut Map, extra: Map) {
    for entry in extra.iter() {
        target.insert_entry(entry.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kin_format::yaml::parse_yaml;

    #[test]
    fn selects_dotted_paths_through_lists() {
        let doc = parse_yaml("a:\n  b: [1, {c: x}]\n").expect("yaml");
        assert_eq!(select(&doc, "a.b.1.c").and_then(Node::as_str), Some("x"));
        assert!(select(&doc, "a.z").is_none());
        assert!(select(&doc, "a.b.9").is_none());
    }
}
