//! Running a stage's commands: through the user's shell in the stage's `wdir`, each in its own
//! process group, output streamed line by line to the caller and kept in a log file.
//!
//! Why a process group: a command is usually a shell running other programs (`python
//! train.py`, a pipe, `a && b`). Signalling the shell alone would leave those running and
//! writing outputs after kin has moved on, so every signal goes to the whole group: TERM
//! first (a training script may save a checkpoint), KILL after [`GRACE`].
//!
//! Why a watchdog: kin may itself be killed (`kill -9`, the OOM killer) and then can signal
//! nothing. Each command gets a tiny `sh` that blocks reading a pipe only kin holds; when kin
//! dies the kernel closes the pipe, and the watchdog terminates the group the same way. A
//! parent-death signal would reach only the shell, not what the shell started.
//!
//! The watchdog starts first and leads the group the command then joins, and the group is
//! noted under `.kin/tmp/running/` before the command starts, so there is no moment at which
//! a command runs unwatched or unrecorded, wherever kin is killed. Should a group still
//! outlive kin, that record lets the next run of the stage see it and refuse to collide.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};

use super::ReproError;
use super::events::{OutputStream, ReproEvents};

/// What to run for one stage.
pub(crate) struct CommandSpec<'a> {
    pub stage: &'a str,
    pub cwd: PathBuf,
    pub commands: Vec<String>,
    pub env: Vec<(String, String)>,
    pub log: PathBuf,
    /// Where the running command's process group is noted while it runs.
    pub running: PathBuf,
}

/// How the commands ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandOutcome {
    Succeeded,
    /// `command` exited non-zero (`code`) or was killed by a signal (`code: None`).
    Failed {
        command: String,
        code: Option<i32>,
    },
    /// kin was asked to stop while `command` ran; its process group was terminated.
    Interrupted {
        command: String,
    },
}

/// The shell DVC uses: `$SHELL`, else `/bin/sh`, with the flags that keep it from reading
/// rc files (they may change the environment the command sees).
fn shell_command(command: &str) -> Command {
    let shell = std::env::var(crate::env::SHELL)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".to_owned());
    let name = Path::new(&shell)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut cmd = Command::new(&shell);
    match name.as_str() {
        "bash" => {
            cmd.args(["--noprofile", "--norc"]);
        }
        "zsh" => {
            cmd.arg("--no-rcs");
        }
        _ => {}
    }
    cmd.arg("-c").arg(command);
    cmd
}

/// Runs `spec.commands` in order, stopping at the first failure or when `interrupted` is set.
pub(crate) fn run_commands(
    spec: &CommandSpec<'_>,
    events: &dyn ReproEvents,
    interrupted: &AtomicBool,
) -> Result<CommandOutcome, ReproError> {
    let log_error = |source| ReproError::Log {
        path: spec.log.clone(),
        source,
    };
    if let Some(parent) = spec.log.parent() {
        std::fs::create_dir_all(parent).map_err(log_error)?;
    }
    let log = Arc::new(Mutex::new(
        std::fs::File::create(&spec.log).map_err(log_error)?,
    ));
    refuse_survivor(spec)?;
    for command in &spec.commands {
        if interrupted.load(Ordering::SeqCst) {
            return Ok(CommandOutcome::Interrupted {
                command: command.clone(),
            });
        }
        events.command_started(spec.stage, command);
        let spawn_error = |source| ReproError::Spawn {
            stage: spec.stage.to_owned(),
            command: command.clone(),
            source,
        };
        let mut watchdog = Watchdog::start().map_err(spawn_error)?;
        let group = watchdog.group();
        note_running(&spec.running, group);
        let mut process = shell_command(command);
        process
            .current_dir(&spec.cwd)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        std::os::unix::process::CommandExt::process_group(
            &mut process,
            group.as_raw_nonzero().get(),
        );
        let mut child = match process.spawn() {
            Ok(child) => child,
            Err(source) => {
                watchdog.stand_down();
                let _ = std::fs::remove_file(&spec.running);
                return Err(spawn_error(source));
            }
        };
        watchdog.watch(&child);
        let outcome = std::thread::scope(|scope| {
            let pipes = [
                child
                    .stdout
                    .take()
                    .map(|p| (Box::new(p) as Box<dyn Read + Send>, OutputStream::Stdout)),
                child
                    .stderr
                    .take()
                    .map(|p| (Box::new(p) as Box<dyn Read + Send>, OutputStream::Stderr)),
            ];
            for (pipe, stream) in pipes.into_iter().flatten() {
                let log = Arc::clone(&log);
                scope.spawn(move || forward(pipe, stream, spec.stage, events, &log));
            }
            wait(&mut child, group, interrupted)
        });
        watchdog.stand_down();
        let _ = std::fs::remove_file(&spec.running);
        let outcome = outcome.map_err(spawn_error)?;
        match outcome {
            Waited::Exited(Some(0)) => {}
            Waited::Exited(code) => {
                return Ok(CommandOutcome::Failed {
                    command: command.clone(),
                    code,
                });
            }
            Waited::Interrupted => {
                return Ok(CommandOutcome::Interrupted {
                    command: command.clone(),
                });
            }
        }
    }
    Ok(CommandOutcome::Succeeded)
}

/// A `sh` leading the process group its command joins, which terminates that group when the
/// pipe from kin closes, which happens only when kin dies (see the module comment).
struct Watchdog {
    process: Child,
    group: Pid,
}

impl Watchdog {
    fn start() -> std::io::Result<Watchdog> {
        // It ignores TERM, sent to the whole group (itself included) by kin on an interrupt
        // and by itself when kin dies, so that it lives to send KILL after the grace period.
        // The command does not inherit that: kin, not the watchdog, starts it.
        // Once kin has started the command it sends its pid, so that when kin is gone the
        // group is killed as soon as the command has exited on TERM, not a grace period
        // later; without a pid (kin died before sending it) there is nothing to wait for.
        let script = format!(
            "trap '' TERM; read command; read _ || {{ kill -TERM -$$; n=0; \
             while [ -n \"$command\" ] && kill -0 \"$command\" && [ $n -lt {polls} ]; \
             do sleep 0.1; n=$((n+1)); done; kill -KILL -$$; }} 2>/dev/null",
            polls = GRACE.as_millis() / 100
        );
        let mut process = Command::new("/bin/sh");
        process
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // A group of its own, outside kin's: a Ctrl-C meant for kin must not reach the
        // command before kin has stopped it its own way.
        std::os::unix::process::CommandExt::process_group(&mut process, 0);
        let process = process.spawn()?;
        let group = Pid::from_child(&process);
        Ok(Watchdog { process, group })
    }

    /// The process group the command is to join.
    fn group(&self) -> Pid {
        self.group
    }

    /// Tells the watchdog which process is the command (best effort: without it the
    /// watchdog still terminates the group, only without waiting for the command to exit).
    fn watch(&mut self, command: &Child) {
        if let Some(pipe) = self.process.stdin.as_mut() {
            let _ = writeln!(pipe, "{}", command.id());
        }
    }

    /// The command is over: the watchdog goes without touching anything.
    fn stand_down(mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Notes (best effort) which process group runs the stage's command, for the next run to
/// find if kin dies and the group survives it.
fn note_running(path: &Path, group: Pid) {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(
        path,
        format!("{} {}\n", group.as_raw_nonzero(), std::process::id()),
    );
}

/// Fails when a command of this stage, started by a kin that is gone, still runs.
fn refuse_survivor(spec: &CommandSpec<'_>) -> Result<(), ReproError> {
    let Ok(text) = std::fs::read_to_string(&spec.running) else {
        return Ok(());
    };
    let mut numbers = text.split_whitespace().map(str::parse::<i32>);
    let (Some(Ok(group)), Some(Ok(owner))) = (numbers.next(), numbers.next()) else {
        let _ = std::fs::remove_file(&spec.running);
        return Ok(());
    };
    let owner_alive = u32::try_from(owner).is_ok_and(crate::rwlock::process_exists);
    let group_alive = group_running(group);
    if group_alive && !owner_alive {
        return Err(ReproError::SurvivingCommand {
            stage: spec.stage.to_owned(),
            group,
            owner,
        });
    }
    if !group_alive {
        let _ = std::fs::remove_file(&spec.running);
    }
    Ok(())
}

/// Whether a process of the command's group `group` still runs. Zombies do not count: where
/// nothing reaps orphans (a container without an init), a finished command lingers as one.
/// Neither does the watchdog leading the group (its pid is the group's) nor its `sleep`: it
/// ends the moment nothing else is left, and is no command to collide with.
fn group_running(group: i32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        // No procfs: ask the kernel, zombies and all.
        return Pid::from_raw(group)
            .is_some_and(|g| rustix::process::test_kill_process_group(g).is_ok());
    };
    entries.flatten().any(|entry| {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            return false;
        };
        let mut fields = after.split_whitespace();
        let state = fields.next();
        let parent = fields.next().and_then(|f| f.parse::<i32>().ok());
        let pgrp = fields.next().and_then(|f| f.parse::<i32>().ok());
        let watchdog =
            entry.file_name().to_str() == Some(&group.to_string()) || parent == Some(group);
        pgrp == Some(group) && state != Some("Z") && !watchdog
    })
}

enum Waited {
    Exited(Option<i32>),
    Interrupted,
}

/// How long a terminated command gets to exit before it is killed.
const GRACE: Duration = Duration::from_secs(5);

fn wait(child: &mut Child, group: Pid, interrupted: &AtomicBool) -> std::io::Result<Waited> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Waited::Exited(status.code()));
        }
        if interrupted.load(Ordering::SeqCst) {
            // The whole group: a shell's children must stop too.
            let _ = kill_process_group(group, Signal::TERM);
            let deadline = Instant::now() + GRACE;
            while child.try_wait()?.is_none() {
                if Instant::now() > deadline {
                    let _ = kill_process_group(group, Signal::KILL);
                    child.wait()?;
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            return Ok(Waited::Interrupted);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Copies one pipe to the events, a line at a time, and to the log.
fn forward(
    mut pipe: Box<dyn Read + Send>,
    stream: OutputStream,
    stage: &str,
    events: &dyn ReproEvents,
    log: &Mutex<std::fs::File>,
) {
    let mut buffer = [0u8; 8192];
    let mut pending: Vec<u8> = Vec::new();
    let emit = |line: &[u8]| {
        events.output(stage, stream, line);
        if let Ok(mut file) = log.lock() {
            let _ = file.write_all(line);
        }
    };
    loop {
        let read = match pipe.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buffer[..read]);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            emit(&line);
        }
    }
    if !pending.is_empty() {
        emit(&pending);
    }
}
