//! The lineage store on PostgreSQL: one store that many repositories, machines and people
//! record into at once. Same model, same audit chain (entries hash the same canonical
//! documents as on SQLite), PostgreSQL's types.

mod read;
mod schema;

use std::cell::RefCell;

use postgres::{Client, GenericClient, NoTls};
use serde_json::{Value, json};

use crate::audit::{Actor, AuditEntry, CHAIN_START, canonical, entry_hash, sha256_hex};
use crate::error::StoreError;
use crate::ids::RunId;
use crate::model::{NewRun, NewVersion, RunKey};
use crate::timestamp::Timestamp;

/// The advisory lock key that serializes schema migrations (any number, fixed forever).
const MIGRATION_LOCK: i64 = 0x6b69_6e5f_6d69_6772;
/// The advisory lock key that serializes appends to the audit chain.
const AUDIT_LOCK: i64 = 0x6b69_6e5f_6175_6469;

/// How long connecting may take unless the URL says (`?connect_timeout=SECONDS`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How many times a write is tried when the connection drops or the server aborts it to
/// break a deadlock, and how long to wait before the first retry (doubling after).
const WRITE_ATTEMPTS: u32 = 5;
const FIRST_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(50);

/// A lineage store in a PostgreSQL database.
pub struct PostgresStore {
    client: RefCell<Client>,
    /// How to connect again after the connection dropped.
    config: postgres::Config,
    /// The URL without its password, for messages.
    url: String,
}

/// `url` with its password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    match authority[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`) and brings
    /// its schema up to date.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let redacted = redact(url);
        let failed = |source| StoreError::Connect {
            url: redacted.clone(),
            source,
        };
        let mut config: postgres::Config = url.parse().map_err(failed)?;
        // A server that does not answer (a firewall dropping packets) fails in seconds, not
        // after the operating system's minutes; a URL can still ask for more.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let client = config.connect(NoTls).map_err(failed)?;
        let store = PostgresStore {
            client: RefCell::new(client),
            config,
            url: redacted,
        };
        store.migrate()?;
        Ok(store)
    }

    /// The URL this store was opened with, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema version this kin writes.
    pub fn known_schema_version() -> i64 {
        i64::try_from(schema::MIGRATIONS.len()).unwrap_or(i64::MAX)
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let mut client = self.client.borrow_mut();
        schema_version(&mut *client)
    }

    /// Runs `write` in a transaction and commits it, trying again (on a new connection if the
    /// old one dropped) when the connection fails or the server aborts the transaction to
    /// break a deadlock or a serialization conflict: each try is all or nothing, so a retry
    /// never records anything twice. `done` says whether an earlier try committed after all
    /// (its acknowledgement lost with the connection). Any other error fails at once.
    pub(crate) fn write<T>(
        &self,
        mut write: impl FnMut(&mut postgres::Transaction<'_>) -> Result<T, StoreError>,
        mut done: impl FnMut(&mut Client) -> Result<Option<T>, StoreError>,
    ) -> Result<T, StoreError> {
        let mut delay = FIRST_RETRY_DELAY;
        let mut attempt = 1;
        loop {
            let result = {
                let mut client = self.client.borrow_mut();
                if attempt > 1
                    && let Some(value) = done(&mut client)?
                {
                    return Ok(value);
                }
                client
                    .transaction()
                    .map_err(StoreError::from)
                    .and_then(|mut tx| {
                        let value = write(&mut tx)?;
                        tx.commit()?;
                        Ok(value)
                    })
            };
            let retry = match &result {
                Err(StoreError::Postgres(error)) if attempt < WRITE_ATTEMPTS => retryable(error),
                _ => Retry::No,
            };
            match retry {
                Retry::No => return result,
                Retry::Again => {}
                Retry::Reconnect => {
                    // A server restarting takes a moment to accept connections again.
                    std::thread::sleep(delay);
                    let client =
                        self.config
                            .connect(NoTls)
                            .map_err(|source| StoreError::Connect {
                                url: self.url.clone(),
                                source,
                            })?;
                    *self.client.borrow_mut() = client;
                }
            }
            std::thread::sleep(delay);
            delay *= 2;
            attempt += 1;
        }
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let known = Self::known_schema_version();
        let mut client = self.client.borrow_mut();
        let found = schema_version(&mut *client)?;
        if found > known {
            return Err(StoreError::TooNew {
                store: self.url.clone(),
                found,
                known,
            });
        }
        if found == known {
            return Ok(());
        }
        // Many processes may open a fresh database at once: one migrates, the others wait and
        // then find nothing to do.
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS kin_schema (version BIGINT NOT NULL)")?;
        let found = schema_version(&mut tx)?;
        for (index, migration) in schema::MIGRATIONS.iter().enumerate() {
            let version = i64::try_from(index).unwrap_or(i64::MAX);
            if version >= found {
                tx.batch_execute(migration)?;
            }
        }
        tx.execute("DELETE FROM kin_schema", &[])?;
        tx.execute("INSERT INTO kin_schema (version) VALUES ($1)", &[&known])?;
        tx.commit()?;
        Ok(())
    }

    /// How much the store holds.
    pub fn counts(&self) -> Result<crate::StoreCounts, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut counts = [0; 5];
        for (count, table) in counts.iter_mut().zip(crate::store::COUNTED_TABLES) {
            *count = client
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
                .get(0);
        }
        Ok(crate::StoreCounts::from_counts(counts))
    }

    /// Records many runs in one transaction.
    pub fn record_runs(&mut self, runs: &[NewRun]) -> Result<Vec<RunKey>, StoreError> {
        self.write(
            |tx| runs.iter().map(|run| insert_run(tx, run)).collect(),
            |client| all_recorded(client, runs),
        )
    }

    /// See [`SqliteStore::record_merged_runs`](crate::SqliteStore::record_merged_runs).
    pub fn record_merged_runs(
        &mut self,
        runs: &[NewRun],
        actor: &Actor,
        source: &str,
        records: &[String],
    ) -> Result<Vec<RunKey>, StoreError> {
        let payload = canonical(&crate::audit::lineage_merge(runs, source, records));
        self.write(
            |tx| {
                let keys = runs
                    .iter()
                    .map(|run| insert_run(tx, run))
                    .collect::<Result<Vec<_>, _>>()?;
                append(tx, actor, "lineage-merge", source, &payload)?;
                Ok(keys)
            },
            |client| all_recorded(client, runs),
        )
    }

    /// Appends an entry for a write that lives outside the store (a registry tag).
    pub fn audit_note(
        &mut self,
        actor: &Actor,
        action: &str,
        subject: &str,
        payload: &Value,
    ) -> Result<(), StoreError> {
        let payload = canonical(payload);
        self.write(
            |tx| append(tx, actor, action, subject, &payload),
            |_| Ok(None),
        )
    }

    /// The audit entries, oldest first, of `action` (all if `None`) since `since`.
    pub fn audit_entries(
        &self,
        action: Option<&str>,
        since: Option<Timestamp>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut client = self.client.borrow_mut();
        let rows = client.query(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_entry
                 WHERE ($1::TEXT IS NULL OR action = $1) AND ($2::BIGINT IS NULL OR at >= $2)
                 ORDER BY seq"
            ),
            &[&action, &since.map(Timestamp::millis)],
        )?;
        Ok(rows.iter().map(entry_from_row).collect())
    }

    /// The audit entry numbered `seq`, if the chain has it.
    pub fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>, StoreError> {
        let mut client = self.client.borrow_mut();
        let row = client.query_opt(
            &format!("SELECT {ENTRY_COLUMNS} FROM audit_entry WHERE seq = $1"),
            &[&seq],
        )?;
        Ok(row.as_ref().map(entry_from_row))
    }
}

/// What to do about a failed write.
enum Retry {
    No,
    /// The server aborted the transaction (deadlock, serialization conflict): run it again.
    Again,
    /// The connection is gone: connect again, then run it again.
    Reconnect,
}

fn retryable(error: &postgres::Error) -> Retry {
    use postgres::error::SqlState;
    if error.is_closed() {
        return Retry::Reconnect;
    }
    match error.code() {
        Some(code)
            if *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::T_R_SERIALIZATION_FAILURE =>
        {
            Retry::Again
        }
        Some(code)
            if *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW =>
        {
            Retry::Reconnect
        }
        // An error with no SQL state is the connection's own (reset, broken pipe).
        None => Retry::Reconnect,
        Some(_) => Retry::No,
    }
}

/// The keys of `runs` if every one is recorded (an earlier try committed them all).
fn all_recorded(client: &mut Client, runs: &[NewRun]) -> Result<Option<Vec<RunKey>>, StoreError> {
    let mut keys = Vec::with_capacity(runs.len());
    for run in runs {
        match run_recorded(client, &run.id)? {
            Some(key) => keys.push(RunKey(key)),
            None => return Ok(None),
        }
    }
    Ok(Some(keys))
}

/// Whether run `id` is recorded (a retry's check that an earlier try did not commit).
fn run_recorded(client: &mut Client, id: &RunId) -> Result<Option<i64>, StoreError> {
    Ok(client
        .query_opt("SELECT id FROM run WHERE uuid = $1", &[&&id.0[..]])?
        .map(|row| row.get(0)))
}

fn schema_version(client: &mut impl GenericClient) -> Result<i64, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('kin_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client.query_opt("SELECT max(version) FROM kin_schema", &[])?;
    Ok(row
        .and_then(|row| row.get::<_, Option<i64>>(0))
        .unwrap_or(0))
}

/// An entry's columns, in [`entry_from_row`]'s order.
const ENTRY_COLUMNS: &str = "seq, at, \"user\", host, action, subject, payload, prev, hash";

fn entry_from_row(row: &postgres::Row) -> AuditEntry {
    AuditEntry {
        seq: row.get(0),
        at: Timestamp::from_millis(row.get(1)),
        actor: Actor {
            user: row.get(2),
            host: row.get(3),
        },
        action: row.get(4),
        subject: row.get(5),
        payload: row.get(6),
        prev: row.get(7),
        hash: row.get(8),
    }
}

/// The id of a version, inserted if new; an existing version's row is never changed (only
/// when it was first seen moves earlier), as on SQLite.
fn insert_version(
    tx: &mut impl GenericClient,
    version: &NewVersion,
    seen: Timestamp,
) -> Result<i64, StoreError> {
    let artifact: i64 = tx
        .query_one(
            "INSERT INTO artifact (path) VALUES ($1)
             ON CONFLICT (path) DO UPDATE SET path = excluded.path RETURNING id",
            &[&version.path],
        )?
        .get(0);
    let size = version.size.and_then(|s| i64::try_from(s).ok());
    let nfiles = version.nfiles.and_then(|s| i64::try_from(s).ok());
    let id: i64 = tx
        .query_one(
            "INSERT INTO artifact_version (artifact_id, hash, size, nfiles, first_seen)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (artifact_id, hash) DO UPDATE SET
                 first_seen = least(artifact_version.first_seen, excluded.first_seen)
             RETURNING id",
            &[
                &artifact,
                &version.hash.as_str(),
                &size,
                &nfiles,
                &seen.millis(),
            ],
        )?
        .get(0);
    Ok(id)
}

/// Inserts a run, its tags and edges, and its audit entry (inside the caller's transaction).
fn insert_run(tx: &mut impl GenericClient, run: &NewRun) -> Result<RunKey, StoreError> {
    let environment: Option<i64> = match &run.environment {
        Some(env) => {
            tx.execute(
                "INSERT INTO environment (hash, body) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
                &[&env.hash, &env.body.to_string()],
            )?;
            tx.query_opt("SELECT id FROM environment WHERE hash = $1", &[&env.hash])?
                .map(|row| row.get(0))
        }
        None => None,
    };
    let key: i64 = tx
        .query_one(
            "INSERT INTO run (uuid, stage, cmd, status, exit_code, started_at, ended_at, \"user\",
                              host, git_commit, git_dirty, params, metrics, environment_id,
                              log_object, fingerprint, project)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             RETURNING id",
            &[
                &&run.id.0[..],
                &run.stage,
                &run.cmd,
                &run.status.as_str(),
                &run.exit_code.map(i64::from),
                &run.started.millis(),
                &run.ended.map(Timestamp::millis),
                &run.user,
                &run.host,
                &run.git_commit,
                &run.git_dirty,
                &crate::model::json_column(&run.params),
                &crate::model::json_column(&run.metrics),
                &environment,
                &run.log_object,
                &run.fingerprint,
                &run.project,
            ],
        )?
        .get(0);
    for (name, value) in &run.tags {
        tx.execute(
            "INSERT INTO run_tag (run_id, key, value) VALUES ($1, $2, $3)",
            &[&key, name, value],
        )?;
    }
    // Versions are written in one global order (path, then hash), so that concurrent runs
    // sharing artifacts wait for each other instead of deadlocking.
    let mut edges: Vec<(&str, &NewVersion)> = run
        .used
        .iter()
        .map(|version| ("used", version))
        .chain(run.generated.iter().map(|version| ("generated", version)))
        .collect();
    edges.sort_by(|a, b| (&a.1.path, a.1.hash.as_str()).cmp(&(&b.1.path, b.1.hash.as_str())));
    for (table, version) in edges {
        let id = insert_version(tx, version, run.started)?;
        tx.execute(
            &format!(
                "INSERT INTO {table} (run_id, version_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            ),
            &[&key, &id],
        )?;
    }
    // The audit entry holds the rows as they now read, in the same transaction.
    let actor = Actor {
        user: run.user.clone(),
        host: run.host.clone(),
    };
    if let Some((id, document)) = run_document(tx, key)? {
        append(tx, &actor, "run", &id, &document)?;
    }
    Ok(RunKey(key))
}

/// The canonical document of run `key` as its rows read now: the same bytes the SQLite store
/// records for the same run (`sqlite::audit::run_document`).
pub(crate) fn run_document(
    tx: &mut impl GenericClient,
    key: i64,
) -> Result<Option<(String, String)>, StoreError> {
    let Some(row) = tx.query_opt(
        "SELECT r.uuid, r.stage, r.cmd, r.status, r.exit_code, r.started_at, r.ended_at,
                r.\"user\", r.host, r.git_commit, r.git_dirty, r.params, r.metrics,
                (SELECT hash FROM environment e WHERE e.id = r.environment_id), r.log_object,
                r.fingerprint, r.project
         FROM run r WHERE r.id = $1",
        &[&key],
    )?
    else {
        return Ok(None);
    };
    let uuid: Vec<u8> = row.get(0);
    let id = <[u8; 16]>::try_from(uuid.as_slice())
        .map(|bytes| RunId(bytes).to_string())
        .unwrap_or_else(|_| format!("(malformed id {uuid:?})"));
    let mut edges = |table: &str| -> Result<Value, StoreError> {
        let rows = tx.query(
            &format!(
                "SELECT a.path, v.hash, v.size, v.nfiles FROM {table} x
                 JOIN artifact_version v ON v.id = x.version_id
                 JOIN artifact a ON a.id = v.artifact_id WHERE x.run_id = $1"
            ),
            &[&key],
        )?;
        let mut items: Vec<(String, Value)> = rows
            .iter()
            .map(|row| {
                let item = json!({
                    "path": row.get::<_, String>(0),
                    "hash": row.get::<_, String>(1),
                    "size": row.get::<_, Option<i64>>(2),
                    "nfiles": row.get::<_, Option<i64>>(3),
                });
                (canonical(&item), item)
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Value::Array(
            items.into_iter().map(|(_, item)| item).collect(),
        ))
    };
    let used = edges("used")?;
    let generated = edges("generated")?;
    let tags: serde_json::Map<String, Value> = tx
        .query("SELECT key, value FROM run_tag WHERE run_id = $1", &[&key])?
        .iter()
        .map(|row| {
            (
                row.get::<_, String>(0),
                Value::from(row.get::<_, String>(1)),
            )
        })
        .collect();
    let mut document = json!({
        "generated": generated,
        "used": used,
        "run": {
            "id": id,
            "stage": row.get::<_, String>(1),
            "cmd": row.get::<_, String>(2),
            "status": row.get::<_, String>(3),
            "exit_code": row.get::<_, Option<i64>>(4),
            "started_at": row.get::<_, i64>(5),
            "ended_at": row.get::<_, Option<i64>>(6),
            "user": row.get::<_, Option<String>>(7),
            "host": row.get::<_, Option<String>>(8),
            "git_commit": row.get::<_, Option<String>>(9),
            "git_dirty": row.get::<_, Option<bool>>(10),
            "params": row.get::<_, Option<String>>(11),
            "metrics": row.get::<_, Option<String>>(12),
            "environment": row.get::<_, Option<String>>(13),
            "log_object": row.get::<_, Option<String>>(14),
            "fingerprint": row.get::<_, Option<String>>(15),
            "tags": tags,
        },
    });
    // Only runs with a project say so: documents of runs from before projects stay as
    // their entries recorded them.
    if let Some(project) = row.get::<_, Option<String>>(16) {
        document["run"]["project"] = Value::from(project);
    }
    Ok(Some((id, canonical(&document))))
}

/// Appends an entry to the chain inside the caller's transaction; concurrent writers take
/// turns (an advisory lock held until their commit), so the chain stays one line.
fn append(
    tx: &mut impl GenericClient,
    actor: &Actor,
    action: &str,
    subject: &str,
    payload: &str,
) -> Result<(), StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])?;
    let last = tx.query_opt(
        "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1",
        &[],
    )?;
    let (seq, prev) = match last {
        Some(row) => (row.get::<_, i64>(0) + 1, row.get::<_, String>(1)),
        None => (1, CHAIN_START.to_owned()),
    };
    let at = Timestamp::now();
    let hash = entry_hash(seq, at, actor, action, subject, &sha256_hex(payload), &prev);
    tx.execute(
        "INSERT INTO audit_entry (seq, at, \"user\", host, action, subject, payload, prev, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &seq,
            &at.millis(),
            &actor.user,
            &actor.host,
            &action,
            &subject,
            &payload,
            &prev,
            &hash,
        ],
    )?;
    Ok(())
}
