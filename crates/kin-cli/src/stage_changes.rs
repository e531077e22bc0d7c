//! How the reasons a stage is stale are shown: DVC's words on a terminal, and kin's JSON shape.

use kin::repro::{Change, ChangeKind};
use kin_format::md5::ObjectId;
use kin_format::python::repr;
use serde_json::{Value as Json, json};

fn short(id: Option<ObjectId>) -> String {
    id.map_or_else(|| "none".to_owned(), |id| id.to_string())
}

fn value_text(value: Option<&kin_format::yaml::Value>) -> String {
    value.map_or_else(|| "(missing)".to_owned(), repr)
}

/// A dep's or output's change as a line: `which` is `dep` or `out`.
fn path_line(
    which: &str,
    path: &str,
    kind: ChangeKind,
    recorded: Option<ObjectId>,
    current: Option<ObjectId>,
) -> String {
    match kind {
        ChangeKind::Modified if recorded.is_some() => format!(
            "{which} {}: {path} ({} -> {})",
            kind.as_str(),
            short(recorded),
            short(current)
        ),
        _ => format!("{which} {}: {path}", kind.as_str()),
    }
}

/// One line per reason, e.g. `modified: data/raw (0a1b… → 9c8d…)`.
pub fn describe(change: &Change) -> String {
    match change {
        Change::Dep {
            path,
            kind,
            recorded,
            current,
        } => path_line("dep", path, *kind, *recorded, *current),
        Change::ExternalDep {
            url,
            kind,
            recorded,
            current,
        } => match (kind, recorded, current) {
            (ChangeKind::Modified, Some(recorded), Some(current)) => {
                format!("dep {}: {url} ({recorded} -> {current})", kind.as_str())
            }
            _ => format!("dep {}: {url}", kind.as_str()),
        },
        Change::Out {
            path,
            kind,
            recorded,
            current,
        } => path_line("out", path.as_str(), *kind, *recorded, *current),
        Change::Param {
            file,
            key: Some(key),
            kind,
            recorded,
            current,
        } => format!(
            "param {}: {file}:{key} ({} -> {})",
            kind.as_str(),
            value_text(recorded.as_ref()),
            value_text(current.as_ref())
        ),
        Change::Param {
            file,
            key: None,
            kind,
            ..
        } => format!("params {}: {file}", kind.as_str()),
        Change::NotRecorded => "no dvc.lock entry yet".to_owned(),
        Change::AlwaysChanged => "always changed".to_owned(),
        Change::CommandChanged => "changed command".to_owned(),
    }
}

fn value_json(value: Option<&kin_format::yaml::Value>) -> Json {
    value.map_or(Json::Null, kin_format::yaml::Value::to_json)
}

/// A dep's or output's change as JSON: `which` is `dep` or `out`.
fn path_json(
    which: &str,
    path: &str,
    kind: ChangeKind,
    recorded: Option<ObjectId>,
    current: Option<ObjectId>,
) -> Json {
    json!({"type": which, "path": path, "change": kind.as_str(),
        "old": recorded.map(|i| i.to_string()), "new": current.map(|i| i.to_string())})
}

/// One reason as a JSON object (`{"type": "dep", "path": …, "change": "modified", "old": …, "new": …}`).
pub fn to_json(change: &Change) -> Json {
    match change {
        Change::Dep {
            path,
            kind,
            recorded,
            current,
        } => path_json("dep", path, *kind, *recorded, *current),
        Change::ExternalDep {
            url,
            kind,
            recorded,
            current,
        } => json!({"type": "dep", "path": url, "change": kind.as_str(),
            "old": recorded, "new": current}),
        Change::Out {
            path,
            kind,
            recorded,
            current,
        } => path_json("out", path.as_str(), *kind, *recorded, *current),
        Change::Param {
            file,
            key,
            kind,
            recorded,
            current,
        } => json!({"type": "param", "file": file, "key": key, "change": kind.as_str(),
            "old": value_json(recorded.as_ref()), "new": value_json(current.as_ref())}),
        Change::NotRecorded => json!({"type": "not_recorded"}),
        Change::AlwaysChanged => json!({"type": "always_changed"}),
        Change::CommandChanged => json!({"type": "command"}),
    }
}
