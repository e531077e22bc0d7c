//! A model reference (`churn@v1.2.0`, `churn#prod`, `churn@latest`) resolved to what it
//! stands for: the version and its commit, the artifact's declared path at that commit, and
//! the content hash `dvc.lock` or a `.dvc` file recorded for that path there.

use std::path::Path;

use kin_format::yaml::{Value, parse_yaml};

use super::artifacts::{DeclaredArtifact, read_section};
use super::names::{ArtifactName, NameError, StageName};
use super::semver::SemVer;
use super::state::{StateError, VersionOrder};
use super::{Registry, RegistryError};
use crate::git::{GitError, GitObjects};

/// Which version a reference asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSelector {
    Version(String),
    Stage(String),
    Latest,
}

/// `NAME@vX.Y.Z`, `NAME@latest` (or `@greatest`) or `NAME#STAGE`, as GTO reads its shortcuts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRef {
    pub artifact: ArtifactName,
    pub selector: VersionSelector,
}

/// Why a model reference resolved to nothing.
#[derive(Debug, thiserror::Error)]
pub enum ModelRefError {
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("`{text}` is not a model reference: write NAME@vX.Y.Z, NAME@latest or NAME#STAGE")]
    Syntax { text: String },
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("the registry has no artifact `{artifact}`")]
    UnknownArtifact { artifact: String },
    #[error("`{artifact}` has no active version {version}")]
    UnknownVersion { artifact: String, version: String },
    #[error("no version of `{artifact}` is in stage `{stage}`")]
    EmptyStage { artifact: String, stage: String },
    #[error("`{artifact}` has no registered version")]
    NoVersion { artifact: String },
    #[error("`{artifact}` is not declared under `artifacts:` in {dvcfile} at commit {commit}")]
    Undeclared {
        artifact: String,
        dvcfile: String,
        commit: String,
    },
    #[error("{problem} (in {dvcfile} at commit {commit})")]
    Declaration {
        dvcfile: String,
        commit: String,
        problem: String,
    },
    #[error(transparent)]
    Git(#[from] GitError),
}

impl ModelRef {
    pub fn parse(text: &str) -> Result<ModelRef, ModelRefError> {
        let syntax = || ModelRefError::Syntax {
            text: text.to_owned(),
        };
        if let Some((name, stage)) = text.split_once('#') {
            let stage = StageName::parse(stage)?;
            return Ok(ModelRef {
                artifact: ArtifactName::parse(name)?,
                selector: VersionSelector::Stage(stage.to_string()),
            });
        }
        let (name, version) = text.split_once('@').ok_or_else(syntax)?;
        let selector = match version {
            "latest" | "greatest" => VersionSelector::Latest,
            version => {
                SemVer::parse(version).map_err(|_| syntax())?;
                VersionSelector::Version(version.to_owned())
            }
        };
        Ok(ModelRef {
            artifact: ArtifactName::parse(name)?,
            selector,
        })
    }
}

/// A version as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedVersion {
    pub artifact: ArtifactName,
    pub version: String,
    pub commit: String,
}

/// The version `model` names now: the one registered as it, the one its stage holds (the
/// most recent assignment), or the highest registered.
pub fn resolve_version(
    registry: &Registry,
    model: &ModelRef,
) -> Result<ResolvedVersion, ModelRefError> {
    let name = model.artifact.as_str();
    let artifact = registry
        .state
        .artifact(name)
        .ok_or_else(|| ModelRefError::UnknownArtifact {
            artifact: name.to_owned(),
        })?;
    let (version, commit) = match &model.selector {
        VersionSelector::Version(v) => {
            let found = artifact
                .versions(false, false, VersionOrder::SemVer)
                .into_iter()
                .find(|found| found.version == *v)
                .ok_or_else(|| ModelRefError::UnknownVersion {
                    artifact: name.to_owned(),
                    version: v.clone(),
                })?;
            (found.version.clone(), found.commit.clone())
        }
        VersionSelector::Stage(stage) => {
            let stages = artifact.stages(&super::state::StageQuery::DEFAULT);
            let held = stages
                .iter()
                .find(|(s, _)| s == stage)
                .and_then(|(_, held)| held.first())
                .ok_or_else(|| ModelRefError::EmptyStage {
                    artifact: name.to_owned(),
                    stage: stage.clone(),
                })?;
            (held.version.clone(), held.commit.clone())
        }
        VersionSelector::Latest => {
            let latest = artifact
                .latest_version(true)
                .ok_or_else(|| ModelRefError::NoVersion {
                    artifact: name.to_owned(),
                })?;
            (latest.version.clone(), latest.commit.clone())
        }
    };
    Ok(ResolvedVersion {
        artifact: model.artifact.clone(),
        version,
        commit,
    })
}

/// The artifact's declaration in its `dvc.yaml` as committed in `commit`. The section is
/// read as written: a `${...}` in it is refused, since the values it would take then are
/// not at hand.
pub fn declaration_at(
    root: &Path,
    artifact: &ArtifactName,
    commit: &str,
) -> Result<DeclaredArtifact, ModelRefError> {
    let (dir, own_name) = artifact.split();
    let dvcfile = if dir.is_empty() {
        "dvc.yaml".to_owned()
    } else {
        format!("{dir}/dvc.yaml")
    };
    let undeclared = || ModelRefError::Undeclared {
        artifact: artifact.to_string(),
        dvcfile: dvcfile.clone(),
        commit: commit.get(..7).unwrap_or(commit).to_owned(),
    };
    let problem = |problem: String| ModelRefError::Declaration {
        dvcfile: dvcfile.clone(),
        commit: commit.get(..7).unwrap_or(commit).to_owned(),
        problem,
    };
    let mut objects = GitObjects::open(root)?;
    let bytes = objects
        .blob(&format!("{commit}:{dvcfile}"))?
        .ok_or_else(undeclared)?;
    let doc = parse_yaml(&String::from_utf8_lossy(&bytes)).map_err(|e| problem(e.to_string()))?;
    let Value::Map(top) = &doc.value else {
        return Err(undeclared());
    };
    let Some(section) = top.get("artifacts").filter(|n| !n.is_null()) else {
        return Err(undeclared());
    };
    let mut declared = Vec::new();
    read_section(&dvcfile, section, &mut declared).map_err(|e| problem(e.problem))?;
    let found = declared
        .into_iter()
        .find(|d| d.name == artifact.as_str() || (dir.is_empty() && d.name == own_name))
        .ok_or_else(undeclared)?;
    if found.path.contains("${") {
        return Err(problem(format!(
            "the path of `{artifact}` is templated (`{}`); kin reads committed declarations as written",
            found.path
        )));
    }
    Ok(found)
}
