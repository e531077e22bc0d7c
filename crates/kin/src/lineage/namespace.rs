//! The OpenLineage namespace a repository's datasets and jobs are named in:
//! `[openlineage] namespace` in `.kin/config.toml`, else the repository directory's name.

use std::path::Path;

use super::LineageError;

pub fn openlineage_namespace(root: &Path) -> Result<String, LineageError> {
    let config = crate::kin_config::load(root)?;
    match config
        .get("openlineage")
        .and_then(|section| section.get("namespace"))
    {
        None => Ok(root.file_name().map_or_else(
            || "kin".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        )),
        Some(toml::Value::String(name)) if !name.trim().is_empty() => Ok(name.trim().to_owned()),
        Some(other) => Err(LineageError::NamespaceSetting {
            found: other.to_string(),
        }),
    }
}
