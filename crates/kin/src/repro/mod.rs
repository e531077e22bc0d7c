//! `kin repro`: DVC-compatible pipeline execution — deciding which stages are stale, running
//! them (in parallel with `-j`), caching their outputs and recording them in `dvc.lock`.

mod changes;
mod data_source;
mod error;
mod events;
mod execute;
mod outputs;
mod params;
mod plan;
mod run_cache;
mod schedule;
mod stage_record;
mod stage_run;
mod workspace;

pub use changes::{Change, ChangeKind};
pub use error::ReproError;
pub use events::{NoEvents, OutputStream, ReproEvents};
pub use execute::CommandOutcome;
pub use plan::Selection;
pub use stage_run::log_path;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use kin_cache::state::StateIndex;
use kin_store::Tags;

use crate::Repo;
use crate::data::DataError;
use crate::repo_lock::{LockWait, RepoLock};
use stage_run::{LockFiles, Shared};

/// What `kin repro` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ReproOptions {
    pub selection: Selection,
    /// Run the selected stages even when up to date.
    pub force: bool,
    /// Only say what would run.
    pub dry: bool,
    /// After a failure, go on with stages that do not depend on it.
    pub keep_going: bool,
    /// Stages run at once (at least 1).
    pub jobs: usize,
    /// Look in the run-cache before running a stage.
    pub run_cache: bool,
    /// Wait for another process's repository lock instead of failing.
    pub wait: bool,
    /// Set (by a signal handler) to stop: running commands are terminated, nothing new starts.
    pub interrupted: Arc<AtomicBool>,
    /// Tags given on the command line (`--tag`), over those of `KIN_TAGS` and
    /// `.kin/config.toml` (see [`crate::lineage::tags::resolve`]).
    pub tags: Vec<(String, String)>,
}

/// What happened to one stage.
#[derive(Debug)]
pub enum StageOutcome {
    /// Nothing changed since it was recorded.
    UpToDate,
    /// With `--dry`: it would run, for these reasons (empty when forced).
    WouldRun(Vec<Change>),
    /// Its commands ran, for these reasons (empty when forced).
    Ran(Vec<Change>),
    /// Its outputs came from the cache (an earlier run with the same inputs).
    Restored,
    /// A frozen stage whose outputs were checked and recorded without running it.
    Verified,
    /// Not attempted because the stage named here failed.
    Blocked { by: String },
}

/// The result of one repro, per visited stage in plan order.
#[derive(Debug)]
pub struct ReproReport {
    pub stages: Vec<(String, Result<StageOutcome, ReproError>)>,
    /// The tags on every run this repro recorded.
    pub tags: Tags,
    /// What went wrong on the side (OpenLineage events not sent), for the user to see.
    pub warnings: Vec<String>,
}

impl ReproReport {
    pub fn failed(&self) -> bool {
        self.stages.iter().any(|(_, r)| r.is_err())
    }
}

/// The plan and the shared state of one repro or commit, under the repository lock.
struct Session {
    /// `None` for read-only work (`status`), which DVC too does without the lock.
    lock: Option<RepoLock>,
    project: kin_pipeline::Project,
    plan: Vec<usize>,
    state: StateIndex,
    link_types: Vec<kin_cache::link::LinkType>,
}

fn open_session(
    repo: &Repo,
    cwd: &Path,
    options: &ReproOptions,
    events: &dyn ReproEvents,
) -> Result<Session, ReproError> {
    let root = repo.root();
    let wait = if options.wait {
        LockWait::Forever
    } else {
        LockWait::Briefly
    };
    let lock = RepoLock::acquire(&repo.dvc_dir(), wait, &|holder| {
        events.waiting_for_lock(holder)
    })?;
    let project = repo.project()?;
    repo.check_graph(&project)?;
    let cwd_rel = std::path::absolute(cwd)
        .ok()
        .and_then(|c| {
            c.strip_prefix(root)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        })
        .unwrap_or_default();
    // With no target, `repro` means the `dvc.yaml` here; DVC refuses one that is a directory.
    let here = cwd.join("dvc.yaml");
    if options.selection.targets.is_empty() && !options.selection.all_pipelines && here.is_dir() {
        return Err(ReproError::PipelineFileIsDirectory { path: here });
    }
    let plan = plan::plan(&project, &cwd_rel, &options.selection)?;
    for cache in repo.caches().all() {
        cache.remove_stale_temps();
    }
    let state = StateIndex::open(&repo.state_path()).map_err(DataError::from)?;
    let link_types = repo.settings().link_types.clone();
    Ok(Session {
        lock: Some(lock),
        project,
        plan,
        state,
        link_types,
    })
}

fn shared<'a>(
    repo: &Repo,
    session: Session,
    options: &'a ReproOptions,
    events: &'a dyn ReproEvents,
    tags: Tags,
) -> (Shared<'a>, Vec<usize>) {
    let Session {
        lock,
        project,
        plan,
        state,
        link_types,
    } = session;
    let position = plan
        .iter()
        .enumerate()
        .filter_map(|(p, &n)| project.graph.nodes[n].stage.map(|s| (s, p)))
        .collect();
    let shared = Shared {
        root: repo.root().to_path_buf(),
        project,
        options,
        events,
        workspace: Mutex::new(workspace::Workspace::new(repo.root(), state, repo.caches())),
        locks: Mutex::new(LockFiles::default()),
        link_types,
        run_cache: run_cache::RunCache::new(&repo.dvc_dir()),
        position,
        recorder: crate::lineage::capture::Recorder::new(repo.root(), tags).sending_openlineage(),
        lock,
    };
    (shared, plan)
}

/// Reproduces the selected stages of the repository. `cwd` anchors relative targets.
pub fn repro(
    repo: &Repo,
    cwd: &Path,
    options: &ReproOptions,
    events: &dyn ReproEvents,
) -> Result<ReproReport, ReproError> {
    // Read first: a mistyped tag stops the repro before anything runs.
    let tags = crate::lineage::tags::resolve(repo.root(), &options.tags)?;
    let session = open_session(repo, cwd, options, events)?;
    let (shared, plan) = shared(repo, session, options, events, tags.clone());
    let jobs = if options.dry { 1 } else { options.jobs.max(1) };
    let outcomes = schedule::run_plan(
        &shared,
        &plan,
        jobs,
        options.keep_going,
        &options.interrupted,
    );
    let warnings = shared.recorder.finish_openlineage(OPENLINEAGE_GRACE);
    Ok(ReproReport {
        stages: outcomes
            .into_iter()
            .map(|(node, result)| (shared.project.graph.nodes[node].address.clone(), result))
            .collect(),
        tags,
        warnings,
    })
}

/// How long a finished repro waits for its OpenLineage events to go out before dropping
/// the rest (each request has its own timeout too).
const OPENLINEAGE_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// `kin commit`: records the current deps, params and outputs of the selected stages in
/// `dvc.lock` (caching the outputs) without running anything, as `dvc commit` does. With no
/// targets, every stage. Returns the stages whose record changed.
pub fn commit(
    repo: &Repo,
    cwd: &Path,
    targets: &[String],
    events: &dyn ReproEvents,
) -> Result<Vec<String>, ReproError> {
    let options = ReproOptions {
        selection: Selection {
            targets: targets.to_vec(),
            single_item: !targets.is_empty(),
            all_pipelines: targets.is_empty(),
            ..Selection::default()
        },
        ..ReproOptions::default()
    };
    let tags = crate::lineage::tags::resolve(repo.root(), &[])?;
    let session = open_session(repo, cwd, &options, events)?;
    let (shared, plan) = shared(repo, session, &options, events, tags);
    let mut committed = Vec::new();
    for node in plan {
        let Some(index) = shared.project.graph.nodes[node].stage else {
            continue;
        };
        if stage_run::commit_stage(&shared, index)? {
            committed.push(shared.project.stages[index].address());
        }
    }
    Ok(committed)
}

/// Every stage of the repository that differs from its `dvc.lock` entry, with the reasons,
/// in DVC's order (`dvc status`). Up-to-date stages are left out.
pub fn status(repo: &Repo) -> Result<Vec<(String, Vec<Change>)>, ReproError> {
    let project = repo.project()?;
    let state = StateIndex::open(&repo.state_path()).map_err(DataError::from)?;
    let options = ReproOptions::default();
    let plan: Vec<usize> = (0..project.graph.nodes.len()).collect();
    let session = Session {
        lock: None,
        project,
        plan,
        state,
        link_types: Vec::new(),
    };
    let (shared, _) = shared(repo, session, &options, &NoEvents, Tags::new());
    let mut stale = Vec::new();
    for stage in &shared.project.stages {
        let changes = shared.judge(stage)?.changes;
        if !changes.is_empty() {
            stale.push((stage.address(), changes));
        }
    }
    Ok(stale)
}
