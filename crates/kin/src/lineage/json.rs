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
    json!({
        "id": version_node_id(version),
        "type": "artifact",
        "path": version.path,
        "hash": version.hash.as_str(),
        "size": version.size,
        "nfiles": version.nfiles,
        "first_seen": version.first_seen.to_string(),
    })
}

pub fn run_json(run: &Run) -> Value {
    json!({
        "id": run_node_id(run),
        "type": "run",
        "run_id": run.id.to_string(),
        "stage": run.stage,
        "status": run.status.as_str(),
        "cmd": run.cmd,
        "exit_code": run.exit_code,
        "started": run.started.to_string(),
        "ended": run.ended.map(|t| t.to_string()),
        "user": run.user,
        "host": run.host,
        "git_commit": run.git_commit,
        "git_dirty": run.git_dirty,
        "params": run.params,
        "metrics": run.metrics,
        "environment": run.environment,
        "log_object": run.log_object,
        "tags": run.tags,
        "project": run.project,
    })
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
        let mut node = version_json(version);
        node["depth"] = json!(depth);
        nodes.push(node);
    }
    for (run, depth) in &view.graph.runs {
        let mut node = run_json(run);
        node["depth"] = json!(depth);
        nodes.push(node);
    }
    let edges: Vec<Value> = view
        .graph
        .edges
        .iter()
        .filter_map(|edge| {
            let artifact = version_ids.get(&edge.version)?;
            let run = run_ids.get(&edge.run)?;
            Some(match edge.kind {
                EdgeKind::Used => json!({"from": artifact, "to": run, "type": "used"}),
                EdgeKind::Generated => json!({"from": run, "to": artifact, "type": "generated"}),
            })
        })
        .chain(view.graph.same_content.iter().filter_map(|(origin, twin)| {
            let from = version_ids.get(origin)?;
            let to = version_ids.get(twin)?;
            Some(json!({"from": from, "to": to, "type": "same-content"}))
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
