//! Setting one param in a params file for an experiment, as `-S` does: in YAML the value's
//! own text is replaced in place, so comments and layout stay; JSON and TOML files are
//! written again whole.

use std::path::Path;

use kin_format::atomic_write::write_atomic;
use kin_format::params_file::ParamsFormat;
use kin_format::yaml::{Node, Value as Yaml, parse_yaml};
use serde_json::Value;

use super::ExpError;
use super::sweep::scalar;

/// Sets `key` (dotted) in the params file `path` (shown as `file`) to `value`. The key must
/// already be there: a misspelled key is an error, not a new param.
pub fn set_param(path: &Path, file: &str, key: &str, value: &Value) -> Result<(), ExpError> {
    let edited = edited_params(path, file, key, value)?;
    write_atomic(path, edited.as_bytes()).map_err(|source| ExpError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The text the params file `path` would have with `key` set to `value`, without writing
/// it: what checking a `-S` before anything runs needs.
pub fn edited_params(
    path: &Path,
    file: &str,
    key: &str,
    value: &Value,
) -> Result<String, ExpError> {
    let io = |source: std::io::Error| ExpError::Io {
        path: path.to_path_buf(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ExpError::NoParamsFile {
                file: file.to_owned(),
            }
        } else {
            io(source)
        }
    })?;
    let unknown = || ExpError::UnknownParam {
        file: file.to_owned(),
        key: key.to_owned(),
    };
    let edited = match ParamsFormat::of(path) {
        ParamsFormat::Yaml => set_in_yaml(&text, file, key, value)?.ok_or_else(unknown)?,
        ParamsFormat::Json => {
            let mut doc: Value =
                serde_json::from_str(&text).map_err(|e| ExpError::BadParamsFile {
                    file: file.to_owned(),
                    reason: e.to_string(),
                })?;
            *json_slot(&mut doc, key).ok_or_else(unknown)? = value.clone();
            let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
            out.push('\n');
            out
        }
        ParamsFormat::Toml => {
            let mut doc: toml::Table =
                toml::from_str(&text).map_err(|e| ExpError::BadParamsFile {
                    file: file.to_owned(),
                    reason: e.to_string(),
                })?;
            let slot = toml_slot(&mut doc, key).ok_or_else(unknown)?;
            *slot = toml_value(value).ok_or_else(|| ExpError::BadSet {
                spec: format!("{file}:{key}"),
                reason: "TOML has no null".to_owned(),
            })?;
            toml::to_string(&doc).map_err(|e| ExpError::BadParamsFile {
                file: file.to_owned(),
                reason: e.to_string(),
            })?
        }
        ParamsFormat::Python => {
            return Err(ExpError::BadParamsFile {
                file: file.to_owned(),
                reason: "Python params files cannot be changed with -S".to_owned(),
            });
        }
    };
    Ok(edited)
}

fn json_slot<'a>(doc: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    key.split('.')
        .try_fold(doc, |node, part| node.as_object_mut()?.get_mut(part))
}

fn toml_slot<'a>(doc: &'a mut toml::Table, key: &str) -> Option<&'a mut toml::Value> {
    let (last, parents) = key
        .split('.')
        .collect::<Vec<_>>()
        .split_last()
        .map(|(l, p)| (*l, p.to_vec()))?;
    let mut table = doc;
    for part in parents {
        table = table.get_mut(part)?.as_table_mut()?;
    }
    table.get_mut(last)
}

fn toml_value(value: &Value) -> Option<toml::Value> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => {
            toml::Value::Array(items.iter().map(toml_value).collect::<Option<_>>()?)
        }
        Value::Object(map) => toml::Value::Table(
            map.iter()
                .map(|(k, v)| Some((k.clone(), toml_value(v)?)))
                .collect::<Option<_>>()?,
        ),
    })
}

/// The YAML text with `key`'s value replaced; `None` if there is no such key.
fn set_in_yaml(
    text: &str,
    file: &str,
    key: &str,
    value: &Value,
) -> Result<Option<String>, ExpError> {
    let doc = parse_yaml(text).map_err(|e| ExpError::BadParamsFile {
        file: file.to_owned(),
        reason: e.to_string(),
    })?;
    let Some(node) = key
        .split('.')
        .try_fold(&doc, |node: &Node, part| node.as_map()?.get(part))
    else {
        return Ok(None);
    };
    let not_inline = || ExpError::BadSet {
        spec: format!("{file}:{key}"),
        reason: "only a value written on its key's line (a scalar or a `[…]` list) can be set"
            .to_owned(),
    };
    if matches!(node.value, Yaml::Map(_)) || !node.at.is_known() {
        return Err(not_inline());
    }
    let line_start: usize = text
        .split_inclusive('\n')
        .take(node.at.line - 1)
        .map(str::len)
        .sum();
    let line = text[line_start..].split('\n').next().unwrap_or("");
    let start = line
        .char_indices()
        .nth(node.at.column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let rest = &line[start..];
    let length = token_length(rest).ok_or_else(not_inline)?;
    let mut edited = String::with_capacity(text.len() + 16);
    edited.push_str(&text[..line_start + start]);
    edited.push_str(&render(value));
    edited.push_str(&text[line_start + start + length..]);
    Ok(Some(edited))
}

/// How long the value token at the start of `rest` is: a quoted string, a bracketed flow
/// collection, or a plain scalar up to a comment or the end of the line.
fn token_length(rest: &str) -> Option<usize> {
    let first = rest.chars().next()?;
    match first {
        '\'' | '"' => {
            let mut escaped = false;
            for (i, c) in rest.char_indices().skip(1) {
                match (first, c) {
                    ('"', '\\') if !escaped => escaped = true,
                    (q, c) if c == q && !escaped => {
                        // `''` inside a single-quoted string is a quote.
                        if q == '\'' && rest[i + 1..].starts_with('\'') {
                            continue;
                        }
                        return Some(i + 1);
                    }
                    _ => escaped = false,
                }
            }
            None
        }
        '[' | '{' => {
            let mut depth = 0;
            for (i, c) in rest.char_indices() {
                match c {
                    '[' | '{' => depth += 1,
                    ']' | '}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
            }
            None
        }
        '|' | '>' | '&' | '*' | '!' => None,
        _ => {
            let end = rest.find(" #").unwrap_or(rest.len());
            Some(rest[..end].trim_end().len())
        }
    }
}

/// A value as YAML text on one line: strings quoted only where plain text would read as
/// something else.
fn render(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => crate::metrics::python::py_repr(value),
        Value::String(s) => {
            let plain = !s.is_empty()
                && scalar(s) == *value
                && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
                && !s.contains(": ")
                && !s.contains(" #")
                && !s.ends_with([' ', ':']);
            if plain {
                s.clone()
            } else {
                format!("'{}'", s.replace('\'', "''"))
            }
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", render(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_values_are_replaced_in_place() {
        let text = "train:\n  lr: 0.1  # learning rate\n  name: 'cnn'\n  layers: [8, 4]\nseed: 1\n";
        let set = |key: &str, value: Value| {
            set_in_yaml(text, "params.yaml", key, &value)
                .expect("parses")
                .expect("key")
        };
        assert_eq!(
            set("train.lr", json!(0.02)),
            "train:\n  lr: 0.02  # learning rate\n  name: 'cnn'\n  layers: [8, 4]\nseed: 1\n"
        );
        assert!(set("train.name", json!("rnn: big")).contains("  name: 'rnn: big'\n"));
        assert!(set("train.layers", json!([16, 8, 4])).contains("  layers: [16, 8, 4]\n"));
        assert!(set("seed", json!("7")).ends_with("seed: '7'\n"));
        assert_eq!(
            set_in_yaml(text, "params.yaml", "train.nope", &json!(1)).expect("parses"),
            None
        );
        assert!(set_in_yaml(text, "params.yaml", "train", &json!(1)).is_err());
    }
}
