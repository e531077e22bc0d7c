//! `kin import-url` and `kin update`: data copied into the repository from a URL (or an
//! absolute path outside it), cached and tracked by an import `.dvc` file that remembers the
//! source and its version, exactly as `dvc import-url` writes it; `update` fetches it again
//! when the source's version changed.

use std::path::{Path, PathBuf};

use kin_cache::state::StateIndex;
use kin_format::dvc_file::DvcOut;
use kin_format::import_dvc_file::{
    ImportSource, SourceVersion, parse_import_source, render_import_dvc_file,
};
use kin_format::md5::ObjectId;
use kin_format::repo_path::RepoPath;

use super::add::{Ingest, check_new_data_path};
use super::{DataError, NoProgress};
use crate::Repo;
use crate::lineage::LineageEvents;
use crate::lineage::capture::{DataSource, Recorder};
use crate::paths::repo_relative;
use kin_format::lock_file::LockedPath;

/// What an import or update did for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Where the data is.
    pub path: RepoPath,
    /// The import `.dvc` file.
    pub dvc_file: String,
    /// The URL or path it came from.
    pub source: String,
    /// False when `update` found the source unchanged and fetched nothing.
    pub changed: bool,
}

/// Copies `source` (a URL or an absolute path) to `out` (relative to `cwd`; default: the
/// source's file name in `cwd`), caches it and writes the import `.dvc` file beside it.
pub fn import_url(
    repo: &Repo,
    cwd: &Path,
    source: &str,
    out: Option<&Path>,
    lineage: &dyn LineageEvents,
) -> Result<Imported, DataError> {
    let _lock = repo.lock()?;
    let root = repo.root();
    let name = source
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| DataError::Import {
            from: source.to_owned(),
            reason: "it names no file".to_owned(),
        })?;
    let target = match out {
        Some(out) if cwd.join(out).is_dir() => out.join(name),
        Some(out) => out.to_path_buf(),
        None => PathBuf::from(name),
    };
    let path = repo_relative(root, cwd, &target)?;
    path.check_writable()
        .map_err(|reason| DataError::UnsafePath {
            path: path.to_string(),
            reason,
        })?;
    let dvc_file = format!("{}.dvc", path.as_str());
    check_new_data_path(&repo.project()?, path.as_str(), &dvc_file)?;
    fetch(repo, source, &path, &dvc_file, None, lineage)
}

/// The import `.dvc` files of the repository, as paths from its root.
pub fn import_files(repo: &Repo) -> Result<Vec<PathBuf>, DataError> {
    let project = repo.project()?;
    let mut found = Vec::new();
    for node in project.graph.nodes.iter().filter(|n| n.stage.is_none()) {
        let text = std::fs::read_to_string(repo.root().join(&node.address)).unwrap_or_default();
        if parse_import_source(&text).is_some() {
            found.push(PathBuf::from(&node.address));
        }
    }
    Ok(found)
}

/// Fetches each import `.dvc` file's source again if its version changed since.
/// `targets` are the `.dvc` files or the data they track, relative to `cwd`.
pub fn update(
    repo: &Repo,
    cwd: &Path,
    targets: &[PathBuf],
    lineage: &dyn LineageEvents,
) -> Result<Vec<Imported>, DataError> {
    let _lock = repo.lock()?;
    let root = repo.root();
    let mut updated = Vec::new();
    for target in targets {
        let rel = repo_relative(root, cwd, target)?;
        let dvc_file = if rel.as_str().ends_with(".dvc") {
            rel.as_str().to_owned()
        } else {
            format!("{}.dvc", rel.as_str())
        };
        let text =
            std::fs::read_to_string(root.join(&dvc_file)).map_err(|_| DataError::NotFound {
                path: PathBuf::from(&dvc_file),
            })?;
        let recorded = parse_import_source(&text).ok_or_else(|| DataError::Import {
            from: dvc_file.clone(),
            reason: "it is not an import `.dvc` file (no source to update from)".to_owned(),
        })?;
        let data = dvc_file.trim_end_matches(".dvc");
        let path = RepoPath::parse(data).map_err(|reason| DataError::UnsafePath {
            path: data.to_owned(),
            reason,
        })?;
        updated.push(fetch(
            repo,
            &recorded.path.clone(),
            &path,
            &dvc_file,
            Some(&recorded),
            lineage,
        )?);
    }
    Ok(updated)
}

/// The source's current version; `None` if it is gone.
fn source_state(source: &str) -> Result<Option<ImportSource>, DataError> {
    if crate::external::is_url(source) {
        return Ok(
            crate::external::current_state(source)?.map(|state| ImportSource {
                path: source.to_owned(),
                version: SourceVersion::External(state.version),
                size: state.size,
            }),
        );
    }
    let path = Path::new(source);
    if !path.is_absolute() {
        return Err(DataError::Import {
            from: source.to_owned(),
            reason: "give a URL (s3://…, https://…) or an absolute path; data inside the repository is tracked with `kin add`".to_owned(),
        });
    }
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(None);
    };
    if meta.is_dir() {
        return Err(DataError::Import {
            from: source.to_owned(),
            reason: "importing directories is not supported yet".to_owned(),
        });
    }
    Ok(Some(ImportSource {
        path: source.to_owned(),
        version: SourceVersion::Md5(ObjectId::file(kin_cache::hashing::hash_file(path)?.0)),
        size: Some(meta.len()),
    }))
}

/// Downloads `source` over `path` (unless `recorded` says it is unchanged and the data is
/// there), caches it and writes the import `.dvc` file.
fn fetch(
    repo: &Repo,
    source: &str,
    path: &RepoPath,
    dvc_file: &str,
    recorded: Option<&ImportSource>,
    lineage: &dyn LineageEvents,
) -> Result<Imported, DataError> {
    let root = repo.root();
    let current = source_state(source)?.ok_or_else(|| DataError::Import {
        from: source.to_owned(),
        reason: "there is nothing there".to_owned(),
    })?;
    let imported = |changed| Imported {
        path: path.clone(),
        dvc_file: dvc_file.to_owned(),
        source: source.to_owned(),
        changed,
    };
    if recorded.is_some_and(|r| r.version == current.version) && root.join(path).exists() {
        return Ok(imported(false));
    }
    download_over(source, &root.join(path))?;
    let caches = repo.caches();
    let link_types = repo.settings().link_types.clone();
    let mut state = StateIndex::open(&repo.state_path())?;
    let tags = crate::lineage::tags::resolve(root, &[])?;
    let recorder = Recorder::new(root, tags);
    let ingest = Ingest {
        root,
        caches: &caches,
        link_types: &link_types,
        recorder: &recorder,
        source: Some(DataSource {
            command: format!("kin import-url {source} {}", path.as_str()),
            version: LockedPath {
                path: source.to_owned(),
                id: match &current.version {
                    SourceVersion::Md5(id) => Some(*id),
                    SourceVersion::External(_) => None,
                },
                size: current.size,
                nfiles: None,
                is_exec: false,
                hash_name: kin_format::md5::HashName::Md5,
                external: match &current.version {
                    SourceVersion::External(version) => Some(version.clone()),
                    SourceVersion::Md5(_) => None,
                },
            },
        }),
    };
    let added = ingest.record(
        path,
        dvc_file,
        &mut state,
        recorder.start(),
        &NoProgress,
        lineage,
    )?;
    let name = path.as_str().rsplit('/').next().unwrap_or(path.as_str());
    let out = DvcOut {
        path: name.to_owned(),
        id: Some(added.id),
        size: Some(added.size),
        nfiles: added.nfiles,
        is_exec: false,
        push: true,
        remote: None,
        hash_name: kin_format::md5::HashName::Md5,
    };
    let text = render_import_dvc_file(&current, &out);
    kin_format::atomic_write::write_atomic(&root.join(dvc_file), text.as_bytes()).map_err(
        |source| DataError::Import {
            from: dvc_file.to_owned(),
            reason: source.to_string(),
        },
    )?;
    Ok(imported(true))
}

/// Writes the source's bytes to `target`, whole or not at all: into a temporary file beside
/// it, renamed over it once complete.
fn download_over(source: &str, target: &Path) -> Result<(), DataError> {
    let failed = |reason: String| DataError::Import {
        from: source.to_owned(),
        reason,
    };
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
    let name = target
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.kin-import-{}", std::process::id()));
    let written = (|| -> Result<(), DataError> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| failed(e.to_string()))?;
        if crate::external::is_url(source) {
            crate::external::download(source, &mut file)?;
        } else {
            let mut from = std::fs::File::open(source).map_err(|e| failed(e.to_string()))?;
            std::io::copy(&mut from, &mut file).map_err(|e| failed(e.to_string()))?;
        }
        file.sync_all().map_err(|e| failed(e.to_string()))?;
        std::fs::rename(&temp, target).map_err(|e| failed(e.to_string()))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written?;
    Ok(())
}
