//! Which stages a repro visits and in what order: DVC's target collection and its post-order
//! walk of the stage graph (dependencies first, frozen stages cut off from theirs).

use kin_pipeline::Project;

use super::ReproError;

/// How the targets widen into a plan (DVC's `-s`, `--downstream`, `-p`, `-P`, `-R`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Stage addresses, groups, pipeline files or (with `recursive`) directories;
    /// relative to `cwd`. Empty: the `dvc.yaml` in `cwd`.
    pub targets: Vec<String>,
    pub single_item: bool,
    pub downstream: bool,
    pub pipeline: bool,
    pub all_pipelines: bool,
    pub recursive: bool,
}

/// `cwd_rel` joined with `path`, normalised, repo-relative.
fn from_cwd(cwd_rel: &str, path: &str) -> String {
    crate::paths::wdir_join(if cwd_rel.is_empty() { "." } else { cwd_rel }, path)
}

/// The graph nodes named by one target.
fn resolve_target(project: &Project, cwd_rel: &str, target: &str, recursive: bool) -> Vec<usize> {
    let nodes = &project.graph.nodes;
    let stage_of = |n: usize| nodes[n].stage.map(|s| &project.stages[s]);
    let in_file = |file: &str, name: Option<&str>| -> Vec<usize> {
        (0..nodes.len())
            .filter(|&n| match stage_of(n) {
                Some(stage) => {
                    stage.dvcfile == file
                        && name.is_none_or(|name| stage.name == name || stage.group() == Some(name))
                }
                None => name.is_none() && nodes[n].address == file,
            })
            .collect()
    };
    if let Some((file, name)) = target.rsplit_once(':')
        && !file.is_empty()
    {
        return in_file(&from_cwd(cwd_rel, file), Some(name));
    }
    let as_path = from_cwd(cwd_rel, target);
    let is_file = |p: &str| p == "dvc.yaml" || p.ends_with("/dvc.yaml") || p.ends_with(".dvc");
    if is_file(&as_path) {
        return in_file(&as_path, None);
    }
    if recursive {
        let prefix = if as_path.is_empty() || as_path == "." {
            String::new()
        } else {
            format!("{as_path}/")
        };
        let found: Vec<usize> = (0..nodes.len())
            .filter(|&n| {
                let file = stage_of(n).map_or(nodes[n].address.as_str(), |s| s.dvcfile.as_str());
                file.starts_with(&prefix)
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    in_file(&from_cwd(cwd_rel, "dvc.yaml"), Some(target))
}

/// The nodes to visit, in visiting order.
pub(crate) fn plan(
    project: &Project,
    cwd_rel: &str,
    selection: &Selection,
) -> Result<Vec<usize>, ReproError> {
    let count = project.graph.nodes.len();
    let frozen = |n: usize| {
        project.graph.nodes[n]
            .stage
            .is_some_and(|s| project.stages[s].frozen)
    };
    // DVC's active graph: a frozen stage does not pull in its upstream.
    let mut upstream: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); count];
    for &(producer, consumer) in &project.graph.edges {
        if !frozen(consumer) {
            upstream[consumer].push(producer);
            downstream[producer].push(consumer);
        }
    }
    let sources: Vec<usize> = if selection.all_pipelines {
        (0..count).collect()
    } else {
        let targets = if selection.targets.is_empty() {
            vec![from_cwd(cwd_rel, "dvc.yaml")]
        } else {
            selection.targets.clone()
        };
        let mut sources = Vec::new();
        for target in &targets {
            let found = resolve_target(project, cwd_rel, target, selection.recursive);
            if found.is_empty() && !(selection.targets.is_empty() && project.stages.is_empty()) {
                return Err(ReproError::UnknownTarget {
                    target: target.clone(),
                });
            }
            for node in found {
                if !sources.contains(&node) {
                    sources.push(node);
                }
            }
        }
        sources
    };
    if selection.single_item && !selection.pipeline && !selection.all_pipelines {
        return Ok(sources);
    }
    let mut included = vec![false; count];
    if selection.pipeline || selection.all_pipelines {
        // Whole weakly connected components.
        let mut stack = sources.clone();
        while let Some(node) = stack.pop() {
            if !std::mem::replace(&mut included[node], true) {
                stack.extend(upstream[node].iter().chain(&downstream[node]));
            }
        }
    } else {
        let next = if selection.downstream {
            &downstream
        } else {
            &upstream
        };
        let mut stack = sources.clone();
        while let Some(node) = stack.pop() {
            if !std::mem::replace(&mut included[node], true) {
                stack.extend(&next[node]);
            }
        }
    }
    Ok(postorder(&upstream, &included))
}

/// Depth-first post-order over the included nodes, dependencies first, starting nodes and
/// children in graph order (what networkx's `dfs_postorder_nodes` yields for DVC's graph).
fn postorder(upstream: &[Vec<usize>], included: &[bool]) -> Vec<usize> {
    let mut visited = vec![false; upstream.len()];
    let mut order = Vec::new();
    for start in (0..upstream.len()).filter(|&n| included[n]) {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some((node, child)) = stack.pop() {
            let children = &upstream[node];
            match children[child..]
                .iter()
                .position(|&c| included[c] && !visited[c])
            {
                Some(offset) => {
                    let next = children[child + offset];
                    visited[next] = true;
                    stack.push((node, child + offset + 1));
                    stack.push((next, 0));
                }
                None => order.push(node),
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postorder_puts_dependencies_first_in_graph_order() {
        // DVC's docstring example: D depends on B and C, both on A; E on D and F; F on G.
        let (a, b, c, d, e, f, g) = (0, 1, 2, 3, 4, 5, 6);
        let mut upstream = vec![Vec::new(); 7];
        upstream[b] = vec![a];
        upstream[c] = vec![a];
        upstream[d] = vec![b, c];
        upstream[e] = vec![d, f];
        upstream[f] = vec![g];
        let all = vec![true; 7];
        assert_eq!(postorder(&upstream, &all), vec![a, b, c, d, g, f, e]);
        let mut only_d = vec![false; 7];
        for n in [a, b, c, d] {
            only_d[n] = true;
        }
        assert_eq!(postorder(&upstream, &only_d), vec![a, b, c, d]);
    }
}
