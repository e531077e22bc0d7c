//! `kin verify`: the bytes behind the recorded hashes. Every cached artifact version in a
//! lineage (or every recorded one) — what a run or `kin add` generated, less `cache: false`
//! outputs — must be in the cache, a directory's manifest and each of its files, and re-hash
//! to what was recorded; or, with a remote, be there. What is missing or corrupt is reported
//! with the runs and registered model versions that depend on it. With a remote, objects not
//! cached are read back from it and re-hashed.

use std::collections::HashSet;
use std::path::Path;

use kin_cache::hashing::{default_threads, hash_file_as, parallel_map};
use kin_format::manifest::Manifest;
use kin_format::md5::{HashName, Md5, ObjectId};
use kin_format::repo_path::RepoPath;
use kin_store::{ArtifactVersion, Direction, LineageStore, Run, Start, traverse};

use crate::Repo;
use crate::lineage::LineageError;
use crate::lineage::target::{Target, resolve};

/// Why verification could not be done (not what it found).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Lineage(#[from] LineageError),
    #[error(transparent)]
    Store(#[from] kin_store::StoreError),
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteOpError),
}

/// What is wrong with one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectProblem {
    /// Neither the cache nor the remote holds it.
    Missing { path: String, id: String },
    /// The cached bytes hash to something else.
    Corrupt {
        path: String,
        id: String,
        found: String,
    },
    /// Not cached, and the remote's copy hashes to something else.
    CorruptOnRemote {
        path: String,
        id: String,
        found: String,
        remote: String,
    },
}

/// A version whose bytes are not all there and intact.
#[derive(Debug, Clone)]
pub struct BadVersion {
    pub version: ArtifactVersion,
    pub problems: Vec<ObjectProblem>,
    /// Runs that generated or used it.
    pub runs: Vec<Run>,
    /// Registered model versions (`NAME@vX.Y.Z`) whose content is it or downstream of it.
    pub models: Vec<String>,
}

/// The outcome of `kin verify`.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub versions: usize,
    /// Versions whose bytes the cache does not keep by design: inputs no run generated (code
    /// and files kept by git) and `cache: false` outputs.
    pub not_cached: usize,
    pub objects: usize,
    pub bytes: u64,
    /// Versions not cached whose objects the remote holds and that re-hash there.
    pub on_remote: usize,
    pub bad: Vec<BadVersion>,
}

/// One object to check: the version it belongs to and where it appears.
struct Check {
    version: usize,
    path: String,
    id: ObjectId,
}

enum Outcome {
    Intact(u64),
    Missing,
    Corrupt(Md5),
}

/// Verifies the versions in the lineage of `targets` (typed in `cwd`), or every recorded one.
pub fn verify(
    repo: &Repo,
    cwd: &Path,
    targets: &[String],
    remote: Option<&str>,
) -> Result<VerifyReport, VerifyError> {
    let store = crate::lineage::open_store(repo)?;
    let all = versions_to_check(repo, &store, cwd, targets)?;
    let uncached = uncached_outputs(repo);
    let mut versions = Vec::new();
    let mut not_cached = 0;
    for version in all {
        let generated = !store.generators(version.id)?.is_empty();
        if generated && !uncached.contains(&version.path) {
            versions.push(version);
        } else {
            not_cached += 1;
        }
    }
    let caches = repo.caches();
    let mut checks = Vec::new();
    let mut report = VerifyReport {
        versions: versions.len(),
        not_cached,
        ..VerifyReport::default()
    };
    let mut problems: Vec<Vec<ObjectProblem>> = vec![Vec::new(); versions.len()];
    let mut model_contents: Option<Vec<(String, (String, String))>> = None;
    for (index, version) in versions.iter().enumerate() {
        let Ok(id) = version.hash.as_str().parse::<ObjectId>() else {
            continue;
        };
        checks.push(Check {
            version: index,
            path: version.path.clone(),
            id,
        });
        if !id.is_dir {
            continue;
        }
        // A directory: its manifest, then every file it lists.
        let Some((manifest_path, _)) = locate(&caches, &id) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&manifest_path) else {
            continue;
        };
        let Ok(manifest) = Manifest::from_json(&text) else {
            continue;
        };
        for entry in manifest.entries() {
            checks.push(Check {
                version: index,
                path: format!("{}/{}", version.path, entry.relpath),
                id: ObjectId::file(entry.md5),
            });
        }
    }
    report.objects = checks.len();
    let outcomes = parallel_map(
        &checks,
        default_threads(),
        |check| -> Result<Outcome, VerifyError> { Ok(rehash(&caches, &check.id)) },
    )?;
    for (check, outcome) in checks.iter().zip(outcomes) {
        match outcome {
            Outcome::Intact(size) => report.bytes += size,
            Outcome::Missing => problems[check.version].push(ObjectProblem::Missing {
                path: check.path.clone(),
                id: check.id.to_string(),
            }),
            Outcome::Corrupt(found) => problems[check.version].push(ObjectProblem::Corrupt {
                path: check.path.clone(),
                id: check.id.to_string(),
                found: found.to_string(),
            }),
        }
    }
    for (index, version) in versions.into_iter().enumerate() {
        let mut found = std::mem::take(&mut problems[index]);
        if found.is_empty() {
            continue;
        }
        // Missing locally: the remote's copies, read back and re-hashed, count.
        if let Some(name) = remote
            && found
                .iter()
                .all(|p| matches!(p, ObjectProblem::Missing { .. }))
            && let (Ok(id), Ok(path)) = (
                version.hash.as_str().parse::<ObjectId>(),
                RepoPath::parse(&version.path),
            )
        {
            let states = crate::remote::rehash_on_remote(repo, name, &path, &id)?;
            if states
                .iter()
                .all(|(_, _, state)| *state == crate::remote::RemoteObject::Intact)
            {
                report.on_remote += 1;
                continue;
            }
            found = states
                .into_iter()
                .filter_map(|(path, id, state)| match state {
                    crate::remote::RemoteObject::Intact => None,
                    crate::remote::RemoteObject::Missing => Some(ObjectProblem::Missing {
                        path: path.to_string(),
                        id: id.to_string(),
                    }),
                    crate::remote::RemoteObject::Corrupt(md5) => {
                        Some(ObjectProblem::CorruptOnRemote {
                            path: path.to_string(),
                            id: id.to_string(),
                            found: md5.to_string(),
                            remote: name.to_owned(),
                        })
                    }
                })
                .collect();
        }
        // The registry's model contents are read once, on the first bad version.
        let models = model_contents.get_or_insert_with(|| registered_model_contents(repo, &store));
        report.bad.push(dependents(&store, version, found, models)?);
    }
    Ok(report)
}

/// The paths the pipeline declares `cache: false` (hashed, never cached).
fn uncached_outputs(repo: &Repo) -> HashSet<String> {
    let Ok(project) = repo.project() else {
        return HashSet::new();
    };
    crate::tracked::tracked_outs(repo.root(), &project)
        .map(|outs| {
            outs.into_iter()
                .filter(|o| !o.cached)
                .map(|o| o.path.to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The versions in the lineage (both ways) of each target, or every recorded version.
fn versions_to_check(
    repo: &Repo,
    store: &dyn LineageStore,
    cwd: &Path,
    targets: &[String],
) -> Result<Vec<ArtifactVersion>, VerifyError> {
    if targets.is_empty() {
        return Ok(store.all_versions()?);
    }
    let mut seen = HashSet::new();
    let mut versions = Vec::new();
    for text in targets {
        let start = match resolve(repo, store, cwd, text)? {
            Target::Version(version) => Start::Versions(vec![version.id]),
            Target::Run(run) => Start::Run(run.key),
        };
        for direction in [Direction::Up, Direction::Down] {
            for (version, _) in traverse(store, &start, direction, usize::MAX)?.versions {
                if seen.insert(version.id) {
                    versions.push(version);
                }
            }
        }
    }
    Ok(versions)
}

/// Where the object is cached and how it was hashed: DVC 3's cache, else DVC 2's.
fn locate(
    caches: &kin_cache::caches::Caches,
    id: &ObjectId,
) -> Option<(std::path::PathBuf, HashName)> {
    [HashName::Md5, HashName::Md5Dos2Unix]
        .into_iter()
        .find_map(|name| {
            let path = caches.for_hash(name).object_path(id);
            path.is_file().then_some((path, name))
        })
}

fn rehash(caches: &kin_cache::caches::Caches, id: &ObjectId) -> Outcome {
    let Some((path, name)) = locate(caches, id) else {
        return Outcome::Missing;
    };
    // A manifest's id is the md5 of its bytes as written (DVC hashes the JSON it wrote).
    let name = if id.is_dir { HashName::Md5 } else { name };
    match hash_file_as(&path, name) {
        Ok((md5, size)) if md5 == id.md5 => Outcome::Intact(size),
        Ok((md5, _)) => Outcome::Corrupt(md5),
        Err(_) => Outcome::Missing,
    }
}

/// The runs and registered model versions that depend on a bad version.
fn dependents(
    store: &dyn LineageStore,
    version: ArtifactVersion,
    problems: Vec<ObjectProblem>,
    model_contents: &[(String, (String, String))],
) -> Result<BadVersion, VerifyError> {
    let mut keys = store.generators(version.id)?;
    keys.extend(store.consumers(version.id)?);
    keys.sort_unstable_by_key(|k| k.0);
    keys.dedup();
    let runs = keys
        .into_iter()
        .map(|k| store.run_by_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    let downstream = traverse(
        store,
        &Start::Versions(vec![version.id]),
        Direction::Down,
        usize::MAX,
    )?;
    let reached: HashSet<(String, String)> = downstream
        .versions
        .iter()
        .map(|(v, _)| (v.path.clone(), v.hash.to_string()))
        .collect();
    let models = model_contents
        .iter()
        .filter(|(_, content)| reached.contains(content))
        .map(|(model, _)| model.clone())
        .collect();
    Ok(BadVersion {
        version,
        problems,
        runs,
        models,
    })
}

/// Every registered model version (`NAME@vX.Y.Z`) with its recorded content
/// `(path, hash)`. A repository without a registry (or git) has none.
fn registered_model_contents(
    repo: &Repo,
    store: &dyn LineageStore,
) -> Vec<(String, (String, String))> {
    let Ok(registry) = crate::registry::Registry::open(repo.root()) else {
        return Vec::new();
    };
    let mut models = Vec::new();
    for artifact in &registry.state.artifacts {
        let Ok(name) = crate::registry::ArtifactName::parse(&artifact.name) else {
            continue;
        };
        for version in artifact.versions(false, false, crate::registry::state::VersionOrder::SemVer)
        {
            let resolved = crate::registry::resolve::ResolvedVersion {
                artifact: name.clone(),
                version: version.version.clone(),
                commit: version.commit.clone(),
            };
            if let Ok(content) = crate::registry::promotion::version_content(repo, store, &resolved)
            {
                models.push((
                    format!("{}@{}", artifact.name, version.version),
                    (content.path.clone(), content.hash.to_string()),
                ));
            }
        }
    }
    models
}
