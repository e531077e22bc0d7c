//! The one git client: object contents through a long-lived `git cat-file --batch`, other
//! questions through plain `git` commands, and one error for whatever git does wrong.
//!
//! git is a subprocess rather than a library (gix, git2): what kin asks of it is small, and
//! the subprocess costs no build time and reads every repository git itself can.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};

/// Why git could not answer.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git: {source}")]
    Spawn { source: std::io::Error },
    #[error("`git {args}` failed: {stderr}")]
    Failed { args: String, stderr: String },
    #[error("`git cat-file` failed: {source}")]
    Broken { source: std::io::Error },
    #[error("unexpected reply from `git cat-file`: {reply:?}")]
    Unexpected { reply: String },
}

/// Runs `git ARGS` in `root`, whatever its exit status: for questions a failing exit
/// answers (`rev-parse --verify`).
pub fn git_command(root: &Path, args: &[&str]) -> Result<Output, GitError> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| GitError::Spawn { source })
}

/// Runs `git ARGS` in `root` and returns its standard output; a non-zero exit is an error
/// carrying git's own message.
pub fn git_output(root: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let output = git_command(root, args)?;
    if !output.status.success() {
        return Err(GitError::failed(args, &output));
    }
    Ok(output.stdout)
}

/// The commit `rev` names, or `None` when it names none. `--end-of-options` keeps a
/// revision that starts with `-` from being read as an option.
pub fn resolve_commit(root: &Path, rev: &str) -> Result<Option<String>, GitError> {
    let spec = format!("{rev}^{{commit}}");
    let args = [
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        &spec,
    ];
    let out = git_command(root, &args)?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Ok((out.status.success() && !id.is_empty()).then_some(id))
}

/// Whether tracked files differ from `HEAD`, staged or not (untracked files do not count).
pub fn is_dirty(root: &Path) -> Result<bool, GitError> {
    let out = git_output(root, &["status", "--porcelain", "--untracked-files=no"])?;
    Ok(!out.is_empty())
}

/// Runs `git ARGS` in `root` with `input` on its stdin and returns its stdout; a non-zero
/// exit is an error carrying git's message.
pub fn pipe_to_git(root: &Path, args: &[&str], input: &[u8]) -> Result<String, GitError> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| GitError::Spawn { source })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input)
            .map_err(|source| GitError::Broken { source })?;
    }
    let output = child
        .wait_with_output()
        .map_err(|source| GitError::Broken { source })?;
    if !output.status.success() {
        return Err(GitError::failed(args, &output));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

impl GitError {
    /// `git ARGS` exited non-zero with `output`.
    pub fn failed(args: &[&str], output: &Output) -> GitError {
        GitError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        }
    }
}

/// A long-lived `git cat-file --batch`: one process serves every read.
pub struct GitObjects {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl GitObjects {
    pub fn open(root: &Path) -> Result<Self, GitError> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| GitError::Spawn { source })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(GitError::Broken {
                source: std::io::Error::other("no pipe to `git cat-file`"),
            });
        };
        Ok(GitObjects {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
        })
    }

    /// The content of the blob `spec` names (`REV:PATH`, or a blob id); `None` when there is
    /// no such object or it is not a blob.
    pub fn blob(&mut self, spec: &str) -> Result<Option<Vec<u8>>, GitError> {
        let broken = |source| GitError::Broken { source };
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| broken(std::io::Error::other("`git cat-file` input already closed")))?;
        writeln!(stdin, "{spec}").map_err(broken)?;
        stdin.flush().map_err(broken)?;
        self.reply()
    }

    /// The contents of many blobs, in order, in one exchange: the requests are written on a
    /// thread while the replies are read, so neither pipe fills up and stalls git.
    pub fn blobs(mut self, specs: &[String]) -> Result<Vec<Option<Vec<u8>>>, GitError> {
        let Some(mut stdin) = self.stdin.take() else {
            return Err(GitError::Broken {
                source: std::io::Error::other("`git cat-file` input already closed"),
            });
        };
        let request: String = specs.iter().map(|s| format!("{s}\n")).collect();
        let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
        let mut contents = Vec::with_capacity(specs.len());
        let mut failure = None;
        for _ in specs {
            match self.reply() {
                Ok(content) => contents.push(content),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        let written = writer.join().unwrap_or(Ok(()));
        match (failure, written) {
            (Some(error), _) => Err(error),
            (None, Err(source)) => Err(GitError::Broken { source }),
            (None, Ok(())) => Ok(contents),
        }
    }

    /// Reads one reply: `<oid> <type> <size>\n<content>\n`, or `<spec> missing\n`.
    fn reply(&mut self) -> Result<Option<Vec<u8>>, GitError> {
        let broken = |source| GitError::Broken { source };
        let mut header = String::new();
        self.stdout.read_line(&mut header).map_err(broken)?;
        let fields: Vec<&str> = header.split_whitespace().collect();
        match fields.as_slice() {
            [.., "missing"] | [.., "ambiguous"] => Ok(None),
            [_, kind, size] => {
                let size: usize = size.parse().map_err(|_| GitError::Unexpected {
                    reply: header.clone(),
                })?;
                let mut content = vec![0u8; size + 1];
                self.stdout.read_exact(&mut content).map_err(broken)?;
                content.pop();
                Ok((*kind == "blob").then_some(content))
            }
            _ => Err(GitError::Unexpected { reply: header }),
        }
    }
}

impl Drop for GitObjects {
    fn drop(&mut self) {
        // Closing its input ends `git cat-file`; waiting reaps it.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tmp");
        let git = |args: &[&str]| {
            let status = Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@t")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@t")
                .status()
                .expect("git");
            assert!(status.success(), "git {args:?}");
        };
        git(&["init", "-q"]);
        for (path, text) in files {
            std::fs::write(dir.path().join(path), text).expect("write");
        }
        git(&["add", "-A"]);
        git(&["commit", "-qm", "files"]);
        dir
    }

    #[test]
    fn reads_one_and_many_blobs_and_names_missing_ones() {
        let repo = repo_with(&[("a.txt", "a\n"), ("b.txt", "")]);
        let mut objects = GitObjects::open(repo.path()).expect("open");
        assert_eq!(
            objects.blob("HEAD:a.txt").expect("read"),
            Some(b"a\n".to_vec())
        );
        assert_eq!(objects.blob("HEAD:nope").expect("read"), None);
        // A tree is not a blob.
        assert_eq!(objects.blob("HEAD").expect("read"), None);
        let specs: Vec<String> = ["HEAD:b.txt", "HEAD:missing", "HEAD:a.txt"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let many = GitObjects::open(repo.path())
            .expect("open")
            .blobs(&specs)
            .expect("read");
        assert_eq!(many, vec![Some(Vec::new()), None, Some(b"a\n".to_vec())]);
        assert!(matches!(
            git_output(repo.path(), &["rev-parse", "nope"]),
            Err(GitError::Failed { .. })
        ));
    }
}
