//! GTO's own artifact index, `artifacts.yaml`: what `gto` shows as a version's enrichment
//! (type, path, labels, description, custom), and the artifacts it lists at HEAD, which GTO
//! shows even before any version is registered.

use std::collections::HashMap;
use std::path::Path;

use kin_format::yaml::{Node, Value, parse_yaml};
use serde_json::{Value as Json, json};

use super::names::is_simple_name;
use crate::git::{GitError, GitObjects};

/// GTO's index file, at the top of the repository.
pub const INDEX_FILE: &str = "artifacts.yaml";

/// Why an `artifacts.yaml` was refused (GTO refuses it too).
#[derive(Debug, thiserror::Error)]
pub enum AnnotationError {
    #[error("{file} at commit {commit} is not valid: {problem}")]
    Invalid {
        file: String,
        commit: String,
        problem: String,
    },
    #[error(transparent)]
    Git(#[from] GitError),
}

/// One commit's index: each artifact's enrichment as GTO dumps it
/// (`{"source": "gto", "artifact": {...}}`), in the file's order.
pub type Index = Vec<(String, Json)>;

/// The index at each of `commits` that has one.
pub fn indexes_at(
    root: &Path,
    commits: &[&str],
    index_file: &str,
) -> Result<HashMap<String, Index>, AnnotationError> {
    let specs: Vec<String> = commits
        .iter()
        .map(|c| format!("{c}:{index_file}"))
        .collect();
    let blobs = GitObjects::open(root)?.blobs(&specs)?;
    let mut out = HashMap::new();
    for (commit, blob) in commits.iter().zip(blobs) {
        let Some(bytes) = blob else {
            continue;
        };
        let index = parse_index(&String::from_utf8_lossy(&bytes)).map_err(|problem| {
            AnnotationError::Invalid {
                file: index_file.to_owned(),
                commit: commit.get(..7).unwrap_or(commit).to_owned(),
                problem,
            }
        })?;
        out.insert((*commit).to_owned(), index);
    }
    Ok(out)
}

/// Reads an index as GTO's model does: names GTO accepts, each an artifact with an optional
/// `type` and `path`, `virtual` (true unless said), `labels`, `description` and `custom`.
fn parse_index(text: &str) -> Result<Index, String> {
    let doc = parse_yaml(text).map_err(|e| e.to_string())?;
    let Value::Map(map) = &doc.value else {
        return Err("the top level must be a mapping of artifact names".to_owned());
    };
    let mut index = Vec::new();
    for entry in map.iter() {
        if !is_simple_name(&entry.key) {
            return Err(format!("`{}` is not a valid artifact name", entry.key));
        }
        let artifact = artifact_json(&entry.key, &entry.value)?;
        index.push((
            entry.key.clone(),
            json!({"source": "gto", "artifact": artifact}),
        ));
    }
    Ok(index)
}

fn artifact_json(name: &str, node: &Node) -> Result<Json, String> {
    let Value::Map(fields) = &node.value else {
        return Err(format!("artifact `{name}` must be a mapping"));
    };
    let optional_text = |key: &str| -> Result<Json, String> {
        match fields.get(key).map(|n| &n.value) {
            None | Some(Value::Null) => Ok(Json::Null),
            Some(Value::Str(s)) => Ok(json!(s)),
            Some(_) => Err(format!("`{key}` of artifact `{name}` must be a string")),
        }
    };
    let kind = optional_text("type")?;
    if let Some(kind) = kind.as_str()
        && !is_simple_name(kind)
    {
        return Err(format!("`{kind}` is not a valid type name"));
    }
    // pydantic's lax booleans: 1/0 and the words it accepts in any case.
    let lax = |text: &str| match text.to_ascii_lowercase().as_str() {
        "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
        "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
        _ => None,
    };
    let virtual_ = match fields.get("virtual").map(|n| &n.value) {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::Int(1)) => true,
        Some(Value::Int(0)) => false,
        Some(Value::Str(text)) if lax(text).is_some() => lax(text).unwrap_or(true),
        Some(_) => {
            return Err(format!(
                "`virtual` of artifact `{name}` must be true or false"
            ));
        }
    };
    let labels: Vec<String> = match fields.get("labels").map(|n| &n.value) {
        None => Vec::new(),
        Some(Value::List(items)) => items
            .iter()
            .map(|i| match &i.value {
                Value::Str(s) if is_simple_name(s) => Ok(s.clone()),
                _ => Err(format!(
                    "the labels of artifact `{name}` must be valid names"
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(format!("`labels` of artifact `{name}` must be a list")),
    };
    let description = match fields.get("description").map(|n| &n.value) {
        None => String::new(),
        Some(Value::Str(s)) => s.clone(),
        Some(_) => {
            return Err(format!(
                "`description` of artifact `{name}` must be a string"
            ));
        }
    };
    Ok(json!({
        "type": kind,
        "path": optional_text("path")?,
        "virtual": virtual_,
        "labels": labels,
        "description": description,
        "custom": fields.get("custom").map_or(Json::Null, |n| n.value.to_json()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_take_gtos_defaults_and_refuse_what_it_refuses() {
        let index = parse_index(
            "churn:\n  path: m.pkl\n  labels: [a]\nother:\n  type: model\n  custom: {k: 1}\n",
        )
        .expect("valid");
        assert_eq!(index[0].0, "churn");
        assert_eq!(
            index[0].1,
            json!({"source": "gto", "artifact": {"type": null, "path": "m.pkl", "virtual": true, "labels": ["a"], "description": "", "custom": null}})
        );
        assert_eq!(index[1].1["artifact"]["custom"], json!({"k": 1}));
        assert!(parse_index("bad name:\n  path: x\n").is_err());
        assert!(parse_index("churn: 3\n").is_err());
        assert!(parse_index("- churn\n").is_err());
    }
}
