//! Lineage that travels with the data: `push` uploads the run records upstream of the
//! versions it pushes, as content-addressed JSON under `.kin/lineage/runs/` on the remote
//! (a prefix DVC never reads), and `fetch` imports the ones this store lacks.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;

use kin_remote::Remote;
use kin_store::{
    ArtifactHash, ArtifactVersion, Environment, LineageStore, NewRun, NewVersion, Run, RunId,
    RunKey, RunStatus, StoreError, Tags, Timestamp,
};
use serde_json::{Value, json};

use super::error::RemoteOpError;
use crate::Repo;
use crate::digest::sha256_hex;
use crate::lineage::open_store;
use crate::lineage::tags::{TagOrigin, tag};

/// Where run records live on a remote.
const PREFIX: &str = ".kin/lineage/runs";

/// The record format's name and version, so a later kin can tell old records apart.
const FORMAT: &str = "kin-run/1";

/// Uploads the records of every run upstream of `versions` (path and DVC hash) that the
/// remote lacks; returns how many were uploaded. Nothing to do without a lineage store.
pub(crate) fn export(
    repo: &Repo,
    remote: &dyn Remote,
    versions: &[(String, String)],
) -> Result<usize, RemoteOpError> {
    if !crate::lineage::store_exists(repo.root())? {
        return Ok(0);
    }
    let store = open_store(repo)?;
    let runs = upstream_runs(&store, versions)?;
    let existing: HashSet<String> = remote.list(PREFIX)?.into_iter().collect();
    let mut uploaded = 0;
    for key in runs {
        let record = record_of(&store, key)?;
        let text = record.to_string();
        let name = format!("{PREFIX}/{}.json", sha256_hex(&text));
        if existing.contains(&name) {
            continue;
        }
        remote.put_bytes(&name, text.as_bytes())?;
        uploaded += 1;
    }
    Ok(uploaded)
}

/// Imports the records on the remote that this store has not seen; returns how many runs
/// were added. Records already read are remembered per repository, so a second fetch only
/// downloads new ones.
pub(crate) fn import(
    repo: &Repo,
    remote_name: &str,
    remote: &dyn Remote,
) -> Result<usize, RemoteOpError> {
    let keys = remote.list(PREFIX)?;
    let seen_path = seen_file(repo);
    let mut seen: HashSet<String> = std::fs::read_to_string(&seen_path)
        .map(|t| t.lines().map(str::to_owned).collect())
        .unwrap_or_default();
    let fresh: Vec<&String> = keys.iter().filter(|k| !seen.contains(*k)).collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    let mut store = open_store(repo)?;
    let mut runs = Vec::new();
    let mut ids = HashSet::new();
    let mut records = Vec::new();
    for key in fresh {
        let mut bytes = Vec::new();
        remote.get(key, &mut bytes)?;
        let bad = |reason: String| RemoteOpError::BadRecord {
            key: key.clone(),
            reason,
        };
        let text = String::from_utf8(bytes).map_err(|e| bad(e.to_string()))?;
        if !key.ends_with(&format!("/{}.json", sha256_hex(&text))) {
            return Err(bad("its content does not match its name".to_owned()));
        }
        let record: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let run = new_run(&record).map_err(bad)?;
        match store.run(run.id) {
            Ok(_) => {}
            Err(StoreError::NoSuchRun { .. }) => {
                if ids.insert(run.id) {
                    records.push(key.clone());
                    runs.push(run);
                }
            }
            Err(e) => return Err(crate::lineage::LineageError::from(e).into()),
        }
        seen.insert(key.clone());
    }
    if !runs.is_empty() {
        // All or nothing, with an audit entry saying where these runs came from.
        store
            .record_merged_runs(&runs, &crate::lineage::actor(), remote_name, &records)
            .map_err(crate::lineage::LineageError::from)?;
    }
    let added = runs.len();
    let mut lines: Vec<&String> = seen.iter().collect();
    lines.sort();
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    kin_format::atomic_write::write_atomic(&seen_path, text.as_bytes()).map_err(|source| {
        RemoteOpError::ConfigIo {
            path: seen_path.clone(),
            source,
        }
    })?;
    Ok(added)
}

/// The list of remote record names this repository has imported.
fn seen_file(repo: &Repo) -> PathBuf {
    repo.root().join(".kin").join("lineage-fetched")
}

/// Every run that generated one of `versions`, and the runs upstream of those, each once.
fn upstream_runs(
    store: &dyn LineageStore,
    versions: &[(String, String)],
) -> Result<Vec<RunKey>, RemoteOpError> {
    let lift = |e: StoreError| RemoteOpError::from(crate::lineage::LineageError::from(e));
    let mut queue = VecDeque::new();
    for (path, hash) in versions {
        let Ok(hash) = hash.parse::<ArtifactHash>() else {
            continue;
        };
        if let Some(version) = store.version(path, &hash).map_err(lift)? {
            queue.push_back(version.id);
        }
    }
    let mut seen_versions = HashSet::new();
    let mut runs = Vec::new();
    let mut seen_runs = HashSet::new();
    while let Some(version) = queue.pop_front() {
        if !seen_versions.insert(version) {
            continue;
        }
        for run in store.generators(version).map_err(lift)? {
            if seen_runs.insert(run) {
                runs.push(run);
                queue.extend(store.inputs(run).map_err(lift)?);
            }
        }
    }
    Ok(runs)
}

fn version_json(version: &ArtifactVersion) -> Value {
    json!({
        "path": version.path,
        "hash": version.hash.as_str(),
        "size": version.size,
        "nfiles": version.nfiles,
    })
}

/// A run with its versions and environment as one self-contained JSON record.
fn record_of(store: &dyn LineageStore, key: RunKey) -> Result<Value, RemoteOpError> {
    let lift = |e: StoreError| RemoteOpError::from(crate::lineage::LineageError::from(e));
    let run: Run = store.run_by_key(key).map_err(lift)?;
    let versions = |ids: Vec<kin_store::VersionId>| -> Result<Vec<Value>, RemoteOpError> {
        ids.into_iter()
            .map(|id| {
                store
                    .version_by_id(id)
                    .map(|v| version_json(&v))
                    .map_err(lift)
            })
            .collect()
    };
    let used = versions(store.inputs(key).map_err(lift)?)?;
    let generated = versions(store.outputs(key).map_err(lift)?)?;
    let environment = match &run.environment {
        Some(hash) => store
            .environment(hash)
            .map_err(lift)?
            .map(|e| json!({"hash": e.hash, "body": e.body})),
        None => None,
    };
    let mut record = json!({
        "format": FORMAT,
        "id": run.id.to_string(),
        "stage": run.stage,
        "cmd": run.cmd,
        "status": run.status.as_str(),
        "exit_code": run.exit_code,
        "started_ms": run.started.millis(),
        "ended_ms": run.ended.map(Timestamp::millis),
        "user": run.user,
        "host": run.host,
        "git_commit": run.git_commit,
        "git_dirty": run.git_dirty,
        "params": run.params,
        "metrics": run.metrics,
        "environment": environment,
        "used": used,
        "generated": generated,
    });
    // Only when there are some: a run without tags keeps the record (and so the name) it had
    // before tags existed, and an older kin reading a record ignores what it does not know.
    if !run.tags.is_empty() {
        record["tags"] = json!(run.tags);
    }
    if let Some(project) = &run.project {
        record["project"] = json!(project);
    }
    Ok(record)
}

/// The run a record describes, ready to record under its original id.
fn new_run(record: &Value) -> Result<NewRun, String> {
    if record["format"] != FORMAT {
        return Err(format!("unknown record format {}", record["format"]));
    }
    let text = |key: &str| record[key].as_str().map(str::to_owned);
    let id: RunId = text("id")
        .ok_or("no id")?
        .parse()
        .map_err(|e: StoreError| e.to_string())?;
    let status: RunStatus = text("status").ok_or("no status")?.parse()?;
    let started = Timestamp::from_millis(record["started_ms"].as_i64().ok_or("no start time")?);
    let mut run = NewRun::new(
        text("stage").ok_or("no stage")?,
        text("cmd").unwrap_or_default(),
        status,
        started,
    );
    run.id = id;
    run.exit_code = record["exit_code"]
        .as_i64()
        .and_then(|c| i32::try_from(c).ok());
    run.ended = record["ended_ms"].as_i64().map(Timestamp::from_millis);
    run.user = text("user");
    run.host = text("host");
    run.git_commit = text("git_commit");
    run.git_dirty = record["git_dirty"].as_bool();
    run.params = record["params"].clone();
    run.metrics = record["metrics"].clone();
    run.environment = match &record["environment"] {
        Value::Object(env) => Some(Environment {
            hash: env
                .get("hash")
                .and_then(Value::as_str)
                .ok_or("environment without hash")?
                .to_owned(),
            body: env.get("body").cloned().unwrap_or(Value::Null),
        }),
        _ => None,
    };
    let versions = |key: &str| -> Result<Vec<NewVersion>, String> {
        record[key]
            .as_array()
            .ok_or(format!("no `{key}` list"))?
            .iter()
            .map(|v| {
                Ok(NewVersion {
                    path: v["path"]
                        .as_str()
                        .ok_or("a version without path")?
                        .to_owned(),
                    hash: v["hash"]
                        .as_str()
                        .ok_or("a version without hash")?
                        .parse()
                        .map_err(|e: StoreError| e.to_string())?,
                    size: v["size"].as_u64(),
                    nfiles: v["nfiles"].as_u64(),
                })
            })
            .collect()
    };
    run.used = versions("used")?;
    run.generated = versions("generated")?;
    run.tags = match &record["tags"] {
        Value::Null => Tags::new(),
        Value::Object(tags) => tags
            .iter()
            .map(|(key, value)| match value.as_str() {
                Some(text) => tag(key, text, &TagOrigin::Record).map_err(|e| e.to_string()),
                None => Err(format!("tag `{key}` is not a string")),
            })
            .collect::<Result<_, String>>()?,
        other => return Err(format!("`tags` is not an object: {other}")),
    };
    run.project = match &record["project"] {
        Value::Null => None,
        Value::String(project) => Some(project.clone()),
        other => return Err(format!("`project` is not a string: {other}")),
    };
    Ok(run)
}
