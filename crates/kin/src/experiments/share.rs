//! Sharing experiments as `dvc exp push`/`pull` do: their refs through a git remote, the data
//! their commits record through the DVC remote (unless `--no-cache`).

use std::path::Path;

use super::refs::{self, ExpRef};
use super::{ExpError, list};
use crate::Repo;
use crate::data::{DataError, Progress};
use crate::git::git_output;
use crate::metrics::{Source, Tree};
use crate::remote::{TransferOptions, TransferReport};
use crate::tracked::TrackedOut;

/// Which experiments to share, and how.
#[derive(Debug, Clone, Default)]
pub struct ShareRequest {
    /// The git remote (a name such as `origin`, or a URL).
    pub git_remote: String,
    /// Experiments by name; none: every one of HEAD's baseline (every baseline's with
    /// `all_commits`).
    pub names: Vec<String>,
    pub all_commits: bool,
    /// Move the refs only, not the data.
    pub no_cache: bool,
    /// Replace an experiment the other side has under the same ref.
    pub force: bool,
    /// The DVC remote and parallelism for the data.
    pub transfer: TransferOptions,
}

/// What was shared.
#[derive(Debug)]
pub struct Shared {
    pub experiments: Vec<ExpRef>,
    pub data: Vec<TransferReport>,
}

/// Every cached output the experiments' commits record, once each.
fn outs_of(repo: &Repo, exps: &[ExpRef]) -> Result<Vec<TrackedOut>, ExpError> {
    let mut outs: Vec<TrackedOut> = Vec::new();
    for exp in exps {
        let tree = Tree::open(repo, &Source::Rev(exp.commit.clone()))?;
        let project = tree.project(repo)?;
        for out in tree.tracked(&project) {
            if out.cached
                && out.id.is_some()
                && !outs.iter().any(|o| o.path == out.path && o.id == out.id)
            {
                outs.push(out);
            }
        }
    }
    Ok(outs)
}

fn refspecs(exps: &[ExpRef], force: bool) -> Vec<String> {
    exps.iter()
        .map(|e| {
            let name = e.refname();
            format!("{}{name}:{name}", if force { "+" } else { "" })
        })
        .collect()
}

pub fn push(
    repo: &Repo,
    cwd: &Path,
    request: &ShareRequest,
    progress: &dyn Progress,
) -> Result<Shared, ExpError> {
    let head = crate::git::resolve_commit(repo.root(), "HEAD")?;
    let experiments: Vec<ExpRef> = if request.names.is_empty() {
        list(repo, request.all_commits)?
    } else {
        request
            .names
            .iter()
            .map(|name| refs::find(repo.root(), name, head.as_deref()))
            .collect::<Result<_, _>>()?
    };
    share(repo, cwd, request, experiments, Direction::Push, progress)
}

pub fn pull(
    repo: &Repo,
    cwd: &Path,
    request: &ShareRequest,
    progress: &dyn Progress,
) -> Result<Shared, ExpError> {
    let head = crate::git::resolve_commit(repo.root(), "HEAD")?;
    let listing = git_output(
        repo.root(),
        &["ls-remote", &request.git_remote, "refs/exps/*"],
    )?;
    let offered: Vec<ExpRef> = String::from_utf8_lossy(&listing)
        .lines()
        .filter_map(|line| {
            let (commit, refname) = line.split_once('\t')?;
            refs::parse_refname(refname, commit)
        })
        .collect();
    let experiments: Vec<ExpRef> = if request.names.is_empty() {
        offered
            .into_iter()
            .filter(|e| request.all_commits || Some(&e.baseline) == head.as_ref())
            .collect()
    } else {
        request
            .names
            .iter()
            .map(|name| {
                offered
                    .iter()
                    .find(|e| &e.name == name && Some(&e.baseline) == head.as_ref())
                    .or_else(|| offered.iter().find(|e| &e.name == name))
                    .cloned()
                    .ok_or_else(|| ExpError::UnknownExperiment { name: name.clone() })
            })
            .collect::<Result<_, _>>()?
    };
    share(repo, cwd, request, experiments, Direction::Pull, progress)
}

#[derive(Clone, Copy)]
enum Direction {
    Push,
    Pull,
}

/// Moves the experiments' refs (`git push` or `git fetch`), then their data.
fn share(
    repo: &Repo,
    cwd: &Path,
    request: &ShareRequest,
    experiments: Vec<ExpRef>,
    direction: Direction,
    progress: &dyn Progress,
) -> Result<Shared, ExpError> {
    if experiments.is_empty() {
        return Ok(Shared {
            experiments,
            data: Vec::new(),
        });
    }
    let verb = match direction {
        Direction::Push => "push",
        Direction::Pull => "fetch",
    };
    let mut args = vec![
        verb.to_owned(),
        "--quiet".to_owned(),
        request.git_remote.clone(),
    ];
    args.extend(refspecs(&experiments, request.force));
    git_output(
        repo.root(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )?;
    if request.no_cache {
        return Ok(Shared {
            experiments,
            data: Vec::new(),
        });
    }
    let outs = outs_of(repo, &experiments)?;
    let _lock = repo
        .lock()
        .map_err(|e| crate::remote::RemoteOpError::from(DataError::from(e)))?;
    let data = match direction {
        Direction::Push => {
            crate::remote::transfer::push_outs(repo, cwd, &request.transfer, &outs, progress)?
        }
        Direction::Pull => {
            crate::remote::transfer::fetch_outs(repo, cwd, &request.transfer, &outs, progress)?
        }
    };
    Ok(Shared { experiments, data })
}
