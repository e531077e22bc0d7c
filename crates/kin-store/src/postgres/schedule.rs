//! Schedule firings and attempts in PostgreSQL.

use postgres::GenericClient;

use super::session::Session;
use super::{PostgresStore, append};
use crate::audit::{Actor, canonical};
use crate::error::StoreError;
use crate::schedule::Attempt;
use crate::timestamp::Timestamp;

impl PostgresStore {
    pub(super) fn claim_schedule_firing(
        &self,
        schedule: &str,
        fire_time: Timestamp,
        owner: &str,
    ) -> Result<bool, StoreError> {
        let millis = fire_time.millis();
        self.write(
            |tx| {
                let added = tx.execute(
                    "INSERT INTO schedule_firing (schedule, fire_time, owner, claimed_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    &[&schedule, &millis, &owner, &Timestamp::now().millis()],
                )?;
                Ok(added == 1)
            },
            // After a lost connection: the claim is ours if our row is there.
            |client| {
                let row = client.query_opt(
                    "SELECT owner FROM schedule_firing WHERE schedule = $1 AND fire_time = $2",
                    &[&schedule, &millis],
                )?;
                Ok(row.map(|row| row.get::<_, String>(0) == owner))
            },
        )
    }

    pub(super) fn last_schedule_firing(
        &self,
        schedule: &str,
    ) -> Result<Option<Timestamp>, StoreError> {
        let rows = self.read(
            "SELECT max(fire_time) FROM schedule_firing WHERE schedule = $1",
            &[&schedule],
        )?;
        Ok(rows
            .first()
            .and_then(|row| row.get::<_, Option<i64>>(0))
            .map(Timestamp::from_millis))
    }

    pub(super) fn record_schedule_attempt(&self, attempt: &Attempt) -> Result<(), StoreError> {
        let number = i32::try_from(attempt.number).unwrap_or(i32::MAX);
        let started = attempt.started.millis();
        let payload = canonical(&attempt.audit_payload());
        self.write(
            |tx| {
                insert_attempt_row(tx, attempt)?;
                append(
                    tx,
                    &Actor::default(),
                    "schedule-attempt",
                    &attempt.audit_subject(),
                    &payload,
                )
            },
            |client| {
                let row = client.query_opt(
                    "SELECT 1 FROM schedule_attempt
                     WHERE schedule = $1 AND number = $2 AND started = $3 AND runner = $4",
                    &[&attempt.schedule, &number, &started, &attempt.runner],
                )?;
                Ok(row.map(|_| ()))
            },
        )
    }

    pub(super) fn schedule_attempts(
        &self,
        schedule: &str,
        limit: usize,
    ) -> Result<Vec<Attempt>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.read(
            "SELECT schedule, fire_time, number, started, ended, outcome, detail, runner
             FROM schedule_attempt WHERE schedule = $1 ORDER BY id DESC LIMIT $2",
            &[&schedule, &limit],
        )?;
        rows.iter()
            .map(|row| {
                let outcome: String = row.get(5);
                Ok(Attempt {
                    schedule: row.get(0),
                    fire_time: row.get::<_, Option<i64>>(1).map(Timestamp::from_millis),
                    number: u32::try_from(row.get::<_, i32>(2)).unwrap_or(0),
                    started: Timestamp::from_millis(row.get(3)),
                    ended: Timestamp::from_millis(row.get(4)),
                    outcome: outcome.parse()?,
                    detail: row.get(6),
                    runner: row.get(7),
                })
            })
            .collect()
    }
}

/// An attempt's row, without an audit entry.
fn insert_attempt_row<C: GenericClient>(
    db: &mut Session<'_, C>,
    attempt: &Attempt,
) -> Result<(), StoreError> {
    let number = i32::try_from(attempt.number).unwrap_or(i32::MAX);
    db.execute(
        "INSERT INTO schedule_attempt
             (schedule, fire_time, number, started, ended, outcome, detail, runner)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &attempt.schedule,
            &attempt.fire_time.map(Timestamp::millis),
            &number,
            &attempt.started.millis(),
            &attempt.ended.millis(),
            &attempt.outcome.as_str(),
            &attempt.detail,
            &attempt.runner,
        ],
    )?;
    Ok(())
}

/// What a copy writes for an attempt: its row, and the claim of its firing as its runner
/// made it (unless the target has it).
pub(super) fn replicate_attempt<C: GenericClient>(
    db: &mut Session<'_, C>,
    attempt: &Attempt,
) -> Result<(), StoreError> {
    insert_attempt_row(db, attempt)?;
    if let Some(fire_time) = attempt.fire_time {
        db.execute(
            "INSERT INTO schedule_firing (schedule, fire_time, owner, claimed_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[
                &attempt.schedule,
                &fire_time.millis(),
                &attempt.runner,
                &attempt.started.millis(),
            ],
        )?;
    }
    Ok(())
}
