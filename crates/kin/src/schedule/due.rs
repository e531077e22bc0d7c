//! Which firing of a schedule is due at an instant, given the last one claimed.

use jiff::{SignedDuration, Timestamp};

use super::config::Schedule;

/// A firing this recent counts as on time: a scheduler that looks every few seconds, or a
/// test that names the instant, runs it. Older ones were missed (the scheduler was down).
pub const ON_TIME: SignedDuration = SignedDuration::from_secs(60);

/// How many missed firings are looked at, at most, after downtime.
const MISSED_LOOKED_AT: usize = 10_000;

/// What to do about a schedule at `now`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Due {
    /// Nothing is due.
    Nothing,
    /// Run the firing at this instant (on time, or once for firings missed with
    /// `catch_up`); `missed` earlier ones are covered by it.
    Run { fire_time: Timestamp, missed: usize },
    /// Firings were missed and `catch_up` is off: claim the latest without running it.
    Missed { fire_time: Timestamp, missed: usize },
}

/// The firing due at `now`, given the last claimed one (`None`: the schedule never fired
/// here, so only an on-time firing counts).
pub fn due_at(schedule: &Schedule, last: Option<Timestamp>, now: Timestamp) -> Due {
    let window_start = now.checked_sub(ON_TIME).unwrap_or(now);
    let after = match last {
        Some(last) => last,
        None => window_start,
    };
    if after >= now {
        return Due::Nothing;
    }
    let times = schedule.timing.between(after, now, MISSED_LOOKED_AT);
    let Some(latest) = times.last().copied() else {
        return Due::Nothing;
    };
    let missed = times.len() - 1;
    if latest > window_start || schedule.catch_up {
        Due::Run {
            fire_time: latest,
            missed,
        }
    } else {
        Due::Missed {
            fire_time: latest,
            missed: times.len(),
        }
    }
}
