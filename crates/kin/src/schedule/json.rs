//! The JSON documents of `kin schedule … --json` (and of the server, which answers the same).

use jiff::Timestamp;
use kin_store::Attempt;
use serde_json::{Value, json};

use super::config::{OnFailure, Schedule};
use super::timing::{Timing, format_interval};

/// A schedule as `kin schedule list --json` shows it, with its next fire time.
pub fn schedule_json(schedule: &Schedule, next: Option<Timestamp>) -> Value {
    let timing = match &schedule.timing {
        Timing::Cron {
            expression,
            zone_name,
            ..
        } => json!({"cron": expression, "timezone": zone_name}),
        Timing::Every { interval, anchor } => json!({
            "every": format_interval(*interval),
            "every_seconds": interval.as_secs(),
            "anchor": anchor.to_string(),
        }),
    };
    let on_failure = match &schedule.on_failure {
        Some(OnFailure::Webhook(url)) => json!({"webhook": url}),
        Some(OnFailure::Command(command)) => json!({"command": command}),
        None => Value::Null,
    };
    json!({
        "name": schedule.name,
        "targets": schedule.targets,
        "timing": timing,
        "push": schedule.push,
        "retries": schedule.retries,
        "retry_delay": schedule.retry_delay.delays,
        "retry_backoff": schedule.retry_delay.backoff,
        "retry_jitter": schedule.retry_delay.jitter,
        "timeout_seconds": schedule.timeout.map(|t| t.as_secs()),
        "concurrency": schedule.concurrency.as_str(),
        "only_if_changed": schedule.only_if_changed,
        "catch_up": schedule.catch_up,
        "on_failure": on_failure,
        "git_pull": schedule.git_pull,
        "next": next.map(|t| t.to_string()),
    })
}

/// A fire time: the instant (UTC) and the schedule's wall clock then.
pub fn fire_time_json(schedule: &Schedule, time: Timestamp) -> Value {
    let local = match &schedule.timing {
        Timing::Cron { zone, .. } => time.to_zoned(zone.clone()).to_string(),
        Timing::Every { .. } => time.to_string(),
    };
    json!({"at": time.to_string(), "local": local})
}

/// One recorded attempt.
pub fn attempt_json(attempt: &Attempt) -> Value {
    json!({
        "schedule": attempt.schedule,
        "fire_time": attempt.fire_time.map(|t| t.to_string()),
        "attempt": attempt.number,
        "started": attempt.started.to_string(),
        "ended": attempt.ended.to_string(),
        "outcome": attempt.outcome.as_str(),
        "detail": attempt.detail,
        "runner": attempt.runner,
    })
}
