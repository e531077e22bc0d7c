//! What a git commit recorded: its `dvc.lock` entries and `.dvc` files, read straight from
//! the object database (one `git cat-file --batch` process serves every read).

use std::path::Path;

use kin_format::dvc_file::parse_dvc_file_text;
use kin_format::lock_file::{LockEntry, LockFile};
use kin_format::yaml::parse_yaml;
use kin_store::NewVersion;

use super::error::LineageError;
use crate::git::{GitObjects, git_output};
use crate::paths::wdir_join;

/// Whether a repository path is one kin reads records from.
pub(crate) fn is_record_file(path: &str) -> bool {
    path == "dvc.lock" || path.ends_with("/dvc.lock") || path.ends_with(".dvc")
}

/// Every `dvc.lock` and `.dvc` file in the tree of `rev`.
pub(crate) fn record_files(root: &Path, rev: &str) -> Result<Vec<String>, LineageError> {
    let output =
        git_output(root, &["ls-tree", "-r", "-z", "--name-only", rev]).map_err(|source| {
            LineageError::NotARevision {
                rev: rev.to_owned(),
                source,
            }
        })?;
    Ok(output
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
    let Some(bytes) = objects.blob(&format!("{rev}:{file}"))? else {
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
    let Some(bytes) = objects.blob(&format!("{rev}:{dvcyaml}"))? else {
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
