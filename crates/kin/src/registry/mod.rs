//! The model registry: GTO's git-tag registry, read and written exactly as `gto` 1.10 does, so
//! `gto` and DVC Studio read kin's registry and kin reads theirs.

pub mod actions;
pub mod annotations;
pub mod artifacts;
pub mod card;
pub mod events;
pub mod git_tags;
pub mod gto_json;
pub mod names;
pub mod policy;
pub mod promote;
pub mod promotion;
pub mod resolve;
pub mod semver;
pub mod state;
pub mod tag_name;
pub mod verdict;

use std::path::{Path, PathBuf};

use crate::git::GitError;
use git_tags::{TagRecord, read_commits, read_tags};
use state::{RegistryState, StateError};
use tag_name::{RegistryTag, TagAction};

pub use events::{Event, EventKind};
pub use names::{ArtifactName, NameError, StageName};
pub use semver::{Bump, SemVer};

/// Why the registry could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{} is not inside a git repository", path.display())]
    NotGit { path: PathBuf },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Annotations(#[from] annotations::AnnotationError),
    #[error("cannot read `.gto`: {message}")]
    Config { message: String },
}

/// A repository's registry as its tags say it is now.
#[derive(Debug, Clone)]
pub struct Registry {
    pub root: PathBuf,
    pub state: RegistryState,
    /// Every tag name, registry's or not (to number new tags and refuse existing ones).
    pub tag_names: Vec<String>,
    /// The stages `.gto` allows, if it lists any.
    pub allowed_stages: Option<Vec<String>>,
}

impl Registry {
    /// Reads the registry of the git repository holding `start`.
    pub fn open(start: &Path) -> Result<Registry, RegistryError> {
        let root = git_root(start)?;
        let (tag_names, tags) = read_tags(&root)?;
        let state = build_state(&root, &tags)?;
        let allowed_stages = read_allowed_stages(&root)?;
        Ok(Registry {
            tag_names,
            root,
            state,
            allowed_stages,
        })
    }

    /// Whether tracked files differ from HEAD (untracked ones do not count).
    pub fn worktree_dirty(&self) -> Result<bool, RegistryError> {
        let out = crate::git::git_output(
            &self.root,
            &["status", "--porcelain", "--untracked-files=no"],
        )?;
        Ok(!out.is_empty())
    }

    /// The stages to show: those `.gto` allows, or else those in use.
    pub fn stages(&self) -> Vec<String> {
        self.allowed_stages
            .clone()
            .unwrap_or_else(|| self.state.used_stages())
    }
}

/// The top of the git work tree holding `start`.
pub fn git_root(start: &Path) -> Result<PathBuf, RegistryError> {
    let out = crate::git::git_command(start, &["rev-parse", "--show-toplevel"])?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || text.is_empty() {
        return Err(RegistryError::NotGit {
            path: start.to_path_buf(),
        });
    }
    Ok(PathBuf::from(text))
}

/// GTO's order: deprecations, then registrations and deregistrations, then assignments and
/// unassignments, each group by tag time (ties by tag name); then each version's commit.
fn build_state(root: &Path, tags: &[TagRecord]) -> Result<RegistryState, RegistryError> {
    let parsed: Vec<(&TagRecord, RegistryTag)> = tags
        .iter()
        .filter_map(|t| RegistryTag::parse(&t.name).map(|p| (t, p)))
        .collect();
    let group_of = |action: &TagAction| match action {
        TagAction::Deprecate => 0,
        TagAction::Register(_) | TagAction::Deregister(_) => 1,
        TagAction::Assign(_) | TagAction::Unassign(_) => 2,
    };
    let mut state = RegistryState::default();
    for group in 0..3 {
        let mut members: Vec<&(&TagRecord, RegistryTag)> = parsed
            .iter()
            .filter(|(_, p)| group_of(&p.action) == group)
            .collect();
        members.sort_by_key(|(t, _)| t.time.secs);
        for (tag, meaning) in members {
            state.add_tag_event(tag_event(tag, meaning))?;
        }
    }
    // GTO also reads its `artifacts.yaml`, at each version's commit (a version's enrichment)
    // and at HEAD (artifacts annotated there, registered or not).
    let head = crate::git::resolve_commit(root, "HEAD")?;
    let commits: Vec<String> = {
        let mut ids: Vec<String> = state
            .artifacts
            .iter()
            .flat_map(|a| a.versions.iter().map(|v| v.commit.clone()))
            .chain(head.clone())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let ids: Vec<&str> = commits.iter().map(String::as_str).collect();
    let records = read_commits(root, &ids)?;
    let indexes = annotations::indexes_at(root, &ids)?;
    let commit_event = |artifact: &str, version: &str, commit: &str| -> Option<Event> {
        let record = records.get(commit)?;
        let enrichments = indexes
            .get(commit)
            .and_then(|index| index.iter().find(|(name, _)| name == artifact))
            .map(|(_, info)| vec![info.clone()])
            .unwrap_or_default();
        Some(Event {
            kind: EventKind::Commit,
            artifact: artifact.to_owned(),
            created_at: record.time,
            author: record.author_name.clone(),
            author_email: record.author_email.clone(),
            message: record.message.clone(),
            commit: commit.to_owned(),
            tag: None,
            version: Some(version.to_owned()),
            stage: None,
            committer: Some((
                record.committer_name.clone(),
                record.committer_email.clone(),
            )),
            enrichments,
        })
    };
    state.add_commit_events(commit_event);
    if let Some(head) = &head
        && let Some(index) = indexes.get(head)
    {
        for (name, _) in index {
            state.add_annotated(name, head, |version| commit_event(name, version, head))?;
        }
    }
    Ok(state)
}

fn tag_event(tag: &TagRecord, meaning: &RegistryTag) -> Event {
    let (kind, version, stage) = match &meaning.action {
        TagAction::Deprecate => (EventKind::Deprecation, None, None),
        TagAction::Register(v) => (EventKind::Registration, Some(v.clone()), None),
        TagAction::Deregister(v) => (EventKind::Deregistration, Some(v.clone()), None),
        TagAction::Assign(s) => (EventKind::Assignment, None, Some(s.clone())),
        TagAction::Unassign(s) => (EventKind::Unassignment, None, Some(s.clone())),
    };
    Event {
        kind,
        artifact: meaning.artifact.to_string(),
        created_at: tag.time,
        author: tag.tagger_name.clone(),
        author_email: tag.tagger_email.clone(),
        message: tag.message.trim().to_owned(),
        commit: tag.target.clone(),
        tag: Some(tag.name.clone()),
        version,
        stage,
        committer: None,
        enrichments: Vec::new(),
    }
}

/// The `stages:` list of GTO's `.gto` file, if the file exists and has one.
fn read_allowed_stages(root: &Path) -> Result<Option<Vec<String>>, RegistryError> {
    let path = root.join(".gto");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(RegistryError::Config {
                message: e.to_string(),
            });
        }
    };
    let doc = kin_format::yaml::parse_yaml(&text).map_err(|e| RegistryError::Config {
        message: e.to_string(),
    })?;
    let kin_format::yaml::Value::Map(map) = &doc.value else {
        return Ok(None);
    };
    let Some(node) = map.get("stages") else {
        return Ok(None);
    };
    match &node.value {
        kin_format::yaml::Value::Null => Ok(None),
        kin_format::yaml::Value::List(items) => Ok(Some(
            items
                .iter()
                .filter_map(|i| match &i.value {
                    kin_format::yaml::Value::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
        )),
        _ => Err(RegistryError::Config {
            message: "`stages` must be a list of names".to_owned(),
        }),
    }
}
