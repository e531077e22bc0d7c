//! What `kin dag` draws: the selected part of the stage graph, optionally as outputs or with
//! foreach/matrix groups collapsed, and the renderers for each output format.

mod ascii;
mod formats;

pub use ascii::render_ascii;
pub use formats::{render_dot, render_mermaid, to_json};

use std::collections::BTreeSet;

use kin_pipeline::{Graph, paths_overlap};

/// A node as drawn: a stage address, an output path, or a collapsed group (`train@*`).
#[derive(Debug, Clone, PartialEq)]
pub struct ViewNode {
    pub label: String,
    pub kind: NodeKind,
    /// Stages this node stands for (more than one for a collapsed group).
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Stage,
    Data,
    Group,
    Output,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Stage => "stage",
            NodeKind::Data => "data",
            NodeKind::Group => "group",
            NodeKind::Output => "output",
        }
    }
}

/// Nodes and producer → consumer edges, deduplicated.
#[derive(Debug, Clone, Default)]
pub struct DagView {
    pub nodes: Vec<ViewNode>,
    pub edges: Vec<(usize, usize)>,
}

/// The graph nodes a target selects: itself and its ancestors, or its whole component.
pub fn select(graph: &Graph, target: usize, full: bool) -> BTreeSet<usize> {
    let mut keep = BTreeSet::from([target]);
    let mut pending = vec![target];
    while let Some(node) = pending.pop() {
        let upstream = graph.upstream_of(node);
        let neighbours: Vec<usize> = if full {
            upstream.chain(graph.downstream_of(node)).collect()
        } else {
            upstream.collect()
        };
        for next in neighbours {
            if keep.insert(next) {
                pending.push(next);
            }
        }
    }
    keep
}

/// Stage-level view over `keep`, optionally merging foreach/matrix siblings into one node.
pub fn stage_view(graph: &Graph, keep: &BTreeSet<usize>, collapse: bool) -> DagView {
    let mut view = DagView::default();
    let mut index_of = vec![usize::MAX; graph.nodes.len()];
    for &n in keep {
        let node = &graph.nodes[n];
        let group = collapse.then(|| group_label(&node.address)).flatten();
        let (label, kind) = match (&group, node.stage) {
            (Some(label), _) => (label.clone(), NodeKind::Group),
            (None, Some(_)) => (node.address.clone(), NodeKind::Stage),
            (None, None) => (node.address.clone(), NodeKind::Data),
        };
        let existing = view
            .nodes
            .iter()
            .position(|v| v.label == label && v.kind == kind);
        index_of[n] = match existing {
            Some(i) => {
                view.nodes[i].members.push(node.address.clone());
                i
            }
            None => {
                view.nodes.push(ViewNode {
                    label,
                    kind,
                    members: vec![node.address.clone()],
                });
                view.nodes.len() - 1
            }
        };
    }
    for &(from, to) in &graph.edges {
        if keep.contains(&from) && keep.contains(&to) {
            push_edge(&mut view, index_of[from], index_of[to]);
        }
    }
    view
}

/// Output-level view: an edge from output A to output B when B's stage depends on A.
pub fn outs_view(graph: &Graph, keep: &BTreeSet<usize>) -> DagView {
    let mut view = DagView::default();
    let out_index = |view: &mut DagView, path: &str| -> usize {
        match view.nodes.iter().position(|v| v.label == path) {
            Some(i) => i,
            None => {
                view.nodes.push(ViewNode {
                    label: path.to_owned(),
                    kind: NodeKind::Output,
                    members: Vec::new(),
                });
                view.nodes.len() - 1
            }
        }
    };
    for &n in keep {
        for out in &graph.nodes[n].outs {
            let i = out_index(&mut view, out.as_str());
            view.nodes[i].members.push(graph.nodes[n].address.clone());
        }
    }
    for &(from, to) in &graph.edges {
        if !(keep.contains(&from) && keep.contains(&to)) {
            continue;
        }
        let consumer = &graph.nodes[to];
        for produced in &graph.nodes[from].outs {
            if consumer
                .deps
                .iter()
                .any(|d| paths_overlap(d.as_str(), produced.as_str()))
            {
                for out in &consumer.outs {
                    let a = out_index(&mut view, produced.as_str());
                    let b = out_index(&mut view, out.as_str());
                    push_edge(&mut view, a, b);
                }
            }
        }
    }
    view
}

fn push_edge(view: &mut DagView, from: usize, to: usize) {
    if from != to && !view.edges.contains(&(from, to)) {
        view.edges.push((from, to));
    }
}

/// `train@a` → `train@*`; `sub/dvc.yaml:train@a` → `sub/dvc.yaml:train@*`.
fn group_label(address: &str) -> Option<String> {
    // Split at the file part only: foreach keys may themselves contain `:`.
    let (file, name) = match address.find("dvc.yaml:") {
        Some(i) => (Some(&address[..i + 8]), &address[i + 9..]),
        None => (None, address),
    };
    let (group, _) = name.split_once('@')?;
    Some(match file {
        Some(file) => format!("{file}:{group}@*"),
        None => format!("{group}@*"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_labels() {
        assert_eq!(group_label("train@a"), Some("train@*".into()));
        assert_eq!(
            group_label("sub/dvc.yaml:t@1"),
            Some("sub/dvc.yaml:t@*".into())
        );
        assert_eq!(group_label("train"), None);
    }
}
