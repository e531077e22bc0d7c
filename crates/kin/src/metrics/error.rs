//! Why metrics or params could not be collected, for a whole source or for one file.

use std::path::PathBuf;

use kin_pipeline::PipelineError;

/// A failure to read one source (workspace or revision), or one of its files.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("unknown git revision `{rev}`")]
    UnknownRevision { rev: String },
    #[error("`{rev}` needs git, but `{}` is not inside a git repository", root.display())]
    NoGit { rev: String, root: PathBuf },
    #[error("git failed while reading `{rev}`: {source}")]
    Git {
        rev: String,
        source: crate::git::GitError,
    },
    #[error("cannot copy `{rev}` into a temporary directory: {source}")]
    TempTree { rev: String, source: std::io::Error },
    #[error(transparent)]
    Config(#[from] crate::DvcConfigError),
    #[error("the pipelines of {place} cannot be read: {error}")]
    Pipeline {
        place: String,
        /// Where the file the error names can still be read: the repository root for the
        /// workspace, `None` for a revision (its temporary checkout is gone by then).
        root: Option<PathBuf>,
        #[source]
        error: Box<PipelineError>,
    },
    #[error("`{path}` does not exist")]
    Missing {
        path: String,
        /// Whether a stage or `.dvc` file declares it (DVC then has "no storage files" for it).
        tracked: bool,
    },
    #[error("`{path}` is tracked by DVC as {id}, which is not in the cache")]
    NotInCache { path: String, id: String },
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("`{path}` is not valid {format}: {message}")]
    Corrupted {
        path: String,
        format: FileFormat,
        message: String,
    },
    #[error("`{path}`: Python params files are not supported")]
    PythonUnsupported { path: String },
}

/// The formats DVC reads metrics and params files in, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Yaml,
    Json,
    Toml,
    Python,
}

impl std::fmt::Display for FileFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileFormat::Yaml => "YAML",
            FileFormat::Json => "JSON",
            FileFormat::Toml => "TOML",
            FileFormat::Python => "Python",
        })
    }
}

impl FileFormat {
    /// DVC's choice: by the lowercased extension, YAML for anything else.
    pub fn of(path: &str) -> Self {
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
            _ => String::new(),
        };
        match ext.as_str() {
            "json" => FileFormat::Json,
            "toml" => FileFormat::Toml,
            "py" => FileFormat::Python,
            _ => FileFormat::Yaml,
        }
    }
}

impl MetricsError {
    /// The message DVC gives for the same failure in its `--json` output, where it differs
    /// from kin's: Python's `FileNotFoundError` text for files that are missing.
    pub fn dvc_message(&self) -> String {
        let quoted =
            |path: &str| kin_format::python::repr(&kin_format::yaml::Value::Str(path.to_owned()));
        match self {
            MetricsError::Missing {
                path,
                tracked: true,
            }
            | MetricsError::NotInCache { path, .. } => {
                format!("[Errno 2] No storage files available: {}", quoted(path))
            }
            MetricsError::Missing {
                path,
                tracked: false,
            } => format!("[Errno 2] No such file or directory: {}", quoted(path)),
            other => other.to_string(),
        }
    }

    /// The Python exception name DVC reports for the same failure in its `--json` output
    /// (`{"error": {"type": ..., "msg": ...}}`).
    pub fn dvc_type(&self) -> &'static str {
        match self {
            MetricsError::Missing { .. } | MetricsError::NotInCache { .. } => "FileNotFoundError",
            MetricsError::Corrupted { format, .. } => match format {
                FileFormat::Yaml => "YAMLFileCorruptedError",
                FileFormat::Json => "JSONFileCorruptedError",
                FileFormat::Toml => "TOMLFileCorruptedError",
                FileFormat::Python => "PythonFileCorruptedError",
            },
            MetricsError::PythonUnsupported { .. } => "PythonFileCorruptedError",
            MetricsError::UnknownRevision { .. } => "RevError",
            MetricsError::Pipeline { .. } => "DvcException",
            MetricsError::Io { .. }
            | MetricsError::TempTree { .. }
            | MetricsError::NoGit { .. }
            | MetricsError::Git { .. }
            | MetricsError::Config(_) => "OSError",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_by_lowercased_extension() {
        assert_eq!(FileFormat::of("m.JSON"), FileFormat::Json);
        assert_eq!(FileFormat::of("a/b.toml"), FileFormat::Toml);
        assert_eq!(FileFormat::of("m.yml"), FileFormat::Yaml);
        assert_eq!(FileFormat::of("metrics"), FileFormat::Yaml);
        assert_eq!(FileFormat::of("dir.json/.json"), FileFormat::Yaml);
    }
}
