//! `kin store copy` out of and into PostgreSQL in bulk: a page of runs is read in two
//! queries and written in a dozen statements of arrays (`unnest`), where row by row each
//! version, edge and entry cost a round trip to the server.

use std::collections::{BTreeMap, HashMap};

use postgres::GenericClient;

use super::PostgresStore;
use super::read::{RUN_COLUMNS, corrupt, run_from_row};
use super::session::Session;
use super::write::{EDGES, insert_promotion_row};
use crate::audit::AuditEntry;
use crate::copy::{Replica, replica_of};
use crate::error::StoreError;
use crate::ids::{ArtifactHash, RunId};
use crate::model::{Environment, NewRun, NewVersion, json_column};
use crate::timestamp::Timestamp;

impl PostgresStore {
    /// The runs `ids` name, as their rows read now, ready to be written into another store;
    /// a run this store does not hold is absent. `environments` keeps bodies from one call
    /// to the next: a store has few environments and nearly every run names one.
    pub(crate) fn replica_runs(
        &self,
        ids: &[RunId],
        environments: &mut HashMap<String, Environment>,
    ) -> Result<HashMap<RunId, NewRun>, StoreError> {
        let uuids: Vec<&[u8]> = ids.iter().map(|id| &id.0[..]).collect();
        let rows = self.read(
            &format!(
                "SELECT {RUN_COLUMNS}, {}, {} FROM run r WHERE r.uuid = ANY($1)",
                EDGES.replace("{table}", "used"),
                EDGES.replace("{table}", "generated"),
            ),
            &[&uuids],
        )?;
        let mut runs = Vec::with_capacity(rows.len());
        for row in &rows {
            let run = run_from_row(row)?;
            let used = versions(row.try_get(19)?)?;
            let generated = versions(row.try_get(20)?)?;
            runs.push((run, used, generated));
        }
        let mut unknown: Vec<&str> = runs
            .iter()
            .filter_map(|(run, _, _)| run.environment.as_deref())
            .filter(|hash| !environments.contains_key(*hash))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        if !unknown.is_empty() {
            let rows = self.read(
                "SELECT hash, body FROM environment WHERE hash = ANY($1)",
                &[&unknown],
            )?;
            for row in &rows {
                let hash: String = row.try_get(0)?;
                let text: String = row.try_get(1)?;
                let body = serde_json::from_str(&text).map_err(|_| corrupt("environment", text))?;
                environments.insert(hash.clone(), Environment { hash, body });
            }
        }
        Ok(runs
            .into_iter()
            .map(|(run, used, generated)| {
                let environment = run
                    .environment
                    .as_ref()
                    .and_then(|hash| environments.get(hash))
                    .cloned();
                (run.id, replica_of(run, environment, used, generated))
            })
            .collect())
    }

    /// Writes a page of what [`crate::copy`] replicates in one transaction: rows as they
    /// were and audit entries verbatim. A try whose commit was acknowledged to nobody (the
    /// connection dropped) is found by its last entry, and not written twice.
    pub(crate) fn apply_replicas(&mut self, replicas: &[Replica]) -> Result<(), StoreError> {
        let last = replicas.iter().rev().find_map(|replica| match replica {
            Replica::Entry(entry) => Some((entry.seq, entry.hash.as_str())),
            Replica::Run(_)
            | Replica::Promotion(_)
            | Replica::Imported(_)
            | Replica::Attempt(_) => None,
        });
        self.write(
            |db| write_replicas(db, replicas),
            |client| {
                let Some((seq, hash)) = last else {
                    return Ok(None);
                };
                let row =
                    client.query_opt("SELECT hash FROM audit_entry WHERE seq = $1", &[&seq])?;
                Ok(row
                    .is_some_and(|row| row.get::<_, &str>(0) == hash)
                    .then_some(()))
            },
        )
    }
}

/// A side's edges from [`EDGES`]' `[[path, hash, size, nfiles], …]`.
fn versions(text: &str) -> Result<Vec<NewVersion>, StoreError> {
    type Edge = (String, String, Option<i64>, Option<i64>);
    let edges: Vec<Edge> =
        serde_json::from_str(text).map_err(|_| corrupt("run edges", text.to_owned()))?;
    let count = |value: Option<i64>| value.and_then(|v| u64::try_from(v).ok());
    edges
        .into_iter()
        .map(|(path, hash, size, nfiles)| {
            let hash = hash
                .parse::<ArtifactHash>()
                .map_err(|_| corrupt("content hash", hash))?;
            Ok(NewVersion {
                path,
                hash,
                size: count(size),
                nfiles: count(nfiles),
            })
        })
        .collect()
}

fn write_replicas<C: GenericClient>(
    db: &mut Session<'_, C>,
    replicas: &[Replica],
) -> Result<(), StoreError> {
    let mut runs = Vec::new();
    let mut imported = Vec::new();
    let mut entries = Vec::new();
    for replica in replicas {
        match replica {
            Replica::Run(run) => runs.push(&**run),
            Replica::Promotion(promotion) => insert_promotion_row(db, promotion)?,
            Replica::Imported(commit) => imported.push(commit.as_str()),
            Replica::Attempt(attempt) => super::schedule::replicate_attempt(db, attempt)?,
            Replica::Entry(entry) => entries.push(entry),
        }
    }
    if !runs.is_empty() {
        insert_runs(db, &runs)?;
    }
    if !imported.is_empty() {
        db.execute(
            "INSERT INTO imported_commit (sha) SELECT * FROM unnest($1::TEXT[])
             ON CONFLICT DO NOTHING",
            &[&imported],
        )?;
    }
    if !entries.is_empty() {
        insert_entries(db, &entries)?;
    }
    Ok(())
}

/// Runs with their environments, tags, versions (and artifacts) and edges, a statement per
/// table.
fn insert_runs<C: GenericClient>(
    db: &mut Session<'_, C>,
    runs: &[&NewRun],
) -> Result<(), StoreError> {
    let environments = environment_ids(db, runs)?;
    let mut columns = RunColumns::default();
    for run in runs {
        columns.push(run, &environments);
    }
    let rows = db.query(
        "INSERT INTO run (uuid, stage, cmd, status, exit_code, started_at, ended_at, \"user\",
                          host, git_commit, git_dirty, params, metrics, environment_id,
                          log_object, fingerprint, project)
         SELECT * FROM unnest($1::BYTEA[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::INT8[],
                              $6::INT8[], $7::INT8[], $8::TEXT[], $9::TEXT[], $10::TEXT[],
                              $11::BOOL[], $12::TEXT[], $13::TEXT[], $14::INT8[], $15::TEXT[],
                              $16::TEXT[], $17::TEXT[])
         RETURNING uuid, id",
        &[
            &columns.uuid,
            &columns.stage,
            &columns.cmd,
            &columns.status,
            &columns.exit_code,
            &columns.started,
            &columns.ended,
            &columns.user,
            &columns.host,
            &columns.git_commit,
            &columns.git_dirty,
            &columns.params,
            &columns.metrics,
            &columns.environment,
            &columns.log_object,
            &columns.fingerprint,
            &columns.project,
        ],
    )?;
    let mut keys: HashMap<Vec<u8>, i64> = HashMap::with_capacity(rows.len());
    for row in &rows {
        keys.insert(row.try_get(0)?, row.try_get(1)?);
    }
    let keys: Vec<i64> = runs
        .iter()
        .map(|run| written("run", &keys, &run.id.0[..], || run.id.to_string()))
        .collect::<Result<_, _>>()?;

    let (mut tag_runs, mut tag_keys, mut tag_values) = (Vec::new(), Vec::new(), Vec::new());
    for (run, key) in runs.iter().zip(&keys) {
        for (name, value) in &run.tags {
            tag_runs.push(*key);
            tag_keys.push(name.as_str());
            tag_values.push(value.as_str());
        }
    }
    if !tag_runs.is_empty() {
        db.execute(
            "INSERT INTO run_tag (run_id, key, value)
             SELECT * FROM unnest($1::INT8[], $2::TEXT[], $3::TEXT[])",
            &[&tag_runs, &tag_keys, &tag_values],
        )?;
    }

    let versions = version_ids(db, runs)?;
    for (table, side) in [("used", Side::Used), ("generated", Side::Generated)] {
        let (mut edge_runs, mut edge_versions) = (Vec::new(), Vec::new());
        for (run, key) in runs.iter().zip(&keys) {
            for version in side.of(run) {
                let name = (version.path.as_str(), version.hash.as_str());
                edge_runs.push(*key);
                edge_versions.push(written("version", &versions, &name, || {
                    format!("{}@{}", name.0, name.1)
                })?);
            }
        }
        db.execute(
            &format!(
                "INSERT INTO {table} (run_id, version_id)
                 SELECT * FROM unnest($1::INT8[], $2::INT8[]) ON CONFLICT DO NOTHING"
            ),
            &[&edge_runs, &edge_versions],
        )?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Side {
    Used,
    Generated,
}

impl Side {
    fn of(self, run: &NewRun) -> &[NewVersion] {
        match self {
            Side::Used => &run.used,
            Side::Generated => &run.generated,
        }
    }
}

/// The ids of the runs' environments by hash, each inserted if new.
fn environment_ids<C: GenericClient>(
    db: &mut Session<'_, C>,
    runs: &[&NewRun],
) -> Result<HashMap<String, i64>, StoreError> {
    let bodies: BTreeMap<&str, String> = runs
        .iter()
        .filter_map(|run| run.environment.as_ref())
        .map(|env| (env.hash.as_str(), env.body.to_string()))
        .collect();
    if bodies.is_empty() {
        return Ok(HashMap::new());
    }
    let hashes: Vec<&str> = bodies.keys().copied().collect();
    let texts: Vec<&str> = bodies.values().map(String::as_str).collect();
    db.execute(
        "INSERT INTO environment (hash, body) SELECT * FROM unnest($1::TEXT[], $2::TEXT[])
         ON CONFLICT (hash) DO NOTHING",
        &[&hashes, &texts],
    )?;
    db.query(
        "SELECT hash, id FROM environment WHERE hash = ANY($1)",
        &[&hashes],
    )?
    .iter()
    .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
    .collect()
}

/// The ids of every version the runs name by `(path, hash)`, inserted (with their
/// artifacts) if new. A version's `first_seen` is the earliest start of a run naming it;
/// its size and file count, once written, never change (as when recording).
fn version_ids<'r, C: GenericClient>(
    db: &mut Session<'_, C>,
    runs: &[&'r NewRun],
) -> Result<HashMap<(&'r str, &'r str), i64>, StoreError> {
    let mut seen: BTreeMap<(&str, &str), (&NewVersion, Timestamp)> = BTreeMap::new();
    for run in runs {
        for version in run.used.iter().chain(&run.generated) {
            seen.entry((version.path.as_str(), version.hash.as_str()))
                .and_modify(|(_, first)| *first = (*first).min(run.started))
                .or_insert((version, run.started));
        }
    }
    if seen.is_empty() {
        return Ok(HashMap::new());
    }
    let mut paths: Vec<&str> = seen.keys().map(|(path, _)| *path).collect();
    paths.dedup();
    db.execute(
        "INSERT INTO artifact (path) SELECT * FROM unnest($1::TEXT[]) ON CONFLICT (path) DO NOTHING",
        &[&paths],
    )?;
    let mut artifacts: HashMap<String, i64> = HashMap::with_capacity(paths.len());
    for row in db.query(
        "SELECT path, id FROM artifact WHERE path = ANY($1)",
        &[&paths],
    )? {
        artifacts.insert(row.try_get(0)?, row.try_get(1)?);
    }
    let count = |value: Option<u64>| value.and_then(|v| i64::try_from(v).ok());
    let (mut artifact, mut hash, mut size, mut nfiles, mut first) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((path, digest), (version, at)) in &seen {
        artifact.push(written("artifact", &artifacts, *path, || {
            (*path).to_owned()
        })?);
        hash.push(*digest);
        size.push(count(version.size));
        nfiles.push(count(version.nfiles));
        first.push(at.millis());
    }
    db.execute(
        "INSERT INTO artifact_version (artifact_id, hash, size, nfiles, first_seen)
         SELECT * FROM unnest($1::INT8[], $2::TEXT[], $3::INT8[], $4::INT8[], $5::INT8[])
         ON CONFLICT (artifact_id, hash) DO UPDATE SET first_seen = excluded.first_seen
         WHERE artifact_version.first_seen > excluded.first_seen",
        &[&artifact, &hash, &size, &nfiles, &first],
    )?;
    let ids: HashMap<(i64, String), i64> = db
        .query(
            "SELECT v.artifact_id, v.hash, v.id FROM artifact_version v
             JOIN unnest($1::INT8[], $2::TEXT[]) AS k (artifact_id, hash)
               ON v.artifact_id = k.artifact_id AND v.hash = k.hash",
            &[&artifact, &hash],
        )?
        .iter()
        .map(|row| Ok(((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?)))
        .collect::<Result<_, StoreError>>()?;
    seen.keys()
        .zip(&artifact)
        .map(|(&(path, digest), artifact)| {
            let id = written("version", &ids, &(*artifact, digest.to_owned()), || {
                format!("{path}@{digest}")
            })?;
            Ok(((path, digest), id))
        })
        .collect()
}

/// The id a statement just wrote (or found) for `key`. Missing means the server answered
/// something other than what it was asked: an error, never a row silently left out.
fn written<K, Q>(
    what: &'static str,
    ids: &HashMap<K, i64>,
    key: &Q,
    name: impl FnOnce() -> String,
) -> Result<i64, StoreError>
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    ids.get(key)
        .copied()
        .ok_or_else(|| StoreError::CopyIncomplete { what, name: name() })
}

fn insert_entries<C: GenericClient>(
    db: &mut Session<'_, C>,
    entries: &[&AuditEntry],
) -> Result<(), StoreError> {
    let seq: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let at: Vec<i64> = entries.iter().map(|e| e.at.millis()).collect();
    let user: Vec<Option<&str>> = entries.iter().map(|e| e.actor.user.as_deref()).collect();
    let host: Vec<Option<&str>> = entries.iter().map(|e| e.actor.host.as_deref()).collect();
    let action: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    let subject: Vec<&str> = entries.iter().map(|e| e.subject.as_str()).collect();
    let payload: Vec<&str> = entries.iter().map(|e| e.payload.as_str()).collect();
    let prev: Vec<&str> = entries.iter().map(|e| e.prev.as_str()).collect();
    let hash: Vec<&str> = entries.iter().map(|e| e.hash.as_str()).collect();
    db.execute(
        "INSERT INTO audit_entry (seq, at, \"user\", host, action, subject, payload, prev, hash)
         SELECT * FROM unnest($1::INT8[], $2::INT8[], $3::TEXT[], $4::TEXT[], $5::TEXT[],
                              $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[])",
        &[
            &seq, &at, &user, &host, &action, &subject, &payload, &prev, &hash,
        ],
    )?;
    Ok(())
}

/// The `run` table's columns of a page of runs, an array each.
#[derive(Default)]
struct RunColumns<'r> {
    uuid: Vec<&'r [u8]>,
    stage: Vec<&'r str>,
    cmd: Vec<&'r str>,
    status: Vec<&'static str>,
    exit_code: Vec<Option<i64>>,
    started: Vec<i64>,
    ended: Vec<Option<i64>>,
    user: Vec<Option<&'r str>>,
    host: Vec<Option<&'r str>>,
    git_commit: Vec<Option<&'r str>>,
    git_dirty: Vec<Option<bool>>,
    params: Vec<Option<String>>,
    metrics: Vec<Option<String>>,
    environment: Vec<Option<i64>>,
    log_object: Vec<Option<&'r str>>,
    fingerprint: Vec<Option<&'r str>>,
    project: Vec<Option<&'r str>>,
}

impl<'r> RunColumns<'r> {
    fn push(&mut self, run: &'r NewRun, environments: &HashMap<String, i64>) {
        self.uuid.push(&run.id.0[..]);
        self.stage.push(&run.stage);
        self.cmd.push(&run.cmd);
        self.status.push(run.status.as_str());
        self.exit_code.push(run.exit_code.map(i64::from));
        self.started.push(run.started.millis());
        self.ended.push(run.ended.map(Timestamp::millis));
        self.user.push(run.user.as_deref());
        self.host.push(run.host.as_deref());
        self.git_commit.push(run.git_commit.as_deref());
        self.git_dirty.push(run.git_dirty);
        self.params.push(json_column(&run.params));
        self.metrics.push(json_column(&run.metrics));
        self.environment.push(
            run.environment
                .as_ref()
                .and_then(|env| environments.get(&env.hash).copied()),
        );
        self.log_object.push(run.log_object.as_deref());
        self.fingerprint.push(run.fingerprint.as_deref());
        self.project.push(run.project.as_deref());
    }
}
