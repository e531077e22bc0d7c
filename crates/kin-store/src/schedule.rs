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
    /// The audit entry's payload for recording it.
    pub(crate) fn audit_payload(&self) -> Value {
        json!({
            "schedule": self.schedule,
            "fire_time": self.fire_time.map(|t| t.to_string()),
            "attempt": self.number,
            "started": self.started.to_string(),
            "ended": self.ended.to_string(),
            "outcome": self.outcome.as_str(),
            "detail": self.detail,
            "runner": self.runner,
        })
    }

    pub(crate) fn audit_subject(&self) -> String {
        format!("{} attempt {}", self.schedule, self.number)
    }
}
