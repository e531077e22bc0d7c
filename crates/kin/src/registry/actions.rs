//! Registry actions — register, assign, deregister, unassign, deprecate — checked as GTO
//! checks them and planned as the exact tags GTO would create, then written.

use super::Registry;
use super::events::EventKind;
use super::git_tags::{TagWriteError, create_tag};
use super::names::{ArtifactName, NameError, StageName};
use super::semver::{Bump, SemVer, VersionError};
use super::state::{Artifact, StateError, Version};
use super::tag_name::{RegistryTag, deprecate_tag, deregister_tag, register_tag, stage_tag};
use crate::git::GitError;
use crate::git::resolve_commit;

/// Why an action was refused. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Name(#[from] NameError),
    #[error(transparent)]
    Version(#[from] VersionError),
    #[error("`{rev}` does not name a commit")]
    UnknownRef { rev: String },
    #[error("the registry has no artifact `{artifact}`")]
    UnknownArtifact { artifact: String },
    #[error("`{artifact}` is already registered at this commit, as version {version}")]
    VersionExistsForCommit { artifact: String, version: String },
    #[error("at this commit only {existing} can be registered")]
    OnlyVersionAtRef { existing: String },
    #[error("version {version} of `{artifact}` is already registered (at another commit)")]
    VersionAlreadyRegistered { artifact: String, version: String },
    #[error("cannot bump: `{artifact}` has no registered version yet")]
    BumpWithoutVersion { artifact: String },
    #[error("`{artifact}` has no registered version {version}")]
    VersionNotRegistered { artifact: String, version: String },
    #[error("cannot register {wanted}: {existing} is already registered at this commit")]
    RegisteredAtRef { wanted: String, existing: String },
    #[error("version {version} of `{artifact}` is already in stage `{stage}`")]
    AlreadyInStage {
        artifact: String,
        version: String,
        stage: String,
    },
    #[error("stage `{stage}` is not one of those `.gto` allows: {allowed}")]
    UnknownStage { stage: String, allowed: String },
    #[error("version {version} of `{artifact}` is not registered")]
    NotRegistered { artifact: String, version: String },
    #[error("version {version} of `{artifact}` was deregistered already")]
    AlreadyDeregistered { artifact: String, version: String },
    #[error("stage `{stage}` was never assigned to version {version} of `{artifact}`")]
    StageNotAssigned {
        artifact: String,
        version: String,
        stage: String,
    },
    #[error("artifact `{artifact}` was deprecated already")]
    AlreadyDeprecated { artifact: String },
    #[error("tag `{name}` already exists")]
    TagExists { name: String },
    #[error("the tags of `{artifact}` carry a counter too large to number another one")]
    CounterOverflow { artifact: String },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Git(#[from] GitError),
}

impl From<TagWriteError> for ActionError {
    fn from(error: TagWriteError) -> Self {
        match error {
            TagWriteError::Exists { name } => ActionError::TagExists { name },
            TagWriteError::Git(e) => ActionError::Git(e),
        }
    }
}

/// A tag an action will create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTag {
    pub name: String,
    pub commit: String,
    pub message: String,
    pub kind: EventKind,
    pub artifact: String,
    pub version: String,
    pub stage: Option<String>,
}

/// How the version to register is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionChoice {
    /// The next patch version (or v0.0.1 for the first).
    Next,
    Exactly(String),
    Bump(Bump),
}

/// The artifact as the registry knows it (an empty one if it knows nothing of it).
fn known<'r>(registry: &'r Registry, name: &ArtifactName, empty: &'r Artifact) -> &'r Artifact {
    registry.state.artifact(name.as_str()).unwrap_or(empty)
}

fn empty_artifact(name: &ArtifactName) -> Artifact {
    Artifact {
        name: name.to_string(),
        versions: Vec::new(),
        deprecations: Vec::new(),
    }
}

fn commit_of(registry: &Registry, rev: &str) -> Result<String, ActionError> {
    resolve_commit(&registry.root, rev)?.ok_or_else(|| ActionError::UnknownRef {
        rev: rev.to_owned(),
    })
}

fn same(a: Option<&Version>, b: Option<&Version>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => std::ptr::eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// The tag that registers a version of `name` at `rev`, checked as `gto register` checks it.
pub fn plan_register(
    registry: &Registry,
    name: &ArtifactName,
    rev: &str,
    choice: &VersionChoice,
    message: Option<&str>,
    force: bool,
) -> Result<NewTag, ActionError> {
    let commit = commit_of(registry, rev)?;
    let empty = empty_artifact(name);
    let artifact = known(registry, name, &empty);
    let found = artifact.find_version(None, Some(&commit))?;
    let mut version: Option<String> = match choice {
        VersionChoice::Exactly(v) => Some(v.clone()),
        VersionChoice::Next | VersionChoice::Bump(_) => None,
    };
    if let Some(found) = found {
        if !force && found.is_registered() && found.is_active() {
            return Err(ActionError::VersionExistsForCommit {
                artifact: name.to_string(),
                version: found.version.clone(),
            });
        }
        match &version {
            None => version = Some(found.version.clone()),
            Some(v) if *v != found.version => {
                return Err(ActionError::OnlyVersionAtRef {
                    existing: found.version.clone(),
                });
            }
            Some(_) => {}
        }
    }
    let version = match version {
        Some(v) => {
            let parsed = SemVer::parse(&v)?;
            if !same(artifact.find_version(Some(&v), None)?, found) {
                return Err(ActionError::VersionAlreadyRegistered {
                    artifact: name.to_string(),
                    version: v,
                });
            }
            parsed
        }
        None => match (artifact.latest_version(true), choice) {
            (Some(last), _) => {
                let bump = match choice {
                    VersionChoice::Bump(bump) => *bump,
                    VersionChoice::Next | VersionChoice::Exactly(_) => Bump::Patch,
                };
                SemVer::parse(&last.version)?.bump(bump)
            }
            (None, VersionChoice::Bump(_)) => {
                return Err(ActionError::BumpWithoutVersion {
                    artifact: name.to_string(),
                });
            }
            (None, _) => SemVer::first(),
        },
    };
    let tag = register_tag(name, &version);
    refuse_existing(registry, &tag)?;
    Ok(NewTag {
        message: message.map_or_else(
            || format!("Registering artifact {name} version {version}"),
            str::to_owned,
        ),
        name: tag,
        commit,
        kind: EventKind::Registration,
        artifact: name.to_string(),
        version: version.to_string(),
        stage: None,
    })
}

/// Which version an assignment is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignTarget {
    /// A registered version.
    Version(String),
    /// The version at a commit, registered first (as `name_version`, or the next) if it is not.
    Ref {
        rev: String,
        name_version: Option<String>,
    },
}

/// The tags that assign `stage` to a version of `name`: a registration first when the commit
/// has no version yet, as `gto assign` does.
pub fn plan_assign(
    registry: &Registry,
    name: &ArtifactName,
    stage: &StageName,
    target: &AssignTarget,
    message: Option<&str>,
    force: bool,
) -> Result<Vec<NewTag>, ActionError> {
    check_stage_allowed(registry, stage)?;
    let empty = empty_artifact(name);
    let artifact = known(registry, name, &empty);
    let mut tags = Vec::new();
    let (version, commit, stages_of_found) = match target {
        AssignTarget::Version(v) => {
            SemVer::parse(v)?;
            let found = artifact.find_version(Some(v), None)?.ok_or_else(|| {
                ActionError::VersionNotRegistered {
                    artifact: name.to_string(),
                    version: v.clone(),
                }
            })?;
            (found.version.clone(), found.commit.clone(), Some(found))
        }
        AssignTarget::Ref { rev, name_version } => {
            if let Some(v) = name_version {
                SemVer::parse(v)?;
            }
            let commit = commit_of(registry, rev)?;
            match artifact.find_version(None, Some(&commit))? {
                Some(found) => {
                    if let Some(wanted) = name_version {
                        return Err(ActionError::RegisteredAtRef {
                            wanted: wanted.clone(),
                            existing: found.version.clone(),
                        });
                    }
                    (found.version.clone(), commit, Some(found))
                }
                None => {
                    let choice = name_version
                        .clone()
                        .map_or(VersionChoice::Next, VersionChoice::Exactly);
                    let registration =
                        plan_register(registry, name, &commit, &choice, None, false)?;
                    let version = registration.version.clone();
                    tags.push(registration);
                    (version, commit, None)
                }
            }
        }
    };
    // A version registered by this action takes over the assignments already made on its
    // commit (with `gto assign --sr`), as GTO sees them once it re-reads the tags.
    let already_in_stage = match stages_of_found {
        Some(found) => found
            .active_stages(false)
            .iter()
            .any(|s| s.stage == stage.as_str()),
        None => artifact
            .find_versions(None, Some(&commit), true)
            .iter()
            .any(|v| {
                v.active_stages(false)
                    .iter()
                    .any(|s| s.stage == stage.as_str())
            }),
    };
    if !force && already_in_stage {
        return Err(ActionError::AlreadyInStage {
            artifact: name.to_string(),
            version,
            stage: stage.to_string(),
        });
    }
    let tag = stage_tag(name, stage, false, next_counter(registry, name)?);
    refuse_existing(registry, &tag)?;
    tags.push(NewTag {
        message: message.map_or_else(
            || format!("Assigning stage {stage} to artifact {name} version {version}"),
            str::to_owned,
        ),
        name: tag,
        commit,
        kind: EventKind::Assignment,
        artifact: name.to_string(),
        version,
        stage: Some(stage.to_string()),
    });
    Ok(tags)
}

/// The tag that deregisters `version` of `name`.
pub fn plan_deregister(
    registry: &Registry,
    name: &ArtifactName,
    version: &str,
    message: Option<&str>,
    force: bool,
) -> Result<NewTag, ActionError> {
    SemVer::parse(version)?;
    let empty = empty_artifact(name);
    let artifact = known(registry, name, &empty);
    let found = artifact.find_version(Some(version), None)?;
    let found = match found {
        Some(found) => found,
        None => {
            return Err(ActionError::VersionNotRegistered {
                artifact: name.to_string(),
                version: version.to_owned(),
            });
        }
    };
    if !force {
        if !found.is_registered() {
            return Err(ActionError::NotRegistered {
                artifact: name.to_string(),
                version: version.to_owned(),
            });
        }
        if !found.is_active() {
            return Err(ActionError::AlreadyDeregistered {
                artifact: name.to_string(),
                version: version.to_owned(),
            });
        }
    }
    let tag = deregister_tag(name, version);
    refuse_existing(registry, &tag)?;
    Ok(NewTag {
        message: message.map_or_else(
            || format!("Deregistering artifact {name} version {version}"),
            str::to_owned,
        ),
        name: tag,
        commit: found.commit.clone(),
        kind: EventKind::Deregistration,
        artifact: name.to_string(),
        version: version.to_owned(),
        stage: None,
    })
}

/// The tag that takes `stage` away from `version` of `name`.
pub fn plan_unassign(
    registry: &Registry,
    name: &ArtifactName,
    version: &str,
    stage: &StageName,
    message: Option<&str>,
    force: bool,
) -> Result<NewTag, ActionError> {
    check_stage_allowed(registry, stage)?;
    SemVer::parse(version)?;
    let artifact =
        registry
            .state
            .artifact(name.as_str())
            .ok_or_else(|| ActionError::UnknownArtifact {
                artifact: name.to_string(),
            })?;
    let found = artifact.find_version(Some(version), None)?.ok_or_else(|| {
        ActionError::VersionNotRegistered {
            artifact: name.to_string(),
            version: version.to_owned(),
        }
    })?;
    if !force && !found.stages.iter().any(|s| s.stage == stage.as_str()) {
        return Err(ActionError::StageNotAssigned {
            artifact: name.to_string(),
            version: version.to_owned(),
            stage: stage.to_string(),
        });
    }
    let tag = stage_tag(name, stage, true, next_counter(registry, name)?);
    refuse_existing(registry, &tag)?;
    Ok(NewTag {
        message: message.map_or_else(
            || format!("Unassigning stage '{stage}' to artifact '{name}' version '{version}'"),
            str::to_owned,
        ),
        name: tag,
        commit: found.commit.clone(),
        kind: EventKind::Unassignment,
        artifact: name.to_string(),
        version: version.to_owned(),
        stage: Some(stage.to_string()),
    })
}

/// The tag that deprecates `name`, on the commit of its latest event.
pub fn plan_deprecate(
    registry: &Registry,
    name: &ArtifactName,
    message: Option<&str>,
    force: bool,
) -> Result<NewTag, ActionError> {
    let artifact = registry.state.artifact(name.as_str());
    if !force {
        let artifact = artifact.ok_or_else(|| ActionError::UnknownArtifact {
            artifact: name.to_string(),
        })?;
        if !artifact.is_active() {
            return Err(ActionError::AlreadyDeprecated {
                artifact: name.to_string(),
            });
        }
    }
    let commit = match artifact.and_then(|a| {
        a.events(true, true, false)
            .first()
            .map(|e| e.commit.clone())
    }) {
        Some(commit) => commit,
        None => commit_of(registry, "HEAD")?,
    };
    // A forced deprecation is numbered, so it can repeat one already made.
    let tag = if force {
        format!("{}#{}", deprecate_tag(name), next_counter(registry, name)?)
    } else {
        deprecate_tag(name)
    };
    refuse_existing(registry, &tag)?;
    Ok(NewTag {
        message: message.map_or_else(|| format!("Deprecating artifact '{name}'"), str::to_owned),
        name: tag,
        commit,
        kind: EventKind::Deprecation,
        artifact: name.to_string(),
        version: String::new(),
        stage: None,
    })
}

/// Writes planned tags in order.
pub fn write_tags(registry: &Registry, tags: &[NewTag]) -> Result<(), ActionError> {
    for tag in tags {
        create_tag(&registry.root, &tag.name, &tag.commit, &tag.message)?;
    }
    Ok(())
}

/// One more than the highest `#N` among the artifact's tags (lightweight ones too), as GTO
/// numbers them.
fn next_counter(registry: &Registry, name: &ArtifactName) -> Result<u128, ActionError> {
    let highest = registry
        .tag_names
        .iter()
        .filter_map(|t| RegistryTag::parse(t))
        .filter(|t| t.artifact == *name)
        .filter_map(|t| t.counter)
        .max()
        .unwrap_or(0);
    highest
        .checked_add(1)
        .ok_or_else(|| ActionError::CounterOverflow {
            artifact: name.to_string(),
        })
}

fn refuse_existing(registry: &Registry, tag: &str) -> Result<(), ActionError> {
    if registry.tag_names.iter().any(|t| t == tag) {
        return Err(ActionError::TagExists {
            name: tag.to_owned(),
        });
    }
    Ok(())
}

fn check_stage_allowed(registry: &Registry, stage: &StageName) -> Result<(), ActionError> {
    match &registry.allowed_stages {
        Some(allowed) if !allowed.iter().any(|s| s == stage.as_str()) => {
            Err(ActionError::UnknownStage {
                stage: stage.to_string(),
                allowed: allowed.join(", "),
            })
        }
        _ => Ok(()),
    }
}
