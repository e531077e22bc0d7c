//! Finding the repository root from any directory inside it, and loading its pipelines.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use kin_cache::link::LinkType;
use kin_pipeline::{ParsingConfig, PipelineError, Project, load_project};

use crate::dvc_config::{DvcConfig, DvcConfigError};
use crate::repo_lock::{LockError, LockWait, RepoLock};

/// Why a repository could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("`{}` is not inside a kin or DVC repository", start.display())]
    NotFound { start: PathBuf },
    #[error(transparent)]
    Config(#[from] DvcConfigError),
    /// A pipeline cannot be read. Its file is named relative to `root`, the repository
    /// root, so that a source snippet can be shown from whatever directory kin runs in.
    #[error("{source}")]
    Pipeline {
        root: PathBuf,
        source: PipelineError,
    },
}

/// An initialised repository (it has a `.dvc/` directory), with its settings.
#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
    settings: Arc<Settings>,
}

/// What the repository's configuration decides, resolved once when it is opened.
#[derive(Debug)]
pub struct Settings {
    /// DVC's config at every level, merged.
    pub config: DvcConfig,
    /// `cache.type`, parsed.
    pub link_types: Vec<LinkType>,
    /// `[parsing]`: how dicts unpack into `cmd`.
    pub parsing: ParsingConfig,
}

impl Settings {
    fn load(dvc_dir: &Path) -> Result<Settings, DvcConfigError> {
        let config = DvcConfig::load(dvc_dir)?;
        Ok(Settings {
            link_types: config.link_types()?,
            parsing: config.parsing()?,
            config,
        })
    }
}

impl Repo {
    /// Finds the nearest ancestor of `start` (or `start` itself) that holds `.dvc/`.
    pub fn discover(start: &Path) -> Result<Self, RepoError> {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let root = start
            .ancestors()
            .find(|dir| dir.join(".dvc").is_dir())
            .ok_or_else(|| RepoError::NotFound {
                start: start.clone(),
            })?;
        Ok(Repo {
            root: root.to_path_buf(),
            settings: Arc::new(Settings::load(&root.join(".dvc"))?),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn dvc_dir(&self) -> PathBuf {
        self.root.join(".dvc")
    }

    /// DVC's config, as read when the repository was opened.
    pub fn config(&self) -> &DvcConfig {
        &self.settings.config
    }

    /// What the config decides (link types, parsing options), resolved when it was opened.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The content-addressed cache shared with DVC.
    pub fn cache(&self) -> kin_cache::odb::ObjectDb {
        kin_cache::odb::ObjectDb::in_dvc_dir(&self.dvc_dir())
    }

    /// DVC 3's cache and DVC 2's (where entries without `hash: md5` have their objects).
    pub fn caches(&self) -> kin_cache::caches::Caches {
        kin_cache::caches::Caches::in_dvc_dir(&self.dvc_dir())
    }

    /// kin's stat index (`.kin/state.db`).
    pub fn state_path(&self) -> PathBuf {
        self.root.join(".kin").join("state.db")
    }

    /// Takes the repository lock, as every command that writes the cache or the workspace
    /// must; another process holding it is waited for a few seconds, as DVC does.
    pub fn lock(&self) -> Result<RepoLock, LockError> {
        RepoLock::acquire(&self.dvc_dir(), LockWait::Briefly, &|_| {})
    }

    /// What DVC checks when it builds its graph (see [`Project::check_graph`]), for the
    /// commands that need a sound one: `repro`, `dag`, `add`.
    pub fn check_graph(&self, project: &Project) -> Result<(), RepoError> {
        project.check_graph().map_err(|source| RepoError::Pipeline {
            root: self.root.clone(),
            source,
        })
    }

    /// Loads every pipeline and `.dvc` file into one graph.
    pub fn project(&self) -> Result<Project, RepoError> {
        load_project(&self.root, self.settings.parsing).map_err(|source| RepoError::Pipeline {
            root: self.root.clone(),
            source,
        })
    }
}
