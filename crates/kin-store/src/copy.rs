//! `kin store copy`: one store replicated into another (SQLite to PostgreSQL and back), entry
//! by entry. Each audit entry is written unchanged together with the rows it describes, as
//! they read in the source, so the copy's chain is the source's and verifies the same.
//! Copying again writes only what the source gained since; a target whose chain is not a
//! beginning of the source's (its own history) is refused, never merged.

use std::collections::HashMap;

use serde_json::Value;

use crate::LineageStore;
use crate::audit::AuditEntry;
use crate::error::StoreError;
use crate::ids::RunId;
use crate::model::{NewRun, NewVersion, Promotion, RunKey};
use crate::store::Store;

/// Something to write into the target, in order.
#[derive(Clone, Debug)]
pub(crate) enum Replica {
    /// A run's rows (without an entry: its entry is replicated as it was).
    Run(Box<NewRun>),
    Promotion(Box<Promotion>),
    Imported(String),
    Entry(AuditEntry),
}

/// What a copy wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub entries: usize,
    pub runs: usize,
    pub promotions: usize,
    pub imported_commits: usize,
    /// Entries the target already had (an earlier copy).
    pub already: usize,
}

/// Replicas written per transaction.
const BATCH: usize = 2_000;

/// Copies `source` into `target`.
pub fn copy(source: &Store, target: &mut Store) -> Result<CopyReport, StoreError> {
    let theirs = source.audit_entries(None, None)?;
    let ours = target.audit_entries(None, None)?;
    // The target must hold a beginning of the source's chain, entry for entry.
    if let Some(index) = ours
        .iter()
        .zip(&theirs)
        .position(|(a, b)| a.seq != b.seq || a.hash != b.hash)
        .or_else(|| (ours.len() > theirs.len()).then_some(theirs.len()))
    {
        return Err(StoreError::CopyDiverged {
            seq: ours.get(index).map_or(0, |entry| entry.seq),
        });
    }
    let mut report = CopyReport {
        already: ours.len(),
        ..CopyReport::default()
    };
    let mut promotions: Option<HashMap<String, Promotion>> = None;
    let mut batch = Vec::new();
    for entry in theirs.into_iter().skip(ours.len()) {
        let payload: Value = serde_json::from_str(&entry.payload).unwrap_or(Value::Null);
        let mut promotion = |tag: &str| -> Result<Option<Promotion>, StoreError> {
            let known = match &mut promotions {
                Some(known) => known,
                None => promotions.insert(
                    source
                        .promotions(None)?
                        .into_iter()
                        .map(|p| (p.tag.clone(), p))
                        .collect(),
                ),
            };
            Ok(known.remove(tag))
        };
        match entry.action.as_str() {
            "run" => {
                if let Some(run) = source_run(source, &entry.subject)? {
                    batch.push(Replica::Run(Box::new(run)));
                    report.runs += 1;
                }
            }
            "promotion" => {
                if let Some(found) = promotion(&entry.subject)? {
                    batch.push(Replica::Promotion(Box::new(found)));
                    report.promotions += 1;
                }
            }
            "import-marks" => {
                for commit in strings(&payload["commits"]) {
                    batch.push(Replica::Imported(commit));
                    report.imported_commits += 1;
                }
            }
            "genesis" => {
                // The rows a store from before the audit log held, vouched for by digest.
                for (id, _) in payload["runs"].as_object().into_iter().flatten() {
                    if let Some(run) = source_run(source, id)? {
                        batch.push(Replica::Run(Box::new(run)));
                        report.runs += 1;
                    }
                }
                for (tag, _) in payload["promotions"].as_object().into_iter().flatten() {
                    if let Some(found) = promotion(tag)? {
                        batch.push(Replica::Promotion(Box::new(found)));
                        report.promotions += 1;
                    }
                }
                for commit in strings(&payload["imported"]) {
                    batch.push(Replica::Imported(commit));
                    report.imported_commits += 1;
                }
            }
            // Registry tags live in git; merged lineage's runs have entries of their own.
            _ => {}
        }
        batch.push(Replica::Entry(entry));
        report.entries += 1;
        if batch.len() >= BATCH {
            apply(target, &batch)?;
            batch.clear();
        }
    }
    apply(target, &batch)?;
    Ok(report)
}

fn apply(target: &mut Store, replicas: &[Replica]) -> Result<(), StoreError> {
    if replicas.is_empty() {
        return Ok(());
    }
    match target {
        Store::Sqlite(store) => store.apply_replicas(replicas),
        Store::Postgres(store) => store.apply_replicas(replicas),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The run `id` names, as the source holds it, ready to be written again; `None` if the
/// source no longer has it (its verification reports that).
fn source_run(source: &Store, id: &str) -> Result<Option<NewRun>, StoreError> {
    let Ok(id) = id.parse::<RunId>() else {
        return Ok(None);
    };
    let run = match source.run(id) {
        Ok(run) => run,
        Err(StoreError::NoSuchRun { .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    let versions = |key: RunKey, used: bool| -> Result<Vec<NewVersion>, StoreError> {
        let ids = if used {
            source.inputs(key)?
        } else {
            source.outputs(key)?
        };
        ids.into_iter()
            .map(|id| {
                let version = source.version_by_id(id)?;
                Ok(NewVersion {
                    path: version.path,
                    hash: version.hash,
                    size: version.size,
                    nfiles: version.nfiles,
                })
            })
            .collect()
    };
    let environment = match &run.environment {
        Some(hash) => source.environment(hash)?,
        None => None,
    };
    Ok(Some(NewRun {
        id: run.id,
        stage: run.stage,
        cmd: run.cmd,
        status: run.status,
        exit_code: run.exit_code,
        started: run.started,
        ended: run.ended,
        user: run.user,
        host: run.host,
        git_commit: run.git_commit,
        git_dirty: run.git_dirty,
        params: run.params,
        metrics: run.metrics,
        environment,
        log_object: run.log_object,
        fingerprint: run.fingerprint,
        tags: run.tags,
        project: run.project,
        used: versions(run.key, true)?,
        generated: versions(run.key, false)?,
    }))
}
