//! The terminal drawing of a DAG: one line per node in dependency order, indented by depth,
//! with each node's inputs named on its line. Unlike box drawings it stays readable for
//! hundreds of stages and wide foreach fan-outs, because width never grows with the graph.

use std::collections::BTreeMap;

use kin_pipeline::topological_sort;

use super::{DagView, NodeKind};

/// Upstream lists longer than this name each foreach group once instead of every member.
const GROUP_AFTER: usize = 3;
const MAX_DEPTH_INDENT: usize = 12;

pub fn render_ascii(view: &DagView) -> String {
    if view.nodes.is_empty() {
        return "no stages\n".to_owned();
    }
    // Views are cut from an acyclic graph, so every node is ordered.
    let order = topological_sort(view.nodes.len(), &view.edges).unwrap_or_default();
    let mut depth = vec![0usize; view.nodes.len()];
    for &node in &order {
        for &(from, to) in &view.edges {
            if to == node {
                depth[node] = depth[node].max(depth[from] + 1);
            }
        }
    }
    let label = |i: usize| -> String {
        let node = &view.nodes[i];
        match node.kind {
            NodeKind::Group => format!("{} ({} stages)", node.label, node.members.len()),
            NodeKind::Data => format!("{} (data)", node.label),
            NodeKind::Stage | NodeKind::Output => node.label.clone(),
        }
    };
    let lines: Vec<(String, String)> = order
        .iter()
        .map(|&i| {
            let indent = "  ".repeat(depth[i].min(MAX_DEPTH_INDENT));
            let marker = if depth[i] == 0 { "●" } else { "└▶" };
            let upstream: Vec<usize> = view
                .edges
                .iter()
                .filter(|e| e.1 == i)
                .map(|e| e.0)
                .collect();
            (
                format!("{indent}{marker} {}", label(i)),
                summarize(view, &upstream),
            )
        })
        .collect();
    let width = lines
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    let mut out = String::new();
    for (line, inputs) in lines {
        if inputs.is_empty() {
            out.push_str(&format!("{line}\n"));
        } else {
            out.push_str(&format!("{line:<width$}  ← {inputs}\n"));
        }
    }
    out
}

/// Names the upstream nodes, folding many members of one foreach group into `group@* (N)`.
fn summarize(view: &DagView, upstream: &[usize]) -> String {
    if upstream.len() <= GROUP_AFTER {
        return upstream
            .iter()
            .map(|&u| view.nodes[u].label.clone())
            .collect::<Vec<_>>()
            .join(", ");
    }
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    let mut parts: Vec<String> = Vec::new();
    for &u in upstream {
        let name = &view.nodes[u].label;
        match name.rsplit_once('@') {
            Some((group, _)) if view.nodes[u].kind != NodeKind::Group => {
                let count = groups.entry(format!("{group}@*")).or_insert(0);
                if *count == 0 {
                    parts.push(format!("{group}@*"));
                }
                *count += 1;
            }
            _ => parts.push(name.clone()),
        }
    }
    parts
        .into_iter()
        .map(|p| match groups.get(&p) {
            Some(n) => format!("{p} ({n})"),
            None => p,
        })
        .collect::<Vec<_>>()
        .join(", ")
}
