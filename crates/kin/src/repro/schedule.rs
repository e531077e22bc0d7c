//! Running the planned stages: one after another, or up to `-j` at once with each stage
//! starting only after every planned stage it depends on has finished.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

use super::data_source::process_data_source;
use super::stage_run::{Shared, run_stage};
use super::{ReproError, StageOutcome};

/// The outcome of each planned node (graph node index), in plan order.
pub(crate) type Outcomes = Vec<(usize, Result<StageOutcome, ReproError>)>;

struct Board {
    /// Planned nodes not yet started, by plan position.
    waiting: BTreeSet<usize>,
    /// For each plan position: how many of its planned upstream nodes have not finished.
    unfinished_upstream: Vec<usize>,
    running: usize,
    /// Set after a failure without `--keep-going`, or on interruption: start nothing new.
    stopped: bool,
    results: HashMap<usize, Result<StageOutcome, ReproError>>,
}

/// Runs `plan` (graph node indices) with up to `jobs` stages at once.
pub(crate) fn run_plan(
    shared: &Shared<'_>,
    plan: &[usize],
    jobs: usize,
    keep_going: bool,
    interrupted: &AtomicBool,
) -> Outcomes {
    let graph = &shared.project.graph;
    let position: HashMap<usize, usize> = plan.iter().enumerate().map(|(p, &n)| (n, p)).collect();
    let mut upstream: Vec<Vec<usize>> = vec![Vec::new(); plan.len()];
    let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); plan.len()];
    for &(producer, consumer) in &graph.edges {
        if let (Some(&p), Some(&c)) = (position.get(&producer), position.get(&consumer)) {
            upstream[c].push(p);
            downstream[p].push(c);
        }
    }
    let board = Mutex::new(Board {
        waiting: (0..plan.len()).collect(),
        unfinished_upstream: upstream.iter().map(Vec::len).collect(),
        running: 0,
        stopped: false,
        results: HashMap::new(),
    });
    let changed = Condvar::new();
    let worker = || {
        loop {
            let next = {
                let mut state = board.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    if interrupted.load(Ordering::SeqCst) {
                        state.stopped = true;
                    }
                    let ready = (!state.stopped)
                        .then(|| {
                            state
                                .waiting
                                .iter()
                                .copied()
                                .find(|&p| state.unfinished_upstream[p] == 0)
                        })
                        .flatten();
                    if let Some(p) = ready {
                        state.waiting.remove(&p);
                        state.running += 1;
                        break Some(p);
                    }
                    if state.running == 0 {
                        break None;
                    }
                    state = changed.wait(state).unwrap_or_else(|p| p.into_inner());
                }
            };
            let Some(p) = next else {
                changed.notify_all();
                return;
            };
            let node = plan[p];
            let result = match graph.nodes[node].stage {
                Some(index) => run_stage(shared, index, interrupted),
                None => process_data_source(shared, node),
            };
            let mut state = board.lock().unwrap_or_else(|p| p.into_inner());
            state.running -= 1;
            let failed = result.is_err();
            state.results.insert(p, result);
            let mut blocked = Vec::new();
            if failed {
                if keep_going {
                    blocked =
                        block_downstream(&mut state, &downstream, p, &graph.nodes[node].address);
                } else {
                    state.stopped = true;
                }
            } else {
                for &d in &downstream[p] {
                    state.unfinished_upstream[d] -= 1;
                }
            }
            changed.notify_all();
            drop(state);
            let failed_address = &graph.nodes[node].address;
            for b in blocked {
                shared
                    .events
                    .stage_blocked(&graph.nodes[plan[b]].address, failed_address);
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..jobs.max(1) {
            scope.spawn(worker);
        }
        worker();
    });
    let mut state = board.into_inner().unwrap_or_else(|p| p.into_inner());
    (0..plan.len())
        .filter_map(|p| state.results.remove(&p).map(|r| (plan[p], r)))
        .collect()
}

/// After a failure with `--keep-going`: everything downstream of it is skipped. Returns the
/// plan positions skipped, in plan order.
fn block_downstream(
    state: &mut Board,
    downstream: &[Vec<usize>],
    failed: usize,
    address: &str,
) -> Vec<usize> {
    let mut blocked = Vec::new();
    let mut stack = downstream[failed].clone();
    while let Some(p) = stack.pop() {
        if state.waiting.remove(&p) {
            state.results.insert(
                p,
                Ok(StageOutcome::Blocked {
                    by: address.to_owned(),
                }),
            );
            blocked.push(p);
            stack.extend(&downstream[p]);
        }
    }
    blocked.sort_unstable();
    blocked
}
