//! Builds a located `Node` tree from saphyr's event stream, with bounded alias expansion.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use super::{Location, Map, Node, Value, resolve};
use crate::python::{py_eq, scalar_to_string};

/// Nodes that aliases may add on top of those written in the document, and how many more
/// per written node: aliases make a small file describe an exponentially large tree (a
/// "billion laughs" document), so their expansion is bounded, as other YAML readers do.
const ALIAS_NODES_BASE: usize = 100_000;
const ALIAS_NODES_PER_NODE: usize = 10;

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
    #[error(
        "aliases expand to more than {limit} nodes (a document that grows exponentially through its anchors)"
    )]
    AliasExpansion { at: Location, limit: usize },
}

impl YamlError {
    pub fn location(&self) -> Location {
        match self {
            YamlError::Syntax { at, .. }
            | YamlError::DuplicateKey { at, .. }
            | YamlError::UnknownAlias { at, .. }
            | YamlError::BadMerge { at }
            | YamlError::AliasExpansion { at, .. } => *at,
        }
    }
}

/// Parses the first document of `text`; an empty document is `Null`.
pub fn parse_yaml(text: &str) -> Result<Node, YamlError> {
    let mut builder = Builder {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        written: 0,
        aliased: 0,
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
    /// Each anchor's node and how many nodes it holds.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes built from the document's own events.
    written: usize,
    /// Nodes copied in through aliases.
    aliased: usize,
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
        // Every node counts, whether written or copied: an anchor's size is what it adds.
        let before = self.written + self.aliased;
        if !matches!(event, Event::Alias(_)) {
            self.written += 1;
        }
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag_suffix = tag.as_ref().map(|t| t.suffix.as_str());
                let value = match (style, tag_suffix) {
                    (ScalarStyle::SingleQuoted, _) => Value::Str(fold_unicode_breaks(&text)),
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
                let (node, size) = self
                    .anchors
                    .get(&anchor)
                    .ok_or(YamlError::UnknownAlias { at, anchor })?;
                self.aliased += size;
                let limit = ALIAS_NODES_BASE + ALIAS_NODES_PER_NODE * self.written;
                if self.aliased > limit {
                    return Err(YamlError::AliasExpansion { at, limit });
                }
                return Ok(node.clone());
            }
            other => {
                return Err(YamlError::Syntax {
                    at,
                    message: format!("unexpected {other:?}"),
                });
            }
        };
        if anchor > 0 {
            let size = self.written + self.aliased - before;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        Ok(node)
    }

    fn mapping(&mut self, at: Location) -> Result<Node, YamlError> {
        let mut map = Map::new();
        let mut merged: Vec<Map> = Vec::new();
        // Python compares dict keys with `==`: `1`, `1.0` and `true` are the same key.
        let mut seen: Vec<(Value, usize)> = Vec::new();
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
            if let Some((_, first_line)) = seen.iter().find(|(k, _)| py_eq(k, &key.value)) {
                return Err(YamlError::DuplicateKey {
                    at: key.at,
                    key: scalar_to_string(&key.value),
                    first_line: *first_line,
                });
            }
            seen.push((key.value.clone(), key.at.line));
            match key.value {
                // A list or mapping as a key (Python cannot hash it; DVC fails) is kept as text.
                Value::List(_) | Value::Map(_) => {
                    map.insert(scalar_to_string(&key.value), key.at, value);
                }
                scalar => map.insert_scalar_key(scalar, key.at, value),
            }
        }
        // Explicit keys win over merged ones; earlier merge sources win over later ones.
        for source in merged {
            for entry in source.iter() {
                if !map.contains_key(&entry.key) {
                    map.insert_entry(entry.clone());
                }
            }
        }
        Ok(Node::new(Value::Map(map), at))
    }
}

/// NEL, LS and PS inside a single-quoted scalar, read as ruamel reads them: as line breaks
/// (YAML 1.1), where saphyr (YAML 1.2) keeps them as text along with the indentation after
/// them. ruamel (so DVC) writes a string holding LS or PS in single quotes with the break
/// followed by the indentation, and reads it back as the break alone; a NEL reads as a space
/// (a line feed before further breaks). Blanks around the breaks go, as in any fold.
fn fold_unicode_breaks(text: &str) -> String {
    let is_break = |c: char| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}');
    let is_blank = |c: char| matches!(c, ' ' | '\t');
    if !text.contains(is_break) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let blanks_end = (i..chars.len())
            .find(|&j| !is_blank(chars[j]))
            .unwrap_or(chars.len());
        if !chars.get(blanks_end).is_some_and(|&c| is_break(c)) {
            // Blanks that do not lead to a break, or one ordinary character, are text.
            let end = blanks_end.max(i + 1);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        let mut breaks = Vec::new();
        let mut j = blanks_end;
        while chars.get(j).is_some_and(|&c| is_break(c)) {
            breaks.push(chars[j]);
            j += 1;
            while chars.get(j).is_some_and(|&c| is_blank(c)) {
                j += 1;
            }
        }
        match breaks[0] {
            '\u{85}' if breaks.len() == 1 => out.push(' '),
            '\u{85}' => {}
            other => out.push(other),
        }
        out.extend(
            breaks[1..]
                .iter()
                .map(|&b| if b == '\u{85}' { '\n' } else { b }),
        );
        i = j;
    }
    out
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
    fn unicode_line_breaks_in_single_quotes_fold_as_in_ruamel() {
        // What ruamel 0.19 reads from the single-quoted text it writes for these strings.
        let cases = [
            ("'a\u{2028}  b'", "a\u{2028}b"),
            ("'a\u{2029}  b'", "a\u{2029}b"),
            ("'a\u{85}  b'", "a b"),
            ("'\u{85}  '", " "),
            ("'x\u{85}\u{85}  y'", "x\ny"),
            ("'a \u{2028}\t b c'", "a\u{2028}b c"),
        ];
        for (yaml, expected) in cases {
            let node = parse_yaml(yaml).expect("valid");
            assert_eq!(node.as_str(), Some(expected), "for {yaml:?}");
        }
        // Escapes in double quotes are characters, not breaks.
        let node = parse_yaml("\"a\\L  b\"").expect("valid");
        assert_eq!(node.as_str(), Some("a\u{2028}  b"));
    }

    #[test]
    fn an_alias_bomb_fails_instead_of_exhausting_memory() {
        // Nine levels of nine aliases: 9¹⁰ (3.5·10⁹) nodes from a 340-byte document.
        let mut text = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for (previous, name) in "abcdefghi".chars().zip("bcdefghij".chars()) {
            let items = vec![format!("*{previous}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{items}]\n"));
        }
        assert!(text.len() < 350, "{}", text.len());
        let err = parse_yaml(&text).expect_err("bounded");
        assert!(matches!(err, YamlError::AliasExpansion { .. }), "{err:?}");
        assert!(err.location().is_known());
        // Ordinary reuse is fine: a block merged into many stages.
        let mut text = String::from("base: &b {lr: 0.1, epochs: 10, layers: [8, 4]}\n");
        for i in 0..500 {
            text.push_str(&format!("s{i}:\n  <<: *b\n  seed: {i}\n"));
        }
        assert!(parse_yaml(&text).is_ok());
    }

    #[test]
    fn empty_document_is_null() {
        assert!(parse_yaml("").expect("valid").is_null());
        assert!(parse_yaml("# only a comment\n").expect("valid").is_null());
    }
}
