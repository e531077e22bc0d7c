//! `GET /api/v1/lineage?nodeId=…&depth=N` in Marquez's shape, so tools written for Marquez
//! read kin: `{"graph": [{id, type, data, inEdges, outEdges}]}` of DATASET and JOB nodes
//! (`dataset:NAMESPACE:NAME`, `job:NAMESPACE:NAME`), both directions around the node. kin's
//! versions fold into their dataset and its runs into their job, as Marquez shows them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use kin_store::{
    ArtifactVersion, Direction, EdgeKind, LineageStore, Run, RunFilter, RunStatus, Store,
};
use serde_json::{Value, json};

use super::lineage::lineage;
use super::query::Query;
use crate::error::ApiError;
use crate::state::AppState;

/// Marquez's default depth.
const DEFAULT_DEPTH: usize = 20;

pub(crate) async fn lineage_graph(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let node = query.required("nodeId")?.to_owned();
    let depth = query
        .parsed::<usize>("depth", "a number")?
        .unwrap_or(DEFAULT_DEPTH);
    state
        .with_store(move |state, store| {
            let target = start(state, store, &node)?;
            let mut graph = Graph::new(&state.naming.namespace);
            for direction in [Direction::Up, Direction::Down] {
                let view = lineage(state, store, &target, direction, depth)?;
                graph.add(&view.graph);
            }
            Ok(Json(json!({ "graph": graph.nodes() })))
        })
        .await
}

/// The kin target a Marquez node id starts from: a dataset's latest version, a job's
/// latest run, or a run.
fn start(state: &AppState, store: &Store, node: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::bad_request(format!(
            "`nodeId` is `{node}`; it is dataset:NAMESPACE:NAME, job:NAMESPACE:NAME or run:UUID"
        ))
    };
    let (kind, rest) = node.split_once(':').ok_or_else(bad)?;
    match kind {
        "run" => Ok(node.to_owned()),
        "dataset" => {
            let (namespace, name) = rest.rsplit_once(':').ok_or_else(bad)?;
            let path = dataset_path(&state.naming.namespace, namespace, name);
            let latest = store
                .versions_of(&path)?
                .pop()
                .ok_or_else(|| ApiError::NotFound {
                    what: format!("no dataset `{name}` in namespace `{namespace}`"),
                })?;
            Ok(kin::lineage::json::version_node_id(&latest))
        }
        "job" => {
            let (namespace, name) = rest.rsplit_once(':').ok_or_else(bad)?;
            let latest = |project: Option<String>| {
                store.runs(&RunFilter {
                    stage: Some(name.to_owned()),
                    project,
                    limit: Some(1),
                    ..RunFilter::default()
                })
            };
            let mut runs = latest(Some(namespace.to_owned()))?;
            if runs.is_empty() && namespace == state.naming.namespace {
                // kin's own runs recorded before projects carry none.
                runs = latest(None)?;
            }
            let run = runs.pop().ok_or_else(|| ApiError::NotFound {
                what: format!("no job `{name}` in namespace `{namespace}`"),
            })?;
            Ok(format!("run:{}", run.id))
        }
        _ => Err(bad()),
    }
}

/// The artifact path a dataset is recorded under (see `openlineage::record`).
fn dataset_path(ours: &str, namespace: &str, name: &str) -> String {
    if namespace == ours {
        name.to_owned()
    } else {
        crate::openlineage::record::external_path(namespace, name)
    }
}

#[derive(Default)]
struct DatasetNode {
    namespace: String,
    name: String,
    versions: Vec<ArtifactVersion>,
}

#[derive(Default)]
struct JobNode {
    namespace: String,
    name: String,
    runs: Vec<Run>,
    inputs: Vec<String>,
    outputs: Vec<String>,
}

/// Nodes by id, with their edges.
struct Graph<'a> {
    namespace: &'a str,
    datasets: BTreeMap<String, DatasetNode>,
    jobs: BTreeMap<String, JobNode>,
    /// `(origin, destination)`, each once.
    edges: std::collections::BTreeSet<(String, String)>,
}

impl<'a> Graph<'a> {
    fn new(namespace: &'a str) -> Self {
        Graph {
            namespace,
            datasets: BTreeMap::new(),
            jobs: BTreeMap::new(),
            edges: Default::default(),
        }
    }

    fn add(&mut self, graph: &kin_store::Subgraph) {
        let mut version_node = BTreeMap::new();
        for (version, _) in &graph.versions {
            let (namespace, name) = kin::openlineage::dataset_name(self.namespace, &version.path);
            let id = format!("dataset:{namespace}:{name}");
            version_node.insert(version.id, id.clone());
            let node = self.datasets.entry(id).or_insert_with(|| DatasetNode {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
                versions: Vec::new(),
            });
            if !node.versions.iter().any(|v| v.id == version.id) {
                node.versions.push(version.clone());
            }
        }
        let mut run_node = BTreeMap::new();
        for (run, _) in &graph.runs {
            let namespace = run.project.as_deref().unwrap_or(self.namespace);
            let id = format!("job:{namespace}:{}", run.stage);
            run_node.insert(run.key, id.clone());
            let node = self.jobs.entry(id).or_insert_with(|| JobNode {
                namespace: namespace.to_owned(),
                name: run.stage.clone(),
                ..JobNode::default()
            });
            if !node.runs.iter().any(|r| r.key == run.key) {
                node.runs.push(run.clone());
            }
        }
        for edge in &graph.edges {
            let (Some(dataset), Some(job)) =
                (version_node.get(&edge.version), run_node.get(&edge.run))
            else {
                continue;
            };
            let (origin, destination) = match edge.kind {
                EdgeKind::Used => (dataset.clone(), job.clone()),
                EdgeKind::Generated => (job.clone(), dataset.clone()),
            };
            if let Some(node) = self.jobs.get_mut(job) {
                let side = match edge.kind {
                    EdgeKind::Used => &mut node.inputs,
                    EdgeKind::Generated => &mut node.outputs,
                };
                if !side.contains(dataset) {
                    side.push(dataset.clone());
                }
            }
            self.edges.insert((origin, destination));
        }
    }

    fn edges_of(&self, id: &str) -> (Vec<Value>, Vec<Value>) {
        let edge = |(origin, destination): &(String, String)| json!({"origin": origin, "destination": destination});
        let ins = self
            .edges
            .iter()
            .filter(|(_, d)| d == id)
            .map(edge)
            .collect();
        let outs = self
            .edges
            .iter()
            .filter(|(o, _)| o == id)
            .map(edge)
            .collect();
        (ins, outs)
    }

    fn nodes(&self) -> Vec<Value> {
        let mut nodes = Vec::new();
        for (id, node) in &self.datasets {
            let (in_edges, out_edges) = self.edges_of(id);
            nodes.push(json!({
                "id": id,
                "type": "DATASET",
                "data": dataset_data(node),
                "inEdges": in_edges,
                "outEdges": out_edges,
            }));
        }
        for (id, node) in &self.jobs {
            let (in_edges, out_edges) = self.edges_of(id);
            nodes.push(json!({
                "id": id,
                "type": "JOB",
                "data": self.job_data(node),
                "inEdges": in_edges,
                "outEdges": out_edges,
            }));
        }
        nodes
    }

    fn job_data(&self, node: &JobNode) -> Value {
        let (namespace, name) = (&node.namespace, &node.name);
        let names = |ids: &[String]| -> Vec<Value> {
            ids.iter()
                .filter_map(|id| self.datasets.get(id))
                .map(|dataset| json!({"namespace": dataset.namespace, "name": dataset.name}))
                .collect()
        };
        let first = node.runs.iter().map(|r| r.started).min();
        let latest = node.runs.iter().max_by_key(|r| r.started);
        json!({
            "id": {"namespace": namespace, "name": name},
            "type": "BATCH",
            "name": name,
            "simpleName": name,
            "namespace": namespace,
            "createdAt": first.map(|t| t.to_string()),
            "updatedAt": latest.map(|r| r.started.to_string()),
            "inputs": names(&node.inputs),
            "outputs": names(&node.outputs),
            "latestRun": latest.map(|run| json!({
                "id": run.id.to_string(),
                "state": run_state(run.status),
                "startedAt": run.started.to_string(),
                "endedAt": run.ended.map(|t| t.to_string()),
            })),
            "location": null,
            "description": null,
        })
    }
}

fn dataset_data(node: &DatasetNode) -> Value {
    let (namespace, name) = (&node.namespace, &node.name);
    let first = node.versions.iter().map(|v| v.first_seen).min();
    let last = node.versions.iter().max_by_key(|v| v.first_seen);
    json!({
        "id": {"namespace": namespace, "name": name},
        "type": "DB_TABLE",
        "name": name,
        "physicalName": name,
        "namespace": namespace,
        "sourceName": namespace,
        "createdAt": first.map(|t| t.to_string()),
        "updatedAt": last.map(|v| v.first_seen.to_string()),
        "lastModifiedAt": last.map(|v| v.first_seen.to_string()),
        "currentVersion": last.map(|v| v.hash.as_str()),
        "fields": [],
        "tags": [],
        "description": null,
    })
}

/// A kin run's status in Marquez's run states.
fn run_state(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Failed => "FAILED",
        RunStatus::Succeeded | RunStatus::Restored | RunStatus::Committed | RunStatus::Imported => {
            "COMPLETED"
        }
    }
}
