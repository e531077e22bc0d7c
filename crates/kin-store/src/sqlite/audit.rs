//! The audit chain in SQLite: an entry appended in the same transaction as the rows it
//! describes, the payloads re-derived from the rows, and the verification that compares them.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use crate::audit::{
    Actor, AuditEntry, AuditFinding, CHAIN_START, canonical, entry_hash, sha256_hex,
};
use crate::error::StoreError;
use crate::ids::RunId;
use crate::timestamp::Timestamp;

/// Appends an entry for `payload` to the chain (inside the caller's transaction).
pub(super) fn append(
    conn: &Connection,
    at: Timestamp,
    actor: &Actor,
    action: &str,
    subject: &str,
    payload: &Value,
) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, CHAIN_START.to_owned()),
    };
    let payload = canonical(payload);
    let hash = entry_hash(
        seq,
        at,
        actor,
        action,
        subject,
        &sha256_hex(&payload),
        &prev,
    );
    conn.prepare_cached(
        "INSERT INTO audit_entry (seq, at, user, host, action, subject, payload, prev, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        seq,
        at.millis(),
        actor.user,
        actor.host,
        action,
        subject,
        payload,
        prev,
        hash
    ])?;
    Ok(())
}

/// A run's rows as one JSON document: the run, its tags, and the versions it used and
/// generated (sorted).
fn run_document(
    fields: &RunFields,
    tags: &[(String, String)],
    used: &[Value],
    generated: &[Value],
) -> Value {
    let tags: Map<String, Value> = tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let mut used = used.to_vec();
    let mut generated = generated.to_vec();
    used.sort_by_key(canonical);
    generated.sort_by_key(canonical);
    json!({
        "run": {
            "id": fields.id,
            "stage": fields.stage,
            "cmd": fields.cmd,
            "status": fields.status,
            "exit_code": fields.exit_code,
            "started_at": fields.started_at,
            "ended_at": fields.ended_at,
            "user": fields.user,
            "host": fields.host,
            "git_commit": fields.git_commit,
            "git_dirty": fields.git_dirty,
            "params": fields.params,
            "metrics": fields.metrics,
            "environment": fields.environment,
            "log_object": fields.log_object,
            "fingerprint": fields.fingerprint,
            "tags": tags,
        },
        "used": used,
        "generated": generated,
    })
}

/// A run row's columns as stored (JSON columns as their text).
struct RunFields {
    id: String,
    stage: String,
    cmd: String,
    status: String,
    exit_code: Option<i64>,
    started_at: i64,
    ended_at: Option<i64>,
    user: Option<String>,
    host: Option<String>,
    git_commit: Option<String>,
    git_dirty: Option<bool>,
    params: Option<String>,
    metrics: Option<String>,
    environment: Option<String>,
    log_object: Option<String>,
    fingerprint: Option<String>,
}

const RUN_FIELDS: &str =
    "r.id, r.uuid, r.stage, r.cmd, r.status, r.exit_code, r.started_at, r.ended_at,
    r.user, r.host, r.git_commit, r.git_dirty, r.params, r.metrics,
    (SELECT hash FROM environment e WHERE e.id = r.environment_id), r.log_object, r.fingerprint";

fn run_fields(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, RunFields)> {
    let uuid: Vec<u8> = row.get(1)?;
    let id = <[u8; 16]>::try_from(uuid.as_slice())
        .map(|bytes| RunId(bytes).to_string())
        .unwrap_or_else(|_| format!("(malformed id {uuid:?})"));
    Ok((
        row.get(0)?,
        RunFields {
            id,
            stage: row.get(2)?,
            cmd: row.get(3)?,
            status: row.get(4)?,
            exit_code: row.get(5)?,
            started_at: row.get(6)?,
            ended_at: row.get(7)?,
            user: row.get(8)?,
            host: row.get(9)?,
            git_commit: row.get(10)?,
            git_dirty: row.get(11)?,
            params: row.get(12)?,
            metrics: row.get(13)?,
            environment: row.get(14)?,
            log_object: row.get(15)?,
            fingerprint: row.get(16)?,
        },
    ))
}

const EDGE_SQL: &str = "SELECT x.run_id, a.path, v.hash, v.size, v.nfiles FROM {table} x
    JOIN artifact_version v ON v.id = x.version_id JOIN artifact a ON a.id = v.artifact_id";

fn edge(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Value)> {
    let path: String = row.get(1)?;
    let hash: String = row.get(2)?;
    let size: Option<i64> = row.get(3)?;
    let nfiles: Option<i64> = row.get(4)?;
    Ok((
        row.get(0)?,
        json!({"path": path, "hash": hash, "size": size, "nfiles": nfiles}),
    ))
}

/// The document of the run with store key `key`, as its rows are now.
pub(super) fn run_payload(
    conn: &Connection,
    key: i64,
) -> Result<Option<(String, Value)>, StoreError> {
    let Some((_, fields)) = conn
        .prepare_cached(&format!("SELECT {RUN_FIELDS} FROM run r WHERE r.id = ?1"))?
        .query_row([key], run_fields)
        .optional()?
    else {
        return Ok(None);
    };
    let tags: Vec<(String, String)> = conn
        .prepare_cached("SELECT key, value FROM run_tag WHERE run_id = ?1 ORDER BY key")?
        .query_map([key], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut sides = Vec::new();
    for table in ["used", "generated"] {
        let sql = format!("{} WHERE x.run_id = ?1", EDGE_SQL.replace("{table}", table));
        let side: Vec<Value> = conn
            .prepare_cached(&sql)?
            .query_map([key], edge)?
            .map(|r| r.map(|(_, v)| v))
            .collect::<Result<_, _>>()?;
        sides.push(side);
    }
    let document = run_document(&fields, &tags, &sides[0], &sides[1]);
    Ok(Some((fields.id, document)))
}

/// Every run's document, by run id, read in one pass over each table.
fn all_run_payloads(conn: &Connection) -> Result<HashMap<String, (String, Value)>, StoreError> {
    let mut tags: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    let mut statement =
        conn.prepare("SELECT run_id, key, value FROM run_tag ORDER BY run_id, key")?;
    for row in statement.query_map([], |row| {
        Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?))
    })? {
        let (run, key, value) = row?;
        tags.entry(run).or_default().push((key, value));
    }
    let mut sides: [HashMap<i64, Vec<Value>>; 2] = [HashMap::new(), HashMap::new()];
    for (i, table) in ["used", "generated"].iter().enumerate() {
        let mut statement = conn.prepare(&EDGE_SQL.replace("{table}", table))?;
        for row in statement.query_map([], edge)? {
            let (run, version) = row?;
            sides[i].entry(run).or_default().push(version);
        }
    }
    let mut out = HashMap::new();
    let mut statement = conn.prepare(&format!("SELECT {RUN_FIELDS} FROM run r"))?;
    for row in statement.query_map([], run_fields)? {
        let (key, fields) = row?;
        let empty = Vec::new();
        let document = run_document(
            &fields,
            tags.get(&key).map_or(&[][..], Vec::as_slice),
            sides[0].get(&key).unwrap_or(&empty),
            sides[1].get(&key).unwrap_or(&empty),
        );
        out.insert(fields.id.clone(), (fields.stage.clone(), document));
    }
    Ok(out)
}

/// Every promotion's row as a document, by tag.
fn all_promotion_payloads(conn: &Connection) -> Result<HashMap<String, Value>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT artifact, version, stage, tag, git_commit, author, approver, reason, override,
                evidence, at FROM promotion",
    )?;
    let rows = statement.query_map([], |row| {
        let tag: String = row.get(3)?;
        let document = json!({
            "artifact": row.get::<_, String>(0)?,
            "version": row.get::<_, String>(1)?,
            "stage": row.get::<_, String>(2)?,
            "tag": tag,
            "git_commit": row.get::<_, String>(4)?,
            "author": row.get::<_, String>(5)?,
            "approver": row.get::<_, Option<String>>(6)?,
            "reason": row.get::<_, Option<String>>(7)?,
            "override": row.get::<_, bool>(8)?,
            "evidence": row.get::<_, String>(9)?,
            "at": row.get::<_, i64>(10)?,
        });
        Ok((tag, document))
    })?;
    rows.collect::<Result<_, _>>().map_err(StoreError::from)
}

/// The promotion row with `tag`, as a document.
pub(super) fn promotion_payload(conn: &Connection, tag: &str) -> Result<Option<Value>, StoreError> {
    Ok(all_promotion_payloads(conn)?.remove(tag))
}

fn imported_commits(conn: &Connection) -> Result<HashSet<String>, StoreError> {
    let mut statement = conn.prepare("SELECT sha FROM imported_commit")?;
    let rows = statement.query_map([], |row| row.get(0))?;
    rows.collect::<Result<_, _>>().map_err(StoreError::from)
}

/// Chains a store written before the audit log: one `genesis` entry holding the digest of
/// every run and promotion and the imported commits, so later edits to them are caught too.
pub(super) fn genesis_if_needed(conn: &Connection) -> Result<(), StoreError> {
    let entries: i64 = conn.query_row("SELECT count(*) FROM audit_entry", [], |row| row.get(0))?;
    let runs: i64 = conn.query_row("SELECT count(*) FROM run", [], |row| row.get(0))?;
    let promotions: i64 = conn.query_row("SELECT count(*) FROM promotion", [], |row| row.get(0))?;
    if entries > 0 || (runs == 0 && promotions == 0) {
        return Ok(());
    }
    let runs: Map<String, Value> = all_run_payloads(conn)?
        .into_iter()
        .map(|(id, (_, doc))| (id, json!(sha256_hex(&canonical(&doc)))))
        .collect();
    let promotions: Map<String, Value> = all_promotion_payloads(conn)?
        .into_iter()
        .map(|(tag, doc)| (tag, json!(sha256_hex(&canonical(&doc)))))
        .collect();
    let mut imported: Vec<String> = imported_commits(conn)?.into_iter().collect();
    imported.sort();
    let payload = json!({"runs": runs, "promotions": promotions, "imported": imported});
    append(
        conn,
        Timestamp::now(),
        &Actor::default(),
        "genesis",
        "store written before the audit log",
        &payload,
    )
}

/// The entries, oldest first, matching `action` (if given) and at or after `since`.
pub(super) fn entries(
    conn: &Connection,
    action: Option<&str>,
    since: Option<Timestamp>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT seq, at, user, host, action, subject, payload, prev, hash FROM audit_entry
         WHERE (?1 IS NULL OR action = ?1) AND (?2 IS NULL OR at >= ?2) ORDER BY seq",
    )?;
    let rows = statement.query_map(params![action, since.map(Timestamp::millis)], |row| {
        Ok(AuditEntry {
            seq: row.get(0)?,
            at: Timestamp::from_millis(row.get(1)?),
            actor: Actor {
                user: row.get(2)?,
                host: row.get(3)?,
            },
            action: row.get(4)?,
            subject: row.get(5)?,
            payload: row.get(6)?,
            prev: row.get(7)?,
            hash: row.get(8)?,
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(StoreError::from)
}

/// The first field where two documents differ, with both values (`path.to.field`).
fn first_difference(recorded: &Value, now: &Value, path: &str) -> Option<(String, String, String)> {
    match (recorded, now) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|key| {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                first_difference(
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    &inner,
                )
            })
        }
        (a, b) if a == b => None,
        (a, b) => Some((path.to_owned(), a.to_string(), b.to_string())),
    }
}

/// Checks the chain and the rows it describes; every problem found, in chain order.
pub(super) fn verify(
    conn: &Connection,
) -> Result<(Vec<AuditFinding>, Option<AuditEntry>), StoreError> {
    let chain = entries(conn, None, None)?;
    let mut findings = Vec::new();
    let mut prev = CHAIN_START.to_owned();
    for (i, entry) in chain.iter().enumerate() {
        let expected = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if entry.seq != expected {
            findings.push(AuditFinding::Sequence {
                expected,
                found: entry.seq,
            });
            break;
        }
        if entry.computed_hash() != entry.hash {
            findings.push(AuditFinding::EntryEdited { seq: entry.seq });
            break;
        }
        if entry.prev != prev {
            findings.push(AuditFinding::BrokenLink { seq: entry.seq });
            break;
        }
        prev = entry.hash.clone();
    }
    let mut runs = all_run_payloads(conn)?;
    let mut promotions = all_promotion_payloads(conn)?;
    let mut imported = imported_commits(conn)?;
    let row_check = |seq: i64,
                     what: &str,
                     subject: &str,
                     recorded: &Value,
                     now: Option<Value>,
                     findings: &mut Vec<AuditFinding>| {
        match now {
            None => findings.push(AuditFinding::RowDeleted {
                seq,
                subject: subject.to_owned(),
                what: what.to_owned(),
            }),
            Some(now) if canonical(&now) != canonical(recorded) => {
                let (field, was, is) = first_difference(recorded, &now, "").unwrap_or_default();
                findings.push(AuditFinding::RowEdited {
                    seq,
                    subject: subject.to_owned(),
                    what: what.to_owned(),
                    field,
                    recorded: was,
                    now: is,
                });
            }
            Some(_) => {}
        }
    };
    for entry in &chain {
        let recorded: Value = serde_json::from_str(&entry.payload).unwrap_or(Value::Null);
        match entry.action.as_str() {
            "run" => {
                let now = runs.remove(&entry.subject).map(|(_, doc)| doc);
                let stage = recorded["run"]["stage"].as_str().unwrap_or("?");
                let label = format!("{} (stage {stage})", entry.subject);
                row_check(entry.seq, "run", &label, &recorded, now, &mut findings);
            }
            "promotion" => {
                let now = promotions.remove(&entry.subject);
                row_check(
                    entry.seq,
                    "promotion",
                    &entry.subject,
                    &recorded,
                    now,
                    &mut findings,
                );
            }
            "import-marks" => {
                for commit in recorded["commits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !imported.remove(commit) {
                        findings.push(AuditFinding::RowDeleted {
                            seq: entry.seq,
                            subject: commit.to_owned(),
                            what: "imported commit".to_owned(),
                        });
                    }
                }
            }
            "genesis" => {
                for (id, digest) in recorded["runs"].as_object().into_iter().flatten() {
                    match runs.remove(id) {
                        None => findings.push(AuditFinding::RowDeleted {
                            seq: entry.seq,
                            subject: id.clone(),
                            what: "run".to_owned(),
                        }),
                        Some((_, doc)) if json!(sha256_hex(&canonical(&doc))) != *digest => {
                            findings.push(AuditFinding::RowEdited {
                                seq: entry.seq,
                                subject: id.clone(),
                                what: "run".to_owned(),
                                field: "(a field of a run recorded before the audit log)"
                                    .to_owned(),
                                recorded: digest.to_string(),
                                now: sha256_hex(&canonical(&doc)),
                            })
                        }
                        Some(_) => {}
                    }
                }
                for (tag, digest) in recorded["promotions"].as_object().into_iter().flatten() {
                    match promotions.remove(tag) {
                        None => findings.push(AuditFinding::RowDeleted {
                            seq: entry.seq,
                            subject: tag.clone(),
                            what: "promotion".to_owned(),
                        }),
                        Some(doc) if json!(sha256_hex(&canonical(&doc))) != *digest => findings
                            .push(AuditFinding::RowEdited {
                                seq: entry.seq,
                                subject: tag.clone(),
                                what: "promotion".to_owned(),
                                field: "(a field of a promotion recorded before the audit log)"
                                    .to_owned(),
                                recorded: digest.to_string(),
                                now: sha256_hex(&canonical(&doc)),
                            }),
                        Some(_) => {}
                    }
                }
                for commit in recorded["imported"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    imported.remove(commit);
                }
            }
            _ => {}
        }
    }
    let mut inserted: Vec<(String, String)> = runs
        .into_iter()
        .map(|(id, (stage, _))| (id, stage))
        .collect();
    inserted.sort();
    for (id, stage) in inserted {
        findings.push(AuditFinding::RowInserted {
            subject: format!("{id} (stage {stage})"),
            what: "run".to_owned(),
        });
    }
    let mut tags: Vec<String> = promotions.into_keys().collect();
    tags.sort();
    for tag in tags {
        findings.push(AuditFinding::RowInserted {
            subject: tag,
            what: "promotion".to_owned(),
        });
    }
    let mut commits: Vec<String> = imported.into_iter().collect();
    commits.sort();
    for commit in commits {
        findings.push(AuditFinding::RowInserted {
            subject: commit,
            what: "imported commit".to_owned(),
        });
    }
    Ok((findings, chain.last().cloned()))
}
