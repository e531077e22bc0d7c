//! Upstream and downstream traversal over any [`LineageStore`], breadth first by run hops.

use std::collections::HashMap;

use crate::LineageStore;
use crate::error::StoreError;
use crate::model::{
    ArtifactVersion, Direction, Edge, EdgeKind, Run, RunKey, Subgraph, Twins, VersionId,
};

/// Where a traversal starts.
#[derive(Clone, Debug)]
pub enum Start {
    /// These versions (distance 0).
    Versions(Vec<VersionId>),
    /// This run (distance 1): upstream from its inputs, downstream from its outputs.
    Run(RunKey),
}

/// Everything within `depth` runs of `start` in `direction`. Upstream: the runs that generated
/// each version and the versions they used; downstream: the runs that used each version and
/// the versions they generated; either way across to the same content held under another
/// path in another project ([`LineageStore::content_twins`]). Distances count runs from the
/// start (start versions are 0).
pub fn traverse(
    store: &dyn LineageStore,
    start: &Start,
    direction: Direction,
    depth: usize,
) -> Result<Subgraph, StoreError> {
    let mut version_depth: HashMap<VersionId, usize> = HashMap::new();
    let mut run_depth: HashMap<RunKey, usize> = HashMap::new();
    let mut version_order = Vec::new();
    let mut run_order = Vec::new();
    let mut edges = Vec::new();
    let (toward_run, from_run) = match direction {
        Direction::Up => (EdgeKind::Generated, EdgeKind::Used),
        Direction::Down => (EdgeKind::Used, EdgeKind::Generated),
    };
    let first = match start {
        Start::Versions(versions) => {
            for &version in versions {
                if version_depth.insert(version, 0).is_none() {
                    version_order.push(version);
                }
            }
            1
        }
        Start::Run(run) => {
            run_depth.insert(*run, 1);
            run_order.push(*run);
            let reached = match direction {
                Direction::Up => store.inputs(*run)?,
                Direction::Down => store.outputs(*run)?,
            };
            for version in reached {
                edges.push(Edge {
                    run: *run,
                    version,
                    kind: from_run,
                });
                if version_depth.insert(version, 1).is_none() {
                    version_order.push(version);
                }
            }
            2
        }
    };
    let mut same_content = Vec::new();
    // Crossings by content join projects: with one project there are none to look for.
    let crossing = store.holds_many_projects()?;
    let mut frontier = version_order.clone();
    for distance in first..=depth {
        if frontier.is_empty() {
            break;
        }
        // One query for the runs at the whole frontier, one for what the new ones reached:
        // the same graph, in the same order, as asking version by version.
        //
        // Lineage crosses to the same content under another path in another project:
        // upstream from content nobody here made to the runs that made it elsewhere,
        // downstream to where it entered another project. A twin is as far from the start
        // as its counterpart (no run lies between them), so it joins this frontier, and its
        // runs are asked for in a round of their own.
        let mut runs_of: HashMap<VersionId, Vec<RunKey>> = HashMap::new();
        let mut round = std::mem::take(&mut frontier);
        while !round.is_empty() {
            for (version, run) in store.runs_at(&round, toward_run)? {
                runs_of.entry(version).or_default().push(run);
            }
            let mut found = Vec::new();
            for &version in round.iter().filter(|_| crossing) {
                let twins = match direction {
                    Direction::Up if runs_of.contains_key(&version) => continue,
                    Direction::Up => Twins::Generated,
                    Direction::Down => Twins::External,
                };
                for twin in store.content_twins(version, twins)? {
                    same_content.push(match direction {
                        Direction::Up => (twin, version),
                        Direction::Down => (version, twin),
                    });
                    if !version_depth.contains_key(&twin) {
                        version_depth.insert(twin, version_depth[&version]);
                        version_order.push(twin);
                        found.push(twin);
                    }
                }
            }
            frontier.append(&mut round);
            round = found;
        }
        let mut new_runs = Vec::new();
        for version in &frontier {
            for &run in runs_of.get(version).into_iter().flatten() {
                edges.push(Edge {
                    run,
                    version: *version,
                    kind: toward_run,
                });
                if run_depth.contains_key(&run) {
                    continue;
                }
                run_depth.insert(run, distance);
                run_order.push(run);
                new_runs.push(run);
            }
        }
        let mut reached_by: HashMap<RunKey, Vec<VersionId>> = HashMap::new();
        for (run, version) in store.versions_at(&new_runs, from_run)? {
            reached_by.entry(run).or_default().push(version);
        }
        let mut next = Vec::new();
        for run in new_runs {
            for &other in reached_by.get(&run).into_iter().flatten() {
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
        frontier = next;
    }
    edges.sort_by_key(|e| (e.run, e.version, e.kind == EdgeKind::Generated));
    edges.dedup();
    same_content.sort();
    same_content.dedup();
    let mut found: HashMap<VersionId, ArtifactVersion> = store
        .versions_by_ids(&version_order)?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let versions = version_order
        .into_iter()
        .map(|id| {
            let version = found.remove(&id).ok_or(StoreError::NoSuchVersion(id.0))?;
            Ok((version, version_depth[&id]))
        })
        .collect::<Result<_, StoreError>>()?;
    let mut found: HashMap<RunKey, Run> = store
        .runs_by_keys(&run_order)?
        .into_iter()
        .map(|r| (r.key, r))
        .collect();
    let runs = run_order
        .into_iter()
        .map(|key| {
            let run = found.remove(&key).ok_or_else(|| StoreError::NoSuchRun {
                prefix: format!("(store key {})", key.0),
            })?;
            Ok((run, run_depth[&key]))
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Subgraph {
        versions,
        runs,
        edges,
        same_content,
    })
}
