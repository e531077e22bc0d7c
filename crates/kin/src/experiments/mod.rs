//! Experiments in DVC 3's own format: each a commit on top of its baseline commit under
//! `refs/exps/…`, holding the changed params, `dvc.lock` and metrics, so `dvc exp show`
//! lists kin's experiments and kin lists DVC's. `kin exp run` makes them (a sweep in
//! parallel, each in its own worktree sharing the cache), and the rest reads, applies,
//! branches and removes them.

mod names;
mod params_edit;
pub mod queue;
pub(crate) mod refs;
mod runner;
mod share;
mod show;
pub mod sweep;

use std::collections::HashSet;
use std::path::PathBuf;

pub use refs::ExpRef;
pub use runner::{Outcome, Planned};
pub use share::{ShareRequest, Shared, pull, push};
pub use sweep::{Assignment, ParamSet};

use crate::Repo;
use crate::git::{GitError, git_output, resolve_commit};

/// Why an experiment command failed.
#[derive(Debug, thiserror::Error)]
pub enum ExpError {
    #[error("`-S {spec}`: {reason}")]
    BadSet { spec: String, reason: String },
    #[error("`{key}` is not a param in `{file}`")]
    UnknownParam { file: String, key: String },
    #[error("the params file `{file}` does not exist")]
    NoParamsFile { file: String },
    #[error("`{file}` cannot be read: {reason}")]
    BadParamsFile { file: String, reason: String },
    #[error("`{name}` is not a valid experiment name")]
    BadName { name: String },
    #[error("an experiment named `{name}` already exists on this baseline")]
    NameTaken { name: String },
    #[error("`--name` names one experiment, but the sweep makes {count}")]
    NameForSweep { count: usize },
    #[error("experiments need a git commit to start from; this repository has none")]
    NoBaseline,
    #[error("uncommitted changes to {} would be overwritten: {}", if paths.len() == 1 { "a file" } else { "files" }, paths.join(", "))]
    Unsaved { paths: Vec<String> },
    #[error("no experiment is named `{name}`")]
    UnknownExperiment { name: String },
    #[error("experiment `{name}` failed at `{step}`:\n{output}")]
    Failed {
        name: String,
        step: String,
        output: String,
    },
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Metrics(#[from] crate::metrics::MetricsError),
    #[error(transparent)]
    Lineage(#[from] crate::lineage::LineageError),
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteOpError),
}

/// What `kin exp run` is asked.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Stages or `dvc.yaml` files to reproduce (all when empty).
    pub targets: Vec<String>,
    pub sets: Vec<ParamSet>,
    pub name: Option<String>,
    pub jobs: usize,
    /// The `kin` binary the experiments run.
    pub kin: PathBuf,
}

/// The commit experiments start from: HEAD.
pub fn baseline(repo: &Repo) -> Result<String, ExpError> {
    resolve_commit(repo.root(), "HEAD")?.ok_or(ExpError::NoBaseline)
}

/// Checks the request and names each experiment, before anything runs: every `-S` file
/// and key must exist in the workspace.
pub fn plan(repo: &Repo, request: &RunRequest) -> Result<Vec<Planned>, ExpError> {
    let baseline = baseline(repo)?;
    for set in &request.sets {
        check_key(repo, set)?;
    }
    let assignments = sweep::combinations(&request.sets);
    if request.name.is_some() && assignments.len() > 1 {
        return Err(ExpError::NameForSweep {
            count: assignments.len(),
        });
    }
    let mut taken: HashSet<String> = refs::list(repo.root())?
        .into_iter()
        .filter(|e| e.baseline == baseline)
        .map(|e| e.name)
        .chain(queue::list(repo)?.into_iter().map(|q| q.name))
        .collect();
    assignments
        .into_iter()
        .map(|assignment| {
            let name = match &request.name {
                Some(name) => {
                    refs::check_name(name)?;
                    if !taken.insert(name.clone()) {
                        return Err(ExpError::NameTaken { name: name.clone() });
                    }
                    name.clone()
                }
                None => names::generate(&mut taken),
            };
            Ok(Planned { name, assignment })
        })
        .collect()
}

/// A `-S` key must be in its file already, as DVC requires of a params file it knows.
fn check_key(repo: &Repo, set: &ParamSet) -> Result<(), ExpError> {
    let path = repo.root().join(&set.file);
    if !path.is_file() {
        return Err(ExpError::NoParamsFile {
            file: set.file.clone(),
        });
    }
    let first = set.values.first().cloned().unwrap_or_default();
    params_edit::edited_params(&path, &set.file, &set.key, &first).map(drop)
}

/// Runs the planned experiments from the workspace as it is, `report` hearing of each as it
/// ends.
pub fn run(
    repo: &Repo,
    request: &RunRequest,
    planned: Vec<Planned>,
    report: &(dyn Fn(&Outcome) + Sync),
) -> Result<Vec<Outcome>, ExpError> {
    let snapshot = std::sync::Arc::new(runner::Snapshot::of_workspace(
        repo,
        baseline(repo)?,
        request.targets.clone(),
    )?);
    let jobs = planned
        .into_iter()
        .map(|planned| runner::Job {
            snapshot: snapshot.clone(),
            planned,
        })
        .collect();
    let executor = runner::Executor::new(repo, request.kin.clone())?;
    Ok(executor.run_all(jobs, request.jobs, report))
}

/// Experiments of HEAD's baseline, or of every baseline with `all`.
pub fn list(repo: &Repo, all: bool) -> Result<Vec<ExpRef>, ExpError> {
    let head = resolve_commit(repo.root(), "HEAD")?;
    Ok(refs::list(repo.root())?
        .into_iter()
        .filter(|e| all || Some(&e.baseline) == head.as_ref())
        .collect())
}

/// The name DVC gives a baseline row: the branch HEAD is on, else the short commit.
fn baseline_name(repo: &Repo, commit: &str) -> Option<String> {
    let out = git_output(
        repo.root(),
        &["branch", "--points-at", commit, "--format=%(refname:short)"],
    )
    .ok()?;
    let text = String::from_utf8_lossy(&out);
    let current = git_output(repo.root(), &["branch", "--show-current"])
        .ok()
        .map(|o| String::from_utf8_lossy(&o).trim().to_owned());
    let branches: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    current
        .filter(|c| branches.contains(&c.as_str()))
        .or_else(|| branches.first().map(|b| (*b).to_owned()))
}

/// `kin exp show --json`: HEAD's experiments, or with `all` every baseline's.
pub fn show_json(repo: &Repo, all: bool) -> Result<serde_json::Value, ExpError> {
    let exps = list(repo, all)?;
    let head = resolve_commit(repo.root(), "HEAD")?;
    let mut baselines: Vec<String> = head.into_iter().collect();
    for exp in &exps {
        if !baselines.contains(&exp.baseline) {
            baselines.push(exp.baseline.clone());
        }
    }
    let named: Vec<(String, Option<String>)> = baselines
        .into_iter()
        .map(|b| {
            let name = baseline_name(repo, &b);
            (b, name)
        })
        .collect();
    show::show_json(repo, &named, &exps)
}

/// Brings an experiment's files into the workspace: the files it changed from its baseline
/// (left unstaged, as DVC leaves them), then its data from the cache (`kin checkout`, which
/// the caller runs). Files among them with uncommitted changes are not overwritten unless
/// `force`: an edit is not lost silently.
pub fn apply(repo: &Repo, name: &str, force: bool) -> Result<ExpRef, ExpError> {
    let head = resolve_commit(repo.root(), "HEAD")?;
    let exp = refs::find(repo.root(), name, head.as_deref())?;
    let top = PathBuf::from(
        String::from_utf8_lossy(&git_output(repo.root(), &["rev-parse", "--show-toplevel"])?)
            .trim(),
    );
    let changed = git_output(
        &top,
        &[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            &exp.baseline,
            &exp.commit,
        ],
    )?;
    let paths: Vec<String> = changed
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    if paths.is_empty() {
        return Ok(exp);
    }
    if !force {
        let mut args = vec!["status", "--porcelain", "--untracked-files=all", "--"];
        args.extend(paths.iter().map(String::as_str));
        let dirty = String::from_utf8_lossy(&git_output(&top, &args)?).into_owned();
        let dirty: Vec<String> = dirty
            .lines()
            .filter_map(|line| line.get(3..).map(str::to_owned))
            .collect();
        if !dirty.is_empty() {
            return Err(ExpError::Unsaved { paths: dirty });
        }
    }
    for path in paths {
        let full = top.join(&path);
        let io = |source| ExpError::Io {
            path: full.clone(),
            source,
        };
        let spec = format!("{}:{path}", exp.commit);
        if git_output(&top, &["cat-file", "-e", &spec]).is_ok() {
            let bytes = git_output(&top, &["cat-file", "blob", &spec])?;
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            kin_format::atomic_write::write_atomic(&full, &bytes).map_err(io)?;
        } else if full.exists() {
            std::fs::remove_file(&full).map_err(io)?;
        }
    }
    Ok(exp)
}

/// Makes a branch of an experiment's commit.
pub fn branch(repo: &Repo, name: &str, branch: &str) -> Result<ExpRef, ExpError> {
    let head = resolve_commit(repo.root(), "HEAD")?;
    let exp = refs::find(repo.root(), name, head.as_deref())?;
    git_output(
        repo.root(),
        &["branch", "--end-of-options", branch, &exp.commit],
    )?;
    Ok(exp)
}

/// Removes experiments by name, or every one of HEAD's baseline with `all`.
pub fn remove(repo: &Repo, names: &[String], all: bool) -> Result<Vec<ExpRef>, ExpError> {
    let head = resolve_commit(repo.root(), "HEAD")?;
    let gone: Vec<ExpRef> = if all {
        list(repo, false)?
    } else {
        names
            .iter()
            .map(|n| refs::find(repo.root(), n, head.as_deref()))
            .collect::<Result<_, _>>()?
    };
    for exp in &gone {
        git_output(
            repo.root(),
            &["update-ref", "-d", &exp.refname(), &exp.commit],
        )?;
    }
    Ok(gone)
}
