//! Builds a located `Node` tree from saphyr's event stream.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use super::{Location, Map, Node, Value, resolve};
use crate::python::scalar_to_string;

/// Why a YAML document could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum YamlError {
    #[error("invalid YAML: {message}")]
    Syntax { at: Location, message: String },
    #[error("duplicate key `{key}` (first defined at line {first_line})")]
    DuplicateKey {
        at: Location,
        key: String,
        first_line: usize,
    },
    #[error("unknown alias `*{anchor}`")]
    UnknownAlias { at: Location, anchor: usize },
    #[error("`<<` merge value must be a mapping or a list of mappings")]
    BadMerge { at: Location },
}

impl YamlError {
    pub fn location(&self) -> Location {
        match self {
            YamlError::Syntax { at, .. }
            | YamlError::DuplicateKey { at, .. }
            | YamlError::UnknownAlias { at, .. }
            | YamlError::BadMerge { at } => *at,
        }
    }
}

/// Parses the first document of `text`; an empty document is `Null`.
pub fn parse_yaml(text: &str) -> Result<Node, YamlError> {
    let mut builder = Builder {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
    };
    builder.document()
}

fn location(span: &Span) -> Location {
    Location {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

fn syntax_error(err: ScanError) -> YamlError {
    YamlError::Syntax {
        at: Location {
            line: err.marker().line(),
            column: err.marker().col() + 1,
        },
        message: err.info().to_owned(),
    }
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    anchors: HashMap<usize, Node>,
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), YamlError> {
        match self.parser.next() {
            Some(Ok(event)) => Ok(event),
            Some(Err(err)) => Err(syntax_error(err)),
            None => Err(YamlError::Syntax {
                at: Location::UNKNOWN,
                message: "unexpected end of input".to_owned(),
            }),
        }
    }

    fn document(&mut self) -> Result<Node, YamlError> {
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamStart | Event::Nothing => continue,
                Event::StreamEnd => return Ok(Node::new(Value::Null, location(&span))),
                Event::DocumentStart(_) => break,
                other => return self.node(other, span),
            }
        }
        let (event, span) = self.next()?;
        match event {
            Event::DocumentEnd => Ok(Node::new(Value::Null, location(&span))),
            other => self.node(other, span),
        }
    }

    fn node(&mut self, event: Event<'a>, span: Span) -> Result<Node, YamlError> {
        let at = location(&span);
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag_suffix = tag.as_ref().map(|t| t.suffix.as_str());
                let value = match (style, tag_suffix) {
                    (_, Some("str")) => Value::Str(text.into_owned()),
                    (ScalarStyle::Plain, _) => resolve::resolve_plain(&text),
                    _ => Value::Str(text.into_owned()),
                };
                (Node::new(value, at), anchor)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, span)?);
                }
                (Node::new(Value::List(items), at), anchor)
            }
            Event::MappingStart(anchor, _) => (self.mapping(at)?, anchor),
            Event::Alias(anchor) => {
                return self
                    .anchors
                    .get(&anchor)
                    .cloned()
                    .ok_or(YamlError::UnknownAlias { at, anchor });
            }
            other => {
                return Err(YamlError::Syntax {
                    at,
                    message: format!("unexpected {other:?}"),
                });
            }
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn mapping(&mut self, at: Location) -> Result<Node, YamlError> {
        let mut map = Map::new();
        let mut merged: Vec<Map> = Vec::new();
        let mut seen: Vec<(PythonKey, usize)> = Vec::new();
        loop {
            let (event, span) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                break;
            }
            let is_merge_key =
                matches!(&event, Event::Scalar(text, ScalarStyle::Plain, _, _) if text == "<<");
            let key = self.node(event, span)?;
            let (value_event, value_span) = self.next()?;
            let value = self.node(value_event, value_span)?;
            if is_merge_key {
                merged.extend(merge_sources(value)?);
                continue;
            }
            let key_text = scalar_to_string(&key.value);
            let identity = python_key(&key.value);
            if let Some((_, first_line)) = seen.iter().find(|(k, _)| *k == identity) {
                return Err(YamlError::DuplicateKey {
                    at: key.at,
                    key: key_text,
                    first_line: *first_line,
                });
            }
            seen.push((identity, key.at.line));
            map.insert(key_text, key.at, value);
        }
        // Explicit keys win over merged ones; earlier merge sources win over later ones.
        for source in merged {
            for entry in source.iter() {
                if !map.contains_key(&entry.key) {
                    map.insert(entry.key.clone(), entry.key_at, entry.value.clone());
                }
            }
        }
        Ok(Node::new(Value::Map(map), at))
    }
}

/// How Python compares dict keys: `1`, `1.0` and `true` are the same key.
#[derive(Debug, PartialEq)]
enum PythonKey {
    Null,
    Number(f64),
    Text(String),
    Timestamp(String),
}

fn python_key(value: &Value) -> PythonKey {
    match value {
        Value::Null => PythonKey::Null,
        Value::Bool(b) => PythonKey::Number(if *b { 1.0 } else { 0.0 }),
        // Large integers lose precision here; keys that large do not occur in pipelines.
        Value::Int(i) => PythonKey::Number(*i as f64),
        Value::Float(f) => PythonKey::Number(*f),
        Value::Timestamp(text) => PythonKey::Timestamp(text.clone()),
        other => PythonKey::Text(scalar_to_string(other)),
    }
}

fn merge_sources(value: Node) -> Result<Vec<Map>, YamlError> {
    match value.value {
        Value::Map(map) => Ok(vec![map]),
        Value::List(items) => items
            .into_iter()
            .map(|item| match item.value {
                Value::Map(map) => Ok(map),
                _ => Err(YamlError::BadMerge { at: item.at }),
            })
            .collect(),
        _ => Err(YamlError::BadMerge { at: value.at }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based() {
        let node = parse_yaml("stages:\n  train:\n    cmd: python x.py\n").expect("valid");
        let stages = node.as_map().and_then(|m| m.get("stages")).expect("stages");
        let train = stages
            .as_map()
            .and_then(|m| m.entry("train"))
            .expect("train");
        assert_eq!(train.key_at, Location { line: 2, column: 3 });
        let cmd = train
            .value
            .as_map()
            .and_then(|m| m.get("cmd"))
            .expect("cmd");
        assert_eq!(
            cmd.at,
            Location {
                line: 3,
                column: 10
            }
        );
    }

    #[test]
    fn duplicate_keys_are_rejected_with_both_lines() {
        let err = parse_yaml("a: 1\nb: 2\na: 3\n").expect_err("duplicate");
        assert_eq!(
            err,
            YamlError::DuplicateKey {
                at: Location { line: 3, column: 1 },
                key: "a".into(),
                first_line: 1
            }
        );
    }

    #[test]
    fn python_equal_keys_collide() {
        let err = parse_yaml("1: a\ntrue: b\n").expect_err("1 and true are one key");
        assert!(
            matches!(err, YamlError::DuplicateKey { first_line: 1, .. }),
            "{err:?}"
        );
        assert!(
            parse_yaml("1: a\n'1': b\n").is_ok(),
            "a string key differs from an int key"
        );
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let node = parse_yaml("a: '1'\nb: \"true\"\nc: 1\n").expect("valid");
        let map = node.as_map().expect("map");
        assert_eq!(
            map.get("a").map(|n| &n.value),
            Some(&Value::Str("1".into()))
        );
        assert_eq!(
            map.get("b").map(|n| &n.value),
            Some(&Value::Str("true".into()))
        );
        assert_eq!(map.get("c").map(|n| &n.value), Some(&Value::Int(1)));
    }

    #[test]
    fn anchors_and_merge_keys() {
        let text = "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n";
        let node = parse_yaml(text).expect("valid");
        let derived = node
            .as_map()
            .and_then(|m| m.get("derived"))
            .and_then(Node::as_map);
        let derived = derived.expect("derived");
        assert_eq!(derived.get("x").map(|n| &n.value), Some(&Value::Int(1)));
        assert_eq!(derived.get("y").map(|n| &n.value), Some(&Value::Int(3)));
    }

    #[test]
    fn syntax_errors_carry_a_location() {
        let err = parse_yaml("a: 'unclosed\nb: 2\n").expect_err("invalid");
        assert!(err.location().is_known(), "{err:?}");
    }

    #[test]
    fn empty_document_is_null() {
        assert!(parse_yaml("").expect("valid").is_null());
        assert!(parse_yaml("# only a comment\n").expect("valid").is_null());
    }
}
