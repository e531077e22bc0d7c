//! Reads params and vars files (YAML, JSON, TOML) into located nodes, choosing the format by extension as DVC does.

use std::path::{Path, PathBuf};

use crate::yaml::{Location, Map, Node, Value, YamlError, parse_yaml};

/// Why a params or vars file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParamsFileError {
    #[error("`{path}` does not exist")]
    Missing { path: PathBuf },
    #[error("`{path}` is a directory")]
    IsDirectory { path: PathBuf },
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}`:{}: {source}", source.location())]
    Yaml { path: PathBuf, source: YamlError },
    #[error("`{path}` is not valid JSON: {message}")]
    Json { path: PathBuf, message: String },
    #[error("`{path}` is not valid TOML: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("`{path}`: Python params files are not supported")]
    PythonUnsupported { path: PathBuf },
}

/// The format DVC picks for a params file: by extension, YAML for anything unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsFormat {
    Yaml,
    Json,
    Toml,
    Python,
}

impl ParamsFormat {
    pub fn of(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => ParamsFormat::Json,
            Some("toml") => ParamsFormat::Toml,
            Some("py") => ParamsFormat::Python,
            _ => ParamsFormat::Yaml,
        }
    }
}

/// Loads a whole params file. `display` is the path shown in errors.
pub fn load_params_file(path: &Path, display: &Path) -> Result<Node, ParamsFileError> {
    let shown = display.to_path_buf();
    if path.is_dir() {
        return Err(ParamsFileError::IsDirectory { path: shown });
    }
    let text = std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ParamsFileError::Missing {
            path: shown.clone(),
        },
        _ => ParamsFileError::Io {
            path: shown.clone(),
            source,
        },
    })?;
    parse_params(&text, ParamsFormat::of(path), display)
}

/// Parses params text in the given format.
pub fn parse_params(
    text: &str,
    format: ParamsFormat,
    display: &Path,
) -> Result<Node, ParamsFileError> {
    let path = display.to_path_buf();
    match format {
        ParamsFormat::Yaml => {
            parse_yaml(text).map_err(|source| ParamsFileError::Yaml { path, source })
        }
        ParamsFormat::Json => serde_json::from_str::<serde_json::Value>(text)
            .map(|v| from_json(&v))
            .map_err(|e| ParamsFileError::Json {
                path,
                message: e.to_string(),
            }),
        ParamsFormat::Toml => text
            .parse::<toml::Table>()
            .map(|t| from_toml(&toml::Value::Table(t)))
            .map_err(|e| ParamsFileError::Toml {
                path,
                message: e.message().to_owned(),
            }),
        ParamsFormat::Python => Err(ParamsFileError::PythonUnsupported { path }),
    }
}

fn from_json(value: &serde_json::Value) -> Node {
    let value = match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(items) => Value::List(items.iter().map(from_json).collect()),
        serde_json::Value::Object(object) => {
            let mut map = Map::new();
            for (key, value) in object {
                map.insert(key.clone(), Location::UNKNOWN, from_json(value));
            }
            Value::Map(map)
        }
    };
    Node::unlocated(value)
}

fn from_toml(value: &toml::Value) -> Node {
    let value = match value {
        toml::Value::String(s) => Value::Str(s.clone()),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::Timestamp(d.to_string()),
        toml::Value::Array(items) => Value::List(items.iter().map(from_toml).collect()),
        toml::Value::Table(table) => {
            let mut map = Map::new();
            for (key, value) in table {
                map.insert(key.clone(), Location::UNKNOWN, from_toml(value));
            }
            Value::Map(map)
        }
    };
    Node::unlocated(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(ParamsFormat::of(Path::new("p.json")), ParamsFormat::Json);
        assert_eq!(ParamsFormat::of(Path::new("p.toml")), ParamsFormat::Toml);
        assert_eq!(ParamsFormat::of(Path::new("p.yml")), ParamsFormat::Yaml);
        assert_eq!(ParamsFormat::of(Path::new("p.cfg")), ParamsFormat::Yaml);
    }

    #[test]
    fn json_and_toml_keep_key_order() {
        let p = Path::new("x");
        let json = parse_params(
            r#"{"b": 1, "a": {"z": 0.5, "y": [1, 2]}}"#,
            ParamsFormat::Json,
            p,
        )
        .expect("json");
        let keys: Vec<&str> = json.as_map().expect("map").keys().collect();
        assert_eq!(keys, ["b", "a"]);
        let toml = parse_params("b = 1\n[a]\nz = 0.5\n", ParamsFormat::Toml, p).expect("toml");
        let keys: Vec<&str> = toml.as_map().expect("map").keys().collect();
        assert_eq!(keys, ["b", "a"]);
    }
}
