//! Why a repro (or one of its stages) failed.

use std::path::PathBuf;

use kin_cache::lock_file::LockFileError;
use kin_format::params_file::ParamsFileError;

use crate::data::DataError;
use crate::repo::RepoError;

/// Why `kin repro` could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ReproError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    LockFile(#[from] LockFileError),
    #[error("`{}`: {reason}", path.display())]
    BadLockEntry { path: PathBuf, reason: String },
    #[error(transparent)]
    Params { source: ParamsFileError },
    #[error("params file `{file}` does not exist")]
    MissingParamsFile { file: String },
    #[error("params {} are missing from `{file}`", keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))]
    MissingParams { file: String, keys: Vec<String> },
    #[error("`{target}` is not a stage, a group of stages or a pipeline file")]
    UnknownTarget { target: String },
    #[error("stage `{stage}`: dependency `{path}` does not exist")]
    MissingDep { stage: String, path: String },
    #[error("stage `{stage}` did not produce {}", paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "))]
    MissingOutputs { stage: String, paths: Vec<String> },
    #[error("cannot start `{command}` of stage `{stage}`: {source}")]
    Spawn {
        stage: String,
        command: String,
        source: std::io::Error,
    },
    #[error("stage `{stage}` failed: `{command}` {}", match code {
        Some(code) => format!("exited with code {code}"),
        None => "was killed by a signal".to_owned(),
    })]
    CommandFailed {
        stage: String,
        command: String,
        code: Option<i32>,
    },
    #[error("stage `{stage}` was interrupted while running `{command}`")]
    Interrupted { stage: String, command: String },
    #[error("cannot write the log `{}`: {source}", path.display())]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot prepare outputs of stage `{stage}`: `{}`: {source}", path.display())]
    PrepareOutput {
        stage: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write run-cache entry `{}`: {source}", path.display())]
    RunCache {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "a command of stage `{stage}` started by an earlier kin (pid {owner}, gone) is still running as process group {group}"
    )]
    SurvivingCommand {
        stage: String,
        group: i32,
        owner: i32,
    },
    #[error("missing data `{path}` of data source `{dvc_file}`")]
    MissingDataSource { dvc_file: String, path: String },
    #[error("`{}` is a directory, not a pipeline file", path.display())]
    PipelineFileIsDirectory { path: PathBuf },
    #[error(transparent)]
    Path(#[from] crate::paths::PathError),
    #[error(transparent)]
    Lock(#[from] crate::repo_lock::LockError),
    #[error(transparent)]
    PathLock(#[from] crate::rwlock::RwLockError),
    #[error(transparent)]
    Tags(#[from] crate::lineage::tags::TagError),
}
