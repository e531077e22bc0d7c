//! OpenLineage runs recorded in kin's graph. A run's events are gathered until it ends; then
//! it becomes one kin run, its job's name the stage and its job's namespace the project, its
//! datasets artifact versions named so that kin's own artifacts and external ones meet: a
//! dataset in kin's namespace is the repository path its name gives, any other is
//! `NAMESPACE/NAME`, as the OpenLineage naming spec forms a dataset's URI.

use std::path::Path;

use kin_format::repo_path::{PathRefusal, RepoPath};
use kin_store::{ArtifactHash, NewRun, NewVersion, RunStatus, Tags, Timestamp};
use md5::{Digest, Md5};

use super::event::{Dataset, EventType, RunEvent};

/// How datasets are named in this server's graph.
#[derive(Clone, Debug)]
pub struct Naming {
    /// kin's own namespace (`[openlineage] namespace`).
    pub namespace: String,
    /// The repository whose files a dataset in kin's namespace is, when serving one: its
    /// content hash is then the file's, as kin records it.
    pub root: Option<std::path::PathBuf>,
}

/// Why an event's run cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(
        "dataset `{name}` of namespace `{namespace}` is not a path in the repository: {refusal}"
    )]
    NotARepoPath {
        namespace: String,
        name: String,
        refusal: PathRefusal,
    },
}

/// What the events of one run said so far.
#[derive(Clone, Debug, Default)]
pub struct Pending {
    started: Option<Timestamp>,
    inputs: Vec<Dataset>,
    outputs: Vec<Dataset>,
}

impl Pending {
    /// The time of the run's first event seen.
    pub fn started(&self) -> Option<Timestamp> {
        self.started
    }

    /// Takes in one more event of the run.
    pub fn add(&mut self, event: &RunEvent) {
        if event.event_type == Some(EventType::Start) || self.started.is_none() {
            self.started = Some(
                self.started
                    .map_or(event.event_time, |t| t.min(event.event_time)),
            );
        }
        for (into, from) in [
            (&mut self.inputs, &event.inputs),
            (&mut self.outputs, &event.outputs),
        ] {
            for dataset in from {
                if let Some(known) = into.iter_mut().find(|d| d.name == dataset.name) {
                    // A later event may know the version an earlier one did not.
                    if dataset.version.is_some() {
                        known.version.clone_from(&dataset.version);
                    }
                } else {
                    into.push(dataset.clone());
                }
            }
        }
    }
}

/// The kin run that `end` (a terminal event) closes, with what `pending` gathered before.
pub fn finished_run(
    pending: &Pending,
    end: &RunEvent,
    naming: &Naming,
) -> Result<NewRun, RecordError> {
    let status = match end.event_type {
        Some(EventType::Complete) => RunStatus::Succeeded,
        _ => RunStatus::Failed,
    };
    let started = pending
        .started
        .unwrap_or(end.event_time)
        .min(end.event_time);
    let mut run = NewRun::new(end.job.name.clone(), String::new(), status, started);
    run.id = end.run_id;
    run.ended = Some(end.event_time);
    run.project = Some(end.job.namespace.clone());
    run.git_commit.clone_from(&end.source_version);
    run.tags = tags(end);
    let versions = |datasets: &[Dataset]| -> Result<Vec<NewVersion>, RecordError> {
        let mut versions: Vec<NewVersion> = Vec::new();
        for dataset in datasets {
            let version = version_of(dataset, naming)?;
            if !versions.iter().any(|v| v.path == version.path) {
                versions.push(version);
            }
        }
        Ok(versions)
    };
    let mut gathered = pending.clone();
    gathered.add(end);
    run.used = versions(&gathered.inputs)?;
    run.generated = versions(&gathered.outputs)?;
    Ok(run)
}

/// Where the run came from, kept as tags: the producer, its parent run and, for a failure,
/// the error.
fn tags(end: &RunEvent) -> Tags {
    let mut tags = Tags::new();
    tags.insert("openlineage.producer".to_owned(), end.producer.clone());
    if let Some(parent) = end.parent {
        tags.insert("openlineage.parent".to_owned(), parent.to_string());
    }
    if let Some(error) = &end.error {
        tags.insert("openlineage.error".to_owned(), error.clone());
    }
    tags
}

/// A dataset as an artifact version: its path, and its content hash — the file's own when
/// it is in the served repository, else the producer's version when it is a DVC hash, else
/// a stand-in derived from its name and version (so every event naming the same dataset
/// version meets on the same node).
pub fn version_of(dataset: &Dataset, naming: &Naming) -> Result<NewVersion, RecordError> {
    let Dataset { name, version } = dataset;
    let ours = name.namespace == naming.namespace;
    let path = if ours {
        RepoPath::parse(&name.name)
            .map_err(|refusal| RecordError::NotARepoPath {
                namespace: name.namespace.clone(),
                name: name.name.clone(),
                refusal,
            })?
            .as_str()
            .to_owned()
    } else {
        external_path(&name.namespace, &name.name)
    };
    if ours
        && let Some((hash, size)) = naming
            .root
            .as_deref()
            .and_then(|root| file_hash(root, &path))
    {
        return Ok(NewVersion {
            path,
            hash,
            size: Some(size),
            nfiles: None,
        });
    }
    let hash = match version.as_deref().map(str::parse::<ArtifactHash>) {
        Some(Ok(hash)) => hash,
        _ => stand_in_hash(&name.namespace, &name.name, version.as_deref()),
    };
    Ok(NewVersion {
        path,
        hash,
        size: None,
        nfiles: None,
    })
}

/// The path a dataset of another namespace is recorded under: its URI, `NAMESPACE/NAME`.
pub(crate) fn external_path(namespace: &str, name: &str) -> String {
    format!("{}/{name}", namespace.trim_end_matches('/'))
}

/// The DVC hash and size of the regular file at `path` in the repository, if there is one
/// (reached without following a symbolic link).
fn file_hash(root: &Path, path: &str) -> Option<(ArtifactHash, u64)> {
    let full = root.join(path);
    let metadata = std::fs::symlink_metadata(&full).ok()?;
    if !metadata.is_file() {
        return None;
    }
    let (md5, size) = kin_cache::hashing::hash_file(&full).ok()?;
    Some((md5.to_string().parse().ok()?, size))
}

/// An md5 standing for a dataset version kin cannot hash.
fn stand_in_hash(namespace: &str, name: &str, version: Option<&str>) -> ArtifactHash {
    let mut hasher = Md5::new();
    for part in [
        "openlineage-dataset",
        namespace,
        name,
        version.unwrap_or(""),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    ArtifactHash::from_md5(hasher.finalize().into())
}
