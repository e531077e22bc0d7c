//! Reads params and vars files (YAML, JSON, TOML) into located nodes, choosing the format by extension as DVC does.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use crate::yaml::{Location, Map, Node, Value, YamlError, integer, parse_yaml, split_sign};

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
            .map(|v| Node::unlocated(Value::from_json(&v)))
            .map_err(|e| ParamsFileError::Json {
                path,
                message: e.to_string(),
            }),
        ParamsFormat::Toml => DeTable::parse(text)
            .map(|table| Node::unlocated(Value::Map(toml_table(table.get_ref()))))
            .map_err(|e| ParamsFileError::Toml {
                path,
                message: e.message().to_owned(),
            }),
        ParamsFormat::Python => Err(ParamsFileError::PythonUnsupported { path }),
    }
}

/// A TOML value as DVC's `tomlkit` reads it: integers of any size stay exact (beyond the
/// 64 bits the TOML spec promises) and floats too large for a double are infinite.
fn from_toml(value: &DeValue<'_>) -> Node {
    let value = match value {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => {
            let text = i.as_str();
            let (negative, digits) = split_sign(text);
            integer(negative, digits, i.radix()).unwrap_or_else(|| Value::Str(i.to_string()))
        }
        DeValue::Float(f) => Value::Float(f.as_str().parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Timestamp(d.to_string()),
        DeValue::Array(items) => {
            Value::List(items.iter().map(|item| from_toml(item.get_ref())).collect())
        }
        DeValue::Table(table) => Value::Map(toml_table(table)),
    };
    Node::unlocated(value)
}

fn toml_table(table: &DeTable<'_>) -> Map {
    let mut map = Map::new();
    for (key, value) in table.iter() {
        map.insert(
            key.get_ref().to_string(),
            Location::UNKNOWN,
            from_toml(value.get_ref()),
        );
    }
    map
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

    #[test]
    fn numbers_read_as_python_reads_them() {
        // What json.loads and tomlkit (DVC's readers) give for the same numbers.
        let p = Path::new("x");
        let big = |text: &str| crate::yaml::integer(false, text, 10).expect("digits");
        let expected = [
            ("f", Value::Float(0.925_608_011_444_921_3)),
            ("b", big("10000000000000000001")),
            ("h", big("123456789012345678901234567890")),
            ("n", Value::Int(-5)),
            ("i", Value::Float(f64::INFINITY)),
        ];
        let json = parse_params(
            r#"{"f": 0.9256080114449213, "b": 10000000000000000001, "h": 123456789012345678901234567890, "n": -5, "i": 1e400}"#,
            ParamsFormat::Json,
            p,
        )
        .expect("json");
        let toml = parse_params(
            "f = 0.9256080114449213\nb = 10000000000000000001\nh = 123_456_789_012_345_678_901_234_567_890\nn = -5\ni = 1e400\n",
            ParamsFormat::Toml,
            p,
        )
        .expect("toml");
        let yaml = parse_params(
            "f: 0.9256080114449213\nb: 10000000000000000001\nh: 123456789012345678901234567890\nn: -5\ni: 1e400\n",
            ParamsFormat::Yaml,
            p,
        )
        .expect("yaml");
        for doc in [json, toml, yaml] {
            let map = doc.as_map().expect("map");
            for (key, value) in &expected {
                assert_eq!(
                    map.get(key).map(|n| &n.value),
                    Some(value),
                    "{key} in {doc:?}"
                );
            }
        }
        let hex = parse_params("x = 0xFFFFFFFFFFFFFFFFFF\n", ParamsFormat::Toml, p).expect("toml");
        assert_eq!(
            hex.as_map().and_then(|m| m.get("x")).map(|n| &n.value),
            Some(&big("4722366482869645213695"))
        );
    }
}
