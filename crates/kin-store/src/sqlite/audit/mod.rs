//! The audit chain in SQLite: an entry appended in the same transaction as the rows it
//! describes, the documents of promotions, the genesis of a store older than the log, and
//! reading entries back.

mod run_document;
mod scan;
#[cfg(test)]
mod tests;
mod verify;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use self::run_document::{RunDocumentWriter, run_document, text_lossy};
use crate::audit::hex_text;
use crate::audit::{Actor, AuditEntry, CHAIN_START, canonical, entry_hash, sha256_hex};
use crate::error::StoreError;
use crate::ids::RunId;
use crate::timestamp::Timestamp;

pub(super) use self::verify::verify;

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

/// Writes an entry as another store holds it (a copy), unchanged.
pub(in crate::sqlite) fn insert_entry(
    conn: &Connection,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit_entry (seq, at, user, host, action, subject, payload, prev, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        entry.seq,
        entry.at.millis(),
        entry.actor.user,
        entry.actor.host,
        entry.action,
        entry.subject,
        entry.payload,
        entry.prev,
        entry.hash
    ])?;
    Ok(())
}

/// Appends the entry of the run with store key `key` (just written, in this transaction).
pub(super) fn append_run(conn: &Connection, key: i64, actor: &Actor) -> Result<(), StoreError> {
    if let Some((id, payload)) = run_document(conn, key)? {
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
pub(super) fn all_promotion_payloads(
    conn: &Connection,
) -> Result<HashMap<String, Value>, StoreError> {
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

pub(super) fn imported_commits(conn: &Connection) -> Result<HashSet<String>, StoreError> {
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
    // A run whose id is not one (edited before this) is left out: verification reports it.
    for run in scan::run_slice(conn, &mut RunDocumentWriter::default(), i64::MIN, i64::MAX)? {
        if let Some(uuid) = run.uuid {
            runs.insert(RunId(uuid).to_string(), json!(hex_text(&run.digest)));
        }
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

pub(super) const ENTRY_COLUMNS: &str = "seq, at, user, host, action, subject, payload, prev, hash";

pub(super) fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    let text = |column: usize| -> rusqlite::Result<String> {
        Ok(text_of(row.get_ref(column)?).into_owned())
    };
    let optional = |column: usize| -> rusqlite::Result<Option<String>> {
        Ok(match row.get_ref(column)? {
            ValueRef::Null => None,
            other => Some(text_of(other).into_owned()),
        })
    };
    Ok(AuditEntry {
        seq: row.get(0)?,
        at: Timestamp::from_millis(row.get_ref(1)?.as_i64().unwrap_or(i64::MIN)),
        actor: Actor {
            user: optional(2)?,
            host: optional(3)?,
        },
        action: text(4)?,
        subject: text(5)?,
        payload: text(6)?,
        prev: text(7)?,
        hash: text(8)?,
    })
}

/// A column of an entry as text however it is stored: kin writes text (and an integer
/// time), anything else was edited in and will not hash as recorded.
pub(super) fn text_of(value: ValueRef<'_>) -> Cow<'_, str> {
    match value {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => text_lossy(bytes),
        ValueRef::Integer(number) => number.to_string().into(),
        ValueRef::Real(number) => number.to_string().into(),
        ValueRef::Null => "".into(),
    }
}

/// The entries, oldest first, matching `action` (if given) and at or after `since`.
pub(super) fn entries(
    conn: &Connection,
    action: Option<&str>,
    since: Option<Timestamp>,
) -> Result<Vec<AuditEntry>, StoreError> {
    // Only the filters given are in the query: `?1 IS NULL OR action = ?1` would keep SQLite
    // from the action index and read the whole log.
    let filter = match (action.is_some(), since.is_some()) {
        (true, true) => "WHERE action = ?1 AND at >= ?2",
        (true, false) => "WHERE action = ?1 AND ?2 IS NULL",
        (false, true) => "WHERE ?1 IS NULL AND at >= ?2",
        (false, false) => "WHERE ?1 IS NULL AND ?2 IS NULL",
    };
    let mut statement = conn.prepare(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_entry {filter} ORDER BY seq"
    ))?;
    let rows = statement.query_map(
        params![action, since.map(Timestamp::millis)],
        entry_from_row,
    )?;
    rows.collect::<Result<_, _>>().map_err(StoreError::from)
}

/// Up to `limit` entries numbered after `seq`, in order.
pub(super) fn entries_after(
    conn: &Connection,
    seq: i64,
    limit: usize,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_entry WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = statement.query_map(params![seq, limit], entry_from_row)?;
    rows.collect::<Result<_, _>>().map_err(StoreError::from)
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
