//! The value-level differences `kin why` reports: params (flattened to dotted keys) and
//! environments (machine facts and Python packages).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::EnvChange;

/// Flattens nested params to dotted keys (`train.lr`), as DVC shows them.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, inner, out);
            }
        }
        other => {
            out.insert(prefix.to_owned(), other.clone());
        }
    }
}

pub(super) type ParamChange = (String, String, Option<Value>, Option<Value>);

pub(super) fn param_changes(old: &Value, new: &Value) -> Vec<ParamChange> {
    let files = |v: &Value| -> BTreeMap<String, BTreeMap<String, Value>> {
        v.as_object()
            .map(|files| {
                files
                    .iter()
                    .map(|(file, keys)| {
                        let mut flat = BTreeMap::new();
                        flatten("", keys, &mut flat);
                        (file.clone(), flat)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (a, b) = (files(old), files(new));
    let empty = BTreeMap::new();
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut changes = Vec::new();
    for file in names {
        let (ka, kb) = (a.get(file).unwrap_or(&empty), b.get(file).unwrap_or(&empty));
        let keys: BTreeSet<&String> = ka.keys().chain(kb.keys()).collect();
        for key in keys {
            let (va, vb) = (ka.get(key), kb.get(key));
            if va != vb {
                changes.push((file.clone(), key.clone(), va.cloned(), vb.cloned()));
            }
        }
    }
    changes
}

fn packages(body: &Value) -> BTreeMap<String, String> {
    body["python"]["packages"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|p| p.as_str()?.split_once("=="))
                .map(|(name, version)| (name.to_ascii_lowercase(), version.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn environment_changes(old: &Value, new: &Value) -> Vec<EnvChange> {
    let mut changes = Vec::new();
    for key in ["os", "kernel", "arch", "cpu", "gpu", "tools"] {
        if old[key] != new[key] {
            changes.push(EnvChange::Fact {
                key: key.to_owned(),
                old: old[key].clone(),
                new: new[key].clone(),
            });
        }
    }
    for key in ["version", "executable"] {
        let (a, b) = (&old["python"][key], &new["python"][key]);
        if a != b && !a.is_null() && !b.is_null() {
            changes.push(EnvChange::Fact {
                key: format!("python.{key}"),
                old: a.clone(),
                new: b.clone(),
            });
        }
    }
    let (a, b) = (packages(old), packages(new));
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        let (va, vb) = (a.get(name), b.get(name));
        if va != vb {
            changes.push(EnvChange::Package {
                name: name.clone(),
                old: va.cloned(),
                new: vb.cloned(),
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_changed_nested_params() {
        let old = json!({"params.yaml": {"train": {"lr": 0.1, "epochs": 3}}});
        let new = json!({"params.yaml": {"train": {"lr": 0.2, "epochs": 3, "seed": 1}}});
        let changes = param_changes(&old, &new);
        assert_eq!(
            changes,
            vec![
                (
                    "params.yaml".into(),
                    "train.lr".into(),
                    Some(json!(0.1)),
                    Some(json!(0.2))
                ),
                (
                    "params.yaml".into(),
                    "train.seed".into(),
                    None,
                    Some(json!(1))
                ),
            ]
        );
    }

    #[test]
    fn finds_package_upgrades() {
        let old = json!({"os": "x", "python": {"version": "3.11", "packages": ["numpy==1.26.0", "pandas==2.1.0"]}});
        let new = json!({"os": "x", "python": {"version": "3.11", "packages": ["numpy==2.0.0", "scipy==1.1"]}});
        let changes = environment_changes(&old, &new);
        assert_eq!(changes.len(), 3);
        assert!(changes.contains(&EnvChange::Package {
            name: "numpy".into(),
            old: Some("1.26.0".into()),
            new: Some("2.0.0".into())
        }));
    }
}
