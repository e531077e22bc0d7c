//! The audit chain in SQLite: an entry appended in the same transaction as the rows it
//! describes, each run's document re-derived from its rows (one SQL row per run, its edges
//! and tags aggregated by SQLite), and the verification that streams both and compares them.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use crate::audit::{
    Actor, AuditCheck, AuditEntry, AuditFinding, CHAIN_START, canonical, entry_hash, sha256_hex,
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
    append_text(conn, at, actor, action, subject, &canonical(payload))
}

/// [`append`] with the payload already in canonical form.
fn append_text(
    conn: &Connection,
    at: Timestamp,
    actor: &Actor,
    action: &str,
    subject: &str,
    payload: &str,
) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, CHAIN_START.to_owned()),
    };
    let hash = entry_hash(seq, at, actor, action, subject, &sha256_hex(payload), &prev);
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

/// A run's columns, its edges (`[path, hash, size, nfiles]` arrays) and tags, in one row.
const RUN_DOC_COLUMNS: &str = "r.uuid, r.stage, r.cmd, r.status, r.exit_code, r.started_at,
    r.ended_at, r.user, r.host, r.git_commit, r.git_dirty, r.params, r.metrics,
    (SELECT hash FROM environment e WHERE e.id = r.environment_id), r.log_object, r.fingerprint,
    (SELECT json_group_array(json_array(a.path, v.hash, v.size, v.nfiles)) FROM used x
       JOIN artifact_version v ON v.id = x.version_id JOIN artifact a ON a.id = v.artifact_id
       WHERE x.run_id = r.id),
    (SELECT json_group_array(json_array(a.path, v.hash, v.size, v.nfiles)) FROM generated x
       JOIN artifact_version v ON v.id = x.version_id JOIN artifact a ON a.id = v.artifact_id
       WHERE x.run_id = r.id),
    (SELECT json_group_object(t.key, t.value) FROM run_tag t WHERE t.run_id = r.id)";

/// A scalar's JSON text.
fn text(value: Value) -> String {
    value.to_string()
}

/// One side's edges, canonical: each `{"hash","nfiles","path","size"}`, sorted by that text.
fn edges_text(aggregated: Option<String>) -> String {
    let rows: Vec<(Value, Value, Value, Value)> = aggregated
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let mut items: Vec<String> = rows
        .iter()
        .map(|(path, hash, size, nfiles)| {
            format!("{{\"hash\":{hash},\"nfiles\":{nfiles},\"path\":{path},\"size\":{size}}}")
        })
        .collect();
    items.sort();
    format!("[{}]", items.join(","))
}

/// `(run id, stage, canonical document)` of the run whose [`RUN_DOC_COLUMNS`] start at `at`.
/// The document is `{"generated":[...],"run":{...columns, tags...},"used":[...]}`, its keys
/// in canonical order as written here.
fn run_doc(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<(String, String, String)> {
    let uuid: Vec<u8> = row.get(at)?;
    let id = <[u8; 16]>::try_from(uuid.as_slice())
        .map(|bytes| RunId(bytes).to_string())
        .unwrap_or_else(|_| format!("(malformed id {uuid:?})"));
    let stage: String = row.get(at + 1)?;
    let tags: Map<String, Value> = row
        .get::<_, Option<String>>(at + 18)?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let mut tag_keys: Vec<&String> = tags.keys().collect();
    tag_keys.sort();
    let tags_text: Vec<String> = tag_keys
        .iter()
        .map(|k| format!("{}:{}", text(json!(k)), tags[k.as_str()]))
        .collect();
    let run = [
        ("cmd", text(json!(row.get::<_, String>(at + 2)?))),
        ("ended_at", text(json!(row.get::<_, Option<i64>>(at + 6)?))),
        (
            "environment",
            text(json!(row.get::<_, Option<String>>(at + 13)?)),
        ),
        ("exit_code", text(json!(row.get::<_, Option<i64>>(at + 4)?))),
        (
            "fingerprint",
            text(json!(row.get::<_, Option<String>>(at + 15)?)),
        ),
        (
            "git_commit",
            text(json!(row.get::<_, Option<String>>(at + 9)?)),
        ),
        (
            "git_dirty",
            text(json!(row.get::<_, Option<bool>>(at + 10)?)),
        ),
        ("host", text(json!(row.get::<_, Option<String>>(at + 8)?))),
        ("id", text(json!(id))),
        (
            "log_object",
            text(json!(row.get::<_, Option<String>>(at + 14)?)),
        ),
        (
            "metrics",
            text(json!(row.get::<_, Option<String>>(at + 12)?)),
        ),
        (
            "params",
            text(json!(row.get::<_, Option<String>>(at + 11)?)),
        ),
        ("stage", text(json!(stage))),
        ("started_at", text(json!(row.get::<_, i64>(at + 5)?))),
        ("status", text(json!(row.get::<_, String>(at + 3)?))),
        ("tags", format!("{{{}}}", tags_text.join(","))),
        ("user", text(json!(row.get::<_, Option<String>>(at + 7)?))),
    ];
    let run: Vec<String> = run.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    let document = format!(
        "{{\"generated\":{},\"run\":{{{}}},\"used\":{}}}",
        edges_text(row.get(at + 17)?),
        run.join(","),
        edges_text(row.get(at + 16)?)
    );
    Ok((id, stage, document))
}

/// The canonical document of the run with store key `key`, as its rows are now.
pub(super) fn run_payload(
    conn: &Connection,
    key: i64,
) -> Result<Option<(String, String)>, StoreError> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {RUN_DOC_COLUMNS} FROM run r WHERE r.id = ?1"
        ))?
        .query_row([key], |row| run_doc(row, 0))
        .optional()?;
    Ok(found.map(|(id, _, doc)| (id, doc)))
}

/// Appends the entry of the run with store key `key` (just written, in this transaction).
pub(super) fn append_run(conn: &Connection, key: i64, actor: &Actor) -> Result<(), StoreError> {
    if let Some((id, payload)) = run_payload(conn, key)? {
        append_text(conn, Timestamp::now(), actor, "run", &id, &payload)?;
    }
    Ok(())
}

/// A promotion row's columns, as stored (evidence as its text).
const PROMOTION_COLUMNS: &str = "artifact, version, stage, tag, git_commit, author, approver,
    reason, override, evidence, at";

/// `(tag, document)` of a row of [`PROMOTION_COLUMNS`].
fn promotion_doc(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Value)> {
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
}

/// Every promotion's row as a document, by tag.
fn all_promotion_payloads(conn: &Connection) -> Result<HashMap<String, Value>, StoreError> {
    let mut statement = conn.prepare(&format!("SELECT {PROMOTION_COLUMNS} FROM promotion"))?;
    let rows = statement.query_map([], promotion_doc)?;
    rows.collect::<Result<_, _>>().map_err(StoreError::from)
}

/// The promotion row with `tag`, as a document.
pub(super) fn promotion_payload(conn: &Connection, tag: &str) -> Result<Option<Value>, StoreError> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {PROMOTION_COLUMNS} FROM promotion WHERE tag = ?1"
        ))?
        .query_row([tag], promotion_doc)
        .optional()?;
    Ok(found.map(|(_, document)| document))
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
    let mut runs = Map::new();
    let mut statement = conn.prepare(&format!("SELECT {RUN_DOC_COLUMNS} FROM run r"))?;
    for row in statement.query_map([], |row| run_doc(row, 0))? {
        let (id, _, doc) = row?;
        runs.insert(id, json!(sha256_hex(&doc)));
    }
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

const ENTRY_COLUMNS: &str = "seq, at, user, host, action, subject, payload, prev, hash";

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
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
}

/// The entries, oldest first, matching `action` (if given) and at or after `since`.
pub(super) fn entries(
    conn: &Connection,
    action: Option<&str>,
    since: Option<Timestamp>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = conn.prepare(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_entry
         WHERE (?1 IS NULL OR action = ?1) AND (?2 IS NULL OR at >= ?2) ORDER BY seq"
    ))?;
    let rows = statement.query_map(
        params![action, since.map(Timestamp::millis)],
        entry_from_row,
    )?;
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

/// The finding for a row whose document is `now` (or gone) where `recorded` was written.
fn row_finding(
    seq: i64,
    what: &str,
    subject: &str,
    recorded: &str,
    now: Option<&str>,
) -> Option<AuditFinding> {
    match now {
        None => Some(AuditFinding::RowDeleted {
            seq,
            subject: subject.to_owned(),
            what: what.to_owned(),
        }),
        Some(now) if now == recorded => None,
        Some(now) => {
            let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
            let (field, was, is) =
                first_difference(&parse(recorded), &parse(now), "").unwrap_or_default();
            Some(AuditFinding::RowEdited {
                seq,
                subject: subject.to_owned(),
                what: what.to_owned(),
                field,
                recorded: was,
                now: is,
            })
        }
    }
}

/// What one pass over the chain finds.
struct ChainPass {
    /// The first break of the chain.
    broken: Option<AuditFinding>,
    count: i64,
    last: Option<AuditEntry>,
    /// The entries that are not runs (promotions, import marks, a genesis, registry tags).
    others: Vec<AuditEntry>,
}

/// Reads the chain once, checking each entry's number, hash and link.
fn check_chain(conn: &Connection) -> Result<ChainPass, StoreError> {
    let mut statement = conn.prepare(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_entry ORDER BY seq"
    ))?;
    let mut rows = statement.query([])?;
    let mut prev = CHAIN_START.to_owned();
    let mut count = 0;
    let mut broken = None;
    let mut last = None;
    let mut others = Vec::new();
    while let Some(row) = rows.next()? {
        let entry = entry_from_row(row)?;
        count += 1;
        if broken.is_none() {
            if entry.seq != count {
                broken = Some(AuditFinding::Sequence {
                    expected: count,
                    found: entry.seq,
                });
            } else if entry.computed_hash() != entry.hash {
                broken = Some(AuditFinding::EntryEdited { seq: entry.seq });
            } else if entry.prev != prev {
                broken = Some(AuditFinding::BrokenLink { seq: entry.seq });
            }
            prev = entry.hash.clone();
        }
        if entry.action != "run" {
            others.push(entry.clone());
        }
        last = Some(entry);
    }
    Ok(ChainPass {
        broken,
        count,
        last,
        others,
    })
}

/// Checks the chain and the rows it describes; every problem found, in chain order, and the
/// chain's last entry.
pub(super) fn verify(conn: &Connection) -> Result<AuditCheck, StoreError> {
    // The chain's hashes are checked on a second connection while this one compares rows:
    // the two halves of the work on two cores. A store in memory has no second connection.
    let path = conn.path().filter(|p| !p.is_empty()).map(str::to_owned);
    let (chain, rows) = std::thread::scope(|scope| {
        let chain = path.map(|path| {
            scope.spawn(move || -> Result<_, StoreError> {
                let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
                let second = Connection::open_with_flags(&path, flags)?;
                check_chain(&second)
            })
        });
        let rows = verify_rows(conn);
        let chain = match chain {
            Some(handle) => handle.join().unwrap_or_else(|_| {
                Err(StoreError::Corrupt {
                    what: "audit chain check",
                    value: "the checking thread panicked".to_owned(),
                })
            }),
            None => check_chain(conn),
        };
        (chain, rows)
    });
    let chain = chain?;
    let (other_findings, genesis_runs) = verify_others(conn, &chain.others)?;
    let mut findings: Vec<AuditFinding> = chain.broken.into_iter().collect();
    // Runs a genesis entry vouches for have no entry of their own: they are not "inserted".
    findings.extend(rows?.into_iter().filter(|f| match f {
        AuditFinding::RowInserted { subject, what } if what == "run" => {
            !genesis_runs.contains(subject.split(' ').next().unwrap_or_default())
        }
        _ => true,
    }));
    findings.extend(other_findings);
    Ok(AuditCheck {
        findings,
        head: chain.last,
        entries: chain.count,
    })
}

/// Each run entry against its run as it reads now, joined by the run id it names, and the
/// runs no entry names (less those a genesis entry vouches for, checked with the others).
fn verify_rows(conn: &Connection) -> Result<Vec<AuditFinding>, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let conn: &Connection = &tx;
    let mut findings = Vec::new();

    // Each run entry against its run as it reads now, joined by the run id it names.
    let mut statement = conn.prepare(&format!(
        "SELECT e.seq, e.subject, e.payload, r.id IS NOT NULL, {RUN_DOC_COLUMNS}
         FROM audit_entry e LEFT JOIN run r ON r.uuid = unhex(replace(e.subject, '-', ''))
         WHERE e.action = 'run' ORDER BY e.seq"
    ))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let subject: String = row.get(1)?;
        let recorded: String = row.get(2)?;
        let now = if row.get::<_, bool>(3)? {
            Some(run_doc(row, 4)?)
        } else {
            None
        };
        if now.as_ref().is_some_and(|(_, _, doc)| *doc == recorded) {
            continue;
        }
        // Only a problem reads the recorded document again, for the stage and the field.
        let stage = serde_json::from_str::<Value>(&recorded)
            .ok()
            .and_then(|v| v["run"]["stage"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "?".to_owned());
        let label = format!("{subject} (stage {stage})");
        let now = now.map(|(_, _, doc)| doc);
        findings.extend(row_finding(seq, "run", &label, &recorded, now.as_deref()));
    }
    drop(rows);

    // Runs no entry names.
    let mut statement = conn.prepare(
        "SELECT r.uuid, r.stage FROM run r WHERE NOT EXISTS (
             SELECT 1 FROM audit_entry e WHERE e.action = 'run' AND e.subject =
                 lower(substr(hex(r.uuid), 1, 8) || '-' || substr(hex(r.uuid), 9, 4) || '-' ||
                       substr(hex(r.uuid), 13, 4) || '-' || substr(hex(r.uuid), 17, 4) || '-' ||
                       substr(hex(r.uuid), 21)))
         ORDER BY r.id",
    )?;
    let unlisted = statement.query_map([], |row| {
        let uuid: Vec<u8> = row.get(0)?;
        let id = <[u8; 16]>::try_from(uuid.as_slice())
            .map(|bytes| RunId(bytes).to_string())
            .unwrap_or_else(|_| format!("(malformed id {uuid:?})"));
        Ok((id, row.get::<_, String>(1)?))
    })?;
    for row in unlisted {
        let (id, stage) = row?;
        findings.push(AuditFinding::RowInserted {
            subject: format!("{id} (stage {stage})"),
            what: "run".to_owned(),
        });
    }
    Ok(findings)
}

/// The entries that are not runs — promotions, import marks, a genesis — against their rows,
/// and the promotions and imported commits no entry names.
fn verify_others(
    conn: &Connection,
    others: &[AuditEntry],
) -> Result<(Vec<AuditFinding>, HashSet<String>), StoreError> {
    let mut findings = Vec::new();
    let mut promotions = all_promotion_payloads(conn)?;
    let mut imported = imported_commits(conn)?;
    let mut genesis_runs: HashSet<String> = HashSet::new();
    for entry in others {
        let recorded: Value = serde_json::from_str(&entry.payload).unwrap_or(Value::Null);
        match entry.action.as_str() {
            "promotion" => {
                let now = promotions.remove(&entry.subject).map(|doc| canonical(&doc));
                findings.extend(row_finding(
                    entry.seq,
                    "promotion",
                    &entry.subject,
                    &entry.payload,
                    now.as_deref(),
                ));
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
                findings.extend(genesis_findings(conn, entry, &recorded, &mut promotions)?);
                genesis_runs.extend(
                    recorded["runs"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(id, _)| id.clone()),
                );
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
    Ok((findings, genesis_runs))
}

/// The entry numbered `seq`, if the chain has it.
pub(super) fn entry(conn: &Connection, seq: i64) -> Result<Option<AuditEntry>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_entry WHERE seq = ?1"
        ))?
        .query_row([seq], entry_from_row)
        .optional()?)
}

/// The rows a genesis entry vouches for, against their digests.
fn genesis_findings(
    conn: &Connection,
    entry: &AuditEntry,
    recorded: &Value,
    promotions: &mut HashMap<String, Value>,
) -> Result<Vec<AuditFinding>, StoreError> {
    let mut findings = Vec::new();
    let mut statement = conn.prepare(&format!("SELECT {RUN_DOC_COLUMNS} FROM run r"))?;
    let mut now: HashMap<String, String> = HashMap::new();
    let wanted = recorded["runs"].as_object();
    for row in statement.query_map([], |row| run_doc(row, 0))? {
        let (id, _, doc) = row?;
        if wanted.is_some_and(|w| w.contains_key(&id)) {
            now.insert(id, sha256_hex(&doc));
        }
    }
    let edited =
        |what: &str, subject: &str, digest: &Value, found: String| AuditFinding::RowEdited {
            seq: entry.seq,
            subject: subject.to_owned(),
            what: what.to_owned(),
            field: format!("(a field of a {what} recorded before the audit log)"),
            recorded: digest.to_string(),
            now: found,
        };
    for (id, digest) in wanted.into_iter().flatten() {
        match now.remove(id) {
            None => findings.push(AuditFinding::RowDeleted {
                seq: entry.seq,
                subject: id.clone(),
                what: "run".to_owned(),
            }),
            Some(found) if json!(found) != *digest => {
                findings.push(edited("run", id, digest, found))
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
            Some(doc) if json!(sha256_hex(&canonical(&doc))) != *digest => {
                findings.push(edited(
                    "promotion",
                    tag,
                    digest,
                    sha256_hex(&canonical(&doc)),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(findings)
}
