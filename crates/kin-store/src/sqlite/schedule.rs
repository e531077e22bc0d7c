//! Schedule firings and attempts in SQLite.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::audit;
use crate::audit::Actor;
use crate::error::StoreError;
use crate::schedule::Attempt;
use crate::timestamp::Timestamp;

pub(super) fn claim_firing(
    conn: &Connection,
    schedule: &str,
    fire_time: Timestamp,
    owner: &str,
) -> Result<bool, StoreError> {
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO schedule_firing (schedule, fire_time, owner, claimed_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            schedule,
            fire_time.millis(),
            owner,
            Timestamp::now().millis()
        ])?;
    Ok(added == 1)
}

pub(super) fn last_firing(
    conn: &Connection,
    schedule: &str,
) -> Result<Option<Timestamp>, StoreError> {
    let latest: Option<i64> = conn
        .prepare_cached("SELECT max(fire_time) FROM schedule_firing WHERE schedule = ?1")?
        .query_row([schedule], |row| row.get(0))
        .optional()?
        .flatten();
    Ok(latest.map(Timestamp::from_millis))
}

pub(super) fn record_attempt(conn: &mut Connection, attempt: &Attempt) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    insert_attempt_row(&tx, attempt)?;
    audit::append(
        &tx,
        Timestamp::now(),
        &Actor::default(),
        "schedule-attempt",
        &attempt.audit_subject(),
        &attempt.audit_payload(),
    )?;
    tx.commit()?;
    Ok(())
}

/// An attempt's row (and, for a copy, the claim of its firing), without an audit entry.
pub(super) fn insert_attempt_row(conn: &Connection, attempt: &Attempt) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO schedule_attempt
             (schedule, fire_time, number, started, ended, outcome, detail, runner)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        attempt.schedule,
        attempt.fire_time.map(Timestamp::millis),
        attempt.number,
        attempt.started.millis(),
        attempt.ended.millis(),
        attempt.outcome.as_str(),
        attempt.detail,
        attempt.runner,
    ])?;
    Ok(())
}

/// What a copy writes for an attempt: its row, and the claim of its firing as its runner
/// made it (unless the target has it).
pub(super) fn replicate_attempt(conn: &Connection, attempt: &Attempt) -> Result<(), StoreError> {
    insert_attempt_row(conn, attempt)?;
    if let Some(fire_time) = attempt.fire_time {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO schedule_firing (schedule, fire_time, owner, claimed_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            attempt.schedule,
            fire_time.millis(),
            attempt.runner,
            attempt.started.millis()
        ])?;
    }
    Ok(())
}

pub(super) fn attempts(
    conn: &Connection,
    schedule: &str,
    limit: usize,
) -> Result<Vec<Attempt>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut statement = conn.prepare_cached(
        "SELECT schedule, fire_time, number, started, ended, outcome, detail, runner
         FROM schedule_attempt WHERE schedule = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(params![schedule, limit], |row| Ok(attempt_row(row)))?;
    let mut found = Vec::new();
    for row in rows {
        found.push(row??);
    }
    Ok(found)
}

fn attempt_row(row: &Row<'_>) -> Result<Attempt, StoreError> {
    let outcome: String = row.get(5)?;
    Ok(Attempt {
        schedule: row.get(0)?,
        fire_time: row.get::<_, Option<i64>>(1)?.map(Timestamp::from_millis),
        number: row.get(2)?,
        started: Timestamp::from_millis(row.get(3)?),
        ended: Timestamp::from_millis(row.get(4)?),
        outcome: outcome.parse()?,
        detail: row.get(6)?,
        runner: row.get(7)?,
    })
}
