//! The JSON documents lineage answers are given in: the same for the CLI's `--json` and the
//! HTTP API, so a script can move from one to the other.

use kin_store::{ArtifactVersion, Direction, EdgeKind, Run};
use serde_json::{Value, json};

use super::{LineageView, RunDetail, Target};

/// The id of a version in JSON and DOT (`artifact:PATH@HASH`, as DESIGN.md names nodes).
pub fn version_node_id(version: &ArtifactVersion) -> String {
    format!("artifact:{}@{}", version.path, version.hash)
}

pub fn run_node_id(run: &Run) -> String {
    format!("run:{}", run.id)
}

pub fn version_json(version: &ArtifactVersion) -> Value {
    object([
        ("id", version_node_id(version).into()),
        ("type", "artifact".into()),
        ("path", version.path.as_str().into()),
        ("hash", version.hash.as_str().into()),
        ("size", version.size.into()),
        ("nfiles", version.nfiles.into()),
        ("first_seen", version.first_seen.to_string().into()),
    ])
}

pub fn run_json(run: &Run) -> Value {
    let tags = run
        .tags
        .iter()
        .map(|(key, value)| (key.clone(), Value::from(value.as_str())))
        .collect();
    object([
        ("id", run_node_id(run).into()),
        ("type", "run".into()),
        ("run_id", run.id.to_string().into()),
        ("stage", run.stage.as_str().into()),
        ("status", run.status.as_str().into()),
        ("cmd", run.cmd.as_str().into()),
        ("exit_code", run.exit_code.into()),
        ("started", run.started.to_string().into()),
        ("ended", run.ended.map(|t| t.to_string()).into()),
        ("user", run.user.as_deref().into()),
        ("host", run.host.as_deref().into()),
        ("git_commit", run.git_commit.as_deref().into()),
        ("git_dirty", run.git_dirty.into()),
        ("params", run.params.clone()),
        ("metrics", run.metrics.clone()),
        ("environment", run.environment.as_deref().into()),
        ("log_object", run.log_object.as_deref().into()),
        ("tags", Value::Object(tags)),
        ("project", run.project.as_deref().into()),
    ])
}

/// A JSON object of `fields` in this order. Built directly rather than with `json!`, which
/// writes every field (the params and metrics documents too) through a serializer: the bulk
/// of a served lineage answer's cost.
fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

/// `kin run show --json`: a run with its inputs and outputs (sorted by path) and its
/// environment (`{"hash", "body"}` or null).
pub fn run_detail_json(run: &Run, detail: &RunDetail) -> Value {
    let mut value = run_json(run);
    value["inputs"] = detail.inputs.iter().map(version_json).collect();
    value["outputs"] = detail.outputs.iter().map(version_json).collect();
    value["environment"] = match &detail.environment {
        Some(env) => json!({"hash": env.hash, "body": env.body}),
        None => Value::Null,
    };
    value
}

pub fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "up",
        Direction::Down => "down",
    }
}

/// `{"target", "direction", "nodes": [...], "edges": [{"from", "to", "type"}]}`; edges point
/// the way data flows (artifact → run for `used`, run → artifact for `generated`, artifact →
/// artifact for `same-content`: one content under two paths in different projects).
pub fn lineage_json(view: &LineageView, direction: Direction) -> Value {
    let version_ids: std::collections::HashMap<_, _> = view
        .graph
        .versions
        .iter()
        .map(|(v, _)| (v.id, version_node_id(v)))
        .collect();
    let run_ids: std::collections::HashMap<_, _> = view
        .graph
        .runs
        .iter()
        .map(|(r, _)| (r.key, run_node_id(r)))
        .collect();
    let mut nodes = Vec::new();
    for (version, depth) in &view.graph.versions {
        nodes.push(with_depth(version_json(version), *depth));
    }
    for (run, depth) in &view.graph.runs {
        nodes.push(with_depth(run_json(run), *depth));
    }
    let edges: Vec<Value> = view
        .graph
        .edges
        .iter()
        .filter_map(|edge| {
            let artifact = version_ids.get(&edge.version)?;
            let run = run_ids.get(&edge.run)?;
            Some(match edge.kind {
                EdgeKind::Used => edge_json(artifact, run, "used"),
                EdgeKind::Generated => edge_json(run, artifact, "generated"),
            })
        })
        .chain(view.graph.same_content.iter().filter_map(|(origin, twin)| {
            let from = version_ids.get(origin)?;
            let to = version_ids.get(twin)?;
            Some(edge_json(from, to, "same-content"))
        }))
        .collect();
    let target = match &view.target {
        Target::Version(v) => version_node_id(v),
        Target::Run(r) => run_node_id(r),
    };
    json!({
        "target": target,
        "direction": direction_name(direction),
        "nodes": nodes,
        "edges": edges,
    })
}

fn with_depth(mut node: Value, depth: usize) -> Value {
    if let Value::Object(fields) = &mut node {
        fields.insert("depth".to_owned(), depth.into());
    }
    node
}

fn edge_json(from: &str, to: &str, kind: &str) -> Value {
    object([
        ("from", from.into()),
        ("to", to.into()),
        ("type", kind.into()),
    ])
}
