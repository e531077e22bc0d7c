//! `kin scheduler`: runs every schedule of `.kin/config.toml` when it is due, until stopped.
//! `--once --now TIME` looks at one instant and exits (how tests drive time).
//!
//! What fired is kept in the lineage store, not in the process: a restarted scheduler goes
//! on from the last firing claimed, and two schedulers on one store never run the same
//! firing (the store lets one claim it).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clap::Args;
use kin::lineage::kin_store::{Attempt, AttemptOutcome, LineageStore, Store, Timestamp};
use kin::schedule::{
    Concurrency, Due, Firing, Schedule, due_at, from_store_time, parse_instant, run_firing,
    to_store_time,
};

use super::schedule::{kin_executable, schedules};
use crate::command_error::CommandError;
use crate::printer::Printer;

/// How long the scheduler sleeps between looks at the clock, at most.
const TICK: Duration = Duration::from_secs(5);

#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Look at the schedules once, run what is due, wait for it and exit.
    #[arg(long)]
    pub once: bool,
    /// With `--once`: the instant to look at (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME", requires = "once")]
    pub now: Option<String>,
}

pub fn cmd_scheduler(
    printer: Printer,
    cwd: &Path,
    args: &SchedulerArgs,
) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let schedules = schedules(&repo)?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| CommandError::failure(format!("cannot handle signals: {e}")))?;
    }
    let scheduler = Scheduler {
        root: repo.root().to_path_buf(),
        kin: kin_executable()?,
        runner: kin::schedule::runner(),
        stop,
        running: Arc::new(Mutex::new(HashSet::new())),
        printer,
    };
    let mut store = kin::lineage::open_store(&repo)?;
    if args.once {
        let now = match &args.now {
            Some(text) => parse_instant(text).map_err(|e| CommandError::usage(e.to_string()))?,
            None => jiff::Timestamp::now(),
        };
        for schedule in &schedules {
            scheduler.look(&mut store, schedule, now, false)?;
        }
        return Ok(());
    }
    if schedules.is_empty() {
        return Err(CommandError::failure("there are no schedules to run")
            .with_hint("add a `[[schedule]]` table to .kin/config.toml (see docs/schedule.md)"));
    }
    scheduler.say(&format!(
        "kin scheduler: {} schedule(s), {}",
        schedules.len(),
        scheduler.runner
    ));
    let mut threads = Vec::new();
    while !scheduler.stop.load(Ordering::SeqCst) {
        let now = jiff::Timestamp::now();
        for schedule in &schedules {
            if let Some(thread) = scheduler.look(&mut store, schedule, now, true)? {
                threads.push(thread);
            }
        }
        threads.retain(|t: &std::thread::JoinHandle<()>| !t.is_finished());
        sleep_until_stopped(TICK, &scheduler.stop);
    }
    scheduler.say("kin scheduler: stopping; letting running firings end");
    for thread in threads {
        let _ = thread.join();
    }
    Ok(())
}

struct Scheduler {
    root: PathBuf,
    kin: PathBuf,
    runner: String,
    stop: Arc<AtomicBool>,
    /// Schedules with a firing running in this process.
    running: Arc<Mutex<HashSet<String>>>,
    printer: Printer,
}

impl Scheduler {
    fn say(&self, line: &str) {
        let _ = writeln!(self.printer.status(), "{line}");
    }

    /// Runs what is due of `schedule` at `now`: in a thread of its own when `background`
    /// (its handle returned), else before returning.
    fn look(
        &self,
        store: &mut Store,
        schedule: &Schedule,
        now: jiff::Timestamp,
        background: bool,
    ) -> Result<Option<std::thread::JoinHandle<()>>, CommandError> {
        let busy = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&schedule.name);
        if busy && schedule.concurrency == Concurrency::Queue {
            // It runs when the one going is over: its firing stays unclaimed until then.
            return Ok(None);
        }
        let last = store.last_firing(&schedule.name)?.map(from_store_time);
        let (fire_time, missed) = match due_at(schedule, last, now) {
            Due::Nothing => return Ok(None),
            Due::Missed { fire_time, missed } => {
                if store.claim_firing(&schedule.name, to_store_time(fire_time), &self.runner)? {
                    self.say(&format!(
                        "{}: {missed} firing(s) missed while no scheduler ran, up to {fire_time}; not caught up (catch_up = false)",
                        schedule.name
                    ));
                }
                return Ok(None);
            }
            Due::Run { fire_time, missed } => (fire_time, missed),
        };
        if !store.claim_firing(&schedule.name, to_store_time(fire_time), &self.runner)? {
            // Another scheduler on this store has it.
            return Ok(None);
        }
        if missed > 0 {
            self.say(&format!(
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
            return Ok(None);
        }
        self.say(&format!("{}: firing for {fire_time}", schedule.name));
        let job = FiringJob {
            schedule: schedule.clone(),
            root: self.root.clone(),
            kin: self.kin.clone(),
            runner: self.runner.clone(),
            stop: Arc::clone(&self.stop),
            running: Arc::clone(&self.running),
            printer: self.printer,
            fire_time,
        };
        job.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(schedule.name.clone());
        if background {
            return Ok(Some(std::thread::spawn(move || job.run(None))));
        }
        job.run(Some(store));
        Ok(None)
    }
}

/// One firing, runnable on a thread of its own.
struct FiringJob {
    schedule: Schedule,
    root: PathBuf,
    kin: PathBuf,
    runner: String,
    stop: Arc<AtomicBool>,
    running: Arc<Mutex<HashSet<String>>>,
    printer: Printer,
    fire_time: jiff::Timestamp,
}

impl FiringJob {
    /// Runs it on `store`, or on a store of its own; a failure to run is reported, never
    /// fatal to the scheduler.
    fn run(self, store: Option<&mut Store>) {
        let name = self.schedule.name.clone();
        let mut status = self.printer.status();
        let mut report = |line: &str| {
            let _ = writeln!(status, "{name}: {line}");
        };
        let firing = Firing {
            root: &self.root,
            kin: &self.kin,
            fire_time: Some(self.fire_time),
            stop: &self.stop,
            runner: &self.runner,
        };
        let result = match store {
            Some(store) => run_firing(&self.schedule, &firing, store, &mut report),
            None => match kin::lineage::store_location(&self.root)
                .map_err(|e| e.to_string())
                .and_then(|at| Store::open(&at).map_err(|e| e.to_string()))
            {
                Ok(mut store) => run_firing(&self.schedule, &firing, &mut store, &mut report),
                Err(e) => {
                    report(&format!("error: cannot open the lineage store: {e}"));
                    self.done();
                    return;
                }
            },
        };
        if let Err(e) = result {
            report(&format!("error: {e}"));
        }
        self.done();
    }

    fn done(&self) {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.schedule.name);
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
