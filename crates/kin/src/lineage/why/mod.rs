//! `kin why`: what differed upstream of two versions of an artifact, root causes nearest first.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use kin_format::manifest::Manifest;
use kin_format::md5::ObjectId;
use kin_store::{ArtifactHash, ArtifactVersion, LineageStore, Run, RunKey, RunStatus, VersionId};
use serde_json::Value;

pub mod json;
mod values;

use values::{environment_changes, param_changes};

use super::context::git;
use super::error::LineageError;
use super::target::{current_version, model_version, version_at_rev, version_by_prefix};
use crate::Repo;

use crate::paths::repo_relative;

/// Files of a directory that differ between two of its versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub modified: Vec<String>,
}

/// A package or machine fact that differs between two environments.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvChange {
    Package {
        name: String,
        old: Option<String>,
        new: Option<String>,
    },
    Fact {
        key: String,
        old: Value,
        new: Value,
    },
}

/// One difference between the old and the new upstream.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    /// An input data version changed (for directories, which files).
    Data {
        path: String,
        old: Option<ArtifactHash>,
        new: Option<ArtifactHash>,
        files: Option<FileChanges>,
    },
    /// A code dependency changed.
    Code {
        path: String,
        old: Option<ArtifactHash>,
        new: Option<ArtifactHash>,
    },
    Param {
        file: String,
        key: String,
        old: Option<Value>,
        new: Option<Value>,
    },
    Command {
        old: String,
        new: String,
    },
    Environment {
        changes: Vec<EnvChange>,
    },
}

impl Difference {
    /// The order of kinds at one distance: data, params, code, command, environment.
    fn rank(&self) -> u8 {
        match self {
            Difference::Data { .. } => 0,
            Difference::Param { .. } => 1,
            Difference::Code { .. } => 2,
            Difference::Command { .. } => 3,
            Difference::Environment { .. } => 4,
        }
    }
}

/// A difference found in the runs of one stage, `depth` runs upstream of the artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub depth: usize,
    pub stage: String,
    pub difference: Difference,
}

/// One endpoint of the comparison.
#[derive(Debug, Clone)]
pub struct Side {
    pub version: ArtifactVersion,
    /// The run that produced it, if one is recorded.
    pub run: Option<Run>,
}

#[derive(Debug, Clone)]
pub struct WhyReport {
    pub path: String,
    pub old: Side,
    pub new: Side,
    /// Differences nothing further upstream explains, nearest first.
    pub causes: Vec<Cause>,
    /// Intermediate data that changed because of the causes.
    pub consequences: Vec<Cause>,
    /// `(sha, subject)` of the commits between the two runs' commits, oldest first.
    pub commits: Vec<(String, String)>,
}

/// Where `--from`/`--to` point: a git revision or a run.
fn endpoint(
    repo: &Repo,
    store: &dyn LineageStore,
    path: &str,
    spec: &str,
) -> Result<ArtifactVersion, LineageError> {
    if let Some(id) = spec.strip_prefix("run:") {
        let run = store.run_by_prefix(id)?;
        for version in store.outputs(run.key)? {
            let version = store.version_by_id(version)?;
            if version.path == path {
                return Ok(version);
            }
        }
        return Err(LineageError::NothingGenerated {
            run: format!("{} (no version of `{path}`)", run.id),
        });
    }
    if let Some(model) = spec.strip_prefix("model:") {
        let version = model_version(repo, store, model)?;
        if version.path != path {
            return Err(LineageError::ModelElsewhere {
                model: model.to_owned(),
                path: version.path,
                expected: path.to_owned(),
            });
        }
        return Ok(version);
    }
    version_at_rev(repo, store, path, spec)
}

/// Compares two versions of `target` (a path or `path@HASHPREFIX` typed in `cwd`).
pub fn why(
    repo: &Repo,
    store: &dyn LineageStore,
    cwd: &Path,
    target: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<WhyReport, LineageError> {
    let (typed_path, prefix) = match target.rsplit_once('@') {
        Some((p, h)) if !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()) => (p, Some(h)),
        _ => (target, None),
    };
    let model_target = match target.strip_prefix("model:") {
        Some(model) => Some(model_version(repo, store, model)?),
        None => None,
    };
    let path = match &model_target {
        Some(version) => version.path.clone(),
        None => repo_relative(repo.root(), cwd, Path::new(typed_path))
            .map_or_else(|_| typed_path.to_owned(), String::from),
    };
    let new = match (to, prefix, model_target) {
        (None, _, Some(version)) => version,
        (Some(spec), _, _) => endpoint(repo, store, &path, spec)?,
        (None, Some(prefix), None) => {
            version_by_prefix(store, &path, &prefix.to_ascii_lowercase())?
        }
        (None, None, None) => current_version(repo, store, &path)?
            .ok_or_else(|| LineageError::UnknownPath { path: path.clone() })?,
    };
    let old = match from {
        Some(spec) => endpoint(repo, store, &path, spec)?,
        None => {
            let versions = store.versions_of(&path)?;
            let position = versions.iter().position(|v| v.id == new.id).unwrap_or(0);
            versions
                .into_iter()
                .take(position)
                .next_back()
                .ok_or_else(|| LineageError::NoPreviousVersion { path: path.clone() })?
        }
    };
    let old_run = producer(store, old.id)?;
    let new_run = producer(store, new.id)?;
    let mut comparison = Comparison {
        store,
        cache: repo.cache(),
        visited: HashSet::new(),
        causes: Vec::new(),
        consequences: Vec::new(),
    };
    if let (Some(a), Some(b)) = (&old_run, &new_run) {
        comparison.compare(a, b, 1)?;
    }
    let mut causes = comparison.causes;
    causes.sort_by_key(|c| (c.depth, c.difference.rank()));
    let mut consequences = comparison.consequences;
    consequences.sort_by_key(|c| c.depth);
    let commits = match (
        old_run.as_ref().and_then(|r| r.git_commit.clone()),
        new_run.as_ref().and_then(|r| r.git_commit.clone()),
    ) {
        (Some(a), Some(b)) if a != b => commits_between(repo.root(), &a, &b),
        _ => Vec::new(),
    };
    Ok(WhyReport {
        path,
        old: Side {
            version: old,
            run: old_run,
        },
        new: Side {
            version: new,
            run: new_run,
        },
        causes,
        consequences,
        commits,
    })
}

fn commits_between(root: &Path, old: &str, new: &str) -> Vec<(String, String)> {
    let range = format!("{old}..{new}");
    git(root, &["log", "--reverse", "--format=%H %s", &range])
        .map(|text| {
            text.lines()
                .filter_map(|l| l.split_once(' '))
                .map(|(sha, subject)| (sha.to_owned(), subject.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The run that produced a version: a live run over an imported record, then the latest.
fn producer(store: &dyn LineageStore, version: VersionId) -> Result<Option<Run>, LineageError> {
    let mut best: Option<Run> = None;
    for key in store.generators(version)? {
        let run = store.run_by_key(key)?;
        if run.status == RunStatus::Failed {
            continue;
        }
        // Runs started in the same millisecond (or under a pinned clock) go by recording order.
        let score = |r: &Run| (r.status != RunStatus::Imported, r.started, r.key);
        if best.as_ref().is_none_or(|b| score(&run) > score(b)) {
            best = Some(run);
        }
    }
    Ok(best)
}

/// Source-code files by extension: a changed one is a code change, not a data change.
pub fn is_code(path: &str) -> bool {
    const CODE: &[&str] = &[
        "py", "ipynb", "r", "jl", "sh", "bash", "zsh", "scala", "java", "kt", "go", "rs", "c",
        "cc", "cpp", "h", "hpp", "js", "ts", "rb", "pl", "m", "sql", "lua", "swift",
    ];
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| CODE.contains(&ext.to_ascii_lowercase().as_str()))
}

struct Comparison<'a> {
    store: &'a dyn LineageStore,
    cache: kin_cache::odb::ObjectDb,
    visited: HashSet<(RunKey, RunKey)>,
    causes: Vec<Cause>,
    consequences: Vec<Cause>,
}

impl Comparison<'_> {
    /// Compares two runs of a stage; returns whether it found a root cause at or above them.
    fn compare(&mut self, old: &Run, new: &Run, depth: usize) -> Result<bool, LineageError> {
        if !self.visited.insert((old.key, new.key)) || old.key == new.key {
            return Ok(false);
        }
        let before = self.causes.len();
        let stage = new.stage.clone();
        let push = |causes: &mut Vec<Cause>, difference| {
            causes.push(Cause {
                depth,
                stage: stage.clone(),
                difference,
            });
        };
        for (file, key, old_value, new_value) in param_changes(&old.params, &new.params) {
            push(
                &mut self.causes,
                Difference::Param {
                    file,
                    key,
                    old: old_value,
                    new: new_value,
                },
            );
        }
        if old.cmd != new.cmd && !old.cmd.is_empty() && !new.cmd.is_empty() {
            push(
                &mut self.causes,
                Difference::Command {
                    old: old.cmd.clone(),
                    new: new.cmd.clone(),
                },
            );
        }
        if let (Some(a), Some(b)) = (&old.environment, &new.environment)
            && a != b
            && let (Some(a), Some(b)) = (self.store.environment(a)?, self.store.environment(b)?)
        {
            let changes = environment_changes(&a.body, &b.body);
            if !changes.is_empty() {
                push(&mut self.causes, Difference::Environment { changes });
            }
        }
        let old_inputs = self.inputs(old.key)?;
        let new_inputs = self.inputs(new.key)?;
        let paths: BTreeSet<&String> = old_inputs.keys().chain(new_inputs.keys()).collect();
        for path in paths {
            let (a, b) = (old_inputs.get(path), new_inputs.get(path));
            if a.map(|v| &v.hash) == b.map(|v| &v.hash) {
                continue;
            }
            let (old_hash, new_hash) = (a.map(|v| v.hash.clone()), b.map(|v| v.hash.clone()));
            if is_code(path) {
                push(
                    &mut self.causes,
                    Difference::Code {
                        path: path.clone(),
                        old: old_hash,
                        new: new_hash,
                    },
                );
                continue;
            }
            let explained = match (a, b) {
                (Some(a), Some(b)) => {
                    match (producer(self.store, a.id)?, producer(self.store, b.id)?) {
                        (Some(pa), Some(pb)) => self.compare(&pa, &pb, depth + 1)?,
                        _ => false,
                    }
                }
                _ => false,
            };
            let files = match (&old_hash, &new_hash) {
                (Some(a), Some(b)) if a.is_dir() && b.is_dir() => self.file_changes(a, b),
                _ => None,
            };
            let difference = Difference::Data {
                path: path.clone(),
                old: old_hash,
                new: new_hash,
                files,
            };
            if explained {
                push(&mut self.consequences, difference);
            } else {
                push(&mut self.causes, difference);
            }
        }
        Ok(self.causes.len() > before)
    }

    fn inputs(&self, run: RunKey) -> Result<BTreeMap<String, ArtifactVersion>, LineageError> {
        let mut inputs = BTreeMap::new();
        for id in self.store.inputs(run)? {
            let version = self.store.version_by_id(id)?;
            inputs.insert(version.path.clone(), version);
        }
        Ok(inputs)
    }

    /// Added, removed and modified files of a directory, when both manifests are in the cache.
    fn file_changes(&self, old: &ArtifactHash, new: &ArtifactHash) -> Option<FileChanges> {
        let read = |hash: &ArtifactHash| -> Option<BTreeMap<String, String>> {
            let id: ObjectId = hash.as_str().parse().ok()?;
            let text = std::fs::read_to_string(self.cache.object_path(&id)).ok()?;
            let manifest = Manifest::from_json(&text).ok()?;
            Some(
                manifest
                    .entries()
                    .iter()
                    .map(|e| (e.relpath.clone(), e.md5.to_hex()))
                    .collect(),
            )
        };
        let (a, b) = (read(old)?, read(new)?);
        let mut changes = FileChanges::default();
        for (path, md5) in &b {
            match a.get(path) {
                None => changes.added.push(path.clone()),
                Some(old_md5) if old_md5 != md5 => changes.modified.push(path.clone()),
                Some(_) => {}
            }
        }
        changes.removed = a.keys().filter(|p| !b.contains_key(*p)).cloned().collect();
        Some(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_code() {
        assert!(is_code("src/train.py"));
        assert!(is_code("run.SH"));
        assert!(!is_code("data/train.csv"));
        assert!(!is_code("model"));
    }
}
