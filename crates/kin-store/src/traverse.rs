//! Upstream and downstream traversal over any [`LineageStore`], breadth first by run hops.

use std::collections::HashMap;

use crate::LineageStore;
use crate::error::StoreError;
use crate::model::{Direction, Edge, EdgeKind, RunKey, Subgraph, VersionId};

/// Everything within `depth` runs of `start` in `direction`. Upstream: the runs that generated
/// each version and the versions they used; downstream: the runs that used each version and
/// the versions they generated. Distances count runs from the start (start versions are 0).
pub fn traverse(
    store: &dyn LineageStore,
    start: &[VersionId],
    direction: Direction,
    depth: usize,
) -> Result<Subgraph, StoreError> {
    let mut version_depth: HashMap<VersionId, usize> = HashMap::new();
    let mut run_depth: HashMap<RunKey, usize> = HashMap::new();
    let mut version_order = Vec::new();
    let mut run_order = Vec::new();
    let mut edges = Vec::new();
    for &version in start {
        if version_depth.insert(version, 0).is_none() {
            version_order.push(version);
        }
    }
    let mut frontier = version_order.clone();
    let (toward_run, from_run) = match direction {
        Direction::Up => (EdgeKind::Generated, EdgeKind::Used),
        Direction::Down => (EdgeKind::Used, EdgeKind::Generated),
    };
    for distance in 1..=depth {
        if frontier.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for version in frontier {
            let runs = match direction {
                Direction::Up => store.generators(version)?,
                Direction::Down => store.consumers(version)?,
            };
            for run in runs {
                edges.push(Edge {
                    run,
                    version,
                    kind: toward_run,
                });
                if run_depth.contains_key(&run) {
                    continue;
                }
                run_depth.insert(run, distance);
                run_order.push(run);
                let reached = match direction {
                    Direction::Up => store.inputs(run)?,
                    Direction::Down => store.outputs(run)?,
                };
                for other in reached {
                    edges.push(Edge {
                        run,
                        version: other,
                        kind: from_run,
                    });
                    if version_depth.contains_key(&other) {
                        continue;
                    }
                    version_depth.insert(other, distance);
                    version_order.push(other);
                    next.push(other);
                }
            }
        }
        frontier = next;
    }
    edges.sort_by_key(|e| (e.run, e.version, e.kind == EdgeKind::Generated));
    edges.dedup();
    let versions = version_order
        .into_iter()
        .map(|id| Ok((store.version_by_id(id)?, version_depth[&id])))
        .collect::<Result<_, StoreError>>()?;
    let runs = run_order
        .into_iter()
        .map(|key| Ok((store.run_by_key(key)?, run_depth[&key])))
        .collect::<Result<_, StoreError>>()?;
    Ok(Subgraph {
        versions,
        runs,
        edges,
    })
}
