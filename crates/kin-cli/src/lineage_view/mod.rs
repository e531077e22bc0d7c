//! Printing lineage: runs and artifact versions as text, JSON and Graphviz DOT.

pub mod dot;
pub mod text;
pub mod warnings;

use kin::lineage::LineageView;
use kin::lineage::kin_store::{ArtifactVersion, Direction, EdgeKind, Run};
use serde_json::{Value, json};

/// The id of a version in JSON and DOT (`artifact:PATH@HASH`, as DESIGN.md names nodes).
pub fn version_node_id(version: &ArtifactVersion) -> String {
    format!("artifact:{}@{}", version.path, version.hash)
}

pub fn run_node_id(run: &Run) -> String {
    format!("run:{}", run.id)
}

/// A hash shortened for people: 8 digits, as git shortens commits (`.dir` kept).
pub fn short_hash(hash: &str) -> String {
    match hash.strip_suffix(".dir") {
        Some(digest) => format!("{}.dir", prefix(digest, 8)),
        None => prefix(hash, 8).to_owned(),
    }
}

/// The first `chars` characters of `text`, or all of it. Records come from a store that a sync
/// or an older kin may have filled with anything; slicing bytes could split a character.
pub fn prefix(text: &str, chars: usize) -> &str {
    text.char_indices()
        .nth(chars)
        .map_or(text, |(end, _)| &text[..end])
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

/// `--since DATE|SPAN` (`2026-11-01`, `2026-11-01T09:30`, `3d`, `12h`): a point in time.
pub fn since_arg(
    text: &str,
) -> Result<kin::lineage::kin_store::Timestamp, crate::command_error::CommandError> {
    kin::lineage::kin_store::Timestamp::parse(text, kin::lineage::now()).ok_or_else(|| {
        crate::command_error::CommandError::usage(format!("`{text}` is not a date or a span"))
            .with_hint("use a date like 2026-11-01 or 2026-11-01T09:30, or a span like 3d, 12h, 2w")
    })
}

/// `--tag KEY=VALUE`, checked as the library checks every tag (clap turns an error into a
/// usage error, exit 2).
pub fn tag_arg(text: &str) -> Result<(String, String), String> {
    kin::lineage::tags::parse_tag(text, kin::lineage::tags::TagOrigin::Cli)
        .map_err(|e| e.to_string())
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "up",
        Direction::Down => "down",
    }
}

/// `{"target", "direction", "nodes": [...], "edges": [{"from", "to", "type"}]}`; edges point
/// the way data flows (artifact → run for `used`, run → artifact for `generated`).
pub fn to_json(view: &LineageView, direction: Direction) -> Value {
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
        .collect();
    let target = match &view.target {
        kin::lineage::Target::Version(v) => version_node_id(v),
        kin::lineage::Target::Run(r) => run_node_id(r),
    };
    json!({
        "target": target,
        "direction": direction_name(direction),
        "nodes": nodes,
        "edges": edges,
    })
}

/// `850ms`, `12.3s`, `4m05s`, `2h03m`.
pub fn format_duration(millis: i64) -> String {
    let millis = millis.max(0);
    match millis {
        0..1_000 => format!("{millis}ms"),
        1_000..60_000 => format!("{:.1}s", millis as f64 / 1000.0),
        60_000..3_600_000 => format!("{}m{:02}s", millis / 60_000, millis % 60_000 / 1000),
        _ => format!("{}h{:02}m", millis / 3_600_000, millis % 3_600_000 / 60_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_never_split_a_character() {
        assert_eq!(prefix("0123456789abcdef", 7), "0123456");
        assert_eq!(prefix("abc", 7), "abc");
        assert_eq!(prefix("ééééééééé", 7), "ééééééé");
        assert_eq!(short_hash("0123456789abcdef.dir"), "01234567.dir");
        assert_eq!(short_hash("é.dir"), "é.dir");
    }
}
