//! The scheduler: runs each schedule of a repository's `.kin/config.toml` when it is due,
//! on its own (`kin scheduler`) or beside the HTTP server (`kin serve --scheduler`).
//!
//! What fired is kept in the lineage store, not in the process: a restarted scheduler goes
//! on from the last firing claimed, and two schedulers on one store never run the same
//! firing (the store lets one claim it).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use kin::schedule::{
    Concurrency, Due, Firing, Schedule, due_at, from_store_time, run_firing, to_store_time,
};
use kin_store::{Attempt, AttemptOutcome, LineageStore, Store, StoreError, Timestamp};

/// How long the scheduler sleeps between looks at the clock, at most.
const TICK: Duration = Duration::from_secs(5);

/// Where a scheduler's lines go (the terminal, the server's log).
pub type Report = Arc<dyn Fn(&str) + Send + Sync>;

/// What a scheduler needs.
pub struct SchedulerOptions {
    /// The repository's root.
    pub root: PathBuf,
    pub schedules: Vec<Schedule>,
    /// The `kin` executable that runs `repro`, `push` and the change check.
    pub kin: PathBuf,
    /// Set to stop: running firings are asked to stop, then killed after a grace period.
    pub stop: Arc<AtomicBool>,
    pub report: Report,
}

/// Why the scheduler could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot open the lineage store: {0}")]
    Open(String),
}

/// Looks at the schedules at `now` once, runs what is due then and waits for it.
pub fn run_once(options: SchedulerOptions, now: jiff::Timestamp) -> Result<(), SchedulerError> {
    let scheduler = Scheduler::new(options);
    let mut store = scheduler.shared.open_store()?;
    for schedule in &scheduler.schedules {
        scheduler.look(&mut store, schedule, now, false)?;
    }
    Ok(())
}

/// Runs every schedule when it is due until `stop` is set; then lets the running firings
/// end (they were told to stop) and returns.
pub fn run_until_stopped(options: SchedulerOptions) -> Result<(), SchedulerError> {
    let scheduler = Scheduler::new(options);
    let mut store = scheduler.shared.open_store()?;
    scheduler.shared.say(&format!(
        "scheduler: {} schedule(s), {}",
        scheduler.schedules.len(),
        scheduler.shared.runner
    ));
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    while !scheduler.shared.stop.load(Ordering::SeqCst) {
        let now = jiff::Timestamp::now();
        for schedule in &scheduler.schedules {
            // A store that fails now (a PostgreSQL server restarting) is tried again at the
            // next look; the scheduler itself goes on.
            match scheduler.look(&mut store, schedule, now, true) {
                Ok(Some(thread)) => threads.push(thread),
                Ok(None) => {}
                Err(e) => scheduler
                    .shared
                    .say(&format!("{}: error: {e}", schedule.name)),
            }
        }
        threads.retain(|thread| !thread.is_finished());
        sleep_until_stopped(TICK, &scheduler.shared.stop);
    }
    scheduler
        .shared
        .say("scheduler: stopping; running firings were asked to stop");
    for thread in threads {
        let _ = thread.join();
    }
    Ok(())
}

struct Scheduler {
    schedules: Vec<Schedule>,
    shared: Arc<Shared>,
}

/// What the scheduler and the threads running its firings share.
struct Shared {
    root: PathBuf,
    kin: PathBuf,
    runner: String,
    stop: Arc<AtomicBool>,
    report: Report,
    /// Schedules with a firing running in this process.
    running: Mutex<HashSet<String>>,
}

impl Shared {
    fn say(&self, line: &str) {
        (self.report)(line);
    }

    fn open_store(&self) -> Result<Store, SchedulerError> {
        kin::lineage::store_location(&self.root)
            .map_err(|e| SchedulerError::Open(e.to_string()))
            .and_then(|at| Store::open(&at).map_err(|e| SchedulerError::Open(e.to_string())))
    }

    /// Records a firing that is not run (missed, or another run still going) and says so.
    fn not_run(
        &self,
        store: &mut Store,
        schedule: &Schedule,
        fire_time: jiff::Timestamp,
        outcome: AttemptOutcome,
        detail: &str,
    ) -> Result<(), SchedulerError> {
        let at = Timestamp::now();
        store.record_attempt(&Attempt {
            schedule: schedule.name.clone(),
            fire_time: Some(to_store_time(fire_time)),
            number: 1,
            started: at,
            ended: at,
            outcome,
            detail: detail.to_owned(),
            runner: self.runner.clone(),
        })?;
        self.say(&format!(
            "{} at {fire_time}: {outcome}: {detail}",
            schedule.name
        ));
        Ok(())
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Scheduler {
    fn new(options: SchedulerOptions) -> Self {
        Scheduler {
            schedules: options.schedules,
            shared: Arc::new(Shared {
                root: options.root,
                kin: options.kin,
                runner: kin::schedule::runner(),
                stop: options.stop,
                report: options.report,
                running: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// Runs what is due of `schedule` at `now`: in a thread of its own when `background`
    /// (its handle returned), else before returning.
    fn look(
        &self,
        store: &mut Store,
        schedule: &Schedule,
        now: jiff::Timestamp,
        background: bool,
    ) -> Result<Option<JoinHandle<()>>, SchedulerError> {
        let shared = &self.shared;
        let busy = shared.running().contains(&schedule.name) || in_flight(store, schedule, now)?;
        if busy && schedule.concurrency == Concurrency::Queue {
            // It runs when the one going is over: its firing stays unclaimed until then.
            return Ok(None);
        }
        let last = store.last_firing(&schedule.name)?.map(from_store_time);
        let (fire_time, missed) = match due_at(schedule, last, now) {
            Due::Nothing => return Ok(None),
            Due::Missed { fire_time, missed } => {
                if store.claim_firing(&schedule.name, to_store_time(fire_time), &shared.runner)? {
                    let detail = format!(
                        "{missed} firing(s) missed while no scheduler ran, up to this one; not caught up (catch_up = false)"
                    );
                    shared.not_run(
                        store,
                        schedule,
                        fire_time,
                        AttemptOutcome::Cancelled,
                        &detail,
                    )?;
                }
                return Ok(None);
            }
            Due::Run { fire_time, missed } => (fire_time, missed),
        };
        if !store.claim_firing(&schedule.name, to_store_time(fire_time), &shared.runner)? {
            // Another scheduler on this store has it.
            return Ok(None);
        }
        if missed > 0 {
            shared.say(&format!(
                "{}: catching up {missed} missed firing(s) with one run",
                schedule.name
            ));
        }
        if busy {
            let (outcome, detail) = match schedule.concurrency {
                Concurrency::CancelNew => (
                    AttemptOutcome::Cancelled,
                    "the previous run was still going (concurrency = \"cancel-new\")",
                ),
                Concurrency::Skip | Concurrency::Queue => (
                    AttemptOutcome::SkippedBusy,
                    "the previous run was still going (concurrency = \"skip\")",
                ),
            };
            shared.not_run(store, schedule, fire_time, outcome, detail)?;
            return Ok(None);
        }
        shared.say(&format!("{}: firing for {fire_time}", schedule.name));
        shared.running().insert(schedule.name.clone());
        if background {
            let shared = Arc::clone(shared);
            let schedule = schedule.clone();
            return Ok(Some(std::thread::spawn(move || {
                match shared.open_store() {
                    Ok(mut store) => fire(&shared, &schedule, fire_time, &mut store),
                    Err(e) => shared.say(&format!("{}: error: {e}", schedule.name)),
                }
                shared.running().remove(&schedule.name);
            })));
        }
        fire(shared, schedule, fire_time, store);
        shared.running().remove(&schedule.name);
        Ok(None)
    }
}

/// Whether the schedule's last claimed firing is still being run (by this scheduler or any
/// other on the store): claimed, its attempts not yet over, and not so old that its
/// scheduler must have died with it.
fn in_flight(
    store: &Store,
    schedule: &Schedule,
    now: jiff::Timestamp,
) -> Result<bool, SchedulerError> {
    let Some(last) = store.last_firing(&schedule.name)? else {
        return Ok(false);
    };
    let attempts = store.attempts(&schedule.name, 50)?;
    let latest = attempts.iter().find(|a| a.fire_time == Some(last));
    let over = latest.is_some_and(|attempt| match attempt.outcome {
        AttemptOutcome::Retried => false,
        AttemptOutcome::TimedOut => attempt.number > schedule.retries,
        AttemptOutcome::SkippedUnchanged
        | AttemptOutcome::SkippedBusy
        | AttemptOutcome::Succeeded
        | AttemptOutcome::Failed
        | AttemptOutcome::Cancelled => true,
    });
    if over {
        return Ok(false);
    }
    let claimed = from_store_time(last);
    Ok(claimed
        .checked_add(lease(schedule))
        .is_ok_and(|until| until > now))
}

/// How long a claimed firing counts as running without an end recorded: every attempt up
/// to its timeout and the waits between them, and an hour more; a day without a timeout.
fn lease(schedule: &Schedule) -> jiff::SignedDuration {
    let margin = jiff::SignedDuration::from_hours(1);
    let Some(timeout) = schedule.timeout else {
        return jiff::SignedDuration::from_hours(24);
    };
    let attempts = i32::try_from(schedule.retries.saturating_add(1)).unwrap_or(i32::MAX);
    let waits: f64 = (1..=schedule.retries)
        .map(|retry| schedule.retry_delay.base_seconds(retry) * (1.0 + schedule.retry_delay.jitter))
        .sum();
    timeout
        .checked_mul(attempts)
        .and_then(|t| t.checked_add(jiff::SignedDuration::from_secs_f64(waits)))
        .and_then(|t| t.checked_add(margin))
        .unwrap_or(jiff::SignedDuration::MAX)
}

/// Runs one firing; a failure to run it is reported, never fatal to the scheduler.
fn fire(shared: &Shared, schedule: &Schedule, fire_time: jiff::Timestamp, store: &mut Store) {
    let firing = Firing {
        root: &shared.root,
        kin: &shared.kin,
        fire_time: Some(fire_time),
        stop: &shared.stop,
        runner: &shared.runner,
    };
    let name = &schedule.name;
    let mut report = |line: &str| shared.say(&format!("{name}: {line}"));
    if let Err(e) = run_firing(schedule, &firing, store, &mut report) {
        shared.say(&format!("{name}: error: {e}"));
    }
}

fn sleep_until_stopped(duration: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(100);
    let mut slept = Duration::ZERO;
    while slept < duration && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        slept += step;
    }
}
