//! `kin history import`: walks git history and records what each commit's `dvc.lock` and
//! `.dvc` files say was produced, so a DVC repository has its past lineage on day one.

use std::collections::HashSet;

use kin_store::{LineageStore, NewRun, RunStatus, Store, Tags, Timestamp};

use super::capture::{add_fingerprint, command_text, fingerprint, params_json, version_of};
use super::error::LineageError;
use super::git_records::{Record, is_record_file, record_files, records_in};
use super::tags::config_tags;
use crate::Repo;
use crate::git::{GitError, GitObjects, git_output};
use crate::kin_config::{self, CONFIG_FILE};

/// Which history to walk.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// A revision or range (`v1.0..main`); default `HEAD`.
    pub range: Option<String>,
    /// Every ref: branches, tags, experiment refs.
    pub all: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Commits walked in this import.
    pub commits: usize,
    /// Of those, commits imported earlier and skipped.
    pub already_imported: usize,
    /// Runs recorded.
    pub runs: usize,
}

/// One commit of the walk, with the record files it changed.
struct Commit {
    sha: String,
    author: String,
    time: Timestamp,
    changed: Vec<String>,
}

/// The commits to walk, oldest first.
fn commits(repo: &Repo, options: &ImportOptions) -> Result<Vec<Commit>, LineageError> {
    let mut args = vec![
        "log",
        "--reverse",
        "--no-renames",
        "--name-only",
        "-z",
        "--format=%x1e%H%x1f%an <%ae>%x1f%ct",
    ];
    if options.all {
        args.push("--all");
    } else {
        args.push(options.range.as_deref().unwrap_or("HEAD"));
    }
    args.push("--");
    let output = git_output(repo.root(), &args)?;
    let text = String::from_utf8_lossy(&output);
    let mut commits = Vec::new();
    for block in text.split('\x1e').filter(|b| !b.trim().is_empty()) {
        // With -z, git ends the header with NUL when files follow, with a newline otherwise.
        let (header, files) = block.split_once(['\0', '\n']).unwrap_or((block, ""));
        let fields: Vec<&str> = header.split('\x1f').collect();
        let [sha, author, time] = fields.as_slice() else {
            return Err(GitError::Unexpected {
                reply: header.to_owned(),
            }
            .into());
        };
        let time = time
            .trim()
            .parse::<i64>()
            .map_err(|_| GitError::Unexpected {
                reply: header.to_owned(),
            })?;
        commits.push(Commit {
            sha: (*sha).to_owned(),
            author: (*author).to_owned(),
            time: Timestamp::from_secs(time),
            changed: files
                .split('\0')
                .map(|f| f.trim_matches('\n'))
                .filter(|f| is_record_file(f) && !f.starts_with(".dvc/"))
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(commits)
}

fn imported_run(commit: &Commit, stage: String, cmd: String) -> NewRun {
    NewRun {
        user: Some(commit.author.clone()),
        git_commit: Some(commit.sha.clone()),
        git_dirty: Some(false),
        ..NewRun::new(stage, cmd, RunStatus::Imported, commit.time)
    }
}

/// Runs for the records of one commit that no earlier record or run already holds.
fn runs_of(
    store: &dyn LineageStore,
    commit: &Commit,
    records: Vec<Record>,
    seen: &mut HashSet<String>,
) -> Result<Vec<NewRun>, LineageError> {
    let mut runs = Vec::new();
    let mut fresh = |fp: &String| -> Result<bool, LineageError> {
        Ok(seen.insert(fp.clone()) && !store.has_fingerprint(fp)?)
    };
    for record in records {
        match record {
            Record::Stage {
                address,
                wdir,
                entry,
            } => {
                let fp = fingerprint(&address, &wdir, &entry);
                if !fresh(&fp)? {
                    continue;
                }
                let mut run = imported_run(commit, address, command_text(&entry.cmd));
                run.params = params_json(&wdir, &entry);
                run.used = entry
                    .deps
                    .iter()
                    .filter_map(|d| version_of(&wdir, d))
                    .collect();
                run.generated = entry
                    .outs
                    .iter()
                    .filter_map(|o| version_of(&wdir, o))
                    .collect();
                run.fingerprint = Some(fp);
                runs.push(run);
            }
            Record::Data { dvc_file, versions } => {
                for version in versions {
                    let fp = add_fingerprint(&dvc_file, &version);
                    if !fresh(&fp)? {
                        continue;
                    }
                    let mut run = imported_run(commit, dvc_file.clone(), String::new());
                    run.fingerprint = Some(fp);
                    run.generated = vec![version];
                    runs.push(run);
                }
            }
        }
    }
    Ok(runs)
}

/// The `[tags]` of `.kin/config.toml` as committed in `sha`: the context the repository gave
/// its runs then (today's file and `KIN_TAGS` say nothing about the past). A file that is
/// missing or unreadable in an old commit gives no tags, as unreadable records are skipped.
fn tags_at(objects: &mut GitObjects, sha: &str) -> Result<Tags, LineageError> {
    let Some(bytes) = objects.blob(&format!("{sha}:{CONFIG_FILE}"))? else {
        return Ok(Tags::new());
    };
    let path = std::path::Path::new(CONFIG_FILE);
    let tags = String::from_utf8(bytes)
        .ok()
        .and_then(|text| kin_config::parse(&text, path).ok())
        .and_then(|config| config_tags(&config, path).ok())
        .unwrap_or_default();
    Ok(tags.into_iter().collect())
}

/// Commits imported per store transaction.
const BATCH: usize = 200;

/// Imports the history `options` selects into `store`. Commits imported before are skipped.
pub fn import_history(
    repo: &Repo,
    store: &mut Store,
    options: &ImportOptions,
) -> Result<ImportReport, LineageError> {
    let project = super::project_name(repo.root())?;
    let commits = commits(repo, options)?;
    let mut report = ImportReport {
        commits: commits.len(),
        ..ImportReport::default()
    };
    let mut objects = GitObjects::open(repo.root())?;
    let mut seen = HashSet::new();
    let mut pending_runs = Vec::new();
    let mut pending_commits = Vec::new();
    for (index, commit) in commits.iter().enumerate() {
        if store.is_imported(&commit.sha)? {
            report.already_imported += 1;
            continue;
        }
        // The first commit walked may sit on history not walked: read everything it holds.
        let files = if index == 0 {
            record_files(repo.root(), &commit.sha)?
        } else {
            commit.changed.clone()
        };
        let mut records = Vec::new();
        for file in &files {
            records.extend(records_in(&mut objects, &commit.sha, file)?);
        }
        let mut runs = runs_of(store, commit, records, &mut seen)?;
        if !runs.is_empty() {
            let tags = tags_at(&mut objects, &commit.sha)?;
            for run in &mut runs {
                run.tags = tags.clone();
                run.project = Some(project.clone());
            }
        }
        pending_runs.extend(runs);
        pending_commits.push(commit.sha.clone());
        if pending_commits.len() >= BATCH {
            report.runs += flush(store, &mut pending_runs, &mut pending_commits)?;
        }
    }
    report.runs += flush(store, &mut pending_runs, &mut pending_commits)?;
    Ok(report)
}

fn flush(
    store: &mut Store,
    runs: &mut Vec<NewRun>,
    commits: &mut Vec<String>,
) -> Result<usize, LineageError> {
    let count = runs.len();
    store.record_runs(runs)?;
    // Marked after their runs: a crash in between re-reads those commits, whose runs the
    // fingerprints then skip.
    store.mark_imported(commits)?;
    runs.clear();
    commits.clear();
    Ok(count)
}
