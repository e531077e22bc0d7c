//! The `artifacts:` section of every `dvc.yaml` (DVC 3): each artifact's path, type,
//! description, labels and meta, named `NAME` at the top and `DIR:NAME` in `DIR/dvc.yaml`.

use kin_format::yaml::{Location, Node, Value};
use kin_pipeline::Project;
use serde_json::json;

/// One declared artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredArtifact {
    /// `NAME`, or `DIR:NAME` for one in a nested `dvc.yaml`.
    pub name: String,
    /// The `dvc.yaml` that declares it.
    pub dvcfile: String,
    /// Repository-relative, `/`-separated.
    pub path: String,
    pub kind: Option<String>,
    pub desc: Option<String>,
    pub labels: Vec<String>,
    pub meta: serde_json::Value,
    /// Whether GTO would accept the name (DVC warns, and keeps it, when not).
    pub valid_name: bool,
}

impl DeclaredArtifact {
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "name": self.name,
            "dvcfile": self.dvcfile,
            "path": self.path,
            "type": self.kind,
            "desc": self.desc,
            "labels": self.labels,
            "meta": self.meta,
        })
    }
}

/// Why an `artifacts:` section was refused (as DVC's schema refuses it).
#[derive(Debug, thiserror::Error)]
#[error("{dvcfile}:{}:{}: {problem}", at.line, at.column)]
pub struct ArtifactsError {
    pub dvcfile: String,
    pub at: Location,
    pub problem: String,
}

/// Every artifact the project's `dvc.yaml` files declare, in file order then as written.
pub fn declared_artifacts(project: &Project) -> Result<Vec<DeclaredArtifact>, ArtifactsError> {
    let mut out = Vec::new();
    for file in &project.files {
        if let Some(section) = &file.artifacts {
            read_section(&file.path, section, &mut out)?;
        }
    }
    Ok(out)
}

/// The artifacts of one `dvc.yaml`'s `artifacts:` section (as parsed, or after templating).
pub fn read_section(
    dvcfile: &str,
    section: &Node,
    out: &mut Vec<DeclaredArtifact>,
) -> Result<(), ArtifactsError> {
    let refuse = |at: Location, problem: String| ArtifactsError {
        dvcfile: dvcfile.to_owned(),
        at,
        problem,
    };
    let Value::Map(map) = &section.value else {
        return Err(refuse(
            section.at,
            "`artifacts` must be a mapping of names to artifacts".to_owned(),
        ));
    };
    let dir = dvcfile.rsplit_once('/').map_or("", |(dir, _)| dir);
    for entry in map.iter() {
        let Value::Map(fields) = &entry.value.value else {
            return Err(refuse(
                entry.value.at,
                format!("artifact `{}` must be a mapping", entry.key),
            ));
        };
        let text = |key: &str| -> Result<Option<String>, ArtifactsError> {
            match fields.get(key).map(|n| (&n.value, n.at)) {
                None => Ok(None),
                Some((Value::Str(s), _)) => Ok(Some(s.clone())),
                Some((_, at)) => Err(refuse(
                    at,
                    format!("`{key}` of artifact `{}` must be a string", entry.key),
                )),
            }
        };
        for field in fields.iter() {
            if !["path", "type", "desc", "labels", "meta"].contains(&field.key.as_str()) {
                return Err(refuse(
                    field.key_at,
                    format!(
                        "artifact `{}` has an unknown key `{}`",
                        entry.key, field.key
                    ),
                ));
            }
        }
        let Some(path) = text("path")? else {
            return Err(refuse(
                entry.key_at,
                format!("artifact `{}` has no `path`", entry.key),
            ));
        };
        let labels = match fields.get("labels").map(|n| (&n.value, n.at)) {
            None => Vec::new(),
            Some((Value::List(items), at)) => items
                .iter()
                .map(|i| match &i.value {
                    Value::Str(s) => Ok(s.clone()),
                    _ => Err(refuse(
                        at,
                        format!("`labels` of artifact `{}` must be strings", entry.key),
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some((_, at)) => {
                return Err(refuse(
                    at,
                    format!("`labels` of artifact `{}` must be a list", entry.key),
                ));
            }
        };
        let name = if dir.is_empty() {
            entry.key.clone()
        } else {
            format!("{dir}:{}", entry.key)
        };
        out.push(DeclaredArtifact {
            valid_name: super::names::is_simple_name(&entry.key),
            name,
            dvcfile: dvcfile.to_owned(),
            path: join_path(dir, &path).ok_or_else(|| {
                refuse(
                    entry.key_at,
                    format!(
                        "the path of artifact `{}` leads outside the repository",
                        entry.key
                    ),
                )
            })?,
            kind: text("type")?,
            desc: text("desc")?,
            labels,
            meta: fields.get("meta").map_or(json!({}), |n| n.value.to_json()),
        });
    }
    Ok(())
}

/// `path` (relative to `dir`) as a repository path, `.` and `..` resolved lexically; `None`
/// when it leads outside the repository.
fn join_path(dir: &str, path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in dir.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}
