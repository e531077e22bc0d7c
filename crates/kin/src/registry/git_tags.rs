//! What the registry reads from and writes to git: annotated tags with their tagger, time and
//! message, the commits they point at, and new tags created atomically.

use std::collections::HashMap;
use std::path::Path;

use kin_store::Timestamp;

use crate::git::{GitError, git_command, git_output, pipe_to_git};

/// A moment as git records it: seconds since the epoch and the writer's UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitTime {
    pub secs: i64,
    pub offset_secs: i32,
}

impl GitTime {
    /// Reads git's raw form, `1796414021 +0100`.
    fn parse_raw(text: &str) -> Option<GitTime> {
        let (secs, zone) = text.trim().split_once(' ')?;
        let sign = match zone.get(..1)? {
            "+" => 1,
            "-" => -1,
            _ => return None,
        };
        let hours: i32 = zone.get(1..3)?.parse().ok()?;
        let minutes: i32 = zone.get(3..5)?.parse().ok()?;
        Some(GitTime {
            secs: secs.parse().ok()?,
            offset_secs: sign * (hours * 3600 + minutes * 60),
        })
    }

    /// As Python's `isoformat()` writes the aware time (what `gto --json` prints).
    pub fn iso(self) -> String {
        Timestamp::from_secs(self.secs).with_offset(self.offset_secs)
    }
}

/// An annotated tag.
#[derive(Debug, Clone)]
pub struct TagRecord {
    pub name: String,
    /// The commit it points at (hex).
    pub target: String,
    pub tagger_name: String,
    pub tagger_email: String,
    pub time: GitTime,
    pub message: String,
}

/// A commit's people, time and message.
#[derive(Debug, Clone)]
pub struct CommitRecord {
    pub author_name: String,
    pub author_email: String,
    pub committer_name: String,
    pub committer_email: String,
    /// The committer's time.
    pub time: GitTime,
    pub message: String,
}

const TAG_FIELDS: usize = 9;

/// Every tag's name, and every annotated tag on a commit, sorted by name (as GTO lists them);
/// lightweight tags are not the registry's, but their names still count.
pub fn read_tags(root: &Path) -> Result<(Vec<String>, Vec<TagRecord>), GitError> {
    let format = [
        "%(refname:strip=2)",
        "%(objecttype)",
        "%(*objecttype)",
        "%(*objectname)",
        "%(taggername)",
        "%(taggeremail:trim)",
        "%(taggerdate:raw)%00%(contents)%00%(contents:signature)",
    ]
    .join("%00");
    let out = git_output(
        root,
        &[
            "for-each-ref",
            "refs/tags",
            &format!("--format={format}%00"),
        ],
    )?;
    let text = String::from_utf8_lossy(&out);
    let fields: Vec<&str> = text.split('\0').collect();
    let mut tags = Vec::new();
    let mut names = Vec::new();
    // Each record is its fields, each closed by NUL, then the newline for-each-ref adds.
    for record in fields.chunks_exact(TAG_FIELDS) {
        let name = record[0].trim_start_matches('\n');
        names.push(name.to_owned());
        let (kind, target_kind, target) = (record[1], record[2], record[3]);
        if kind != "tag" || target_kind != "commit" {
            continue;
        }
        let Some(time) = GitTime::parse_raw(record[6]) else {
            continue;
        };
        tags.push(TagRecord {
            name: name.to_owned(),
            target: target.to_owned(),
            tagger_name: record[4].to_owned(),
            tagger_email: record[5].to_owned(),
            time,
            // GTO reads a signed tag's message without its signature block.
            message: record[7]
                .strip_suffix(record[8])
                .unwrap_or(record[7])
                .to_owned(),
        });
    }
    Ok((names, tags))
}

/// The commits among `ids`, read in one `git log`.
pub fn read_commits(root: &Path, ids: &[&str]) -> Result<HashMap<String, CommitRecord>, GitError> {
    let mut commits = HashMap::new();
    if ids.is_empty() {
        return Ok(commits);
    }
    let format = "--format=%H%x00%an%x00%ae%x00%cn%x00%ce%x00%cd%x00%B%x00";
    let mut args = vec!["log", "--no-walk=unsorted", "--date=raw", format];
    args.extend(ids.iter().copied());
    let out = git_output(root, &args)?;
    let text = String::from_utf8_lossy(&out);
    let fields: Vec<&str> = text.split('\0').collect();
    // Seven fields, each closed by NUL, then the newline git log adds between commits.
    for record in fields.chunks_exact(7) {
        let Some(time) = GitTime::parse_raw(record[5]) else {
            continue;
        };
        commits.insert(
            record[0].trim_start_matches('\n').to_owned(),
            CommitRecord {
                author_name: record[1].to_owned(),
                author_email: record[2].to_owned(),
                committer_name: record[3].to_owned(),
                committer_email: record[4].to_owned(),
                time,
                // As libgit2 reads a commit message: without leading newlines.
                message: record[6].trim_start_matches('\n').to_owned(),
            },
        );
    }
    Ok(commits)
}

/// Why a tag could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TagWriteError {
    #[error("tag `{name}` already exists")]
    Exists { name: String },
    #[error(transparent)]
    Git(#[from] GitError),
}

/// Creates the annotated tag `name` on `commit` with `message`, as the git user (`user.name`,
/// `user.email`, or `GIT_COMMITTER_*`). The tag object is written as GTO writes it (the
/// message without a trailing newline), and the ref is created only if it does not exist, so
/// two writers never overwrite each other's tag.
pub fn create_tag(
    root: &Path,
    name: &str,
    commit: &str,
    message: &str,
) -> Result<(), TagWriteError> {
    let ident = committer_ident(root)?;
    let object = format!("object {commit}\ntype commit\ntag {name}\ntagger {ident}\n\n{message}");
    let tag_id = pipe_to_git(root, &["mktag"], object.as_bytes())?;
    let reference = format!("refs/tags/{name}");
    // An empty old value makes the update fail if the ref already exists.
    let out = git_command(root, &["update-ref", &reference, tag_id.trim(), ""])?;
    if out.status.success() {
        Ok(())
    } else if tag_exists(root, name)? {
        Err(TagWriteError::Exists {
            name: name.to_owned(),
        })
    } else {
        Err(GitError::failed(&["update-ref", &reference], &out).into())
    }
}

/// Who tags, with the time — `Name <email> 1796414021 +0000` — as GTO signs: the name and
/// email from `GIT_COMMITTER_NAME` and `GIT_COMMITTER_EMAIL` when both are set, else
/// `user.name` and `user.email` (not `committer.*` or `EMAIL`); the time from git
/// (`GIT_COMMITTER_DATE` pins it).
fn committer_ident(root: &Path) -> Result<String, GitError> {
    let config = |key: &str| -> Result<Option<String>, GitError> {
        let out = git_command(root, &["config", "--get", key])?;
        let value = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok((out.status.success() && !value.is_empty()).then_some(value))
    };
    let from_env = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    // Both from the environment, or else both from the config (as libgit2's default).
    let (name, email) = match (
        from_env("GIT_COMMITTER_NAME"),
        from_env("GIT_COMMITTER_EMAIL"),
    ) {
        (Some(name), Some(email)) => (Some(name), Some(email)),
        _ => (config("user.name")?, config("user.email")?),
    };
    let (Some(name), Some(email)) = (name, email) else {
        return Err(GitError::Failed {
            args: "config user.name / user.email".to_owned(),
            stderr: "git user name and email must be configured to tag (`git config user.name`, `git config user.email`)".to_owned(),
        });
    };
    // The time, as git would stamp a commit now.
    let ident = git_output(root, &["var", "GIT_COMMITTER_IDENT"])?;
    let ident = String::from_utf8_lossy(&ident).trim().to_owned();
    let when = ident.rsplitn(3, ' ').take(2).collect::<Vec<_>>();
    let when = match when.as_slice() {
        [zone, secs] => format!("{secs} {zone}"),
        _ => ident,
    };
    Ok(format!("{} <{}> {when}", name.trim(), email.trim()))
}

/// Who tags now, as `Name <email>`: the author of a registry action.
pub fn tagger(root: &Path) -> Result<String, GitError> {
    let ident = committer_ident(root)?;
    Ok(match ident.rfind('>') {
        Some(end) => ident[..=end].to_owned(),
        None => ident,
    })
}

/// Whether the tag `name` exists (annotated or not).
pub fn tag_exists(root: &Path, name: &str) -> Result<bool, GitError> {
    let reference = format!("refs/tags/{name}");
    let out = git_command(root, &["show-ref", "--verify", "--quiet", &reference])?;
    Ok(out.status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Ana")
            .env("GIT_AUTHOR_EMAIL", "ana@example.invalid")
            .env("GIT_COMMITTER_NAME", "Ana")
            .env("GIT_COMMITTER_EMAIL", "ana@example.invalid")
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn a_tag_is_created_once_and_read_back_as_written() {
        let dir = tempfile::tempdir().expect("tmp");
        git(dir.path(), &["init", "-q"]);
        git(
            dir.path(),
            &["commit", "-q", "--allow-empty", "-m", "first"],
        );
        let head = crate::git::resolve_commit(dir.path(), "HEAD")
            .expect("git")
            .expect("a commit");
        // The tagger comes from the repository's own config here.
        git(dir.path(), &["config", "user.name", "Ana"]);
        git(dir.path(), &["config", "user.email", "ana@example.invalid"]);
        let message = "Registering artifact churn version v0.0.1";
        create_tag(dir.path(), "churn@v0.0.1", &head, message).expect("created");
        let again = create_tag(dir.path(), "churn@v0.0.1", &head, "other");
        assert!(
            matches!(again, Err(TagWriteError::Exists { .. })),
            "{again:?}"
        );
        let (names, tags) = read_tags(dir.path()).expect("read");
        assert_eq!(names, ["churn@v0.0.1"]);
        assert_eq!(tags[0].message, message);
        assert_eq!(tags[0].target, head);
        assert_eq!(tags[0].tagger_name, "Ana");
    }

    #[test]
    fn raw_times_read_with_their_offset() {
        let t = GitTime::parse_raw("1700000000 -0530").expect("valid");
        assert_eq!(t.offset_secs, -(5 * 3600 + 30 * 60));
        assert_eq!(t.iso(), "2023-11-14T16:43:20-05:30");
        assert_eq!(GitTime::parse_raw("nonsense"), None);
    }
}
