//! What `kin exp show` shows, in DVC's shape: the workspace, then each baseline commit with
//! its experiments, each with its params, metrics, deps and outs as that commit has them.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::ExpError;
use super::refs::ExpRef;
use crate::Repo;
use crate::metrics::{Source, Tree, collect_metrics_in, collect_params_in};

/// Where a commit's row is kept once computed: a commit never changes, nor do the cached
/// metrics its `dvc.lock` names, so its row is computed once (DVC keeps such a cache too).
/// The directory's version changes whenever the row's shape does.
fn cached_row_path(repo: &Repo, commit: &str) -> std::path::PathBuf {
    repo.root()
        .join(".kin")
        .join("cache")
        .join("exp-show-v1")
        .join(format!("{commit}.json"))
}

/// Commit times as DVC prints them, by commit, read for many commits at once.
type CommitTimes = HashMap<String, String>;

/// One row's data: `rev` is a commit (read from the row cache when there) or `workspace`.
pub fn rev_data(repo: &Repo, rev: &str) -> Result<Value, ExpError> {
    row_data(repo, rev, &CommitTimes::new())
}

fn row_data(repo: &Repo, rev: &str, times: &CommitTimes) -> Result<Value, ExpError> {
    if rev == "workspace" {
        return Ok(compute_rev_data(repo, rev, times)?.0);
    }
    let cached = cached_row_path(repo, rev);
    if let Ok(bytes) = std::fs::read(&cached)
        && let Ok(row) = serde_json::from_slice::<Value>(&bytes)
        && row["rev"] == rev
    {
        return Ok(row);
    }
    let (row, complete) = compute_rev_data(repo, rev, times)?;
    // A row missing a file (a metric not in the cache yet) may read otherwise later; a row
    // that cannot be kept is computed again next time: neither is worth failing for.
    if complete
        && let Some(dir) = cached.parent()
        && std::fs::create_dir_all(dir).is_ok()
    {
        let _ = kin_format::atomic_write::write_atomic(&cached, row.to_string().as_bytes());
    }
    Ok(row)
}

/// The row, and whether every params and metrics file could be read.
fn compute_rev_data(
    repo: &Repo,
    rev: &str,
    times: &CommitTimes,
) -> Result<(Value, bool), ExpError> {
    let source = if rev == "workspace" {
        Source::Workspace
    } else {
        Source::Rev(rev.to_owned())
    };
    let files = |collected: crate::metrics::Collected| -> Value {
        collected
            .into_iter()
            .map(|(path, data)| (path, json!({ "data": data })))
            .collect::<Map<_, _>>()
            .into()
    };
    // One copy of the revision's files serves params, metrics, deps and outs.
    let tree = Tree::open(repo, &source)?;
    let params = collect_params_in(repo, &tree, &[], false)?;
    let metrics = collect_metrics_in(repo, &tree, &[])?;
    let complete = params.errors().next().is_none() && metrics.errors().next().is_none();
    let (params, metrics) = (files(params.data()), files(metrics.data()));
    let (deps, outs) = deps_and_outs(repo, &tree)?;
    let timestamp = if rev == "workspace" {
        Value::Null
    } else if let Some(time) = times.get(rev) {
        Value::from(time.as_str())
    } else {
        commit_time(repo, rev)?.map_or(Value::Null, Value::from)
    };
    let row = json!({
        "rev": rev,
        "timestamp": timestamp,
        "params": params,
        "metrics": metrics,
        "deps": deps,
        "outs": outs,
        "meta": {},
    });
    Ok((row, complete))
}

/// The commit's time as DVC prints it: local time, to the second, without a zone.
fn commit_time(repo: &Repo, rev: &str) -> Result<Option<String>, ExpError> {
    let out = crate::git::git_output(repo.root(), &["log", "-1", "--format=%ct", rev])?;
    Ok(String::from_utf8_lossy(&out)
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(local_time))
}

/// The times of `commits` (full ids) from one `git log`.
fn commit_times(repo: &Repo, commits: &[&str]) -> Result<CommitTimes, ExpError> {
    if commits.is_empty() {
        return Ok(CommitTimes::new());
    }
    let mut args = vec!["log", "--no-walk=unsorted", "--format=%H %ct"];
    args.extend(commits);
    let out = crate::git::git_output(repo.root(), &args)?;
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|line| {
            let (commit, seconds) = line.split_once(' ')?;
            Some((commit.to_owned(), local_time(seconds.parse().ok()?)?))
        })
        .collect())
}

fn local_time(seconds: i64) -> Option<String> {
    let instant = jiff::Timestamp::from_second(seconds).ok()?;
    let local = instant.to_zoned(jiff::tz::TimeZone::system());
    Some(local.strftime("%Y-%m-%dT%H:%M:%S").to_string())
}

/// Stage deps (not params) and outputs (not metrics or plots) with their recorded hashes.
fn deps_and_outs(repo: &Repo, tree: &Tree) -> Result<(Value, Value), ExpError> {
    let project = tree.project(repo)?;
    let mut deps = Map::new();
    let mut outs = Map::new();
    let hashed = |id: Option<String>, size: Option<u64>, nfiles: Option<u64>| json!({"hash": id, "size": size, "nfiles": nfiles});
    let tracked = tree.tracked(&project);
    // A stage's outputs are listed in its declared order: pair them up to know which are
    // metrics or plots, which DVC leaves out here.
    let mut kinds = Vec::new();
    for stage in &project.stages {
        let address = stage.address();
        let mine = tracked.iter().filter(|t| t.owner == address);
        kinds.extend(mine.zip(&stage.outs).map(|(t, o)| (t, o.kind)));
    }
    let data_sources = tracked.iter().filter(|t| t.owner.ends_with(".dvc"));
    // Stages' outputs first, then the data `.dvc` files track, as DVC lists them.
    let listed = kinds
        .into_iter()
        .chain(data_sources.map(|t| (t, kin_pipeline::OutKind::Out)));
    for (out, kind) in listed {
        if kind != kin_pipeline::OutKind::Out {
            continue;
        }
        let mut entry = hashed(out.id.map(|id| id.to_string()), out.size, out.nfiles);
        entry["use_cache"] = json!(out.cached);
        entry["is_data_source"] = json!(out.owner.ends_with(".dvc"));
        outs.insert(out.path.as_str().to_owned(), entry);
    }
    for stage in &project.stages {
        let lock_path = if stage.dvcfile.ends_with(".dvc") {
            continue;
        } else {
            stage.dvcfile.replace("dvc.yaml", "dvc.lock")
        };
        let Some(bytes) = tree.read(&lock_path)? else {
            continue;
        };
        let Ok(lock) = kin_format::lock_file::LockFile::parse(&String::from_utf8_lossy(&bytes))
        else {
            continue;
        };
        let Ok(Some(entry)) = lock.entry(&stage.name) else {
            continue;
        };
        for dep in &entry.deps {
            let prefix = lock_path
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| format!("{d}/"));
            let path = if crate::external::is_url(&dep.path) || dep.path.starts_with('/') {
                dep.path.clone()
            } else {
                format!("{prefix}{}", dep.path)
            };
            deps.insert(
                path,
                hashed(
                    dep.id
                        .map(|id| id.to_string())
                        .or_else(|| dep.external.as_ref().map(|e| e.value.clone())),
                    dep.size,
                    dep.nfiles,
                ),
            );
        }
    }
    Ok((deps.into(), outs.into()))
}

/// `kin exp show --json`: the workspace, then each baseline with its experiments.
pub fn show_json(
    repo: &Repo,
    baselines: &[(String, Option<String>)],
    exps: &[ExpRef],
) -> Result<Value, ExpError> {
    // A row not computed before takes a copy of its commit's files: the experiments' rows
    // are computed on every core.
    let commits: Vec<&str> = exps.iter().map(|e| e.commit.as_str()).collect();
    let uncached: Vec<&str> = commits
        .iter()
        .copied()
        .chain(baselines.iter().map(|(b, _)| b.as_str()))
        .filter(|commit| !cached_row_path(repo, commit).is_file())
        .collect();
    let times = commit_times(repo, &uncached)?;
    let mut exp_rows = HashMap::new();
    let computed = crate::parallel::map_in_order(&commits, |commit| row_data(repo, commit, &times));
    for (commit, row) in commits.iter().zip(computed) {
        exp_rows.insert(*commit, row?);
    }
    let mut rows = vec![json!({
        "rev": "workspace",
        "name": null,
        "data": rev_data(repo, "workspace")?,
        "error": null,
        "experiments": null,
    })];
    for (baseline, name) in baselines {
        let experiments: Vec<Value> = exps
            .iter()
            .filter(|e| &e.baseline == baseline)
            .map(|e| {
                Ok(json!({
                    "revs": [{
                        "rev": e.commit,
                        "name": e.name,
                        "data": match exp_rows.get(e.commit.as_str()) {
                            Some(row) => row.clone(),
                            None => rev_data(repo, &e.commit)?,
                        },
                        "error": null,
                        "experiments": null,
                    }],
                    "executor": null,
                    "name": e.name,
                }))
            })
            .collect::<Result<_, ExpError>>()?;
        rows.push(json!({
            "rev": baseline,
            "name": name,
            "data": row_data(repo, baseline, &times)?,
            "error": null,
            "experiments": if experiments.is_empty() { Value::Null } else { Value::Array(experiments) },
        }));
    }
    Ok(Value::Array(rows))
}
