//! `kin audit verify` over PostgreSQL: the chain and the runs' documents each read in one
//! streamed query, inside one read-only snapshot, then judged (`crate::verification`)
//! against this store's rows.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{IsolationLevel, Transaction};
use serde_json::Value;

use super::write::{
    PROMOTION_COLUMNS, document_from_row, document_select, promotion_document, run_id_text,
};
use super::{ENTRY_COLUMNS, PostgresStore, entry_from_row};
use crate::audit::{AuditCheck, AuditEntry, sha256};
use crate::error::StoreError;
use crate::schedule::AttemptColumns;
use crate::verification::{AuditSource, ChainReader, RunDigest, StoredEntry, judge};

/// No parameters, for streamed queries.
const NO_PARAMS: [i64; 0] = [];

/// Checks the chain and the rows it describes.
pub(super) fn verify(store: &PostgresStore) -> Result<AuditCheck, StoreError> {
    let mut client = store.client.borrow_mut();
    // Repeatable read: the chain and the rows are read in the same snapshot, whatever other
    // kin processes record meanwhile.
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let mut reader = ChainReader::default();
    let mut entries = tx.query_raw(
        &format!("SELECT {ENTRY_COLUMNS} FROM audit_entry ORDER BY seq"),
        NO_PARAMS,
    )?;
    while let Some(row) = entries.next()? {
        let stored = StoredEntry {
            seq: row.get(0),
            at_millis: row.get(1),
            user: row.get(2),
            host: row.get(3),
            action: row.get(4),
            subject: row.get(5),
            payload: row.get::<_, &str>(6).as_bytes(),
            prev: row.get(7),
            hash: row.get(8),
        };
        reader.push(&stored, || Ok(entry_from_row(&row)))?;
    }
    drop(entries);
    let mut digests = Vec::new();
    let mut runs = tx.query_raw(&document_select("true ORDER BY r.id"), NO_PARAMS)?;
    while let Some(row) = runs.next()? {
        let uuid: Vec<u8> = row.get(0);
        let (_, document) = document_from_row(&row);
        digests.push(RunDigest {
            uuid: <[u8; 16]>::try_from(uuid.as_slice()).ok(),
            key: row.get(20),
            digest: sha256(document.as_bytes()),
        });
    }
    drop(runs);
    let check = judge(
        &PostgresSource(RefCell::new(&mut tx)),
        vec![reader.finish()],
        digests,
    );
    tx.commit()?;
    check
}

/// The PostgreSQL store's rows in the verification's snapshot, as the judge asks for them.
struct PostgresSource<'a, 'b>(RefCell<&'a mut Transaction<'b>>);

impl AuditSource for PostgresSource<'_, '_> {
    fn entry(&self, seq: i64) -> Result<Option<AuditEntry>, StoreError> {
        let row = self.0.borrow_mut().query_opt(
            &format!("SELECT {ENTRY_COLUMNS} FROM audit_entry WHERE seq = $1"),
            &[&seq],
        )?;
        Ok(row.as_ref().map(entry_from_row))
    }

    fn run_document(&self, key: i64) -> Result<Option<String>, StoreError> {
        let row = self
            .0
            .borrow_mut()
            .query_opt(&document_select("r.id = $1"), &[&key])?;
        Ok(row.as_ref().map(|row| document_from_row(row).1))
    }

    fn run_label(&self, key: i64) -> Result<(String, String), StoreError> {
        let row = self
            .0
            .borrow_mut()
            .query_one("SELECT uuid, stage FROM run WHERE id = $1", &[&key])?;
        Ok((run_id_text(row.get(0)), row.get(1)))
    }

    fn promotion_documents(&self) -> Result<HashMap<String, Value>, StoreError> {
        let rows = self
            .0
            .borrow_mut()
            .query(&format!("SELECT {PROMOTION_COLUMNS} FROM promotion"), &[])?;
        Ok(rows.iter().map(promotion_document).collect())
    }

    fn imported_commits(&self) -> Result<HashSet<String>, StoreError> {
        let rows = self
            .0
            .borrow_mut()
            .query("SELECT sha FROM imported_commit", &[])?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    fn schedule_attempt_documents(&self) -> Result<Vec<Value>, StoreError> {
        let rows = self.0.borrow_mut().query(
            "SELECT schedule, fire_time, number, started, ended, outcome, detail, runner
             FROM schedule_attempt",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|row| {
                AttemptColumns {
                    schedule: row.get(0),
                    fire_time_ms: row.get(1),
                    number: i64::from(row.get::<_, i32>(2)),
                    started_ms: row.get(3),
                    ended_ms: row.get(4),
                    outcome: row.get(5),
                    detail: row.get(6),
                    runner: row.get(7),
                }
                .document()
            })
            .collect())
    }
}
