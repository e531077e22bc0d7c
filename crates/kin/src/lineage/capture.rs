//! Recording runs as they happen: a repro's stage executions and `kin add`s become runs in
//! the lineage store, with the exact versions they used and generated. A run's capture is
//! started when its work starts ([`Recorder::start`]) and finished once, when it is over.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use kin_cache::odb::ObjectDb;
use kin_format::Command;
use kin_format::lock_file::{LockEntry, LockedPath};
use kin_format::md5::{Md5, ObjectId};
use kin_pipeline::{OutKind, Stage};
use kin_store::{
    ArtifactHash, LineageStore, NewRun, NewVersion, RunId, RunStatus, Store, Tags, Timestamp,
};
use serde_json::{Map, Value};

use super::context::{RunContext, now};
use super::environment::{environment, interpreter_of, machine, python_packages};
use super::error::LineageError;
use super::events::LineageEvents;
use crate::digest::sha256_hex;
use crate::paths::wdir_join;

/// One stage execution to record.
pub(crate) struct StageExecution<'a> {
    pub stage: &'a Stage,
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    /// What the stage used and (unless it failed) generated, as written to dvc.lock.
    pub entry: &'a LockEntry,
    /// The file holding the command output, if any was captured.
    pub log: Option<&'a Path>,
}

/// A run being captured: started with its work, finished once by [`Recorder::finish_stage`]
/// or [`Recorder::finish_add`].
#[must_use = "a capture records nothing until it is finished"]
pub(crate) struct Capture {
    started: Timestamp,
    /// The run's id, known from the start so that a START event can name it.
    id: RunId,
}

/// Records runs for one kin command. The store, git state and environment are looked up only
/// when the first run is recorded, so a command that records nothing costs nothing.
pub(crate) struct Recorder {
    root: PathBuf,
    store: Mutex<Option<Store>>,
    context: OnceLock<RunContext>,
    machine: OnceLock<Map<String, Value>>,
    pythons: Mutex<HashMap<PathBuf, Option<Value>>>,
    /// Put on every run this command records.
    tags: Tags,
    /// OpenLineage out, for `kin repro` (see [`Recorder::sending_openlineage`]).
    openlineage: Mutex<Outgoing>,
}

/// Where this command stands with OpenLineage out.
// One per command: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Outgoing {
    /// Not asked for by the command.
    Off,
    /// Asked for; the settings are read when the first run is recorded.
    Wanted,
    /// Sending (or not configured: `None`), with the warnings so far.
    Started {
        sender: Option<(crate::openlineage::Emitter, crate::openlineage::RunContext)>,
        warnings: Vec<String>,
        failed: bool,
        /// Runs whose START went out when their commands started.
        announced: std::collections::HashSet<RunId>,
    },
}

/// The commands of a stage as one text, one per line.
pub(crate) fn command_text(cmd: &Command) -> String {
    match cmd {
        Command::Single(text) => text.clone(),
        Command::List(items) => items.join("\n"),
    }
}

/// A recorded path as an artifact version (repository-relative), if it has a hash.
pub(crate) fn version_of(wdir: &str, locked: &LockedPath) -> Option<NewVersion> {
    if let Some(external) = &locked.external {
        // Data kin never hashes: its version is named by what its storage reported, so a new
        // tag is a new version of the URL's node.
        let token = format!("{}:{}", external.field.key(), external.value);
        return Some(NewVersion {
            path: locked.path.clone(),
            hash: ArtifactHash::from_md5(kin_format::md5::Md5::of(token.as_bytes()).0),
            size: locked.size,
            nfiles: None,
        });
    }
    let hash: ArtifactHash = locked.id?.to_string().parse().ok()?;
    Some(NewVersion {
        path: wdir_join(wdir, &locked.path),
        hash,
        size: locked.size,
        nfiles: locked.nfiles,
    })
}

/// Where imported data came from, for its run in lineage: the command that fetched it and
/// the source's version (a URL's tag, or an outside file's md5).
#[derive(Debug, Clone)]
pub struct DataSource {
    pub command: String,
    pub version: LockedPath,
}

/// The params of an entry as `{"<repo-relative file>": {key: value}}`.
pub(crate) fn params_json(wdir: &str, entry: &LockEntry) -> Value {
    Value::Object(
        entry
            .params
            .iter()
            .map(|(file, keys)| (wdir_join(wdir, file), Value::Object(keys.to_json_object())))
            .collect(),
    )
}

/// A digest of what a dvc.lock entry records: a run imported from history with the same
/// fingerprint as a recorded one is the same run.
pub(crate) fn fingerprint(address: &str, wdir: &str, entry: &LockEntry) -> String {
    let paths = |list: &[LockedPath]| -> Vec<Value> {
        let mut items: Vec<Value> = list
            .iter()
            .map(|p| {
                Value::from(vec![
                    Value::from(wdir_join(wdir, &p.path)),
                    Value::from(p.id.map(|id| id.to_string()).or_else(|| {
                        p.external
                            .as_ref()
                            .map(|v| format!("{}:{}", v.field.key(), v.value))
                    })),
                ])
            })
            .collect();
        items.sort_by_key(Value::to_string);
        items
    };
    let text = serde_json::json!([
        address,
        command_text(&entry.cmd),
        paths(&entry.deps),
        params_json(wdir, entry),
        paths(&entry.outs),
    ])
    .to_string();
    sha256_hex(&text)
}

/// The parsed content of each metrics output of the stage that can be read.
fn metrics_json(root: &Path, stage: &Stage) -> Value {
    let mut metrics = Map::new();
    for out in stage.outs_of(OutKind::Metric) {
        let rel = wdir_join(&stage.wdir, &out.path);
        let path = root.join(&rel);
        if let Ok(node) = kin_format::params_file::load_params_file(&path, Path::new(&rel)) {
            metrics.insert(rel, node.value.to_json());
        }
    }
    Value::Object(metrics)
}

impl Recorder {
    /// A recorder for the repository at `root` that tags every run with `tags`.
    pub fn new(root: &Path, tags: Tags) -> Self {
        Recorder {
            root: root.to_path_buf(),
            store: Mutex::new(None),
            context: OnceLock::new(),
            machine: OnceLock::new(),
            pythons: Mutex::new(HashMap::new()),
            tags,
            openlineage: Mutex::new(Outgoing::Off),
        }
    }

    /// Sends every run this recorder records as OpenLineage events too, when the repository
    /// or the environment configure a transport (`kin repro`).
    pub fn sending_openlineage(self) -> Self {
        *self.openlineage.lock().unwrap_or_else(|p| p.into_inner()) = Outgoing::Wanted;
        self
    }

    /// Queues `run`'s events, starting the sender on first use.
    fn send_openlineage(&self, run: &NewRun) {
        let mut outgoing = self.openlineage.lock().unwrap_or_else(|p| p.into_inner());
        self.start_if_wanted(&mut outgoing);
        if let Outgoing::Started {
            sender: Some((emitter, context)),
            failed,
            announced,
            ..
        } = &mut *outgoing
        {
            *failed |= run.status == RunStatus::Failed;
            // A run announced when its commands started has had its START.
            if !announced.remove(&run.id) {
                emitter.emit(crate::openlineage::start_event(run, context));
            }
            emitter.emit(crate::openlineage::end_event(run, context));
        }
    }

    /// Starts sending on first use, when the command asked for it.
    fn start_if_wanted(&self, outgoing: &mut Outgoing) {
        if matches!(*outgoing, Outgoing::Wanted) {
            *outgoing = self.start_openlineage();
        }
    }

    fn start_openlineage(&self) -> Outgoing {
        let mut warnings = Vec::new();
        let transport = crate::openlineage::load(&self.root, |name| std::env::var(name).ok())
            .unwrap_or_else(|e| {
                warnings.push(format!("OpenLineage events are not sent: {e}"));
                None
            });
        let sender = transport.and_then(|transport| {
            let namespace = super::openlineage_namespace(&self.root)
                .map_err(|e| warnings.push(format!("OpenLineage events are not sent: {e}")))
                .ok()?;
            let context = crate::openlineage::RunContext {
                namespace,
                parent: RunId::new_v7(now()),
                source_url: super::context::git(&self.root, &["remote", "get-url", "origin"]),
            };
            let mut emitter = crate::openlineage::Emitter::start(transport);
            emitter.emit(crate::openlineage::repro_event(&context, "START", now()));
            Some((emitter, context))
        });
        Outgoing::Started {
            sender,
            warnings,
            failed: false,
            announced: std::collections::HashSet::new(),
        }
    }

    /// Ends OpenLineage out: the repro's own end event, then up to `grace` for what is queued
    /// to go out. The warnings to show.
    pub fn finish_openlineage(&self, grace: std::time::Duration) -> Vec<String> {
        let mut outgoing = self.openlineage.lock().unwrap_or_else(|p| p.into_inner());
        match std::mem::replace(&mut *outgoing, Outgoing::Off) {
            Outgoing::Off | Outgoing::Wanted => Vec::new(),
            Outgoing::Started {
                sender,
                mut warnings,
                failed,
                ..
            } => {
                if let Some((mut emitter, context)) = sender {
                    let end = if failed { "FAIL" } else { "COMPLETE" };
                    emitter.emit(crate::openlineage::repro_event(&context, end, now()));
                    warnings.extend(emitter.finish(grace));
                }
                warnings
            }
        }
    }

    /// Records a run, opening the store on first use (and sends it as OpenLineage events,
    /// whether or not the store took it).
    fn record(&self, run: &NewRun) -> Result<RunId, LineageError> {
        self.send_openlineage(run);
        let mut guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let store = match guard.as_mut() {
            Some(store) => store,
            None => guard.insert(Store::open(&super::store_location(&self.root)?)?),
        };
        Ok(store.record_run(run)?)
    }

    /// Starts capturing a run: notes the time. Nothing else is looked up yet.
    pub fn start(&self) -> Capture {
        let started = now();
        Capture {
            started,
            id: RunId::new_v7(started),
        }
    }

    /// Whether this command sends OpenLineage events (asked for, and not found unconfigured).
    /// The settings are read now, on first use, so a command without a transport does no
    /// OpenLineage work at all.
    pub fn sends_openlineage(&self) -> bool {
        let mut outgoing = self.openlineage.lock().unwrap_or_else(|p| p.into_inner());
        self.start_if_wanted(&mut outgoing);
        matches!(
            &*outgoing,
            Outgoing::Started {
                sender: Some(_),
                ..
            }
        )
    }

    /// Sends the START event of a stage about to run its commands, reading `inputs` (as
    /// they will be recorded); the run's end event follows when it is recorded. Nothing
    /// without an OpenLineage transport.
    pub fn announce_stage(&self, capture: &Capture, stage: &Stage, inputs: &LockEntry) {
        let mut run = self.new_run(
            stage.address(),
            command_text(&inputs.cmd),
            RunStatus::Succeeded,
            capture.started,
        );
        run.id = capture.id;
        run.used = inputs
            .deps
            .iter()
            .filter_map(|d| version_of(&stage.wdir, d))
            .collect();
        let mut outgoing = self.openlineage.lock().unwrap_or_else(|p| p.into_inner());
        self.start_if_wanted(&mut outgoing);
        if let Outgoing::Started {
            sender: Some((emitter, context)),
            announced,
            ..
        } = &mut *outgoing
        {
            emitter.emit(crate::openlineage::start_event(&run, context));
            announced.insert(run.id);
        }
    }

    /// Reads the git commit and dirty flag now, before this command changes tracked files
    /// (dvc.lock, metrics, .dvc files): called just before the first change, so a command that
    /// changes nothing (a no-op repro) never runs git. Once per command.
    pub fn before_changes(&self) {
        self.context();
    }

    fn context(&self) -> &RunContext {
        self.context.get_or_init(|| RunContext::capture(&self.root))
    }

    fn environment_for(&self, commands: &str, cwd: &Path) -> kin_store::Environment {
        let machine = self.machine.get_or_init(machine);
        let interpreter = commands
            .lines()
            .find_map(|command| interpreter_of(command, cwd));
        let python = interpreter.and_then(|path| {
            let mut known = self.pythons.lock().unwrap_or_else(|p| p.into_inner());
            known
                .entry(path.clone())
                .or_insert_with(|| python_packages(&path))
                .clone()
        });
        environment(machine, python.as_ref())
    }

    /// Copies a log into kin's object store (`.kin/objects`) and returns its md5.
    fn keep_log(&self, stage: &str, log: &Path) -> Result<Option<String>, LineageError> {
        let bytes = match std::fs::read(log) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(LineageError::Log {
                    path: log.to_path_buf(),
                    source,
                });
            }
        };
        let md5 = Md5::of(&bytes);
        ObjectDb::at(super::objects_dir(&self.root))
            .insert_bytes(&ObjectId::file(md5), &bytes)
            .map_err(|source| LineageError::LogObject {
                stage: stage.to_owned(),
                source,
            })?;
        Ok(Some(md5.to_hex()))
    }

    fn new_run(&self, stage: String, cmd: String, status: RunStatus, started: Timestamp) -> NewRun {
        let context = self.context();
        NewRun {
            user: context.user.clone(),
            host: context.host.clone(),
            git_commit: context.git_commit.clone(),
            git_dirty: context.git_dirty,
            project: context.project.clone(),
            tags: self.tags.clone(),
            ..NewRun::new(stage, cmd, status, started)
        }
    }

    /// Finishes a stage's capture: records the execution, or tells `events` why it could not.
    pub fn finish_stage(
        &self,
        capture: Capture,
        execution: &StageExecution<'_>,
        events: &dyn LineageEvents,
    ) {
        if let Err(error) = self.record_stage(&capture, execution) {
            events.lineage_failed(&execution.stage.address(), &error);
        }
    }

    fn record_stage(
        &self,
        capture: &Capture,
        execution: &StageExecution<'_>,
    ) -> Result<RunId, LineageError> {
        let stage = execution.stage;
        let address = stage.address();
        let entry = execution.entry;
        let cmd = command_text(&entry.cmd);
        let mut run = self.new_run(address.clone(), cmd, execution.status, capture.started);
        run.id = capture.id;
        run.exit_code = execution.exit_code;
        run.ended = Some(now());
        run.params = params_json(&stage.wdir, entry);
        run.environment = Some(self.environment_for(&run.cmd, &self.root.join(&stage.wdir)));
        run.used = entry
            .deps
            .iter()
            .filter_map(|d| version_of(&stage.wdir, d))
            .collect();
        if execution.status != RunStatus::Failed {
            run.generated = entry
                .outs
                .iter()
                .filter_map(|o| version_of(&stage.wdir, o))
                .collect();
            run.fingerprint = Some(fingerprint(&address, &stage.wdir, entry));
        }
        // Also for a failed run: its outputs were removed before it ran, so metrics files that
        // exist now are its own — a failing gate's verdict is kept on its run.
        run.metrics = metrics_json(&self.root, stage);
        if let Some(log) = execution.log {
            run.log_object = self.keep_log(&address, log)?;
        }
        self.record(&run)
    }

    /// Finishes the capture of a `kin add` of one path: a run of the `.dvc` file that generated
    /// the version; or tells `events` why it could not be recorded.
    pub fn finish_add(
        &self,
        capture: Capture,
        dvc_file: &str,
        version: NewVersion,
        source: Option<&DataSource>,
        events: &dyn LineageEvents,
    ) {
        if let Err(error) = self.record_add(&capture, dvc_file, version, source) {
            events.lineage_failed(dvc_file, &error);
        }
    }

    fn record_add(
        &self,
        capture: &Capture,
        dvc_file: &str,
        version: NewVersion,
        source: Option<&DataSource>,
    ) -> Result<RunId, LineageError> {
        let command = match source {
            Some(source) => source.command.clone(),
            None => format!("kin add {}", version.path),
        };
        let mut run = self.new_run(
            dvc_file.to_owned(),
            command,
            RunStatus::Succeeded,
            capture.started,
        );
        run.id = capture.id;
        if let Some(source) = source {
            run.used = version_of("", &source.version).into_iter().collect();
        }
        run.exit_code = Some(0);
        run.ended = Some(now());
        run.environment = Some(environment(self.machine.get_or_init(machine), None));
        run.fingerprint = Some(add_fingerprint(dvc_file, &version));
        run.generated = vec![version];
        self.record(&run)
    }
}

/// The fingerprint of data tracked by a `.dvc` file, shared by `kin add` and history import.
pub(crate) fn add_fingerprint(dvc_file: &str, version: &NewVersion) -> String {
    let text = serde_json::json!([dvc_file, version.path, version.hash.as_str()]).to_string();
    sha256_hex(&text)
}
