//! Running a stage's commands: through the user's shell in the stage's `wdir`, each in its own
//! process group, output streamed line by line to the caller and kept in a log file.

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
    let shell = std::env::var("SHELL")
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
    for command in &spec.commands {
        if interrupted.load(Ordering::SeqCst) {
            return Ok(CommandOutcome::Interrupted {
                command: command.clone(),
            });
        }
        events.command_started(spec.stage, command);
        let mut process = shell_command(command);
        process
            .current_dir(&spec.cwd)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        std::os::unix::process::CommandExt::process_group(&mut process, 0);
        let mut child = process.spawn().map_err(|source| ReproError::Spawn {
            stage: spec.stage.to_owned(),
            command: command.clone(),
            source,
        })?;
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
            wait(&mut child, interrupted)
        });
        let outcome = outcome.map_err(|source| ReproError::Spawn {
            stage: spec.stage.to_owned(),
            command: command.clone(),
            source,
        })?;
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

enum Waited {
    Exited(Option<i32>),
    Interrupted,
}

/// How long a terminated command gets to exit before it is killed.
const GRACE: Duration = Duration::from_secs(5);

fn wait(child: &mut Child, interrupted: &AtomicBool) -> std::io::Result<Waited> {
    let group = Pid::from_child(child);
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
