//! Model cards from recorded facts only: the artifact's declaration, the version's registry
//! history and approvals, and what its lineage holds — training data, code, params, metrics,
//! gate verdicts, environment, durations, who and where. A fact that was not recorded stays
//! `null` here and is shown as "not recorded", never guessed.

mod document;
mod html;
mod markdown;

use kin_store::{
    ArtifactVersion, Direction, LineageStore, Promotion, Run, RunStatus, Start, traverse,
};
use serde_json::{Map, Value, json};

use super::Registry;
use super::artifacts::DeclaredArtifact;
use super::events::{Event, EventKind};
use super::promotion::PromotionError;
use super::resolve::{ResolvedVersion, declaration_at};
use crate::Repo;
use crate::lineage::target::version_at_rev;
use crate::lineage::why::is_code;

pub use html::to_html;
pub use markdown::to_markdown;

/// Everything recorded about one model version.
#[derive(Debug, Clone)]
pub struct ModelCard {
    pub version: ResolvedVersion,
    pub declared: Result<DeclaredArtifact, String>,
    pub content: Result<ArtifactVersion, String>,
    /// Registry events of this version (and the artifact's deprecation), oldest first.
    pub events: Vec<Event>,
    /// Assignments made through kin, with their approvals.
    pub promotions: Vec<Promotion>,
    /// The run that generated the version's content (the latest, if several did).
    pub producer: Option<Run>,
    /// Every version upstream of it, with the run that generated each (if recorded).
    pub upstream: Vec<(ArtifactVersion, Option<Run>)>,
    /// Every run upstream (the producer first) and downstream of it.
    pub upstream_runs: Vec<Run>,
    pub downstream_runs: Vec<Run>,
    /// The producer's environment record.
    pub environment: Option<Value>,
}

/// Gathers the card of `version`.
pub fn gather(
    repo: &Repo,
    store: &dyn LineageStore,
    registry: &Registry,
    version: &ResolvedVersion,
) -> Result<ModelCard, PromotionError> {
    let declared =
        declaration_at(repo.root(), &version.artifact, &version.commit).map_err(|e| e.to_string());
    // The declaration read once serves the card and the content lookup.
    let content = match &declared {
        Ok(d) => version_at_rev(repo, store, &d.path, &version.commit).map_err(|e| e.to_string()),
        Err(problem) => Err(problem.clone()),
    };
    let events = registry
        .state
        .artifact(version.artifact.as_str())
        .map(|a| {
            let mut events: Vec<Event> = a
                .events(true, true, true)
                .into_iter()
                .filter(|e| e.kind != EventKind::Commit)
                .filter(|e| {
                    e.kind == EventKind::Deprecation
                        || e.version.as_deref() == Some(&version.version)
                })
                .cloned()
                .collect();
            events.sort_by_key(|e| (e.created_at.secs, e.kind.priority()));
            events
        })
        .unwrap_or_default();
    let promotions = store
        .promotions(Some(version.artifact.as_str()))?
        .into_iter()
        .filter(|p| p.version == version.version)
        .collect();
    let mut card = ModelCard {
        version: version.clone(),
        declared,
        content: content.clone(),
        events,
        promotions,
        producer: None,
        upstream: Vec::new(),
        upstream_runs: Vec::new(),
        downstream_runs: Vec::new(),
        environment: None,
    };
    let Ok(recorded) = content else {
        return Ok(card);
    };
    let start = Start::Versions(vec![recorded.id]);
    let up = traverse(store, &start, Direction::Up, usize::MAX)?;
    let down = traverse(store, &start, Direction::Down, usize::MAX)?;
    let producers = store.generators(recorded.id)?;
    if let Some(&key) = producers.last() {
        card.producer = Some(store.run_by_key(key)?);
    }
    for (found, _) in &up.versions {
        if found.id == recorded.id {
            continue;
        }
        let generator = match store.generators(found.id)?.last() {
            Some(&key) => Some(store.run_by_key(key)?),
            None => None,
        };
        card.upstream.push((found.clone(), generator));
    }
    card.upstream_runs = up.runs.into_iter().map(|(run, _)| run).collect();
    card.downstream_runs = down.runs.into_iter().map(|(run, _)| run).collect();
    if let Some(hash) = card.producer.as_ref().and_then(|r| r.environment.clone()) {
        card.environment = store.environment(&hash)?.map(|e| e.body);
    }
    Ok(card)
}

/// How an upstream version entered: `kin add`, a history import, or a stage.
fn origin(run: Option<&Run>) -> Value {
    let Some(run) = run else {
        return Value::Null;
    };
    let imported = run.status == RunStatus::Imported;
    let how = match (run.stage.ends_with(".dvc"), imported) {
        (true, false) => "kin add".to_owned(),
        (true, true) => "import (a .dvc file in git history)".to_owned(),
        (false, false) => format!("stage {}", run.stage),
        (false, true) => format!("stage {} (imported from git history)", run.stage),
    };
    json!(how)
}

fn duration_secs(run: &Run) -> Value {
    match run.ended {
        Some(ended) => json!((ended.millis() - run.started.millis()) as f64 / 1000.0),
        None => Value::Null,
    }
}

fn run_json(run: &Run) -> Value {
    json!({
        "id": run.id.to_string(),
        "stage": run.stage,
        "status": run.status.as_str(),
        "started": run.started.to_string(),
        "duration_seconds": duration_secs(run),
        "user": run.user,
        "host": run.host,
        "git_commit": run.git_commit,
        "git_dirty": run.git_dirty,
    })
}

/// The gate documents a run's metrics hold: drift (`dataset_drift`) and fairness (`checks`),
/// with the run's verdict; `None` for a run that is no gate. The card's `gates` and the HTTP
/// API's gate reports.
pub fn gate_json(run: &Run) -> Option<Value> {
    let files = run.metrics.as_object()?;
    let mut drift = Vec::new();
    let mut fairness = Vec::new();
    for (file, doc) in files {
        if doc.get("dataset_drift").is_some() {
            let columns: Vec<Value> = doc
                .get("columns")
                .and_then(Value::as_object)
                .map(|columns| {
                    columns
                        .iter()
                        .map(|(name, c)| {
                            json!({
                                "column": name,
                                "type": c.get("type"),
                                "test": c.get("stattest"),
                                "score": c.get("score"),
                                "threshold": c.get("threshold"),
                                "drift": c.get("drift"),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            drift.push(json!({
                "file": file,
                "dataset_drift": doc.get("dataset_drift"),
                "drift_share": doc.get("drift_share"),
                "drifted_columns": doc.get("drifted_columns"),
                "columns_total": doc.get("columns_total"),
                "columns": columns,
            }));
        } else if let Some(checks) = doc.get("checks") {
            fairness.push(json!({
                "file": file,
                "sensitive": doc.get("sensitive"),
                "metrics": doc.get("metrics"),
                "checks": checks,
            }));
        }
    }
    if drift.is_empty() && fairness.is_empty() {
        return None;
    }
    Some(json!({
        "stage": run.stage,
        "run": run.id.to_string(),
        "status": run.status.as_str(),
        "passed": run.status != RunStatus::Failed,
        "drift": drift,
        "fairness": fairness,
    }))
}

/// The leaves of a JSON document (anything but a mapping), keyed `a.b.c`.
fn leaves<'v>(prefix: &str, value: &'v Value, out: &mut Vec<(String, &'v Value)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(&path, inner, out);
            }
        }
        other => out.push((prefix.to_owned(), other)),
    }
}

impl ModelCard {
    /// The latest run of each stage among `runs`, in first-seen order.
    fn latest_per_stage(runs: &[Run]) -> Vec<&Run> {
        let mut latest: Vec<&Run> = Vec::new();
        for run in runs {
            match latest.iter_mut().find(|r| r.stage == run.stage) {
                Some(slot) if slot.started < run.started => *slot = run,
                Some(_) => {}
                None => latest.push(run),
            }
        }
        latest
    }

    /// The card as JSON (documented in docs/registry.md).
    pub fn to_json(&self) -> Value {
        let declared = self.declared.as_ref().ok();
        let mut data = Vec::new();
        let mut code = Vec::new();
        for (version, generator) in &self.upstream {
            let entry = json!({
                "path": version.path,
                "hash": version.hash.to_string(),
                "size": version.size,
                "files": version.nfiles,
                "commit": generator.as_ref().and_then(|r| r.git_commit.clone()),
                "entered_by": origin(generator.as_ref()),
            });
            if is_code(&version.path) {
                code.push(entry);
            } else {
                data.push(entry);
            }
        }
        let all_runs: Vec<Run> = self
            .upstream_runs
            .iter()
            .chain(&self.downstream_runs)
            .cloned()
            .collect();
        let gates: Vec<Value> = Self::latest_per_stage(&all_runs)
            .into_iter()
            .filter_map(gate_json)
            .collect();
        let params: Map<String, Value> = Self::latest_per_stage(&self.upstream_runs)
            .into_iter()
            .filter(|r| r.params.as_object().is_some_and(|p| !p.is_empty()))
            .map(|r| (r.stage.clone(), r.params.clone()))
            .collect();
        let mut metrics = Map::new();
        let measured = self
            .producer
            .iter()
            .chain(Self::latest_per_stage(&self.downstream_runs));
        for run in measured {
            if gate_json(run).is_some() || run.metrics.as_object().is_none_or(|m| m.is_empty()) {
                continue;
            }
            metrics.insert(run.stage.clone(), run.metrics.clone());
        }
        let history: Vec<Value> = self
            .events
            .iter()
            .map(|e| {
                json!({
                    "event": e.kind.as_str(),
                    "stage": e.stage,
                    "at": e.created_at.iso(),
                    "by": format!("{} <{}>", e.author, e.author_email),
                    "tag": e.tag,
                    "message": e.message,
                })
            })
            .collect();
        let approvals: Vec<Value> = self
            .promotions
            .iter()
            .map(|p| {
                json!({
                    "stage": p.stage,
                    "tag": p.tag,
                    "at": p.at.to_string(),
                    "by": p.author,
                    "approver": p.approver,
                    "reason": p.reason,
                    "override": p.overridden,
                    "policy_checked": !p.evidence.is_null(),
                    "evidence": p.evidence,
                })
            })
            .collect();
        json!({
            "artifact": self.version.artifact.as_str(),
            "version": self.version.version,
            "commit": self.version.commit,
            "declaration": match &self.declared {
                Ok(d) => json!({"path": d.path, "type": d.kind, "desc": d.desc, "labels": d.labels, "meta": d.meta}),
                Err(problem) => json!({"missing": problem}),
            },
            "content": match &self.content {
                Ok(v) => json!({"path": v.path, "hash": v.hash.to_string(), "size": v.size, "files": v.nfiles}),
                Err(problem) => json!({"missing": problem}),
            },
            "registry": {"history": history, "approvals": approvals},
            "training": {
                "run": self.producer.as_ref().map(run_json),
                "data": data,
                "code": code,
                "params": params,
            },
            "metrics": metrics,
            "gates": gates,
            "environment": self.environment,
            "runs": self.upstream_runs.iter().map(run_json).collect::<Vec<_>>(),
            "description": declared.and_then(|d| d.desc.clone()),
        })
    }
}

/// Numeric metrics of the card, `(stage, key, value)`, for the model-index.
pub fn metric_rows(card: &Value) -> Vec<(String, String, Value)> {
    let mut rows = Vec::new();
    if let Some(stages) = card["metrics"].as_object() {
        for (stage, files) in stages {
            let mut found = Vec::new();
            leaves("", files, &mut found);
            rows.extend(
                found
                    .into_iter()
                    .filter(|(_, value)| value.is_number())
                    .map(|(key, value)| (stage.clone(), key, value.clone())),
            );
        }
    }
    rows
}
