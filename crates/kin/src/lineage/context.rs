//! Who ran, where, and at which git commit: gathered once per command, shared by its runs.

use std::path::Path;
use std::process::Command;

/// The facts every run of one kin command shares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RunContext {
    pub user: Option<String>,
    pub host: Option<String>,
    pub git_commit: Option<String>,
    /// Whether tracked files differed from the commit when the command started.
    pub git_dirty: Option<bool>,
}

impl RunContext {
    pub fn capture(root: &Path) -> Self {
        let git_commit = git(root, &["rev-parse", "--verify", "-q", "HEAD"]);
        // Untracked files don't make a checkout dirty: outputs and caches are untracked by design.
        let git_dirty = git_commit.as_ref().and_then(|_| {
            git(root, &["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty())
        });
        RunContext {
            user: user_name(),
            host: host_name(),
            git_commit,
            git_dirty,
        }
    }
}

/// The trimmed stdout of a successful git command, `None` if git is missing or fails.
pub(crate) fn git(root: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn user_name() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .filter(|h| !h.is_empty())
}
