//! The registry as `gto show --json`, `gto history --json` and `gto check-ref --json` print
//! it: the same keys in the same order with the same values.

use serde_json::{Map, Value, json};

use super::events::{Event, EventKind};
use super::state::{Artifact, RegistryState, StageQuery, Version, VersionOrder, VersionStage};

/// `value` as `gto --json` prints it: Python's `json.dumps(value, indent=4)`.
pub fn dumps(value: &Value) -> String {
    let options = kin_format::python::DumpOptions {
        indent: Some(4),
        ..Default::default()
    };
    kin_format::python::dumps(&kin_format::yaml::Value::from_json(value), options)
}

/// A time, or null.
fn time(event: Option<&Event>) -> Value {
    event.map_or(Value::Null, |e| Value::String(e.created_at.iso()))
}

/// An event as GTO dumps its model (`model_dump`), plus `event` when `with_kind`, less
/// `priority` and `addition` when `bare`.
pub fn event_json(event: &Event, with_kind: bool, bare: bool) -> Value {
    let mut map = Map::new();
    if !bare {
        map.insert("priority".into(), json!(event.kind.priority()));
        map.insert("addition".into(), json!(event.kind.addition()));
    }
    map.insert("artifact".into(), json!(event.artifact));
    map.insert("created_at".into(), json!(event.created_at.iso()));
    map.insert("author".into(), json!(event.author));
    map.insert("author_email".into(), json!(event.author_email));
    map.insert("message".into(), json!(event.message));
    map.insert("commit_hexsha".into(), json!(event.commit));
    match event.kind {
        EventKind::Commit => {
            map.insert("version".into(), json!(event.version));
            map.insert("enrichments".into(), json!(event.enrichments));
            let (name, email) = event.committer.clone().unwrap_or_default();
            map.insert("committer".into(), json!(name));
            map.insert("committer_email".into(), json!(email));
        }
        EventKind::Deprecation => {
            map.insert("tag".into(), json!(event.tag));
        }
        EventKind::Registration | EventKind::Deregistration => {
            map.insert("tag".into(), json!(event.tag));
            map.insert("version".into(), json!(event.version));
        }
        EventKind::Assignment | EventKind::Unassignment => {
            map.insert("tag".into(), json!(event.tag));
            map.insert("version".into(), json!(event.version));
            map.insert("stage".into(), json!(event.stage));
        }
    }
    if with_kind {
        map.insert("event".into(), json!(event.kind.as_str()));
    }
    Value::Object(map)
}

/// The fields every registry object ends with: whether it is active, since when, and the
/// event it is credited to.
fn credited(
    map: &mut Map<String, Value>,
    active: bool,
    activated: Option<&Event>,
    author: Option<&Event>,
) {
    map.insert("is_active".into(), json!(active));
    map.insert("activated_at".into(), time(activated));
    map.insert("created_at".into(), time(author));
    map.insert("author".into(), json!(author.map(|e| &e.author)));
    map.insert(
        "author_email".into(),
        json!(author.map(|e| &e.author_email)),
    );
    map.insert("message".into(), json!(author.map(|e| &e.message)));
    map.insert("ref".into(), json!(author.map(Event::reference)));
}

fn stage_json(stage: &VersionStage) -> Value {
    let mut map = Map::new();
    map.insert("artifact".into(), json!(stage.artifact));
    map.insert("commit_hexsha".into(), json!(stage.commit));
    map.insert("version".into(), json!(stage.version));
    map.insert("stage".into(), json!(stage.stage));
    let events =
        |list: &[Event]| Value::Array(list.iter().map(|e| event_json(e, true, false)).collect());
    map.insert("assignments".into(), events(&stage.assignments));
    map.insert("unassignments".into(), events(&stage.unassignments));
    credited(
        &mut map,
        stage.is_active(),
        stage.activated_at(),
        stage.authoring_event(),
    );
    Value::Object(map)
}

fn version_json(version: &Version, stages: Vec<&VersionStage>) -> Value {
    let mut map = Map::new();
    map.insert("artifact".into(), json!(version.artifact));
    map.insert("commit_hexsha".into(), json!(version.commit));
    map.insert("version".into(), json!(version.version));
    let events =
        |list: &[Event]| Value::Array(list.iter().map(|e| event_json(e, false, false)).collect());
    map.insert("enrichments".into(), events(&version.enrichments));
    map.insert("registrations".into(), events(&version.registrations));
    map.insert("deregistrations".into(), events(&version.deregistrations));
    map.insert(
        "stages".into(),
        Value::Array(stages.into_iter().map(stage_json).collect()),
    );
    credited(
        &mut map,
        version.is_active(),
        version.activated_at(),
        version.authoring_event(),
    );
    map.insert("discovered".into(), json!(version.discovered()));
    Value::Object(map)
}

/// What a `gto show NAME` query selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    All,
    Latest,
    Version(String),
    Stage(String),
}

/// What `gto show` is asked to include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowOptions {
    pub stages: StageQuery,
    /// Deprecated artifacts and inactive versions too (`-d`).
    pub deprecated: bool,
}

impl ShowOptions {
    pub const DEFAULT: ShowOptions = ShowOptions {
        stages: StageQuery::DEFAULT,
        deprecated: false,
    };
}

/// `gto show NAME --json`: the artifact's versions, highest first, each with its stages.
pub fn versions_json(
    artifact: &Artifact,
    selector: &Selector,
    options: &ShowOptions,
) -> Vec<Value> {
    if !artifact.is_active() && !options.deprecated {
        return Vec::new();
    }
    let stages = artifact.stages(&options.stages);
    let listed = if options.deprecated {
        artifact.all_versions(VersionOrder::SemVer)
    } else {
        artifact.versions(!options.stages.registered_only, true, VersionOrder::SemVer)
    };
    let mut versions: Vec<(&Version, Vec<&VersionStage>)> = listed
        .into_iter()
        .map(|v| {
            let in_stages = stages
                .iter()
                .flat_map(|(_, held)| held.iter().copied())
                .filter(|s| s.version == v.version)
                .collect();
            (v, in_stages)
        })
        .collect();
    match selector {
        Selector::All => {}
        Selector::Latest => versions.truncate(1),
        Selector::Version(name) => versions.retain(|(v, _)| v.version == *name),
        Selector::Stage(stage) => {
            // GTO lists a version once per matching stage entry.
            versions = versions
                .into_iter()
                .flat_map(|(v, held)| {
                    let times = held.iter().filter(|s| s.stage == *stage).count();
                    std::iter::repeat_n((v, held), times)
                })
                .collect();
        }
    }
    versions
        .into_iter()
        .map(|(v, held)| version_json(v, held))
        .collect()
}

/// `gto show --json`: each active artifact's highest registered version and what each stage
/// holds.
pub fn registry_json(
    state: &RegistryState,
    stage_names: &[String],
    options: &ShowOptions,
) -> Value {
    let mut out = Map::new();
    for artifact in state
        .artifacts
        .iter()
        .filter(|a| a.is_active() || options.deprecated)
    {
        let stages = artifact.stages(&options.stages);
        let mut stage_map = Map::new();
        for name in stage_names {
            let held: Vec<&str> = stages
                .iter()
                .filter(|(stage, _)| stage == name)
                .flat_map(|(_, held)| held.iter().map(|s| s.version.as_str()))
                .collect();
            let value = if held.is_empty() {
                Value::Null
            } else {
                json!(held.join(", "))
            };
            stage_map.insert(name.clone(), value);
        }
        let mut entry = Map::new();
        entry.insert(
            "version".into(),
            json!(artifact.latest_version(true).map(|v| &v.version)),
        );
        entry.insert("stage".into(), Value::Object(stage_map));
        entry.insert("registered".into(), json!(artifact.is_registered()));
        entry.insert("active".into(), json!(artifact.is_active()));
        out.insert(artifact.name.clone(), Value::Object(entry));
    }
    Value::Object(out)
}

/// `gto history [NAME] --json`: every tag event, newest first (`ascending` for oldest first).
pub fn history_json(state: &RegistryState, artifact: Option<&str>, ascending: bool) -> Vec<Value> {
    let mut events: Vec<&Event> = state
        .artifacts
        .iter()
        .flat_map(|a| a.events(true, true, false))
        .filter(|e| e.kind != EventKind::Commit)
        .collect();
    events.sort_by_key(|e| (e.created_at.secs, e.kind.priority()));
    if !ascending {
        events.reverse();
    }
    events
        .into_iter()
        .filter(|e| artifact.is_none_or(|name| e.artifact == name))
        .map(history_entry)
        .collect()
}

fn history_entry(event: &Event) -> Value {
    let mut map = Map::new();
    map.insert("timestamp".into(), json!(event.created_at.iso()));
    map.insert("artifact".into(), json!(event.artifact));
    map.insert("event".into(), json!(event.kind.as_str()));
    map.insert("priority".into(), json!(event.kind.priority()));
    map.insert("version".into(), json!(event.version));
    map.insert("stage".into(), json!(event.stage));
    map.insert("commit".into(), json!(event.commit));
    map.insert("author".into(), json!(event.author));
    map.insert("author_email".into(), json!(event.author_email));
    map.insert("message".into(), json!(event.message));
    map.insert("ref".into(), json!(event.reference()));
    Value::Object(map)
}
