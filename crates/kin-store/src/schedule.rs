//! What the store keeps of schedules: each firing claimed by one scheduler, and each attempt
//! with its outcome.

use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

use crate::error::StoreError;
use crate::timestamp::Timestamp;

/// How one attempt of a scheduled run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Nothing the pipeline reads had changed: no run.
    SkippedUnchanged,
    /// Another run of the schedule was still going (`concurrency = "skip"`).
    SkippedBusy,
    Succeeded,
    /// Failed, and no retry is left.
    Failed,
    /// Failed, and another attempt follows.
    Retried,
    /// Stopped after the schedule's timeout.
    TimedOut,
    /// Stopped before it ended (the scheduler was asked to stop), or not started because
    /// another run was going (`concurrency = "cancel-new"`).
    Cancelled,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::SkippedUnchanged => "skipped-unchanged",
            AttemptOutcome::SkippedBusy => "skipped-busy",
            AttemptOutcome::Succeeded => "succeeded",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::Retried => "retried",
            AttemptOutcome::TimedOut => "timed-out",
            AttemptOutcome::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AttemptOutcome {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "skipped-unchanged" => AttemptOutcome::SkippedUnchanged,
            "skipped-busy" => AttemptOutcome::SkippedBusy,
            "succeeded" => AttemptOutcome::Succeeded,
            "failed" => AttemptOutcome::Failed,
            "retried" => AttemptOutcome::Retried,
            "timed-out" => AttemptOutcome::TimedOut,
            "cancelled" => AttemptOutcome::Cancelled,
            other => {
                return Err(StoreError::Corrupt {
                    what: "schedule attempt outcome",
                    value: other.to_owned(),
                });
            }
        })
    }
}

/// One attempt of a scheduled run, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub schedule: String,
    /// The firing it belongs to; `None` for `kin schedule run` by hand.
    pub fire_time: Option<Timestamp>,
    /// 1 for the first attempt of a firing, 2 for its first retry, …
    pub number: u32,
    pub started: Timestamp,
    pub ended: Timestamp,
    pub outcome: AttemptOutcome,
    /// What happened, in a line: what changed, the error, where the failure went.
    pub detail: String,
    /// Who ran it (`user@host`, and the process).
    pub runner: String,
}

impl Attempt {
    /// The audit entry's payload for recording it: the whole row (times in milliseconds),
    /// so that a copy of the store rebuilds the row from its entry.
    pub(crate) fn audit_payload(&self) -> Value {
        AttemptColumns {
            schedule: &self.schedule,
            fire_time_ms: self.fire_time.map(Timestamp::millis),
            number: i64::from(self.number),
            started_ms: self.started.millis(),
            ended_ms: self.ended.millis(),
            outcome: self.outcome.as_str(),
            detail: &self.detail,
            runner: &self.runner,
        }
        .document()
    }

    /// The attempt an audit entry's payload records (see [`Attempt::audit_payload`]).
    pub(crate) fn from_audit_payload(payload: &Value) -> Option<Attempt> {
        let millis = |key: &str| payload[key].as_i64().map(Timestamp::from_millis);
        Some(Attempt {
            schedule: payload["schedule"].as_str()?.to_owned(),
            fire_time: millis("fire_time_ms"),
            number: u32::try_from(payload["attempt"].as_u64()?).ok()?,
            started: millis("started_ms")?,
            ended: millis("ended_ms")?,
            outcome: payload["outcome"].as_str()?.parse().ok()?,
            detail: payload["detail"].as_str()?.to_owned(),
            runner: payload["runner"].as_str()?.to_owned(),
        })
    }

    pub(crate) fn audit_subject(&self) -> String {
        format!("{} attempt {}", self.schedule, self.number)
    }
}

/// An attempt's columns as stored, whatever they hold: what `kin audit verify` compares
/// with the attempt's entry (an edited outcome need not be one kin knows).
pub(crate) struct AttemptColumns<'a> {
    pub schedule: &'a str,
    pub fire_time_ms: Option<i64>,
    pub number: i64,
    pub started_ms: i64,
    pub ended_ms: i64,
    pub outcome: &'a str,
    pub detail: &'a str,
    pub runner: &'a str,
}

impl AttemptColumns<'_> {
    /// The row as its audit entry's payload records it.
    pub(crate) fn document(&self) -> Value {
        json!({
            "schedule": self.schedule,
            "fire_time_ms": self.fire_time_ms,
            "attempt": self.number,
            "started_ms": self.started_ms,
            "ended_ms": self.ended_ms,
            "outcome": self.outcome,
            "detail": self.detail,
            "runner": self.runner,
        })
    }
}

/// What tells one attempt's row from another's in `kin audit verify`'s words: its schedule,
/// number and start (a schedule's attempts share numbers across firings).
pub(crate) fn attempt_key(document: &Value) -> String {
    format!(
        "{} attempt {} started {}",
        document["schedule"].as_str().unwrap_or("?"),
        document["attempt"],
        Timestamp::from_millis(document["started_ms"].as_i64().unwrap_or(0))
    )
}
