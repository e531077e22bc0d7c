//! Running one firing of a schedule: decide whether anything changed, reproduce the
//! pipeline in a child `kin` with the schedule's timeout and retries, push, and tell
//! `on_failure` when it did not succeed. Every attempt is recorded in the lineage store.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kin_store::{Attempt, AttemptOutcome, LineageStore, Store, Timestamp};
use serde_json::json;

use super::config::{OnFailure, Schedule};

/// The run tag that names the schedule a run was made by (`kin runs --schedule NAME`).
pub const SCHEDULE_TAG: &str = "schedule";

/// How long a stopped repro gets to end its stages before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// How long a webhook may take to answer.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a waiting scheduler looks at its child and at the stop flag.
const POLL: Duration = Duration::from_millis(50);

/// What one firing needs besides its schedule.
pub struct Firing<'a> {
    /// The repository's root.
    pub root: &'a Path,
    /// The `kin` executable that runs `status`, `repro` and `push`.
    pub kin: &'a Path,
    /// The instant the firing is for; `None` for a run by hand.
    pub fire_time: Option<jiff::Timestamp>,
    /// Set to stop: the running repro is asked to stop, then killed after a grace period.
    pub stop: &'a AtomicBool,
    /// Who runs it, as recorded with each attempt.
    pub runner: &'a str,
}

/// Why a firing could not be run at all (as opposed to a run that failed).
#[derive(Debug, thiserror::Error)]
pub enum FiringError {
    #[error("cannot start `{}`: {source}", program.display())]
    Spawn {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot tell whether anything changed: {reason}")]
    Status { reason: String },
    #[error(transparent)]
    Store(#[from] kin_store::StoreError),
}

/// Runs `schedule` once (with its retries); the outcome of the last attempt. `report` hears
/// a line for each step. A firing that cannot be run at all (its change check fails, `kin`
/// cannot be started) is recorded as failed too, so it never looks as if still running.
pub fn run_firing(
    schedule: &Schedule,
    firing: &Firing<'_>,
    store: &mut Store,
    report: &mut dyn FnMut(&str),
) -> Result<AttemptOutcome, FiringError> {
    let started = Timestamp::now();
    match run_attempts(schedule, firing, store, report) {
        Err(error @ (FiringError::Spawn { .. } | FiringError::Status { .. })) => {
            let detail = error.to_string();
            report(&format!("failed: {detail}"));
            store.record_attempt(&Attempt {
                schedule: schedule.name.clone(),
                fire_time: firing.fire_time.map(to_store_time),
                number: 1,
                started,
                ended: Timestamp::now(),
                outcome: AttemptOutcome::Failed,
                detail: detail.clone(),
                runner: firing.runner.to_owned(),
            })?;
            notify_failure(schedule, firing, AttemptOutcome::Failed, 1, &detail, report);
            Ok(AttemptOutcome::Failed)
        }
        other => other,
    }
}

fn run_attempts(
    schedule: &Schedule,
    firing: &Firing<'_>,
    store: &mut Store,
    report: &mut dyn FnMut(&str),
) -> Result<AttemptOutcome, FiringError> {
    let fire_time = firing.fire_time.map(to_store_time);
    let record = |store: &mut Store,
                  number: u32,
                  started: Timestamp,
                  outcome: AttemptOutcome,
                  detail: String|
     -> Result<(), FiringError> {
        store.record_attempt(&Attempt {
            schedule: schedule.name.clone(),
            fire_time,
            number,
            started,
            ended: Timestamp::now(),
            outcome,
            detail,
            runner: firing.runner.to_owned(),
        })?;
        Ok(())
    };

    if let Some(branch) = &schedule.git_pull {
        let started = Timestamp::now();
        if let Err(reason) = git_pull(firing.root, branch) {
            report(&format!("failed: {reason}"));
            record(store, 1, started, AttemptOutcome::Failed, reason.clone())?;
            notify_failure(schedule, firing, AttemptOutcome::Failed, 1, &reason, report);
            return Ok(AttemptOutcome::Failed);
        }
    }
    refresh_imports(firing)?;
    if schedule.only_if_changed {
        let started = Timestamp::now();
        match changes(schedule, firing)? {
            None => {
                report("nothing changed since the last run: skipped");
                record(
                    store,
                    1,
                    started,
                    AttemptOutcome::SkippedUnchanged,
                    "nothing the pipeline reads changed".to_owned(),
                )?;
                return Ok(AttemptOutcome::SkippedUnchanged);
            }
            Some(changed) => report(&format!("changed: {changed}")),
        }
    }

    let attempts = schedule.retries + 1;
    for number in 1..=attempts {
        let started = Timestamp::now();
        report(&format!("attempt {number} of {attempts}"));
        let (outcome, detail) = attempt(schedule, firing)?;
        let last = number == attempts;
        let outcome = match outcome {
            AttemptOutcome::Failed | AttemptOutcome::TimedOut if !last => {
                // A timeout is told as such; either way another attempt follows.
                let recorded = if outcome == AttemptOutcome::TimedOut {
                    AttemptOutcome::TimedOut
                } else {
                    AttemptOutcome::Retried
                };
                record(store, number, started, recorded, detail.clone())?;
                let delay = retry_delay(schedule, number);
                report(&format!(
                    "{detail}; retrying in {:.1} s",
                    delay.as_secs_f64()
                ));
                if wait_or_stop(delay, firing.stop) {
                    record(
                        store,
                        number + 1,
                        Timestamp::now(),
                        AttemptOutcome::Cancelled,
                        "the scheduler was stopped before the retry".to_owned(),
                    )?;
                    return Ok(AttemptOutcome::Cancelled);
                }
                continue;
            }
            other => other,
        };
        record(store, number, started, outcome, detail.clone())?;
        report(&format!("{outcome}: {detail}"));
        if matches!(outcome, AttemptOutcome::Failed | AttemptOutcome::TimedOut) {
            notify_failure(schedule, firing, outcome, number, &detail, report);
        }
        return Ok(outcome);
    }
    Ok(AttemptOutcome::Failed)
}

/// `git pull --ff-only origin BRANCH`: the pipeline as its branch has it now. A pull that
/// cannot fast-forward (local commits, conflicts) fails the firing rather than merge.
fn git_pull(root: &Path, branch: &str) -> Result<(), String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["pull", "--ff-only", "--quiet", "origin", branch])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "git pull --ff-only origin {branch} failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    ))
}

/// Fetches imported data again where its source changed (`kin update --all`): what the
/// pipeline reads from outside is current before anything is decided or run.
fn refresh_imports(firing: &Firing<'_>) -> Result<(), FiringError> {
    kin_output(firing, &["update", "--all", "-q"], &[])
        .map(|_| ())
        .map_err(|error| match error {
            FiringError::Status { reason } => FiringError::Status {
                reason: format!("refreshing imports failed: {reason}"),
            },
            other => other,
        })
}

/// What a `kin` command the firing needs printed; its error output as the reason when it
/// failed.
fn kin_output(
    firing: &Firing<'_>,
    args: &[&str],
    targets: &[String],
) -> Result<Vec<u8>, FiringError> {
    let output = kin_command(firing, args, targets)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|source| FiringError::Spawn {
            program: firing.kin.to_path_buf(),
            source,
        })?;
    if !output.status.success() {
        return Err(FiringError::Status {
            reason: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(output.stdout)
}

/// The stages a repro of the schedule's targets would run (stale as `kin status` decides),
/// in a line; `None` if none.
fn changes(schedule: &Schedule, firing: &Firing<'_>) -> Result<Option<String>, FiringError> {
    let output = kin_output(firing, &["repro", "--dry", "--json"], &schedule.targets)?;
    let report: serde_json::Value =
        serde_json::from_slice(&output).map_err(|e| FiringError::Status {
            reason: format!("unreadable answer: {e}"),
        })?;
    let stale: Vec<&str> = report["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|stage| stage["status"] == "would-run")
        .filter_map(|stage| stage["stage"].as_str())
        .collect();
    if stale.is_empty() {
        return Ok(None);
    }
    Ok(Some(stale.join(", ")))
}

/// One attempt: `kin repro` (then `kin push`), within the timeout.
fn attempt(
    schedule: &Schedule,
    firing: &Firing<'_>,
) -> Result<(AttemptOutcome, String), FiringError> {
    let tag = format!("{SCHEDULE_TAG}={}", schedule.name);
    let mut repro = kin_command(firing, &["repro", "--tag", &tag], &schedule.targets);
    let deadline = schedule
        .timeout
        .map(|t| Instant::now() + Duration::from_secs(t.as_secs().unsigned_abs()));
    let ended = run_child(&mut repro, firing, deadline)?;
    match ended {
        ChildEnd::Exited(status) if status.success() => {}
        ChildEnd::Exited(status) => {
            return Ok((
                AttemptOutcome::Failed,
                format!("kin repro {}", describe(status)),
            ));
        }
        ChildEnd::TimedOut => {
            let timeout = schedule.timeout.map_or(0, |t| t.as_secs());
            return Ok((
                AttemptOutcome::TimedOut,
                format!("stopped after the timeout of {timeout} s"),
            ));
        }
        ChildEnd::Stopped => {
            return Ok((
                AttemptOutcome::Cancelled,
                "the scheduler was stopped during the run".to_owned(),
            ));
        }
    }
    let Some(remote) = &schedule.push else {
        return Ok((AttemptOutcome::Succeeded, "reproduced".to_owned()));
    };
    let mut push = kin_command(firing, &["push", "-r", remote], &[]);
    match run_child(&mut push, firing, deadline)? {
        ChildEnd::Exited(status) if status.success() => Ok((
            AttemptOutcome::Succeeded,
            format!("reproduced and pushed to `{remote}`"),
        )),
        ChildEnd::Exited(status) => Ok((
            AttemptOutcome::Failed,
            format!("reproduced, but kin push -r {remote} {}", describe(status)),
        )),
        ChildEnd::TimedOut => Ok((
            AttemptOutcome::TimedOut,
            "stopped during the push after the timeout".to_owned(),
        )),
        ChildEnd::Stopped => Ok((
            AttemptOutcome::Cancelled,
            "the scheduler was stopped during the push".to_owned(),
        )),
    }
}

fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with {code}"),
        None => "was killed by a signal".to_owned(),
    }
}

fn kin_command(firing: &Firing<'_>, args: &[&str], targets: &[String]) -> Command {
    let mut command = Command::new(firing.kin);
    command
        .arg("-C")
        .arg(firing.root)
        .args(args)
        .args(targets)
        .stdin(Stdio::null());
    command
}

enum ChildEnd {
    Exited(ExitStatus),
    TimedOut,
    Stopped,
}

/// Runs `command` in a process group of its own, so a timeout or a stop reaches the stage
/// commands it started too.
fn run_child(
    command: &mut Command,
    firing: &Firing<'_>,
    deadline: Option<Instant>,
) -> Result<ChildEnd, FiringError> {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
    let mut child = command.spawn().map_err(|source| FiringError::Spawn {
        program: firing.kin.to_path_buf(),
        source,
    })?;
    loop {
        if let Some(status) = child.try_wait().map_err(|source| FiringError::Spawn {
            program: firing.kin.to_path_buf(),
            source,
        })? {
            return Ok(ChildEnd::Exited(status));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            stop_group(&mut child);
            return Ok(ChildEnd::TimedOut);
        }
        if firing.stop.load(Ordering::SeqCst) {
            stop_group(&mut child);
            return Ok(ChildEnd::Stopped);
        }
        std::thread::sleep(POLL);
    }
}

/// Asks the child's group to stop (a repro ends its stages and records what it did), then
/// kills what is left after the grace period.
fn stop_group(child: &mut Child) {
    let Some(group) = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    let _ = rustix::process::kill_process_group(group, rustix::process::Signal::TERM);
    let until = Instant::now() + STOP_GRACE;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            // The repro is gone; its stage commands may linger.
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
            return;
        }
        std::thread::sleep(POLL);
    }
    let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    let _ = child.wait();
}

/// Sleeps `delay` unless stopped first; whether it was stopped.
fn wait_or_stop(delay: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + delay;
    while Instant::now() < until {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
    }
    stop.load(Ordering::SeqCst)
}

/// The wait before the retry that follows attempt `number`, with the schedule's jitter.
fn retry_delay(schedule: &Schedule, number: u32) -> Duration {
    let policy = &schedule.retry_delay;
    let base = policy.base_seconds(number);
    let jittered = if policy.jitter > 0.0 {
        // Spread evenly over [-jitter, +jitter] of the delay.
        base * (1.0 + policy.jitter * (2.0 * unit_random() - 1.0))
    } else {
        base
    };
    Duration::from_secs_f64(jittered.max(0.0))
}

/// A number in [0, 1) that differs between calls and processes (std's hasher keys are
/// random per process).
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Tells the schedule's `on_failure` that the firing failed; a webhook or command that
/// fails is reported, never fatal.
fn notify_failure(
    schedule: &Schedule,
    firing: &Firing<'_>,
    outcome: AttemptOutcome,
    attempts: u32,
    detail: &str,
    report: &mut dyn FnMut(&str),
) {
    let Some(target) = &schedule.on_failure else {
        return;
    };
    let payload = json!({
        "schedule": schedule.name,
        "outcome": outcome.as_str(),
        "attempts": attempts,
        "detail": detail,
        "fire_time": firing.fire_time.map(|t| t.to_string()),
        "at": Timestamp::now().to_string(),
        "repository": firing.root.display().to_string(),
        "runner": firing.runner,
    });
    let body = payload.to_string();
    match target {
        OnFailure::Webhook(url) => {
            let sent = reqwest::blocking::Client::builder()
                .timeout(WEBHOOK_TIMEOUT)
                .build()
                .and_then(|client| {
                    client
                        .post(url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                });
            match sent {
                Ok(response) if response.status().is_success() => {
                    report(&format!("told {url} of the failure"));
                }
                Ok(response) => report(&format!(
                    "warning: the failure webhook {url} answered {}",
                    response.status()
                )),
                Err(e) => report(&format!(
                    "warning: could not tell the failure webhook {url}: {e}"
                )),
            }
        }
        OnFailure::Command(command) => {
            let spawned = Command::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(firing.root)
                .env("KIN_SCHEDULE", &schedule.name)
                .env("KIN_SCHEDULE_OUTCOME", outcome.as_str())
                .stdin(Stdio::piped())
                .spawn();
            let result = spawned.and_then(|mut child| {
                if let Some(mut stdin) = child.stdin.take() {
                    let _ = stdin.write_all(body.as_bytes());
                }
                child.wait()
            });
            match result {
                Ok(status) if status.success() => report("ran the on_failure command"),
                Ok(status) => report(&format!(
                    "warning: the on_failure command {}",
                    describe(status)
                )),
                Err(e) => report(&format!(
                    "warning: could not run the on_failure command: {e}"
                )),
            }
        }
    }
}

/// A jiff instant as the store keeps time (milliseconds).
pub fn to_store_time(time: jiff::Timestamp) -> Timestamp {
    Timestamp::from_millis(time.as_millisecond())
}

/// A store time as a jiff instant.
pub fn from_store_time(time: Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(time.millis()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Who runs a firing: `user@host pid N`, as recorded with each attempt.
pub fn runner() -> String {
    let actor = crate::lineage::context::actor();
    format!(
        "{}@{} pid {}",
        actor.user.as_deref().unwrap_or("unknown"),
        actor.host.as_deref().unwrap_or("unknown"),
        std::process::id()
    )
}
