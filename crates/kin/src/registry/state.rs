//! The registry state GTO derives from tags: artifacts, their versions, and the stages each
//! version is in. Built, ordered and judged active exactly as GTO 1.10 does, so that what kin
//! shows of a registry is what `gto` shows of it.

use super::events::{Event, EventKind, by_time, insert_by_time};
use super::semver::SemVer;

/// Why the tags do not make one registry.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("artifact `{artifact}` has several versions at commit {commit}: {versions}")]
    ManyVersions {
        artifact: String,
        commit: String,
        versions: String,
    },
}

/// A stage as assigned to one version: its assignments and unassignments.
#[derive(Debug, Clone)]
pub struct VersionStage {
    pub artifact: String,
    pub commit: String,
    pub version: String,
    pub stage: String,
    pub assignments: Vec<Event>,
    pub unassignments: Vec<Event>,
}

impl VersionStage {
    /// Newest first.
    pub fn events(&self) -> Vec<&Event> {
        by_time(
            self.assignments.iter().chain(&self.unassignments).collect(),
            false,
        )
    }

    pub fn is_active(&self) -> bool {
        self.events()
            .first()
            .is_some_and(|e| e.kind == EventKind::Assignment)
    }

    /// When the stage was last assigned, if it still is.
    pub fn activated_at(&self) -> Option<&Event> {
        self.events()
            .into_iter()
            .next()
            .filter(|e| e.kind == EventKind::Assignment)
    }

    /// The event GTO credits the stage to: its latest assignment.
    pub fn authoring_event(&self) -> Option<&Event> {
        self.events().into_iter().find(|e| e.kind.addition())
    }
}

/// One version of an artifact: a registered semantic version, or a commit an assignment or
/// the artifact's annotation points at.
#[derive(Debug, Clone)]
pub struct Version {
    pub artifact: String,
    pub commit: String,
    pub version: String,
    pub enrichments: Vec<Event>,
    pub registrations: Vec<Event>,
    pub deregistrations: Vec<Event>,
    /// In the order the stages were first assigned.
    pub stages: Vec<VersionStage>,
}

impl Version {
    fn new(artifact: &str, version: &str, commit: &str) -> Version {
        Version {
            artifact: artifact.to_owned(),
            commit: commit.to_owned(),
            version: version.to_owned(),
            enrichments: Vec::new(),
            registrations: Vec::new(),
            deregistrations: Vec::new(),
            stages: Vec::new(),
        }
    }

    /// Registrations and deregistrations (`direct`), commit and stage events (`indirect`).
    pub fn events(&self, direct: bool, indirect: bool, ascending: bool) -> Vec<&Event> {
        let mut all: Vec<&Event> = Vec::new();
        if direct {
            all.extend(self.registrations.iter().chain(&self.deregistrations));
        }
        if indirect {
            all.extend(&self.enrichments);
            for stage in &self.stages {
                all.extend(stage.events());
            }
        }
        by_time(all, ascending)
    }

    fn add_event(&mut self, event: Event) {
        if self.events(true, true, false).contains(&&event) {
            return;
        }
        match event.kind {
            EventKind::Registration => insert_by_time(&mut self.registrations, event),
            EventKind::Deregistration => insert_by_time(&mut self.deregistrations, event),
            EventKind::Commit => insert_by_time(&mut self.enrichments, event),
            EventKind::Assignment | EventKind::Unassignment => {
                let stage_name = event.stage.clone().unwrap_or_default();
                let at = match self.stages.iter().position(|s| s.stage == stage_name) {
                    Some(at) => at,
                    None => {
                        self.stages.push(VersionStage {
                            artifact: self.artifact.clone(),
                            commit: self.commit.clone(),
                            version: self.version.clone(),
                            stage: stage_name,
                            assignments: Vec::new(),
                            unassignments: Vec::new(),
                        });
                        self.stages.len() - 1
                    }
                };
                let stage = &mut self.stages[at];
                if event.kind == EventKind::Assignment {
                    insert_by_time(&mut stage.assignments, event);
                } else {
                    insert_by_time(&mut stage.unassignments, event);
                }
            }
            EventKind::Deprecation => {}
        }
    }

    pub fn is_active(&self) -> bool {
        match self.events(true, false, false).first() {
            Some(latest) => latest.kind == EventKind::Registration,
            None => !self.events(false, true, false).is_empty(),
        }
    }

    /// When it was first registered, or else its first event.
    pub fn activated_at(&self) -> Option<&Event> {
        self.registrations
            .first()
            .or_else(|| self.events(true, true, true).into_iter().next())
    }

    pub fn is_registered(&self) -> bool {
        !self.registrations.is_empty()
    }

    /// Known only from its commit or stages, never registered or deregistered.
    pub fn discovered(&self) -> bool {
        self.events(true, false, false).is_empty()
    }

    /// Its active stages, by when each was last assigned.
    pub fn active_stages(&self, ascending: bool) -> Vec<&VersionStage> {
        let mut stages: Vec<&VersionStage> = self.stages.iter().filter(|s| s.is_active()).collect();
        stages.sort_by_key(|s| s.activated_at().map(|e| e.created_at.secs));
        if !ascending {
            stages.reverse();
        }
        stages
    }

    /// The event GTO credits the version to: its latest registration, or else its latest
    /// other event.
    pub fn authoring_event(&self) -> Option<&Event> {
        authoring(self.events(true, false, false), || {
            self.events(false, true, false)
        })
    }
}

/// GTO's rule for whom an object is credited to: the latest adding direct event, else the
/// latest indirect one.
fn authoring<'a>(
    direct: Vec<&'a Event>,
    indirect: impl FnOnce() -> Vec<&'a Event>,
) -> Option<&'a Event> {
    direct
        .into_iter()
        .find(|e| e.kind.addition())
        .or_else(|| indirect().into_iter().next())
}

/// Which stage assignments a query keeps (GTO's `--ro`, `--av`, `--vs` and `--sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageQuery {
    /// Only registered versions' assignments.
    pub registered_only: bool,
    /// The last N assignments of each version (`None`: all).
    pub per_version: Option<usize>,
    /// The last N versions in each stage (`None`: all).
    pub per_stage: Option<usize>,
    pub order: VersionOrder,
}

impl StageQuery {
    /// What `gto show` shows by default: the latest version in each stage, by time.
    pub const DEFAULT: StageQuery = StageQuery {
        registered_only: false,
        per_version: None,
        per_stage: Some(1),
        order: VersionOrder::Timestamp,
    };
}

/// How versions are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionOrder {
    /// Semantic versions highest first, then other names (commits) in reverse text order.
    SemVer,
    /// Newest first by the time each is credited to.
    Timestamp,
}

/// An artifact and everything the registry says of it.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub name: String,
    pub versions: Vec<Version>,
    pub deprecations: Vec<Event>,
}

impl Artifact {
    fn new(name: &str) -> Artifact {
        Artifact {
            name: name.to_owned(),
            versions: Vec::new(),
            deprecations: Vec::new(),
        }
    }

    /// Deprecations (`direct`) and every version's events (`indirect`).
    pub fn events(&self, direct: bool, indirect: bool, ascending: bool) -> Vec<&Event> {
        let mut all: Vec<&Event> = Vec::new();
        if direct {
            all.extend(&self.deprecations);
        }
        if indirect {
            for version in &self.versions {
                all.extend(version.events(true, true, false));
            }
        }
        by_time(all, ascending)
    }

    fn add_event(&mut self, event: Event) -> Result<(), StateError> {
        if self.events(true, true, false).contains(&&event) {
            return Ok(());
        }
        if event.kind == EventKind::Deprecation {
            insert_by_time(&mut self.deprecations, event);
            return Ok(());
        }
        let version = event.version.clone().unwrap_or_default();
        let at = self.find_or_create_version(Some(&version), Some(&event.commit.clone()))?;
        self.versions[at].add_event(event);
        Ok(())
    }

    pub fn is_active(&self) -> bool {
        self.events(true, true, false)
            .first()
            .is_some_and(|e| e.kind != EventKind::Deprecation)
    }

    /// Whether any tag speaks of it (not only a commit's annotation).
    pub fn is_registered(&self) -> bool {
        !self
            .events(true, true, false)
            .iter()
            .all(|e| e.kind == EventKind::Commit)
    }

    /// GTO's `get_versions`: active versions that are registered, or discovered (with
    /// `include_discovered`), or unregistered (with `include_non_explicit`), in `order`.
    pub fn versions(
        &self,
        include_non_explicit: bool,
        include_discovered: bool,
        order: VersionOrder,
    ) -> Vec<&Version> {
        let versions = self.versions.iter().filter(|v| {
            v.is_active()
                && ((v.is_registered() && !v.discovered())
                    || (include_discovered && v.discovered())
                    || (include_non_explicit && !v.is_registered()))
        });
        sort_versions(versions.collect(), order)
    }

    /// Every version, active or not (GTO's `get_versions(active_only=False)`), in `order`.
    pub fn all_versions(&self, order: VersionOrder) -> Vec<&Version> {
        sort_versions(self.versions.iter().collect(), order)
    }

    /// The highest version, registered ones only if `registered_only`.
    pub fn latest_version(&self, registered_only: bool) -> Option<&Version> {
        self.versions(!registered_only, false, VersionOrder::SemVer)
            .into_iter()
            .next()
    }

    /// GTO's `get_vstages`: each stage and the versions in it (the stages in the order first
    /// met), as `query` selects them.
    pub fn stages(&self, query: &StageQuery) -> Vec<(String, Vec<&VersionStage>)> {
        let versions = self.versions(!query.registered_only, false, query.order);
        let mut assignments: Vec<&VersionStage> = versions
            .iter()
            .flat_map(|v| {
                let mut held = v.active_stages(true);
                if let Some(n) = query.per_version {
                    held.truncate(n);
                }
                held
            })
            .collect();
        if query.order == VersionOrder::Timestamp {
            assignments.sort_by_key(|a| a.authoring_event().map(|e| e.created_at.secs));
            assignments.reverse();
        }
        let per_stage = query.per_stage;
        let mut stages: Vec<(String, Vec<&VersionStage>)> = Vec::new();
        for assignment in assignments {
            let at = match stages
                .iter()
                .position(|(name, _)| *name == assignment.stage)
            {
                Some(at) => at,
                None => {
                    stages.push((assignment.stage.clone(), Vec::new()));
                    stages.len() - 1
                }
            };
            let held = &mut stages[at].1;
            if per_stage.is_some_and(|n| held.len() >= n) {
                continue;
            }
            if !held.iter().any(|v| v.version == assignment.version) {
                held.push(assignment);
            }
        }
        stages
    }

    /// The versions named `name` (if given) at `commit` (if given), discovered ones only with
    /// `include_discovered`.
    pub fn find_versions(
        &self,
        name: Option<&str>,
        commit: Option<&str>,
        include_discovered: bool,
    ) -> Vec<&Version> {
        self.versions
            .iter()
            .filter(|v| {
                name.is_none_or(|n| v.version == n)
                    && commit.is_none_or(|c| v.commit == c)
                    && (include_discovered || !v.discovered())
            })
            .collect()
    }

    /// The one version named `name` at `commit` (not a discovered one), if any; several are
    /// an error, as in GTO.
    pub fn find_version(
        &self,
        name: Option<&str>,
        commit: Option<&str>,
    ) -> Result<Option<&Version>, StateError> {
        let found = self.find_versions(name, commit, false);
        if found.len() > 1 {
            return Err(self.many_versions(&found, commit));
        }
        Ok(found.into_iter().next())
    }

    fn many_versions(&self, found: &[&Version], commit: Option<&str>) -> StateError {
        StateError::ManyVersions {
            artifact: self.name.clone(),
            commit: commit.unwrap_or("-").to_owned(),
            versions: found
                .iter()
                .map(|v| v.version.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// GTO's `find_version(create_new=True)`: the index of the one matching version, created
    /// (named `name`, or else by its commit) when there is none.
    fn find_or_create_version(
        &mut self,
        name: Option<&str>,
        commit: Option<&str>,
    ) -> Result<usize, StateError> {
        let found: Vec<usize> = (0..self.versions.len())
            .filter(|&i| {
                let v = &self.versions[i];
                name.is_none_or(|n| v.version == n)
                    && commit.is_none_or(|c| v.commit == c)
                    && !v.discovered()
            })
            .collect();
        match found.as_slice() {
            [] => {
                let version_name = name.or(commit).unwrap_or_default();
                self.versions.push(Version::new(
                    &self.name,
                    version_name,
                    commit.unwrap_or_default(),
                ));
                Ok(self.versions.len() - 1)
            }
            [one] => Ok(*one),
            _ => {
                let versions: Vec<&Version> = found.iter().map(|&i| &self.versions[i]).collect();
                Err(self.many_versions(&versions, commit))
            }
        }
    }
}

/// GTO's `sort_versions`, newest or highest first.
fn sort_versions(versions: Vec<&Version>, order: VersionOrder) -> Vec<&Version> {
    match order {
        VersionOrder::SemVer => {
            let (mut semantic, mut other): (Vec<(&Version, SemVer)>, Vec<&Version>) =
                (Vec::new(), Vec::new());
            for v in versions {
                match SemVer::parse(&v.version) {
                    Ok(parsed) => semantic.push((v, parsed)),
                    Err(_) => other.push(v),
                }
            }
            semantic.sort_by(|a, b| a.1.cmp(&b.1));
            semantic.reverse();
            other.sort_by(|a, b| a.version.cmp(&b.version));
            other.reverse();
            semantic.into_iter().map(|(v, _)| v).chain(other).collect()
        }
        VersionOrder::Timestamp => {
            let mut versions = versions;
            versions.sort_by_key(|v| v.authoring_event().map(|e| e.created_at.secs));
            versions.reverse();
            versions
        }
    }
}

/// Every artifact the registry knows, in the order GTO meets them.
#[derive(Debug, Clone, Default)]
pub struct RegistryState {
    pub artifacts: Vec<Artifact>,
}

impl RegistryState {
    pub fn artifact(&self, name: &str) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.name == name)
    }

    fn artifact_index(&mut self, name: &str) -> usize {
        match self.artifacts.iter().position(|a| a.name == name) {
            Some(at) => at,
            None => {
                self.artifacts.push(Artifact::new(name));
                self.artifacts.len() - 1
            }
        }
    }

    /// Records a tag's event. An assignment names no version: it goes to the version
    /// registered at its commit, or to one named by the commit.
    pub fn add_tag_event(&mut self, mut event: Event) -> Result<(), StateError> {
        let at = self.artifact_index(&event.artifact);
        let artifact = &mut self.artifacts[at];
        if matches!(event.kind, EventKind::Assignment | EventKind::Unassignment) {
            let version = artifact.find_or_create_version(None, Some(&event.commit.clone()))?;
            event.version = Some(artifact.versions[version].version.clone());
        }
        artifact.add_event(event)
    }

    /// Adds each version's commit event, built by `commit_event(artifact, version, commit)`.
    pub fn add_commit_events(
        &mut self,
        mut commit_event: impl FnMut(&str, &str, &str) -> Option<Event>,
    ) {
        for artifact in &mut self.artifacts {
            for version in &mut artifact.versions {
                if let Some(event) = commit_event(&artifact.name, &version.version, &version.commit)
                {
                    version.add_event(event);
                }
            }
        }
    }

    /// An artifact `artifacts.yaml` lists at HEAD: its version at that commit (the one
    /// registered there, or one named by the commit) gets the commit's event.
    pub fn add_annotated(
        &mut self,
        name: &str,
        head: &str,
        commit_event: impl FnOnce(&str) -> Option<Event>,
    ) -> Result<(), StateError> {
        let at = self.artifact_index(name);
        let artifact = &mut self.artifacts[at];
        let version = artifact.find_or_create_version(None, Some(head))?;
        if let Some(event) = commit_event(&artifact.versions[version].version.clone()) {
            artifact.versions[version].add_event(event);
        }
        Ok(())
    }

    /// Every stage name in use, sorted.
    pub fn used_stages(&self) -> Vec<String> {
        let mut stages: Vec<String> = self
            .artifacts
            .iter()
            .flat_map(|a| {
                a.stages(&StageQuery {
                    order: VersionOrder::SemVer,
                    ..StageQuery::DEFAULT
                })
            })
            .map(|(stage, _)| stage)
            .collect();
        stages.sort();
        stages.dedup();
        stages
    }
}
