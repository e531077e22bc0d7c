//! Reads one `dvc.yaml`: top-level schema, template context, stages.

use std::path::Path;

use crate::build::{Checker, build_stage};
use crate::error::PipelineError;
use crate::resolve::{FileScope, file_context, resolve_node, resolve_stages};
use crate::stage::Stage;
use crate::template::ParsingConfig;
use kin_format::yaml::{Map, Node, Value, parse_yaml};

const TOP_LEVEL_KEYS: &[&str] = &[
    "stages",
    "vars",
    "params",
    "metrics",
    "plots",
    "artifacts",
    "datasets",
];

/// One parsed dvc.yaml.
#[derive(Debug, Clone)]
pub struct PipelineFile {
    /// Relative to the repo root, `/`-separated.
    pub path: String,
    pub stages: Vec<Stage>,
    /// Top-level `metrics`, `params`, `plots` and `artifacts` after templating.
    pub metrics: Vec<Node>,
    pub params: Vec<Node>,
    pub plots: Vec<Node>,
    pub artifacts: Option<Node>,
}

/// Reads `rel_path` (relative to `root`).
pub fn load_dvc_yaml(
    root: &Path,
    rel_path: &Path,
    parsing: ParsingConfig,
) -> Result<PipelineFile, PipelineError> {
    let text =
        std::fs::read_to_string(root.join(rel_path)).map_err(|source| PipelineError::Read {
            file: rel_path.to_path_buf(),
            source,
        })?;
    parse_dvc_yaml(root, rel_path, &text, parsing)
}

/// Parses dvc.yaml text that lives at `rel_path`; params and vars files are read from disk.
pub fn parse_dvc_yaml(
    root: &Path,
    rel_path: &Path,
    text: &str,
    parsing: ParsingConfig,
) -> Result<PipelineFile, PipelineError> {
    let file = rel_path.to_path_buf();
    let doc = parse_yaml(text).map_err(|source| PipelineError::Yaml {
        file: file.clone(),
        source,
    })?;
    let empty = Map::new();
    let top = match &doc.value {
        Value::Null => &empty,
        Value::Map(map) => map,
        other => {
            return Err(PipelineError::WrongType {
                file,
                at: doc.at,
                what: "the top level of dvc.yaml".to_owned(),
                expected: "a mapping",
                found: other.kind_name(),
            });
        }
    };
    let check = Checker {
        file: rel_path,
        stage: "",
    };
    check.known_keys(top, TOP_LEVEL_KEYS, || "dvc.yaml".to_owned())?;
    let dir = rel_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let scope = FileScope {
        root,
        file: rel_path,
        dir,
        parsing,
    };
    let mut ctx = file_context(&scope, top.get("vars"))?;
    let stages_map = match top.get("stages") {
        None => &empty,
        Some(node) if node.is_null() => &empty,
        Some(node) => check.map(node, "`stages`")?,
    };
    let dvcfile = rel_path.to_string_lossy().replace('\\', "/");
    let mut stages: Vec<Stage> = Vec::new();
    for resolved in resolve_stages(&scope, &mut ctx, stages_map)? {
        if stages.iter().any(|s| s.name == resolved.name) {
            return Err(PipelineError::DuplicateStage {
                file: file.clone(),
                at: resolved.at,
                name: resolved.name,
            });
        }
        let check = Checker {
            file: rel_path,
            stage: &resolved.name,
        };
        let mut stage = build_stage(&check, &dvcfile, resolved.wdir, &resolved.body, resolved.at)?;
        stage.tracked_vars = resolved.tracked_vars;
        stages.push(stage);
    }
    let section = |key: &str| -> Result<Vec<Node>, PipelineError> {
        let Some(node) = top.get(key).filter(|n| !n.is_null()) else {
            return Ok(Vec::new());
        };
        let resolved = resolve_node(&ctx, node, None, parsing).map_err(|(source, at)| {
            PipelineError::Template {
                file: file.clone(),
                at,
                context: format!("top-level `{key}`"),
                source,
                available: ctx.top_level_keys(),
            }
        })?;
        match resolved.value {
            Value::List(items) => Ok(items),
            other => Err(PipelineError::WrongType {
                file: file.clone(),
                at: node.at,
                what: format!("top-level `{key}`"),
                expected: "a list",
                found: other.kind_name(),
            }),
        }
    };
    // DVC resolves `${...}` in artifact definitions as in the other top-level sections.
    let artifacts =
        match top.get("artifacts").filter(|n| !n.is_null()) {
            None => None,
            Some(node) => Some(resolve_node(&ctx, node, None, parsing).map_err(
                |(source, at)| PipelineError::Template {
                    file: file.clone(),
                    at,
                    context: "top-level `artifacts`".to_owned(),
                    source,
                    available: ctx.top_level_keys(),
                },
            )?),
        };
    Ok(PipelineFile {
        path: dvcfile,
        metrics: section("metrics")?,
        params: section("params")?,
        plots: section("plots")?,
        artifacts,
        stages,
    })
}
