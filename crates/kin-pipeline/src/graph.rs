//! The stage graph: which stage's outputs feed which stage's deps, with DVC's overlap and cycle checks.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::PathBuf;

use crate::dvcfile::DataFile;
use crate::error::PipelineError;
use crate::stage::Stage;
use kin_format::repo_path::{PathRefusal, RepoPath};
use kin_format::yaml::Location;

/// A node of the graph: a pipeline stage or a `.dvc` data file.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    /// `train`, `sub/dvc.yaml:train` or `data.dvc`.
    pub address: String,
    /// Index into `Project::stages` for stages, `None` for `.dvc` files.
    pub stage: Option<usize>,
    /// Output paths, each passed by the path policy.
    pub outs: Vec<RepoPath>,
    /// Dependency paths inside the repo (external deps are left out).
    pub deps: Vec<RepoPath>,
}

/// True when one path equals the other or lies inside it: how DVC matches deps to outs.
pub fn paths_overlap(a: &str, b: &str) -> bool {
    let inside = |child: &str, parent: &str| {
        child.len() > parent.len()
            && child.starts_with(parent)
            && child.as_bytes()[parent.len()] == b'/'
    };
    a == b || inside(a, b) || inside(b, a)
}

/// Nodes and edges; an edge `(a, b)` means `b` uses an output of `a`.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<(usize, usize)>,
    /// Every output with where it is declared, in declaration order, for [`check_graph`].
    declared: Vec<Declared>,
}

/// Where a dep sits once `wdir` and `..` are applied, relative to the repo root; `None` for
/// data outside the repository (absolute, or climbing above the root), which DVC takes as an
/// external dependency that no stage produces.
fn dep_path(wdir: &RepoPath, path: &str) -> Option<RepoPath> {
    RepoPath::join(wdir, path).ok().filter(|p| !p.is_root())
}

/// One declared output: its node, repo-relative path and where it is written.
#[derive(Debug, Clone)]
struct Declared {
    node: usize,
    path: RepoPath,
    file: PathBuf,
    at: Location,
}

/// The directory a pipeline or `.dvc` file lives in, relative to the root.
fn dir_of(file: &str) -> RepoPath {
    RepoPath::parse(file.rsplit_once('/').map_or(".", |(d, _)| d))
        .unwrap_or_else(|_| RepoPath::root())
}

/// Every output of every node, each checked against the path policy (`RepoPath::writable`):
/// an output that leaves the repository or lands on what kin must never write is refused.
fn declared_outputs(
    stages: &[Stage],
    data_files: &[DataFile],
) -> Result<Vec<Declared>, PipelineError> {
    let refuse =
        |file: &str, at: Location, owner: String, path: &str, reason: PathRefusal| match reason {
            PathRefusal::Absolute { .. } | PathRefusal::Escapes { .. } => {
                PipelineError::PathEscapesRepo {
                    file: PathBuf::from(file),
                    at,
                    stage: owner,
                    path: path.to_owned(),
                }
            }
            reason => PipelineError::UnsafeOutput {
                file: PathBuf::from(file),
                at,
                stage: owner,
                path: path.to_owned(),
                reason,
            },
        };
    let mut declared = Vec::new();
    for (node, stage) in stages.iter().enumerate() {
        let wdir = RepoPath::parse(&stage.wdir).map_err(|reason| {
            refuse(
                &stage.dvcfile,
                stage.at,
                stage.address(),
                &stage.wdir,
                reason,
            )
        })?;
        for out in &stage.outs {
            let path = RepoPath::writable(&wdir, &out.path).map_err(|reason| {
                refuse(&stage.dvcfile, out.at, stage.address(), &out.path, reason)
            })?;
            declared.push(Declared {
                node,
                path,
                file: PathBuf::from(&stage.dvcfile),
                at: out.at,
            });
        }
    }
    for (offset, data) in data_files.iter().enumerate() {
        let dir = dir_of(&data.path);
        for (out, at) in &data.outs {
            let path = RepoPath::writable(&dir, out)
                .map_err(|reason| refuse(&data.path, *at, data.path.clone(), out, reason))?;
            declared.push(Declared {
                node: stages.len() + offset,
                path,
                file: PathBuf::from(&data.path),
                at: *at,
            });
        }
    }
    Ok(declared)
}

/// Builds the graph over every stage and data file. Outputs that leave the repository or
/// land where kin must never write fail here, for every command. Overlapping outputs, pipeline
/// files inside outputs and cycles do not: as in DVC, `status`, `stages` and `metrics show`
/// work despite them, and [`check_graph`] reports them for the commands that need a sound
/// graph (`repro`, `dag`, `add`).
pub fn build_graph(stages: &[Stage], data_files: &[DataFile]) -> Result<Graph, PipelineError> {
    let declared = declared_outputs(stages, data_files)?;
    let mut graph = Graph::default();
    for stage in stages {
        let wdir = RepoPath::parse(&stage.wdir).unwrap_or_else(|_| RepoPath::root());
        graph.nodes.push(GraphNode {
            address: stage.address(),
            stage: Some(graph.nodes.len()),
            outs: Vec::new(),
            deps: stage
                .deps
                .iter()
                .filter_map(|d| dep_path(&wdir, &d.path))
                .collect(),
        });
    }
    for data in data_files {
        graph.nodes.push(GraphNode {
            address: data.path.clone(),
            stage: None,
            outs: Vec::new(),
            deps: Vec::new(),
        });
    }
    // The first declaration of a path wins the producer's place when outputs overlap.
    let mut outs: BTreeMap<RepoPath, usize> = BTreeMap::new();
    for out in &declared {
        graph.nodes[out.node].outs.push(out.path.clone());
        outs.entry(out.path.clone()).or_insert(out.node);
    }
    graph.declared = declared;
    for consumer in 0..stages.len() {
        for path in graph.nodes[consumer].deps.clone() {
            let mut producers: Vec<usize> = path
                .ancestors()
                .chain(std::iter::once(path.as_str()))
                .filter_map(|p| outs.get(p).copied())
                .collect();
            let inside = format!("{path}/");
            producers.extend(
                outs.range::<str, _>((Bound::Included(inside.as_str()), Bound::Unbounded))
                    .take_while(|(p, _)| p.as_str().starts_with(&inside))
                    .map(|(_, node)| *node),
            );
            for producer in producers {
                if !graph.edges.contains(&(producer, consumer)) {
                    graph.edges.push((producer, consumer));
                }
            }
        }
    }
    Ok(graph)
}

/// What DVC checks when it builds its graph: no path produced twice or inside another output,
/// no pipeline file inside an output, no cycle.
pub fn check_graph(graph: &Graph, stages: &[Stage]) -> Result<(), PipelineError> {
    let mut outs: BTreeMap<&str, &Declared> = BTreeMap::new();
    for out in &graph.declared {
        check_overlap(graph, &outs, out)?;
        outs.insert(out.path.as_str(), out);
    }
    for stage in stages {
        let dir = dir_of(&stage.dvcfile);
        if let Some(out) = std::iter::once(dir.as_str())
            .chain(dir.ancestors())
            .find_map(|p| outs.get(p))
        {
            return Err(PipelineError::DvcfileInsideOutput {
                file: PathBuf::from(&stage.dvcfile),
                at: stage.at,
                output: out.path.to_string(),
                stage: graph.nodes[out.node].address.clone(),
            });
        }
    }
    check_acyclic(graph, stages)
}

/// Fails when `out` is declared already, or lies inside or around an output in `outs`.
fn check_overlap(
    graph: &Graph,
    outs: &BTreeMap<&str, &Declared>,
    out: &Declared,
) -> Result<(), PipelineError> {
    let Declared {
        node,
        path,
        file,
        at,
    } = out;
    let (node, at) = (*node, *at);
    let name = |n: usize| graph.nodes[n].address.clone();
    if let Some(existing) = outs.get(path.as_str()) {
        return Err(PipelineError::DuplicateOutput {
            file: file.clone(),
            at,
            path: path.to_string(),
            stage: name(node),
            other: name(existing.node),
        });
    }
    if let Some(parent) = path.ancestors().find_map(|p| outs.get(p)) {
        return Err(PipelineError::NestedOutput {
            file: file.clone(),
            at,
            path: path.to_string(),
            stage: name(node),
            parent: parent.path.to_string(),
            other: name(parent.node),
        });
    }
    let inside = format!("{path}/");
    if let Some((_, child)) = outs
        .range::<str, _>((Bound::Included(inside.as_str()), Bound::Unbounded))
        .next()
        .filter(|(p, _)| p.starts_with(&inside))
    {
        return Err(PipelineError::NestedOutput {
            file: child.file.clone(),
            at: child.at,
            path: child.path.to_string(),
            stage: name(child.node),
            parent: path.to_string(),
            other: name(node),
        });
    }
    Ok(())
}

impl Graph {
    /// Nodes in an order where every producer comes before its consumers; ties keep file order.
    /// On a cycle, the nodes that could not be ordered.
    pub fn topological_order(&self) -> Result<Vec<usize>, Vec<usize>> {
        topological_sort(self.nodes.len(), &self.edges)
    }

    pub fn upstream_of(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        self.edges.iter().filter(move |e| e.1 == node).map(|e| e.0)
    }

    pub fn downstream_of(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        self.edges.iter().filter(move |e| e.0 == node).map(|e| e.1)
    }
}

/// Kahn's algorithm over `count` nodes and `(from, to)` edges, taking the lowest-numbered
/// ready node first so the order is deterministic. On a cycle, returns the nodes left over.
pub fn topological_sort(count: usize, edges: &[(usize, usize)]) -> Result<Vec<usize>, Vec<usize>> {
    let mut indegree = vec![0usize; count];
    let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); count];
    for &(from, to) in edges {
        indegree[to] += 1;
        downstream[from].push(to);
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..count).filter(|&n| indegree[n] == 0).collect();
    let mut order = Vec::with_capacity(count);
    while let Some(node) = ready.pop_first() {
        order.push(node);
        for &next in &downstream[node] {
            indegree[next] -= 1;
            if indegree[next] == 0 {
                ready.insert(next);
            }
        }
    }
    if order.len() == count {
        Ok(order)
    } else {
        Err((0..count).filter(|&n| indegree[n] > 0).collect())
    }
}

fn check_acyclic(graph: &Graph, stages: &[Stage]) -> Result<(), PipelineError> {
    let Err(stuck) = graph.topological_order() else {
        return Ok(());
    };
    // Walk upstream from a stuck node until a node repeats: that stretch is a cycle.
    let mut path = vec![stuck[0]];
    loop {
        let current = *path.last().expect("path starts non-empty");
        let next = graph
            .upstream_of(current)
            .find(|n| stuck.contains(n))
            .expect("a node left by Kahn's algorithm has a stuck producer");
        if let Some(start) = path.iter().position(|&n| n == next) {
            let mut cycle: Vec<usize> = path[start..].to_vec();
            cycle.reverse();
            cycle.push(cycle[0]);
            let first = &graph.nodes[cycle[0]];
            let (file, at) = match first.stage {
                Some(i) => (PathBuf::from(&stages[i].dvcfile), stages[i].at),
                None => (PathBuf::from(&first.address), Location::UNKNOWN),
            };
            return Err(PipelineError::Cycle {
                file,
                at,
                cycle: cycle
                    .iter()
                    .map(|&n| graph.nodes[n].address.clone())
                    .collect(),
            });
        }
        path.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_paths_normalize_and_leave_outside_ones_out() {
        let at = |p: &str| RepoPath::parse(p).expect("path");
        assert_eq!(dep_path(&at("."), "a/./b"), Some(at("a/b")));
        assert_eq!(dep_path(&at("sub"), "../x"), Some(at("x")));
        assert_eq!(dep_path(&at("."), "../x"), None);
        assert_eq!(dep_path(&at("."), "/abs/x"), None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::stage::{Dep, Out, OutKind};
    use kin_format::Command;

    fn stage(name: usize, deps: Vec<String>) -> Stage {
        Stage {
            name: format!("s{name}"),
            dvcfile: "dvc.yaml".into(),
            cmd: Command::Single("true".into()),
            wdir: ".".into(),
            deps: deps
                .into_iter()
                .map(|path| Dep {
                    path,
                    at: Location::UNKNOWN,
                })
                .collect(),
            params: Vec::new(),
            outs: vec![Out::new(
                format!("out/{name}"),
                OutKind::Out,
                Location::UNKNOWN,
            )],
            frozen: false,
            always_changed: false,
            desc: None,
            meta: None,
            at: Location::UNKNOWN,
            tracked_vars: Vec::new(),
        }
    }

    /// Stage i may depend on any stage before it: always acyclic.
    fn acyclic() -> impl Strategy<Value = Vec<Vec<usize>>> {
        (1usize..25).prop_flat_map(|n| {
            (0..n)
                .map(|i| proptest::sample::subsequence((0..i).collect::<Vec<_>>(), 0..=i))
                .collect::<Vec<_>>()
        })
    }

    proptest! {
        #[test]
        fn edges_follow_deps_and_order_respects_them(deps in acyclic()) {
            let stages: Vec<Stage> = deps
                .iter()
                .enumerate()
                .map(|(i, d)| stage(i, d.iter().map(|j| format!("out/{j}")).collect()))
                .collect();
            let graph = build_graph(&stages, &[]).expect("acyclic graphs build");
            let mut expected: Vec<(usize, usize)> = deps
                .iter()
                .enumerate()
                .flat_map(|(i, d)| d.iter().map(move |&j| (j, i)))
                .collect();
            let mut edges = graph.edges.clone();
            expected.sort();
            edges.sort();
            prop_assert_eq!(edges, expected);
            let order = graph.topological_order().expect("acyclic");
            let position = |n: usize| order.iter().position(|&o| o == n).expect("every node ordered");
            for &(from, to) in &graph.edges {
                prop_assert!(position(from) < position(to));
            }
        }

        #[test]
        fn a_back_edge_is_reported_as_a_real_cycle(deps in acyclic(), pick in any::<prop::sample::Index>()) {
            // Chain every stage to its predecessor, then make the first depend on a later one.
            let n = deps.len();
            prop_assume!(n >= 2);
            let last = 1 + pick.index(n - 1);
            let stages: Vec<Stage> = (0..n)
                .map(|i| {
                    let dep = if i == 0 { format!("out/{last}") } else { format!("out/{}", i - 1) };
                    stage(i, vec![dep])
                })
                .collect();
            // Loading does not fail on a cycle (as in DVC); checking the graph does.
            let graph = build_graph(&stages, &[]).expect("cycles load");
            let Err(PipelineError::Cycle { cycle, .. }) = check_graph(&graph, &stages) else {
                return Err(TestCaseError::fail("expected a cycle"));
            };
            prop_assert_eq!(cycle.first(), cycle.last());
            let graph_edges: Vec<(String, String)> = (1..=last)
                .map(|i| (format!("s{}", i - 1), format!("s{i}")))
                .chain([(format!("s{last}"), "s0".to_owned())])
                .collect();
            for pair in cycle.windows(2) {
                prop_assert!(graph_edges.contains(&(pair[0].clone(), pair[1].clone())), "{:?} not an edge", pair);
            }
        }
    }
}
