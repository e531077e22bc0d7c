//! kin's own settings for a repository, in `.kin/config.toml` (DVC's stay in `.dvc/config`).

use std::path::{Path, PathBuf};

/// Why `.kin/config.toml` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KinConfigError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is not valid TOML: {reason}", path.display())]
    Parse { path: PathBuf, reason: String },
}

/// Where the settings file lives, relative to the repository root.
pub const CONFIG_FILE: &str = ".kin/config.toml";

/// The settings file's tables; empty when there is no file (a repository DVC initialised).
pub(crate) fn load(root: &Path) -> Result<toml::Table, KinConfigError> {
    let path = root.join(CONFIG_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, Path::new(CONFIG_FILE)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(toml::Table::new()),
        Err(source) => Err(KinConfigError::Read { path, source }),
    }
}

/// Parses a settings file's text; `path` names it in errors.
pub(crate) fn parse(text: &str, path: &Path) -> Result<toml::Table, KinConfigError> {
    text.parse::<toml::Table>()
        .map_err(|e| KinConfigError::Parse {
            path: path.to_path_buf(),
            reason: e.message().to_owned(),
        })
}
