//! DVC's `to_str`: how a value is written into a string, including dict unpacking into CLI flags.

use super::TemplateError;
use kin_format::python::{repr, scalar_to_string};
use kin_format::yaml::{Map, Value};

/// How dict unpacking writes booleans and lists: the `[parsing]` section of `.dvc/config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParsingConfig {
    /// `bool = boolean_optional`: false becomes `--no-flag` instead of nothing.
    pub bool_optional: bool,
    /// `list = append`: `--x 1 --x 2` instead of `--x 1 2`.
    pub list_append: bool,
}

/// Renders a value into a string template. Dicts unpack into `--key value` flags.
pub fn render_value(value: &Value, config: ParsingConfig) -> Result<String, TemplateError> {
    match value {
        Value::Map(map) => unpack_dict(map, config),
        other => Ok(scalar_to_string(other)),
    }
}

fn unpack_dict(map: &Map, config: ParsingConfig) -> Result<String, TemplateError> {
    let mut flat = Vec::new();
    flatten_into(map, "", &mut flat);
    let mut out = String::new();
    for (key, value) in flat {
        match value {
            Value::Bool(true) => out.push_str(&format!("--{key} ")),
            Value::Bool(false) if config.bool_optional => out.push_str(&format!("--no-{key} ")),
            Value::Bool(false) => {}
            Value::Str(s) => out.push_str(&format!("--{key} {} ", shell_quote(s))),
            Value::List(items) => {
                for (n, item) in items.iter().enumerate() {
                    let rendered = match &item.value {
                        Value::Str(s) => shell_quote(s),
                        Value::List(_) | Value::Map(_) => {
                            return Err(TemplateError::NestedIterable { key });
                        }
                        // Python formats list items with str(), so booleans stay `True`.
                        other => repr(other),
                    };
                    if config.list_append || n == 0 {
                        out.push_str(&format!("--{key} {rendered} "));
                    } else {
                        out.push_str(&format!("{rendered} "));
                    }
                }
            }
            // `str()` of numbers and None.
            other => out.push_str(&format!("--{key} {} ", repr(other))),
        }
    }
    Ok(out.trim_end().to_owned())
}

/// Flattens nested dicts to dotted keys; empty nested dicts vanish, as with `flatten_dict`.
fn flatten_into<'a>(map: &'a Map, prefix: &str, out: &mut Vec<(String, &'a Value)>) {
    for entry in map.iter() {
        let key = if prefix.is_empty() {
            entry.key.clone()
        } else {
            format!("{prefix}.{}", entry.key)
        };
        match &entry.value.value {
            Value::Map(inner) => flatten_into(inner, &key, out),
            other => out.push((key, other)),
        }
    }
}

/// POSIX shell quoting exactly as Python's `shlex.quote`.
pub fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_owned();
    }
    let safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if safe {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\"'\"'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kin_format::yaml::parse_yaml;

    fn unpack(yaml: &str, config: ParsingConfig) -> String {
        let node = parse_yaml(yaml).expect("valid yaml");
        render_value(&node.value, config).expect("renders")
    }

    #[test]
    fn dict_unpacking_matches_dvc() {
        let yaml = "lr: 0.01\nlayers: [8, 4]\nopt: {kind: adam}\nflag: true\noff: false\nname: my model\nnone: null\n";
        assert_eq!(
            unpack(yaml, ParsingConfig::default()),
            "--lr 0.01 --layers 8 4 --opt.kind adam --flag --name 'my model' --none None"
        );
        let config = ParsingConfig {
            bool_optional: true,
            list_append: true,
        };
        assert_eq!(
            unpack(yaml, config),
            "--lr 0.01 --layers 8 --layers 4 --opt.kind adam --flag --no-off --name 'my model' --none None"
        );
    }

    #[test]
    fn list_items_use_python_str() {
        assert_eq!(
            unpack("x: [true, 1e-5, a b]\n", ParsingConfig::default()),
            "--x True 1e-05 'a b'"
        );
    }

    #[test]
    fn nested_lists_are_rejected() {
        let node = parse_yaml("x: [[1]]\n").expect("valid yaml");
        assert!(render_value(&node.value, ParsingConfig::default()).is_err());
    }

    #[test]
    fn quoting_is_shlex() {
        assert_eq!(shell_quote("abc-1.0/x"), "abc-1.0/x");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), "'it'\"'\"'s'");
        assert_eq!(shell_quote("é"), "'é'");
    }
}
