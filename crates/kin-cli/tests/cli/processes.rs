//! Signals and process groups, for the tests that kill kin and watch what its stage commands do.

use std::process::{Child, Command};

/// Sends signal `name` (`TERM`, `KILL`, ...) to `pid`.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Kills `child` with SIGKILL and reaps it.
pub fn kill9(child: &mut Child) {
    signal(child.id(), "KILL");
    let _ = child.wait();
}

/// Whether a process of group `group` runs (zombies, which nothing may reap in a
/// container, do not count).
pub fn group_running(group: i32) -> bool {
    let entries = std::fs::read_dir("/proc").expect("procfs");
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        let Some(close) = stat.rfind(')') else {
            return false;
        };
        // Fields after the parenthesised command name: state ppid pgrp ...
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string()
    })
}
