//! Writing runs and audit entries to PostgreSQL, each in the caller's transaction, in as few
//! round trips as the server allows: a version is inserted with its artifact and its edge in
//! one statement, and a run's document is read back in one.

use postgres::GenericClient;
use serde_json::{Value, json};

use super::session::Session;
use crate::audit::{Actor, CHAIN_START, canonical, entry_hash, sha256_hex};
use crate::error::StoreError;
use crate::ids::RunId;
use crate::model::{NewRun, NewVersion, RunKey};
use crate::timestamp::Timestamp;

/// The advisory lock key that serializes appends to the audit chain.
const AUDIT_LOCK: i64 = 0x6b69_6e5f_6175_6469;

/// Inserts a run, its tags and edges, and its audit entry (inside the caller's transaction).
pub(super) fn insert_run<C: GenericClient>(
    db: &mut Session<'_, C>,
    run: &NewRun,
) -> Result<RunKey, StoreError> {
    let key = insert_run_rows(db, run)?;
    // The audit entry holds the rows as they now read, in the same transaction.
    let actor = Actor {
        user: run.user.clone(),
        host: run.host.clone(),
    };
    if let Some((id, document)) = run_document(db, key)? {
        append(db, &actor, "run", &id, &document)?;
    }
    Ok(RunKey(key))
}

/// A run's rows (itself, its tags and edges), without its audit entry.
pub(super) fn insert_run_rows<C: GenericClient>(
    db: &mut Session<'_, C>,
    run: &NewRun,
) -> Result<i64, StoreError> {
    // Most runs share an environment already recorded: look it up, and only insert when it
    // is new. `DO UPDATE` rather than `DO NOTHING` on that rare path returns the id of a row
    // another transaction committed meanwhile.
    let environment: Option<i64> = match &run.environment {
        Some(env) => Some(
            match db.query_opt("SELECT id FROM environment WHERE hash = $1", &[&env.hash])? {
                Some(row) => row.get(0),
                None => db
                    .query_one(
                        "INSERT INTO environment (hash, body) VALUES ($1, $2)
                         ON CONFLICT (hash) DO UPDATE SET hash = excluded.hash RETURNING id",
                        &[&env.hash, &env.body.to_string()],
                    )?
                    .get(0),
            },
        ),
        None => None,
    };
    let key: i64 = db
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
        db.execute(
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
        insert_edge(db, table, key, version, run.started)?;
    }
    Ok(key)
}

/// A promotion's row, without its audit entry.
pub(super) fn insert_promotion_row<C: GenericClient>(
    db: &mut Session<'_, C>,
    promotion: &crate::model::Promotion,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO promotion (artifact, version, stage, tag, git_commit, author,
                               approver, reason, override, evidence, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &promotion.artifact,
            &promotion.version,
            &promotion.stage,
            &promotion.tag,
            &promotion.git_commit,
            &promotion.author,
            &promotion.approver,
            &promotion.reason,
            &promotion.overridden,
            &promotion.evidence.to_string(),
            &promotion.at.millis(),
        ],
    )?;
    Ok(())
}

/// A promotion row's columns, as stored (evidence as its text), in [`promotion_document`]'s
/// order.
pub(super) const PROMOTION_COLUMNS: &str =
    "artifact, version, stage, tag, git_commit, author, approver, reason, override, evidence, at";

/// `(tag, document)` of a row of [`PROMOTION_COLUMNS`]: a promotion's audit payload, the same
/// document the SQLite store records (`sqlite::audit::promotion_doc`).
pub(super) fn promotion_document(row: &postgres::Row) -> (String, Value) {
    let tag: String = row.get(3);
    let document = json!({
        "artifact": row.get::<_, String>(0),
        "version": row.get::<_, String>(1),
        "stage": row.get::<_, String>(2),
        "tag": tag,
        "git_commit": row.get::<_, String>(4),
        "author": row.get::<_, String>(5),
        "approver": row.get::<_, Option<String>>(6),
        "reason": row.get::<_, Option<String>>(7),
        "override": row.get::<_, bool>(8),
        "evidence": row.get::<_, String>(9),
        "at": row.get::<_, i64>(10),
    });
    (tag, document)
}

/// A run's id as text from its uuid column; one that is not 16 bytes (edited) says so.
pub(super) fn run_id_text(uuid: &[u8]) -> String {
    <[u8; 16]>::try_from(uuid)
        .map(|bytes| RunId(bytes).to_string())
        .unwrap_or_else(|_| format!("(malformed id {uuid:?})"))
}

/// Inserts the run's edge to a version, and the version (with its artifact) if new. Most
/// versions a run names are already recorded (its inputs): those take one statement that
/// writes nothing but the edge (and moves `first_seen` earlier if this run is older), so
/// concurrent runs do not queue behind updates of rows they share. An existing version's
/// size and file count never change, as on SQLite.
fn insert_edge<C: GenericClient>(
    db: &mut Session<'_, C>,
    table: &str,
    run: i64,
    version: &NewVersion,
    seen: Timestamp,
) -> Result<(), StoreError> {
    let known = db.query_opt(
        &format!(
            "WITH known AS (
                 SELECT v.id FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id
                 WHERE a.path = $1 AND v.hash = $2
             ), earlier AS (
                 UPDATE artifact_version SET first_seen = $3
                 WHERE id IN (SELECT id FROM known) AND first_seen > $3
             )
             INSERT INTO {table} (run_id, version_id) SELECT $4, id FROM known
             ON CONFLICT DO NOTHING RETURNING version_id"
        ),
        &[&version.path, &version.hash.as_str(), &seen.millis(), &run],
    )?;
    if known.is_some() {
        return Ok(());
    }
    let size = version.size.and_then(|s| i64::try_from(s).ok());
    let nfiles = version.nfiles.and_then(|s| i64::try_from(s).ok());
    db.execute(
        &format!(
            "WITH a AS (
                 INSERT INTO artifact (path) VALUES ($1)
                 ON CONFLICT (path) DO UPDATE SET path = excluded.path RETURNING id
             ), v AS (
                 INSERT INTO artifact_version (artifact_id, hash, size, nfiles, first_seen)
                 SELECT id, $2, $3, $4, $5 FROM a
                 ON CONFLICT (artifact_id, hash) DO UPDATE SET
                     first_seen = least(artifact_version.first_seen, excluded.first_seen)
                 RETURNING id
             )
             INSERT INTO {table} (run_id, version_id) SELECT $6, id FROM v
             ON CONFLICT DO NOTHING"
        ),
        &[
            &version.path,
            &version.hash.as_str(),
            &size,
            &nfiles,
            &seen.millis(),
            &run,
        ],
    )?;
    Ok(())
}

/// One side's edges as `[[path, hash, size, nfiles], …]` JSON text. Each edge's version is
/// a scalar subquery by primary key: as a join, a planner without statistics for a growing
/// table (a fresh store) picks a hash join over every version, once per run.
pub(super) const EDGES: &str = "(SELECT coalesce(json_agg((
        SELECT json_build_array(a.path, v.hash, v.size, v.nfiles)
        FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id WHERE v.id = x.version_id
    )), '[]')::TEXT FROM {table} x WHERE x.run_id = r.id)";

/// The statement reading the documents of the runs `filter` selects (of run `r`), in
/// [`document_from_row`]'s columns.
pub(super) fn document_select(filter: &str) -> String {
    format!(
        "SELECT r.uuid, r.stage, r.cmd, r.status, r.exit_code, r.started_at, r.ended_at,
                r.\"user\", r.host, r.git_commit, r.git_dirty, r.params, r.metrics,
                (SELECT hash FROM environment e WHERE e.id = r.environment_id), r.log_object,
                r.fingerprint, r.project, {}, {},
                (SELECT coalesce(json_object_agg(t.key, t.value), '{{}}')::TEXT
                 FROM run_tag t WHERE t.run_id = r.id), r.id
         FROM run r WHERE {filter}",
        EDGES.replace("{table}", "used"),
        EDGES.replace("{table}", "generated"),
    )
}

/// The canonical document of run `key` as its rows read now: the same bytes the SQLite store
/// records for the same run (`sqlite::audit::run_document`).
pub(super) fn run_document<C: GenericClient>(
    db: &mut Session<'_, C>,
    key: i64,
) -> Result<Option<(String, String)>, StoreError> {
    let row = db.query_opt(&document_select("r.id = $1"), &[&key])?;
    Ok(row.as_ref().map(document_from_row))
}

/// A row of [`document_select`] as the run's id (as text) and canonical document.
pub(super) fn document_from_row(row: &postgres::Row) -> (String, String) {
    let id = run_id_text(row.get(0));
    let edges = |column: usize| -> Value {
        let rows: Vec<(Value, Value, Value, Value)> =
            serde_json::from_str(row.get::<_, &str>(column)).unwrap_or_default();
        let mut items: Vec<(String, Value)> = rows
            .into_iter()
            .map(|(path, hash, size, nfiles)| {
                let item = json!({"path": path, "hash": hash, "size": size, "nfiles": nfiles});
                (canonical(&item), item)
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Array(items.into_iter().map(|(_, item)| item).collect())
    };
    let tags: Value = serde_json::from_str(row.get::<_, &str>(19)).unwrap_or_default();
    let mut document = json!({
        "generated": edges(18),
        "used": edges(17),
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
    (id, canonical(&document))
}

/// Appends an entry to the chain inside the caller's transaction; concurrent writers take
/// turns (an advisory lock held until their commit), so the chain stays one line.
pub(super) fn append<C: GenericClient>(
    db: &mut Session<'_, C>,
    actor: &Actor,
    action: &str,
    subject: &str,
    payload: &str,
) -> Result<(), StoreError> {
    db.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])?;
    let last = db.query_opt(
        "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1",
        &[],
    )?;
    let (seq, prev) = match last {
        Some(row) => (row.get::<_, i64>(0) + 1, row.get::<_, String>(1)),
        None => (1, CHAIN_START.to_owned()),
    };
    let at = Timestamp::now();
    let hash = entry_hash(seq, at, actor, action, subject, &sha256_hex(payload), &prev);
    db.execute(
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
