//! Reads the `outs` of `.dvc` data files, which appear as source nodes in the pipeline graph.

use std::path::Path;

use crate::error::PipelineError;
use kin_format::yaml::{Location, Value, parse_yaml};

/// A `.dvc` file: a stage without a command whose outputs are tracked data.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFile {
    /// Relative to the repo root, `/`-separated (`data/raw.dvc`).
    pub path: String,
    /// Output paths relative to the `.dvc` file's directory.
    pub outs: Vec<(String, Location)>,
}

/// Reads the output paths of a `.dvc` file.
pub fn load_dvc_file(root: &Path, rel_path: &Path) -> Result<DataFile, PipelineError> {
    let file = rel_path.to_path_buf();
    let text =
        std::fs::read_to_string(root.join(rel_path)).map_err(|source| PipelineError::Read {
            file: file.clone(),
            source,
        })?;
    let doc = parse_yaml(&text).map_err(|source| PipelineError::Yaml {
        file: file.clone(),
        source,
    })?;
    let mut outs = Vec::new();
    let listed = doc
        .as_map()
        .and_then(|m| m.get("outs"))
        .and_then(|n| n.as_list())
        .unwrap_or(&[]);
    for out in listed {
        let path = out.as_map().and_then(|m| m.get("path"));
        match path.map(|p| &p.value) {
            Some(Value::Str(path)) => outs.push((path.clone(), out.at)),
            _ => {
                return Err(PipelineError::MissingKey {
                    file,
                    at: out.at,
                    key: "path",
                    context: "an output of a .dvc file".to_owned(),
                });
            }
        }
    }
    Ok(DataFile {
        path: rel_path.to_string_lossy().replace('\\', "/"),
        outs,
    })
}
