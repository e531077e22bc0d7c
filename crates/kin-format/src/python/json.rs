//! `json.dumps` exactly as Python writes it with its defaults (`", "` and `": "` separators,
//! ASCII only, `NaN`/`Infinity` allowed): what DVC prints for `--json` and hashes for
//! directory manifests and run-cache keys.

use super::{float_repr, key_order};
use crate::yaml::{MapEntry, Value};

/// What `json.dumps` is asked for beyond its defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct DumpOptions<'a> {
    /// `sort_keys=True`: keys in code-point order at every depth.
    pub sort_keys: bool,
    /// Keys left out at every depth (DVC's `dict_filter`).
    pub exclude: &'a [&'a str],
    /// `indent=N`: each item on its own line, nested N spaces deeper (as `gto --json` prints);
    /// `None` keeps everything on one line.
    pub indent: Option<usize>,
}

/// `json.dumps(value)` with `options`.
pub fn dumps(value: &Value, options: DumpOptions<'_>) -> String {
    let mut out = String::new();
    push_json(&mut out, value, options, 0);
    out
}

/// [`dumps`] of a JSON document held as `serde_json` values, written straight from them (no
/// copy into YAML values first): numbers as Python reads and writes them back.
pub fn dumps_json(value: &serde_json::Value, options: DumpOptions<'_>) -> String {
    let mut out = String::new();
    push_serde(&mut out, value, options, 0);
    out
}

fn push_serde(out: &mut String, value: &serde_json::Value, options: DumpOptions<'_>, depth: usize) {
    use serde_json::Value as Json;
    match value {
        Json::Null | Json::Bool(_) | Json::Number(_) => {
            push_json(out, &Value::from_json(value), options, depth);
        }
        Json::String(s) => push_json_string(out, s),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                push_separator(out, options, depth + 1, i == 0);
                push_serde(out, item, options, depth + 1);
            }
            if items.is_empty() {
                out.push(']');
            } else {
                push_close(out, options, depth, ']');
            }
        }
        Json::Object(map) => {
            let mut entries: Vec<(&String, &serde_json::Value)> = map
                .iter()
                .filter(|(key, _)| !options.exclude.contains(&key.as_str()))
                .collect();
            if options.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                push_separator(out, options, depth + 1, i == 0);
                push_json_string(out, key);
                out.push_str(": ");
                push_serde(out, item, options, depth + 1);
            }
            if entries.is_empty() {
                out.push('}');
            } else {
                push_close(out, options, depth, '}');
            }
        }
    }
}

/// What goes between two items of a list or mapping at nesting `depth`, and before the first:
/// `", "` on one line, or a comma, a newline and the indentation when indenting.
fn push_separator(out: &mut String, options: DumpOptions<'_>, depth: usize, first: bool) {
    match options.indent {
        None if !first => out.push_str(", "),
        None => {}
        Some(width) => {
            if !first {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(width * depth));
        }
    }
}

/// Closes a non-empty list or mapping opened at `depth`.
fn push_close(out: &mut String, options: DumpOptions<'_>, depth: usize, close: char) {
    if let Some(width) = options.indent {
        out.push('\n');
        out.push_str(&" ".repeat(width * depth));
    }
    out.push(close);
}

fn push_json(out: &mut String, value: &Value, options: DumpOptions<'_>, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt(n) => out.push_str(n.as_str()),
        Value::Float(f) => out.push_str(&float_text(*f)),
        // Python cannot dump a date; kin writes it as the text it was read from.
        Value::Str(s) | Value::Timestamp(s) => push_json_string(out, s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                push_separator(out, options, depth + 1, i == 0);
                push_json(out, &item.value, options, depth + 1);
            }
            if items.is_empty() {
                out.push(']');
            } else {
                push_close(out, options, depth, ']');
            }
        }
        Value::Map(map) => {
            let kept = || {
                map.iter()
                    .filter(|e| !options.exclude.contains(&e.key.as_str()))
            };
            let in_order = || kept().is_sorted_by(|a, b| key_order(a, b).is_le());
            if options.sort_keys && !in_order() {
                let mut entries: Vec<&MapEntry> = kept().collect();
                entries.sort_by(|a, b| key_order(a, b));
                push_entries(out, entries.into_iter(), options, depth);
            } else {
                push_entries(out, kept(), options, depth);
            }
        }
    }
}

fn push_entries<'a>(
    out: &mut String,
    entries: impl Iterator<Item = &'a MapEntry>,
    options: DumpOptions<'_>,
    depth: usize,
) {
    out.push('{');
    let mut empty = true;
    for (i, entry) in entries.enumerate() {
        empty = false;
        push_separator(out, options, depth + 1, i == 0);
        match &entry.key_scalar {
            None => push_json_string(out, &entry.key),
            Some(scalar) => push_json_string(out, &key_text(scalar)),
        }
        out.push_str(": ");
        push_json(out, &entry.value.value, options, depth + 1);
    }
    if empty {
        out.push('}');
    } else {
        push_close(out, options, depth, '}');
    }
}

/// A float as `json.dumps` writes it: its repr, or `NaN`, `Infinity`, `-Infinity`.
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        float_repr(f)
    }
}

/// A key that is not a string as `json.dumps` turns it into one: `1`, `0.5`, `true`, `null`.
fn key_text(scalar: &Value) -> String {
    match scalar {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => float_text(*f),
        other => super::py_str(other),
    }
}

/// Appends `text` as a JSON string the way Python's `json.dumps` (with its default
/// `ensure_ascii`) writes it: everything outside printable ASCII as `\uXXXX`, characters
/// above the BMP as surrogate pairs.
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    // Runs of printable ASCII other than `"` and `\` go out as they are, in one push.
    let plain = |c: char| matches!(c, ' '..='~') && c != '"' && c != '\\';
    let mut rest = text;
    while let Some(at) = rest.find(|c: char| !plain(c)) {
        out.push_str(&rest[..at]);
        let c = rest[at..].chars().next().unwrap_or_default();
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parsed;

    #[test]
    fn serde_documents_dump_as_their_yaml_copies_do() {
        let doc: serde_json::Value = serde_json::from_str(
            r#"{"b": [1, 2.50, 1e-3, -0.0, 12345678901234567890123, "é\"x"], "a": {"z": null, "y": true}, "c": {}}"#,
        )
        .expect("json");
        for options in [
            DumpOptions::default(),
            DumpOptions {
                sort_keys: true,
                exclude: &["z"],
                indent: Some(4),
            },
        ] {
            assert_eq!(
                dumps_json(&doc, options),
                dumps(&Value::from_json(&doc), options)
            );
        }
    }

    #[test]
    fn strings_escape_as_python_does() {
        // json.dumps("😀\"\x7f\x01é\t")
        let mut out = String::new();
        push_json_string(&mut out, "😀\"\u{7f}\u{1}é\t");
        assert_eq!(out, r#""\ud83d\ude00\"\u007f\u0001\u00e9\t""#);
    }

    #[test]
    fn dumps_as_python() {
        // json.dumps({"a": {"old": 1e-07, "new": None, "diff": -1}, "é": [True, "x"]})
        assert_eq!(
            dumps(
                &parsed("{a: {old: 1.0e-7, new: null, diff: -1}, é: [true, x]}"),
                DumpOptions::default()
            ),
            r#"{"a": {"old": 1e-07, "new": null, "diff": -1}, "\u00e9": [true, "x"]}"#
        );
        // json.dumps({1: "x", 0.5: "y", None: "w", True: "z", 10**20: [.nan, -.inf]})
        assert_eq!(
            dumps(
                &parsed("{1: x, 0.5: y, null: w, false: z, 100000000000000000000: [.nan, -.inf]}"),
                DumpOptions::default()
            ),
            r#"{"1": "x", "0.5": "y", "null": "w", "false": "z", "100000000000000000000": [NaN, -Infinity]}"#
        );
    }

    #[test]
    fn indented_as_python() {
        // json.dumps({"a": [1, {"b": None}], "e": [], "f": {}}, indent=4)
        let options = DumpOptions {
            indent: Some(4),
            ..DumpOptions::default()
        };
        assert_eq!(
            dumps(&parsed("{a: [1, {b: null}], e: [], f: {}}"), options),
            "{\n    \"a\": [\n        1,\n        {\n            \"b\": null\n        }\n    ],\n    \"e\": [],\n    \"f\": {}\n}"
        );
    }

    #[test]
    fn sorted_and_filtered_as_dvc_hashes_run_cache_keys() {
        let doc = parsed("b: [1, 2.5, 1.0e-05, true, null]\na: \"é\\t\\U0001F600\"\nsize: 3\n");
        // json.dumps({"b": [1, 2.5, 1e-05, True, None], "a": "é\t😀", "size": 3}, sort_keys=True)
        // with "size" filtered out; json.dumps({10: "a", 2: "b"}, sort_keys=True).
        let options = DumpOptions {
            sort_keys: true,
            exclude: &["size"],
            indent: None,
        };
        assert_eq!(
            dumps(&doc, options),
            r#"{"a": "\u00e9\t\ud83d\ude00", "b": [1, 2.5, 1e-05, true, null]}"#
        );
        assert_eq!(
            dumps(&parsed("{10: a, 2: b}"), options),
            r#"{"2": "b", "10": "a"}"#
        );
    }
}
