//! One stage of a repro, start to finish: decide, restore or run, commit, record in dvc.lock.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use kin_cache::link::LinkType;
use kin_cache::lock_file::{read_lock_file, write_lock_file};
use kin_format::Command;
use kin_format::lock_file::{LockEntry, LockFile};
use kin_pipeline::{Project, Stage};

use super::changes::{Change, stage_changes};
use super::events::ReproEvents;
use super::execute::{CommandOutcome, CommandSpec, run_commands};
use super::outputs::{
    cache_uncached_outputs, commit_outputs, inputs_entry, outputs_restorable, prepare_outputs,
    restore_outputs,
};
use super::params::{ParamValues, read_params};
use super::run_cache::{RunCache, applies_to};
use super::stage_record::{Trace, finish};
use super::workspace::Workspace;
use super::{ReproError, ReproOptions, StageOutcome};
use crate::lineage::capture::{Capture, Recorder};
use crate::paths::wdir_join;
use crate::repo_lock::{LockHold, RepoLock};
use crate::rwlock::{PathLocks, RwLockError};

/// The lock files touched by a repro, and the stages this repro added to each (so entries
/// added out of order by parallel runs still land in plan order, as a sequential DVC run writes them).
#[derive(Default)]
pub(crate) struct LockFiles {
    files: HashMap<String, LockFile>,
    added: HashMap<String, Vec<(usize, String)>>,
    /// The repository lock's generation when `files` were read: once another process could
    /// have taken the lock (while a command ran), they are read again.
    generation: u64,
}

/// A stage compared with its record.
pub(crate) struct Judgement {
    pub recorded: Option<LockEntry>,
    pub params: Vec<ParamValues>,
    pub changes: Vec<Change>,
}

/// What every stage of one repro shares.
pub(crate) struct Shared<'a> {
    pub root: PathBuf,
    pub project: Project,
    pub options: &'a ReproOptions,
    pub events: &'a dyn ReproEvents,
    pub workspace: Mutex<Workspace>,
    pub locks: Mutex<LockFiles>,
    pub link_types: Vec<LinkType>,
    pub run_cache: RunCache,
    /// Position of each stage (by index into `project.stages`) in the plan.
    pub position: HashMap<usize, usize>,
    pub recorder: Recorder,
    /// The repository lock; `None` for read-only work.
    pub lock: Option<RepoLock>,
}

pub(crate) fn lock_path_of(dvcfile: &str) -> String {
    match dvcfile.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/dvc.lock"),
        None => "dvc.lock".to_owned(),
    }
}

impl Shared<'_> {
    pub(crate) fn workspace(&self) -> std::sync::MutexGuard<'_, Workspace> {
        let mut workspace = self.workspace.lock().unwrap_or_else(|p| p.into_inner());
        workspace.sync_generation(self.lock.as_ref().map_or(0, RepoLock::generation));
        workspace
    }

    fn with_lock_file<T>(
        &self,
        stage: &Stage,
        f: impl FnOnce(&mut LockFile, &mut Vec<(usize, String)>, &PathBuf) -> Result<T, ReproError>,
    ) -> Result<T, ReproError> {
        let rel = lock_path_of(&stage.dvcfile);
        let path = self.root.join(&rel);
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        let LockFiles {
            files,
            added,
            generation,
        } = &mut *locks;
        let current = self.lock.as_ref().map_or(0, RepoLock::generation);
        if *generation != current {
            files.clear();
            *generation = current;
        }
        let file = match files.entry(rel.clone()) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => slot.insert(read_lock_file(&path)?),
        };
        f(file, added.entry(rel).or_default(), &path)
    }

    /// Declares that this thread needs the repository lock (see [`RepoLock::hold`]).
    pub(crate) fn hold(&self) -> Result<Option<LockHold<'_>>, ReproError> {
        Ok(self.lock.as_ref().map(RepoLock::hold).transpose()?)
    }

    /// Runs `f` (a stage's commands) with the repository lock let go, as DVC does, so the
    /// command may run `kin` or `dvc` itself.
    fn released_during<T>(&self, f: impl FnOnce() -> T) -> Result<T, ReproError> {
        match &self.lock {
            Some(lock) => Ok(lock.released_during(f)?),
            None => Ok(f()),
        }
    }

    /// DVC's read locks on the stage's deps and write locks on its outputs, for as long as
    /// the stage is being run and recorded.
    fn lock_paths(&self, stage: &Stage) -> Result<PathLocks, ReproError> {
        let absolute = |path: &str| self.root.join(wdir_join(&stage.wdir, path));
        let read: Vec<PathBuf> = stage
            .deps
            .iter()
            .filter(|d| !crate::external::is_url(&d.path))
            .map(|d| absolute(&d.path))
            .collect();
        let write: Vec<PathBuf> = stage.outs.iter().map(|o| absolute(&o.path)).collect();
        Ok(PathLocks::acquire(&self.root.join(".dvc"), &read, &write)?)
    }

    /// The stage's entry in its dvc.lock, if recorded.
    fn recorded(&self, stage: &Stage) -> Result<Option<LockEntry>, ReproError> {
        self.with_lock_file(stage, |file, _, path| {
            file.entry(&stage.name)
                .map_err(|reason| ReproError::BadLockEntry {
                    path: path.clone(),
                    reason,
                })
        })
    }

    /// The stage's recorded entry, its current params and why it is stale (empty: up to date).
    pub(crate) fn judge(&self, stage: &Stage) -> Result<Judgement, ReproError> {
        let recorded = self.recorded(stage)?;
        let params = read_params(&self.root, &stage.wdir, &stage.params)?;
        let changes = stage_changes(stage, recorded.as_ref(), &params, &mut self.workspace())?;
        Ok(Judgement {
            recorded,
            params,
            changes,
        })
    }

    /// Writes the stage's new entry, unless it is what is already recorded. Returns whether
    /// it wrote one.
    fn record(&self, index: usize, entry: &LockEntry) -> Result<bool, ReproError> {
        let stage = &self.project.stages[index];
        let position = self.position.get(&index).copied().unwrap_or(usize::MAX);
        self.with_lock_file(stage, |file, added, path| {
            let previous = file.entry(&stage.name).ok().flatten();
            if previous.as_ref() == Some(entry) {
                return Ok(false);
            }
            let created = file.is_empty();
            let before = if previous.is_none() {
                let next = added
                    .iter()
                    .filter(|(p, _)| *p > position)
                    .min_by_key(|(p, _)| *p)
                    .map(|(_, name)| name.clone());
                added.push((position, stage.name.clone()));
                next
            } else {
                None
            };
            file.set_entry(&stage.name, entry, before.as_deref());
            write_lock_file(path, file)?;
            self.events.lock_written(path, created);
            Ok(true)
        })
    }
}

/// The commands a stage runs: a list as given; a string split into its lines, as DVC does.
fn commands_of(stage: &Stage) -> Vec<String> {
    match &stage.cmd {
        Command::List(items) => items.clone(),
        Command::Single(text) => text.lines().map(str::to_owned).collect(),
    }
}

/// Where the output of a stage's last run is kept, relative to the repository root.
pub fn log_path(address: &str) -> PathBuf {
    PathBuf::from(".kin")
        .join("logs")
        .join(format!("{}.log", file_stem(address)))
}

/// Where the process group of a stage's running command is noted, relative to the root.
fn running_path(address: &str) -> PathBuf {
    PathBuf::from(".kin")
        .join("tmp")
        .join("running")
        .join(file_stem(address))
}

/// Longest stem kept as it is; file names may have 255 bytes, and `.log` goes after.
const MAX_STEM: usize = 200;

/// A file name standing for a stage address: separators replaced, and an address too long
/// for a file name (stage names have no limit) cut short and told apart by its digest.
fn file_stem(address: &str) -> String {
    let name: String = address
        .chars()
        .map(|c| {
            if matches!(c, '/' | ':' | '\\') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if name.len() <= MAX_STEM {
        return name;
    }
    let mut cut = MAX_STEM - 33;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let digest = kin_format::md5::Md5::of(address.as_bytes());
    format!("{}-{digest}", &name[..cut])
}

/// How often a stage another process is running is looked at again, with `--wait`.
const BUSY_RETRY: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs one stage through its whole life and records its run in lineage: the capture starts
/// with the stage and is finished once, from its outcome. Errors belong to this stage only.
pub(crate) fn run_stage(
    shared: &Shared<'_>,
    index: usize,
    interrupted: &AtomicBool,
) -> Result<StageOutcome, ReproError> {
    let stage = &shared.project.stages[index];
    let capture = shared.recorder.start();
    let mut trace = Trace::default();
    // The locks outlive the recording, so the run's metrics and log are read as it left them.
    let (result, _locks) = match claim(shared, index) {
        Ok(Claim::Settled(outcome)) => (Ok(outcome), None),
        Ok(Claim::Stale(claimed)) => {
            let Claimed { judgement, locks } = *claimed;
            // About to change the workspace: git's state is read first (once per repro).
            shared.recorder.before_changes();
            let result = process_stage(shared, index, judgement, interrupted, &capture, &mut trace);
            (result, Some(locks))
        }
        Err(error) => (Err(error), None),
    };
    finish(shared, stage, capture, &result, trace);
    result
}

/// The locks a stale stage is processed under: the repository lock held by this thread, and
/// DVC's read and write locks on its paths.
struct StageLocks<'a> {
    _hold: Option<LockHold<'a>>,
    _paths: PathLocks,
}

/// A stale stage, judged, with its locks taken.
struct Claimed<'a> {
    judgement: Judgement,
    locks: StageLocks<'a>,
}

enum Claim<'a> {
    /// Nothing to do (up to date), or nothing more to do (`--dry`).
    Settled(StageOutcome),
    Stale(Box<Claimed<'a>>),
}

/// Judges the stage under the repository lock and, unless it is up to date or this is a dry
/// run, takes its path locks.
fn claim<'a>(shared: &'a Shared<'_>, index: usize) -> Result<Claim<'a>, ReproError> {
    let stage = &shared.project.stages[index];
    let options = shared.options;
    let events = shared.events;
    let address = stage.address();
    let hold = shared.hold()?;
    let mut announced = false;
    let (judgement, paths) = loop {
        let judgement = shared.judge(stage)?;
        if judgement.changes.is_empty() && !options.force {
            events.stage_skipped(&address);
            return Ok(Claim::Settled(StageOutcome::UpToDate));
        }
        if options.dry {
            if stage.frozen {
                events.frozen_verified(&address);
            } else {
                events.stage_started(&address, &judgement.changes);
                for command in commands_of(stage) {
                    events.command_started(&address, &command);
                }
            }
            return Ok(Claim::Settled(StageOutcome::WouldRun(judgement.changes)));
        }
        match shared.lock_paths(stage) {
            Ok(paths) => break (judgement, paths),
            // With `--wait`, another process running this stage is waited for, and the
            // stage judged again once it is done: it may well be up to date then.
            Err(ReproError::PathLock(RwLockError::Busy { path, .. })) if options.wait => {
                if !announced {
                    events.waiting_for_lock(&path);
                    announced = true;
                }
                shared.released_during(|| std::thread::sleep(BUSY_RETRY))?;
            }
            Err(error) => return Err(error),
        }
    };
    Ok(Claim::Stale(Box::new(Claimed {
        judgement,
        locks: StageLocks {
            _hold: hold,
            _paths: paths,
        },
    })))
}

/// Verifies, restores or runs a stale stage and records it in dvc.lock, noting in `trace`
/// what its run record needs.
fn process_stage(
    shared: &Shared<'_>,
    index: usize,
    judgement: Judgement,
    interrupted: &AtomicBool,
    capture: &Capture,
    trace: &mut Trace,
) -> Result<StageOutcome, ReproError> {
    let stage = &shared.project.stages[index];
    let options = shared.options;
    let events = shared.events;
    let address = stage.address();
    let Judgement {
        recorded,
        params,
        changes,
    } = judgement;
    trace.params = params;
    let params = &trace.params;
    if stage.frozen {
        // A frozen stage never runs: its outputs are checked and recorded as they are.
        events.frozen_verified(&address);
        trace.recorded = Some(record_as_is(shared, index, recorded.as_ref(), params)?);
        return Ok(StageOutcome::Verified);
    }
    events.stage_started(&address, &changes);
    if !options.force
        && applies_to(stage)
        && let Some(entry) = restore(shared, stage, recorded.as_ref(), &changes, params)?
    {
        let changed = shared.record(index, &entry)?;
        trace.recorded = Some((entry, changed));
        return Ok(StageOutcome::Restored);
    }
    {
        let mut workspace = shared.workspace();
        for dep in &stage.deps {
            let missing = if crate::external::is_url(&dep.path) {
                crate::external::current_state(&dep.path)
                    .map_err(crate::data::DataError::from)?
                    .is_none()
            } else {
                workspace
                    .hash(&wdir_join(&stage.wdir, &dep.path))?
                    .is_none()
            };
            if missing {
                return Err(ReproError::MissingDep {
                    stage: address,
                    path: dep.path.clone(),
                });
            }
        }
        prepare_outputs(stage, &mut workspace)?;
        // OpenLineage's START goes out as the commands start, naming the inputs as they
        // will be recorded.
        if shared.recorder.sends_openlineage() {
            let inputs = inputs_entry(stage, recorded.as_ref(), params, &mut workspace)?;
            shared.recorder.announce_stage(capture, stage, &inputs);
        }
    }
    let spec = CommandSpec {
        stage: &address,
        cwd: shared.root.join(&stage.wdir),
        commands: commands_of(stage),
        env: vec![
            (
                crate::env::DVC_ROOT.to_owned(),
                std::env::var(crate::env::DVC_ROOT)
                    .unwrap_or_else(|_| shared.root.to_string_lossy().into_owned()),
            ),
            (crate::env::DVC_STAGE.to_owned(), address.clone()),
        ],
        log: shared.root.join(log_path(&address)),
        running: shared.root.join(running_path(&address)),
    };
    trace.log = Some(spec.log.clone());
    match shared.released_during(|| run_commands(&spec, events, interrupted))?? {
        CommandOutcome::Succeeded => trace.commands_succeeded = true,
        CommandOutcome::Failed { command, code } => {
            return Err(ReproError::CommandFailed {
                stage: address,
                command,
                code,
            });
        }
        CommandOutcome::Interrupted { command } => {
            return Err(ReproError::Interrupted {
                stage: address,
                command,
            });
        }
    }
    let entry = {
        let mut workspace = shared.workspace();
        let recorded = recorded.as_ref();
        let inputs = inputs_entry(stage, recorded, params, &mut workspace)?;
        let entry = commit_outputs(stage, recorded, inputs, &mut workspace, &shared.link_types)?;
        save_run_cache(shared, stage, &entry, &mut workspace)?;
        entry
    };
    let changed = shared.record(index, &entry)?;
    trace.recorded = Some((entry, changed));
    Ok(StageOutcome::Ran(changes))
}

/// Records a finished stage in the run-cache, as DVC does unless a plain output is `cache: false`
/// (its content could not be restored).
fn save_run_cache(
    shared: &Shared<'_>,
    stage: &Stage,
    entry: &LockEntry,
    workspace: &mut Workspace,
) -> Result<(), ReproError> {
    let plain_uncached = stage
        .outs
        .iter()
        .any(|o| !o.cache && o.kind == kin_pipeline::OutKind::Out);
    if plain_uncached || !applies_to(stage) {
        return Ok(());
    }
    cache_uncached_outputs(stage, entry, workspace)?;
    shared.run_cache.save(entry)
}

/// Restores the stage's outputs instead of running it, when its inputs are unchanged since
/// the recorded run (outputs merely missing) or match a run in the run-cache, and the cache
/// holds every output. Returns the entry to record.
fn restore(
    shared: &Shared<'_>,
    stage: &Stage,
    recorded: Option<&LockEntry>,
    changes: &[Change],
    params: &[ParamValues],
) -> Result<Option<LockEntry>, ReproError> {
    let mut workspace = shared.workspace();
    let inputs = inputs_entry(stage, recorded, params, &mut workspace)?;
    let inputs_unchanged = !changes
        .iter()
        .any(|c| c.is_dep() || matches!(c, Change::CommandChanged));
    let from_lock = recorded
        .filter(|e| {
            inputs_unchanged
                && e.outs.len() == stage.outs.len()
                && e.outs.iter().all(|o| o.id.is_some())
        })
        .cloned();
    let uncached_in_place = from_lock.is_some();
    let candidate = match from_lock {
        Some(entry) => Some(entry),
        None if shared.options.run_cache => shared.run_cache.lookup(&inputs),
        None => None,
    };
    let Some(candidate) = candidate else {
        return Ok(None);
    };
    if !outputs_restorable(stage, &candidate, &mut workspace, uncached_in_place)? {
        return Ok(None);
    }
    restore_outputs(
        stage,
        &candidate,
        &mut workspace,
        &shared.link_types,
        uncached_in_place,
    )?;
    shared.events.restored_from_run_cache(&stage.address());
    let entry = commit_outputs(stage, recorded, inputs, &mut workspace, &shared.link_types)?;
    Ok(Some(entry))
}

/// `kin commit` of one stage: records it as it is now, without running it, if it differs from
/// its entry; the run it leaves in lineage is finished as a frozen stage's is. Returns whether
/// it was stale.
pub(crate) fn commit_stage(shared: &Shared<'_>, index: usize) -> Result<bool, ReproError> {
    let stage = &shared.project.stages[index];
    let capture = shared.recorder.start();
    let judgement = shared.judge(stage)?;
    if judgement.changes.is_empty() {
        return Ok(false);
    }
    shared.recorder.before_changes();
    let Judgement {
        recorded, params, ..
    } = judgement;
    let mut trace = Trace {
        params,
        ..Trace::default()
    };
    trace.recorded = Some(record_as_is(
        shared,
        index,
        recorded.as_ref(),
        &trace.params,
    )?);
    finish(shared, stage, capture, &Ok(StageOutcome::Verified), trace);
    Ok(true)
}

/// Hashes the stage's deps and caches its outputs as they are now, and records that. Returns
/// the entry and whether dvc.lock changed.
fn record_as_is(
    shared: &Shared<'_>,
    index: usize,
    recorded: Option<&LockEntry>,
    params: &[ParamValues],
) -> Result<(LockEntry, bool), ReproError> {
    let stage = &shared.project.stages[index];
    let entry = {
        let mut workspace = shared.workspace();
        let inputs = inputs_entry(stage, recorded, params, &mut workspace)?;
        let entry = commit_outputs(stage, recorded, inputs, &mut workspace, &shared.link_types)?;
        save_run_cache(shared, stage, &entry, &mut workspace)?;
        entry
    };
    let changed = shared.record(index, &entry)?;
    Ok((entry, changed))
}
