//! `kin store copy`: one store replicated into another (SQLite to PostgreSQL and back), entry
//! by entry. Each audit entry is written unchanged together with the rows it describes, as
//! they read in the source, so the copy's chain is the source's and verifies the same.
//! Copying again writes only what the source gained since; a target whose chain is not a
//! beginning of the source's (its own history) is refused, never merged.

use std::collections::HashMap;

use serde_json::Value;

use crate::LineageStore;
use crate::audit::{AuditEntry, json_strings};
use crate::error::StoreError;
use crate::ids::RunId;
use crate::model::{Environment, NewRun, NewVersion, Promotion, Run, RunKey};
use crate::store::Store;

/// Something to write into the target, in order.
#[derive(Clone, Debug)]
pub(crate) enum Replica {
    /// A run's rows (without an entry: its entry is replicated as it was).
    Run(Box<NewRun>),
    Promotion(Box<Promotion>),
    Imported(String),
    /// A schedule's attempt, rebuilt from its entry (which holds the whole row).
    Attempt(Box<crate::schedule::Attempt>),
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

/// Copies `source` into `target`.
pub fn copy(source: &Store, target: &mut Store) -> Result<CopyReport, StoreError> {
    copy_in_pages(source, target, PAGE)
}

/// [`copy`], `page` entries at a time.
fn copy_in_pages(
    source: &Store,
    target: &mut Store,
    page: usize,
) -> Result<CopyReport, StoreError> {
    let mut report = CopyReport::default();
    // The target must hold a beginning of the source's chain, entry for entry: compared a
    // page at a time, as is the rest copied, so memory stays flat however long the chain.
    let mut seq = 0;
    loop {
        let ours = target.audit_entries_after(seq, page)?;
        let Some(last) = ours.last() else {
            break;
        };
        let next = last.seq;
        let theirs = source.audit_entries_after(seq, ours.len())?;
        if let Some((entry, _)) = ours
            .iter()
            .zip(theirs.iter().map(Some).chain(std::iter::repeat(None)))
            .find(|(a, b)| b.is_none_or(|b| a.seq != b.seq || a.hash != b.hash))
        {
            return Err(StoreError::CopyDiverged { seq: entry.seq });
        }
        report.already += ours.len();
        seq = next;
    }
    let mut promotions: Option<HashMap<String, Promotion>> = None;
    let mut environments = HashMap::new();
    loop {
        let entries = source.audit_entries_after(seq, page)?;
        let Some(last) = entries.last() else {
            break;
        };
        seq = last.seq;
        // The page's runs are read together: from a server, one query instead of several
        // per run.
        let wanted: Vec<RunId> = entries.iter().flat_map(runs_named).collect();
        let mut runs = source_runs(source, &wanted, &mut environments)?;
        let mut batch = Vec::new();
        for entry in entries {
            replicate(
                source,
                entry,
                &mut runs,
                &mut promotions,
                &mut batch,
                &mut report,
            )?;
        }
        apply(target, &batch)?;
    }
    Ok(report)
}

/// The runs whose rows `entry` vouches for.
fn runs_named(entry: &AuditEntry) -> Vec<RunId> {
    match entry.action.as_str() {
        "run" => entry.subject.parse().into_iter().collect(),
        "genesis" => {
            let payload: Value = serde_json::from_str(&entry.payload).unwrap_or(Value::Null);
            let runs = payload["runs"].as_object().into_iter().flatten();
            runs.filter_map(|(id, _)| id.parse().ok()).collect()
        }
        _ => Vec::new(),
    }
}

/// Entries read (and copied, in one transaction) at a time.
const PAGE: usize = 2_000;

/// Adds what `entry` needs written (its rows, then itself) to `batch`.
/// `runs` holds the runs the page's entries name, as the source holds them.
fn replicate(
    source: &Store,
    entry: AuditEntry,
    runs: &mut HashMap<RunId, NewRun>,
    promotions: &mut Option<HashMap<String, Promotion>>,
    batch: &mut Vec<Replica>,
    report: &mut CopyReport,
) -> Result<(), StoreError> {
    let payload = || -> Value { serde_json::from_str(&entry.payload).unwrap_or(Value::Null) };
    let mut run = |id: &str| -> Option<NewRun> { runs.remove(&id.parse::<RunId>().ok()?) };
    let mut promotion = |tag: &str| -> Result<Option<Promotion>, StoreError> {
        let known = match promotions {
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
            if let Some(run) = run(&entry.subject) {
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
            for commit in json_strings(&payload()["commits"]).map(str::to_owned) {
                batch.push(Replica::Imported(commit));
                report.imported_commits += 1;
            }
        }
        "genesis" => {
            // The rows a store from before the audit log held, vouched for by digest.
            let payload = payload();
            for (id, _) in payload["runs"].as_object().into_iter().flatten() {
                if let Some(run) = run(id) {
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
            for commit in json_strings(&payload["imported"]).map(str::to_owned) {
                batch.push(Replica::Imported(commit));
                report.imported_commits += 1;
            }
        }
        "schedule-attempt" => {
            if let Some(attempt) = crate::schedule::Attempt::from_audit_payload(&payload()) {
                batch.push(Replica::Attempt(Box::new(attempt)));
            }
        }
        // Registry tags live in git; merged lineage's runs have entries of their own.
        _ => {}
    }
    batch.push(Replica::Entry(entry));
    report.entries += 1;
    Ok(())
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

/// The runs `ids` name, as the source holds them, ready to be written again; a run the
/// source no longer has is absent (its verification reports that).
fn source_runs(
    source: &Store,
    ids: &[RunId],
    environments: &mut HashMap<String, Environment>,
) -> Result<HashMap<RunId, NewRun>, StoreError> {
    match source {
        Store::Postgres(store) => store.replica_runs(ids, environments),
        // A local file answers a query in microseconds: row by row is fast enough, in one
        // read transaction (not a lock taken and dropped per query).
        Store::Sqlite(store) => store.in_one_read(|| {
            let mut runs = HashMap::with_capacity(ids.len());
            for id in ids {
                if let Some(run) = source_run(store, *id)? {
                    runs.insert(run.id, run);
                }
            }
            Ok(runs)
        }),
    }
}

/// The run `id` names, as the source holds it; `None` if the source does not have it.
fn source_run(source: &impl LineageStore, id: RunId) -> Result<Option<NewRun>, StoreError> {
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
    let used = versions(run.key, true)?;
    let generated = versions(run.key, false)?;
    Ok(Some(replica_of(run, environment, used, generated)))
}

/// `run`, read from a store, as a run to record again with its environment and versions.
pub(crate) fn replica_of(
    run: Run,
    environment: Option<Environment>,
    used: Vec<NewVersion>,
    generated: Vec<NewVersion>,
) -> NewRun {
    NewRun {
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
        used,
        generated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunStatus;
    use crate::{SqliteStore, Timestamp};

    fn store_of(runs: i64) -> Store {
        let mut store = Store::Sqlite(SqliteStore::in_memory().expect("store"));
        for i in 0..runs {
            let mut run = NewRun::new(
                format!("stage-{i}"),
                "true".to_owned(),
                RunStatus::Succeeded,
                Timestamp::from_millis(1_000 + i),
            );
            run.generated = vec![NewVersion {
                path: format!("out-{}", i % 3),
                hash: format!("{i:032x}").parse().expect("hash"),
                size: Some(1),
                nfiles: None,
            }];
            store.record_run(&run).expect("record");
        }
        store
    }

    #[test]
    fn pages_cover_the_whole_chain_and_resume_where_the_target_stops() {
        let source = store_of(7);
        let mut target = Store::Sqlite(SqliteStore::in_memory().expect("store"));
        let first = copy_in_pages(&source, &mut target, 2).expect("copy");
        assert_eq!((first.entries, first.runs, first.already), (7, 7, 0));
        let entries = |store: &Store| -> Vec<(i64, String)> {
            let all = store.audit_entries(None, None).expect("entries");
            all.into_iter().map(|e| (e.seq, e.hash)).collect()
        };
        assert_eq!(entries(&target), entries(&source));
        assert_eq!(target.audit_verify().expect("verify").findings, Vec::new());
        let again = copy_in_pages(&source, &mut target, 3).expect("again");
        assert_eq!((again.entries, again.already), (0, 7));
        // A target longer than the source diverged at the source's end.
        let short = store_of(0);
        assert!(matches!(
            copy_in_pages(&short, &mut target, 2),
            Err(StoreError::CopyDiverged { seq: 1 })
        ));
    }
}
