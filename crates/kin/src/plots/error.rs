//! Why a plot's data file could not be read, or a plot could not be drawn; each with the
//! Python exception name and message DVC reports in `--json`.

use std::path::PathBuf;

use crate::metrics::MetricsError;

/// A data file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Read(#[from] MetricsError),
    #[error(
        "`{path}` cannot be plotted: plots read JSON, YAML, TOML, CSV and TSV files, and images"
    )]
    UnsupportedType { path: String },
    #[error("`{path}` is not valid UTF-8")]
    Encoding { path: String },
    #[error("`{path}` is not read: {refusal}")]
    Outside {
        path: String,
        refusal: kin_format::repo_path::PathRefusal,
    },
}

impl SourceError {
    /// The exception DVC raises for the same failure.
    pub fn dvc_type(&self) -> &'static str {
        match self {
            SourceError::Read(error) => error.dvc_type(),
            SourceError::UnsupportedType { .. } => "PlotMetricTypeError",
            SourceError::Encoding { .. } => "EncodingError",
            SourceError::Outside { .. } => "FileNotFoundError",
        }
    }

    /// DVC's message for the same failure.
    pub fn dvc_message(&self) -> String {
        match self {
            SourceError::Read(error) => error.dvc_message(),
            SourceError::UnsupportedType { path } => format!(
                "'{path}' - file type error\nOnly JSON, YAML, CSV and TSV formats are supported."
            ),
            SourceError::Encoding { path } => format!("'{path}' is not utf8-encoded"),
            SourceError::Outside { .. } => self.to_string(),
        }
    }
}

/// A plot that cannot be drawn from what it reads, or a template that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("could not find provided field ('{field}') in data fields ('{}')", found.join(", "))]
    FieldNotFound { field: String, found: Vec<String> },
    #[error(
        "cannot have different number of x and y data sources. found {xs} x and {ys} y data sources"
    )]
    AxisCount { xs: usize, ys: usize },
    #[error(
        "cannot join '{x_field}' from '{x_file}' and '{y_field}' from '{y_file}'. they have to have same length"
    )]
    CannotJoin {
        x_field: String,
        x_file: String,
        y_field: String,
        y_file: String,
    },
    #[error("field '{field}' does not exist in provided data")]
    NoFieldInData { field: String },
    #[error("template '{name}' not found (built in: {})", super::templates::BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))]
    TemplateNotFound { name: String },
    #[error("template `{}` cannot be used: {reason}", path.display())]
    BadTemplate { path: PathBuf, reason: String },
    #[error("template '{name}' is not using '{anchor}' anchor")]
    TemplateWithoutData { name: String, anchor: String },
}

impl PlotError {
    /// The exception DVC raises for the same failure.
    pub fn dvc_type(&self) -> &'static str {
        match self {
            PlotError::FieldNotFound { .. } => "FieldNotFoundError",
            PlotError::AxisCount { .. } | PlotError::CannotJoin { .. } => "DvcException",
            PlotError::NoFieldInData { .. } => "NoFieldInDataError",
            PlotError::TemplateNotFound { .. } => "TemplateNotFoundError",
            PlotError::BadTemplate { .. } | PlotError::TemplateWithoutData { .. } => {
                "BadTemplateError"
            }
        }
    }

    /// DVC's message for the same failure: kin's, capitalised and ended as DVC ends it.
    pub fn dvc_message(&self) -> String {
        match self {
            PlotError::TemplateNotFound { name } => format!("Template '{name}' not found."),
            PlotError::BadTemplate { .. } => self.to_string(),
            other => {
                let text = other
                    .to_string()
                    .replace(". they", ". They")
                    .replace(". found", ". Found");
                let mut chars = text.chars();
                let capitalised: String = chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                match other {
                    PlotError::TemplateWithoutData { .. } => capitalised,
                    _ => format!("{capitalised}."),
                }
            }
        }
    }
}
