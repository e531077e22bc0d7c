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
    #[error("`.gto` is not a valid GTO config file: {message}")]
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
        let config = read_config(&root)?;
        let state = build_state(&root, &tags, &config.index)?;
        let allowed_stages = config.stages;
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
fn build_state(
    root: &Path,
    tags: &[TagRecord],
    index_file: &str,
) -> Result<RegistryState, RegistryError> {
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
    let indexes = annotations::indexes_at(root, &ids, index_file)?;
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
        message: python_strip(&tag.message).to_owned(),
        commit: tag.target.clone(),
        tag: Some(tag.name.clone()),
        version,
        stage,
        committer: None,
        enrichments: Vec::new(),
    }
}

/// `text` without the leading and trailing characters Python's `str.strip()` removes: Unicode
/// whitespace and the separators U+001C to U+001F.
fn python_strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// What GTO's `.gto` file configures that kin uses.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GtoConfig {
    /// The stages allowed, if it lists them.
    stages: Option<Vec<String>>,
    /// GTO's artifact index file (`INDEX`, default `artifacts.yaml`).
    index: String,
}

/// Reads `.gto` as GTO's settings model does: keys in any case, only the settings GTO knows,
/// `stages` and `types` lists of valid names; anything else is a wrong config file.
fn read_config(root: &Path) -> Result<GtoConfig, RegistryError> {
    use kin_format::yaml::Value;
    let mut config = GtoConfig {
        stages: None,
        index: annotations::INDEX_FILE.to_owned(),
    };
    let wrong = |message: String| RegistryError::Config { message };
    let text = match std::fs::read_to_string(root.join(".gto")) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(config),
        Err(e) => return Err(wrong(e.to_string())),
    };
    let doc = kin_format::yaml::parse_yaml(&text).map_err(|e| wrong(e.to_string()))?;
    let map = match &doc.value {
        Value::Map(map) => map,
        Value::Null => return Ok(config),
        _ => return Err(wrong("it must be a mapping of settings".to_owned())),
    };
    let names =
        |key: &str, node: &kin_format::yaml::Node| -> Result<Option<Vec<String>>, RegistryError> {
            match &node.value {
                Value::Null => Ok(None),
                Value::List(items) => items
                    .iter()
                    .map(|item| match &item.value {
                        Value::Str(name) if names::is_simple_name(name) => Ok(name.clone()),
                        _ => Err(wrong(format!(
                            "`{key}` must list valid names (letters, digits, `-`, `_`, `/`)"
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                _ => Err(wrong(format!("`{key}` must be a list of names"))),
            }
        };
    for entry in map.iter() {
        match entry.key.to_ascii_lowercase().as_str() {
            "stages" => config.stages = names("stages", &entry.value)?,
            "types" => {
                names("types", &entry.value)?;
            }
            "index" => match &entry.value.value {
                Value::Str(index) => config.index = index.clone(),
                _ => return Err(wrong("`INDEX` must be a file name".to_owned())),
            },
            "enrichments" | "autoload_enrichments" => {}
            other => return Err(wrong(format!("`{other}` is not a GTO setting"))),
        }
    }
    Ok(config)
}
