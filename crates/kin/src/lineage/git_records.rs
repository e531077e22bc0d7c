//! What a git commit recorded: its `dvc.lock` entries and `.dvc` files, read straight from
//! the object database (one `git cat-file --batch` process serves every read).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use kin_format::dvc_file::parse_dvc_file_text;
use kin_format::lock_file::{LockEntry, LockFile};
use kin_format::yaml::parse_yaml;
use kin_store::NewVersion;

use super::error::LineageError;
use crate::data::paths::wdir_join;

/// A long-lived `git cat-file --batch`.
pub(crate) struct GitObjects {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn git_error(message: impl Into<String>) -> LineageError {
    LineageError::Git {
        message: message.into(),
    }
}

impl GitObjects {
    pub fn open(root: &Path) -> Result<Self, LineageError> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| git_error(format!("cannot run git: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(git_error("cannot talk to `git cat-file`"));
        };
        Ok(GitObjects {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    /// The content of `path` at `rev`, `None` if it doesn't exist there.
    pub fn read(&mut self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, LineageError> {
        let broken = |e: std::io::Error| git_error(format!("`git cat-file` failed: {e}"));
        writeln!(self.stdin, "{rev}:{path}").map_err(broken)?;
        self.stdin.flush().map_err(broken)?;
        let mut header = String::new();
        self.stdout.read_line(&mut header).map_err(broken)?;
        let fields: Vec<&str> = header.split_whitespace().collect();
        match fields.as_slice() {
            [_, "missing"] | [_, "ambiguous"] => Ok(None),
            [_, kind, size] => {
                let size: usize = size
                    .parse()
                    .map_err(|_| git_error(format!("unexpected reply: {header}")))?;
                let mut content = vec![0u8; size + 1];
                self.stdout.read_exact(&mut content).map_err(broken)?;
                content.pop();
                Ok((*kind == "blob").then_some(content))
            }
            _ => Err(git_error(format!(
                "unexpected reply from `git cat-file`: {header:?}"
            ))),
        }
    }
}

impl Drop for GitObjects {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a repository path is one kin reads records from.
pub(crate) fn is_record_file(path: &str) -> bool {
    path == "dvc.lock" || path.ends_with("/dvc.lock") || path.ends_with(".dvc")
}

/// Every `dvc.lock` and `.dvc` file in the tree of `rev`.
pub(crate) fn record_files(root: &Path, rev: &str) -> Result<Vec<String>, LineageError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-tree", "-r", "-z", "--name-only", rev])
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| git_error(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        return Err(git_error(format!(
            "`{rev}` is not a revision of this repository: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(output
        .stdout
        .split(|b| *b == 0)
        .filter_map(|name| std::str::from_utf8(name).ok())
        .filter(|name| is_record_file(name) && !name.starts_with(".dvc/"))
        .map(str::to_owned)
        .collect())
}

/// One thing a commit recorded.
#[derive(Debug, Clone)]
pub(crate) enum Record {
    /// A stage's `dvc.lock` entry.
    Stage {
        address: String,
        wdir: String,
        entry: LockEntry,
    },
    /// Data tracked by a `.dvc` file.
    Data {
        dvc_file: String,
        versions: Vec<NewVersion>,
    },
}

/// The records in `file` at `rev` (nothing if it is missing or unreadable there: history
/// holds broken commits too, and they must not stop an import).
pub(crate) fn records_in(
    objects: &mut GitObjects,
    rev: &str,
    file: &str,
) -> Result<Vec<Record>, LineageError> {
    let Some(bytes) = objects.read(rev, file)? else {
        return Ok(Vec::new());
    };
    let text = String::from_utf8_lossy(&bytes);
    let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
    if file.ends_with(".dvc") {
        let Ok(outs) = parse_dvc_file_text(&text) else {
            return Ok(Vec::new());
        };
        let versions = outs
            .iter()
            .filter_map(|out| {
                Some(NewVersion {
                    path: wdir_join(dir, &out.path),
                    hash: out.id?.to_string().parse().ok()?,
                    size: out.size,
                    nfiles: out.nfiles,
                })
            })
            .collect();
        return Ok(vec![Record::Data {
            dvc_file: file.to_owned(),
            versions,
        }]);
    }
    let Ok(lock) = LockFile::parse(&text) else {
        return Ok(Vec::new());
    };
    let dvcyaml = if dir.is_empty() {
        "dvc.yaml".to_owned()
    } else {
        format!("{dir}/dvc.yaml")
    };
    let wdirs = stage_wdirs(objects, rev, &dvcyaml)?;
    let mut records = Vec::new();
    for name in lock.stage_names() {
        let Ok(Some(entry)) = lock.entry(name) else {
            continue;
        };
        let base = name.split_once('@').map_or(name, |(b, _)| b);
        let wdir_in_file = wdirs
            .iter()
            .find(|(stage, _)| stage == base)
            .map_or("", |(_, w)| w.as_str());
        let address = if dir.is_empty() {
            name.to_owned()
        } else {
            format!("{dvcyaml}:{name}")
        };
        records.push(Record::Stage {
            address,
            wdir: wdir_join(dir, wdir_in_file),
            entry,
        });
    }
    Ok(records)
}

/// Stages of a `dvc.yaml` at `rev` that set a literal `wdir` (lock paths are relative to it).
fn stage_wdirs(
    objects: &mut GitObjects,
    rev: &str,
    dvcyaml: &str,
) -> Result<Vec<(String, String)>, LineageError> {
    let Some(bytes) = objects.read(rev, dvcyaml)? else {
        return Ok(Vec::new());
    };
    let Ok(doc) = parse_yaml(&String::from_utf8_lossy(&bytes)) else {
        return Ok(Vec::new());
    };
    let stages = doc
        .as_map()
        .and_then(|m| m.get("stages"))
        .and_then(|s| s.as_map());
    Ok(stages
        .map(|stages| {
            stages
                .iter()
                .filter_map(|item| {
                    let wdir = item.value.as_map()?.get("wdir")?.as_str()?;
                    (!wdir.contains("${")).then(|| (item.key.clone(), wdir.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default())
}
