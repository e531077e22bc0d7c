//! `kin audit verify` over SQLite: the slices [`scan`](super::scan) reads on every core,
//! judged (`crate::verification`) against this store's rows.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use serde_json::Value;

use super::run_document::{run_document, run_id_text};
use super::scan::{Scan, Slices, scan};
use super::{all_promotion_payloads, entry, imported_commits};
use crate::audit::{AuditCheck, AuditEntry};
use crate::error::StoreError;
use crate::schedule::AttemptColumns;
use crate::verification::{AuditSource, judge};

/// Checks the chain and the rows it describes: every problem found, in chain order, and the
/// chain's last entry.
pub(in crate::sqlite) fn verify(conn: &Connection) -> Result<AuditCheck, StoreError> {
    verify_in(conn, Slices::DEFAULT)
}

/// [`verify`], the work cut into `slices`.
pub(super) fn verify_in(conn: &Connection, slices: Slices) -> Result<AuditCheck, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let conn: &Connection = &tx;
    let Scan { chain, runs } = scan(conn, slices)?;
    judge(&SqliteSource(conn), chain, runs)
}

/// The SQLite store's rows, as the judge asks for them.
struct SqliteSource<'a>(&'a Connection);

impl AuditSource for SqliteSource<'_> {
    fn entry(&self, seq: i64) -> Result<Option<AuditEntry>, StoreError> {
        entry(self.0, seq)
    }

    fn run_document(&self, key: i64) -> Result<Option<String>, StoreError> {
        Ok(run_document(self.0, key)?.map(|(_, document)| document))
    }

    fn run_label(&self, key: i64) -> Result<(String, String), StoreError> {
        Ok(self
            .0
            .query_row("SELECT uuid, stage FROM run WHERE id = ?1", [key], |row| {
                Ok((run_id_text(row.get_ref(0)?), row.get::<_, String>(1)?))
            })?)
    }

    fn promotion_documents(&self) -> Result<HashMap<String, Value>, StoreError> {
        all_promotion_payloads(self.0)
    }

    fn imported_commits(&self) -> Result<HashSet<String>, StoreError> {
        imported_commits(self.0)
    }

    fn schedule_attempt_documents(&self) -> Result<Vec<Value>, StoreError> {
        let mut statement = self.0.prepare(
            "SELECT schedule, fire_time, number, started, ended, outcome, detail, runner
             FROM schedule_attempt",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(AttemptColumns {
                schedule: &row.get::<_, String>(0)?,
                fire_time_ms: row.get(1)?,
                number: row.get(2)?,
                started_ms: row.get(3)?,
                ended_ms: row.get(4)?,
                outcome: &row.get::<_, String>(5)?,
                detail: &row.get::<_, String>(6)?,
                runner: &row.get::<_, String>(7)?,
            }
            .document())
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
