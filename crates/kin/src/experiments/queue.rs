//! Queued experiments (`kin exp run --queue`), run later by `kin queue start`. Each waits in
//! `.kin/queue/NAME/`: `entry.json` (baseline, targets, params) and `workspace/`, a copy of
//! the files that differed from the baseline when it was queued, so it runs what was there
//! then. A runner claims an entry by renaming its directory, so two runners never run one
//! experiment twice.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use super::runner::{Executor, Job, Outcome, Planned, Snapshot};
use super::{ExpError, RunRequest, baseline};
use crate::Repo;

/// One queued experiment.
#[derive(Debug, Clone)]
pub struct Queued {
    pub name: String,
    /// Where it waits: `.kin/queue/NAME`, or `.kin/queue/.running-NAME-PID` once claimed.
    pub dir: PathBuf,
    pub baseline: String,
    pub assignment: super::Assignment,
    pub queued_at: String,
    pub state: QueueState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueState {
    Queued,
    /// Claimed by a `kin queue start` that is still running (its process id).
    Running(u32),
    /// Claimed by a runner that is gone: `kin queue remove` clears it.
    Interrupted,
}

impl QueueState {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueState::Queued => "queued",
            QueueState::Running(_) => "running",
            QueueState::Interrupted => "interrupted",
        }
    }
}

fn queue_dir(repo: &Repo) -> PathBuf {
    repo.root().join(".kin").join("queue")
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ExpError + '_ {
    move |source| ExpError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Queues the planned experiments with the workspace as it is now.
pub fn enqueue(repo: &Repo, request: &RunRequest, planned: &[Planned]) -> Result<(), ExpError> {
    let base = baseline(repo)?;
    let snapshot = Snapshot::of_workspace(repo, base.clone(), request.targets.clone())?;
    let dir = queue_dir(repo);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    for one in planned {
        let scratch = dir.join(format!(".new-{}-{}", one.name, std::process::id()));
        let workspace = scratch.join("workspace");
        std::fs::create_dir_all(&workspace).map_err(io(&workspace))?;
        let mut deleted = Vec::new();
        for (rel, exists) in &snapshot.carried {
            if !exists {
                deleted.push(rel.clone());
                continue;
            }
            let to = workspace.join(rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::copy(snapshot.carried_root.join(rel), &to).map_err(io(&to))?;
        }
        let entry = json!({
            "name": one.name,
            "baseline": base,
            "targets": request.targets,
            "assignment": one.assignment.iter().map(|(f, k, v)| json!([f, k, v])).collect::<Vec<_>>(),
            "deleted": deleted,
            "queued_at": jiff::Timestamp::now().to_string(),
        });
        let file = scratch.join("entry.json");
        kin_format::atomic_write::write_atomic(&file, entry.to_string().as_bytes())
            .map_err(io(&file))?;
        let target = dir.join(&one.name);
        std::fs::rename(&scratch, &target).map_err(io(&target))?;
    }
    Ok(())
}

fn read_entry(dir: &Path) -> Option<(Value, super::Assignment)> {
    let entry: Value = serde_json::from_slice(&std::fs::read(dir.join("entry.json")).ok()?).ok()?;
    let assignment = entry["assignment"]
        .as_array()?
        .iter()
        .filter_map(|a| {
            Some((
                a[0].as_str()?.to_owned(),
                a[1].as_str()?.to_owned(),
                a[2].clone(),
            ))
        })
        .collect();
    Some((entry, assignment))
}

/// A claimed entry's directory name: `.running-NAME-PID`.
fn running_name(name: &str, pid: u32) -> String {
    format!(".running-{name}-{pid}")
}

fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Every queued, running or interrupted experiment, oldest first.
pub fn list(repo: &Repo) -> Result<Vec<Queued>, ExpError> {
    let dir = queue_dir(repo);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let state = if let Some(rest) = file_name.strip_prefix(".running-") {
            let pid = rest
                .rsplit_once('-')
                .and_then(|(_, p)| p.parse::<u32>().ok());
            match pid {
                Some(pid) if process_alive(pid) => QueueState::Running(pid),
                _ => QueueState::Interrupted,
            }
        } else if file_name.starts_with('.') {
            continue;
        } else {
            QueueState::Queued
        };
        let dir = entry.path();
        let Some((entry, assignment)) = read_entry(&dir) else {
            continue;
        };
        found.push(Queued {
            dir,
            name: entry["name"].as_str().unwrap_or_default().to_owned(),
            baseline: entry["baseline"].as_str().unwrap_or_default().to_owned(),
            assignment,
            queued_at: entry["queued_at"].as_str().unwrap_or_default().to_owned(),
            state,
        });
    }
    found.sort_by(|a, b| (&a.queued_at, &a.name).cmp(&(&b.queued_at, &b.name)));
    Ok(found)
}

/// Removes queued (or interrupted) experiments by name, or all of them; running ones stay.
pub fn remove(repo: &Repo, names: &[String], all: bool) -> Result<Vec<String>, ExpError> {
    let mut removed = Vec::new();
    for queued in list(repo)? {
        if matches!(queued.state, QueueState::Running(_)) {
            continue;
        }
        if !all && !names.contains(&queued.name) {
            continue;
        }
        std::fs::remove_dir_all(&queued.dir).map_err(io(&queued.dir))?;
        removed.push(queued.name);
    }
    for name in names {
        if !removed.contains(name) {
            return Err(ExpError::UnknownExperiment { name: name.clone() });
        }
    }
    Ok(removed)
}

/// Runs every queued experiment, `jobs` at a time, each from the workspace it was queued
/// with; an entry is gone once its experiment ran (or failed, with the failure reported).
pub fn start(
    repo: &Repo,
    kin: PathBuf,
    jobs: usize,
    report: &(dyn Fn(&Outcome) + Sync),
) -> Result<Vec<Outcome>, ExpError> {
    let dir = queue_dir(repo);
    let pid = std::process::id();
    let mut claimed = Vec::new();
    for queued in list(repo)?
        .into_iter()
        .filter(|q| q.state == QueueState::Queued)
    {
        let to = dir.join(running_name(&queued.name, pid));
        // Another runner took it first: it is theirs.
        if std::fs::rename(&queued.dir, &to).is_err() {
            continue;
        }
        let Some((entry, assignment)) = read_entry(&to) else {
            continue;
        };
        let workspace = to.join("workspace");
        let mut carried: Vec<(String, bool)> = Vec::new();
        collect_files(&workspace, &workspace, &mut carried);
        for deleted in entry["deleted"].as_array().into_iter().flatten() {
            if let Some(path) = deleted.as_str() {
                carried.push((path.to_owned(), false));
            }
        }
        let snapshot = Snapshot {
            baseline: queued.baseline.clone(),
            targets: entry["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            carried_root: workspace,
            carried,
        };
        claimed.push((
            to,
            Job {
                snapshot: Arc::new(snapshot),
                planned: Planned {
                    name: queued.name,
                    assignment,
                },
            },
        ));
    }
    let executor = Executor::new(repo, kin)?;
    let (dirs, jobs_list): (Vec<PathBuf>, Vec<Job>) = claimed.into_iter().unzip();
    let outcomes = executor.run_all(jobs_list, jobs, report);
    for claimed_dir in dirs {
        let _ = std::fs::remove_dir_all(&claimed_dir);
    }
    Ok(outcomes)
}

/// Every file below `dir`, relative to `root`.
fn collect_files(root: &Path, dir: &Path, into: &mut Vec<(String, bool)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(root, &path, into);
        } else if let Ok(rel) = path.strip_prefix(root) {
            into.push((rel.to_string_lossy().into_owned(), true));
        }
    }
}
