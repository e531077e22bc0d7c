//! Machine-readable DAG formats: Graphviz dot (as `dvc dag --dot` writes it), Mermaid, JSON.

use serde_json::{Value, json};

use super::DagView;

/// Same layout as DVC: `strict digraph {`, one quoted node per line, then `"a" -> "b";` edges.
pub fn render_dot(view: &DagView) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = String::from("strict digraph {\n");
    for node in &view.nodes {
        out.push_str(&format!("{};\n", quote(&node.label)));
    }
    for &(from, to) in &view.edges {
        out.push_str(&format!(
            "{} -> {};\n",
            quote(&view.nodes[from].label),
            quote(&view.nodes[to].label)
        ));
    }
    out.push_str("}\n");
    out
}

/// A Mermaid flowchart, top to bottom; nodes get stable ids in view order.
pub fn render_mermaid(view: &DagView) -> String {
    let mut out = String::from("flowchart TD\n");
    for (i, node) in view.nodes.iter().enumerate() {
        out.push_str(&format!(
            "\tnode{}[\"{}\"]\n",
            i + 1,
            node.label.replace('"', "#quot;")
        ));
    }
    for &(from, to) in &view.edges {
        out.push_str(&format!("\tnode{}-->node{}\n", from + 1, to + 1));
    }
    out
}

/// `{"nodes": [{"name", "kind", "members"}], "edges": [{"from", "to"}]}`.
pub fn to_json(view: &DagView) -> Value {
    let nodes: Vec<_> = view
        .nodes
        .iter()
        .map(|n| json!({ "name": n.label, "kind": n.kind.as_str(), "members": n.members }))
        .collect();
    let edges: Vec<_> = view
        .edges
        .iter()
        .map(|&(f, t)| json!({ "from": view.nodes[f].label, "to": view.nodes[t].label }))
        .collect();
    json!({ "nodes": nodes, "edges": edges })
}
