//! Lineage as a Graphviz digraph: artifacts as boxes, runs as ellipses, edges along the data flow.

use std::fmt::Write as _;

use kin::lineage::LineageView;
use kin::lineage::kin_store::EdgeKind;

use super::{run_node_id, short_hash, version_node_id};

/// A DOT string literal.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

pub fn render(view: &LineageView) -> String {
    let mut out = String::from("digraph lineage {\n  rankdir=LR;\n");
    let mut ids = std::collections::HashMap::new();
    for (version, _) in &view.graph.versions {
        let id = version_node_id(version);
        let label = format!("{}\n{}", version.path, short_hash(version.hash.as_str()));
        let _ = writeln!(
            out,
            "  {} [shape=box, label={}];",
            quoted(&id),
            quoted(&label)
        );
        ids.insert(("v", version.id.0), id);
    }
    for (run, _) in &view.graph.runs {
        let id = run_node_id(run);
        let label = format!("{}\n{} {}", run.stage, run.status, run.started);
        let _ = writeln!(
            out,
            "  {} [shape=ellipse, label={}];",
            quoted(&id),
            quoted(&label)
        );
        ids.insert(("r", run.key.0), id);
    }
    for edge in &view.graph.edges {
        let (Some(artifact), Some(run)) =
            (ids.get(&("v", edge.version.0)), ids.get(&("r", edge.run.0)))
        else {
            continue;
        };
        let (from, to) = match edge.kind {
            EdgeKind::Used => (artifact, run),
            EdgeKind::Generated => (run, artifact),
        };
        let _ = writeln!(out, "  {} -> {};", quoted(from), quoted(to));
    }
    for (origin, twin) in &view.graph.same_content {
        let (Some(from), Some(to)) = (ids.get(&("v", origin.0)), ids.get(&("v", twin.0))) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {} -> {} [style=dashed, label=\"same content\"];",
            quoted(from),
            quoted(to)
        );
    }
    out.push_str("}\n");
    out
}
