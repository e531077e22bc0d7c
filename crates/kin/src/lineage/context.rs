//! Who ran, where, when, and at which git commit: the one place that reads identity and the
//! clock, so that `KIN_USER`, `KIN_HOST` and `KIN_NOW` pin them for reproducible output.

use std::path::Path;

use kin_store::Timestamp;

use crate::env;

/// The facts every run of one kin command shares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RunContext {
    pub user: Option<String>,
    pub host: Option<String>,
    pub git_commit: Option<String>,
    /// Whether tracked files differed from the commit when the command started.
    pub git_dirty: Option<bool>,
    /// The project runs are recorded under (see `project.rs`).
    pub project: Option<String>,
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
            // A malformed name was refused when the store was located; none is left here.
            project: super::project::project_name(root).ok(),
        }
    }
}

/// Who is running this kin command, as the audit log names the author of an entry.
pub(crate) fn actor() -> kin_store::audit::Actor {
    kin_store::audit::Actor {
        user: user_name(),
        host: host_name(),
    }
}

/// The current time as kin records it: `KIN_NOW` when set to a date, else the system clock.
pub fn now() -> Timestamp {
    let system = Timestamp::now();
    std::env::var(env::KIN_NOW)
        .ok()
        .and_then(|text| Timestamp::parse(&text, system))
        .unwrap_or(system)
}

/// The trimmed stdout of a successful git command, `None` if git is missing or fails.
pub(crate) fn git(root: &Path, args: &[&str]) -> Option<String> {
    let output = crate::git::git_output(root, args).ok()?;
    Some(String::from_utf8_lossy(&output).trim().to_owned())
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `KIN_USER`, the login name the environment gives, or the OS's name for the real user id:
/// a cron job or a container often sets no `USER`, and a run's author must not be lost.
fn user_name() -> Option<String> {
    non_empty_var(env::KIN_USER)
        .or_else(|| env::LOGIN_NAME_VARS.iter().find_map(|n| non_empty_var(n)))
        .or_else(|| {
            let uid = rustix::process::getuid().as_raw();
            let passwd = std::fs::read_to_string("/etc/passwd").ok();
            // A uid with no account (containers run as arbitrary uids) is still someone.
            Some(
                passwd
                    .and_then(|p| passwd_name(&p, uid))
                    .unwrap_or_else(|| uid.to_string()),
            )
        })
}

/// The account name of `uid` in `/etc/passwd`'s format (`name:password:uid:...`).
fn passwd_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let found: u32 = fields.nth(1)?.parse().ok()?;
        (found == uid && !name.is_empty()).then(|| name.to_owned())
    })
}

/// `KIN_HOST`, else the kernel's node name, else `HOSTNAME`.
fn host_name() -> Option<String> {
    non_empty_var(env::KIN_HOST)
        .or_else(|| {
            let uname = rustix::system::uname();
            let name = uname.nodename().to_string_lossy().trim().to_owned();
            (!name.is_empty()).then_some(name)
        })
        .or_else(|| non_empty_var(env::HOSTNAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_names_the_uid() {
        let passwd =
            "root:x:0:0:root:/root:/bin/sh\n# comment\nana:x:1000:1000::/home/ana:/bin/sh\n";
        assert_eq!(passwd_name(passwd, 1000).as_deref(), Some("ana"));
        assert_eq!(passwd_name(passwd, 0).as_deref(), Some("root"));
        assert_eq!(passwd_name(passwd, 42), None);
    }

    #[test]
    fn the_os_always_names_someone_and_somewhere() {
        // Whatever the environment holds, the fallbacks end in the OS, which always answers.
        assert!(user_name().is_some_and(|u| !u.is_empty()));
        assert!(host_name().is_some_and(|h| !h.is_empty()));
    }
}
