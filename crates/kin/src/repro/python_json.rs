//! `json.dumps(value, sort_keys=True)` exactly as Python writes it: what DVC hashes run-cache keys from.

use kin_format::python::{float_repr, push_json_string};
use kin_format::yaml::Value;

/// Python's default JSON text for `value` with sorted keys, leaving out keys named in `exclude`
/// at every depth (DVC's `dict_filter`).
pub(crate) fn dumps_sorted(value: &Value, exclude: &[&str]) -> String {
    let mut out = String::new();
    write_value(value, exclude, &mut out);
    out
}

fn write_value(value: &Value, exclude: &[&str], out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) if f.is_nan() => out.push_str("NaN"),
        Value::Float(f) if f.is_infinite() => {
            out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" });
        }
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) | Value::Timestamp(s) => push_json_string(out, s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(&item.value, exclude, out);
            }
            out.push(']');
        }
        Value::Map(map) => {
            let mut entries: Vec<_> = map
                .iter()
                .filter(|e| !exclude.contains(&e.key.as_str()))
                .collect();
            entries.sort_by(|a, b| code_point_cmp(&a.key, &b.key));
            out.push('{');
            for (i, entry) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_json_string(out, &entry.key);
                out.push_str(": ");
                write_value(&entry.value.value, exclude, out);
            }
            out.push('}');
        }
    }
}

/// Python sorts `str` keys by code point, which is UTF-8 byte order.
fn code_point_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.as_bytes().cmp(b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kin_format::yaml::parse_yaml;

    #[test]
    fn matches_python_json_dumps() {
        let doc = parse_yaml("b: [1, 2.5, 1.0e-05, true, null]\na: \"é\\t\\U0001F600\"\nsize: 3\n")
            .expect("yaml");
        // json.dumps({"b": [1, 2.5, 1e-05, True, None], "a": "é\t😀", "size": 3}, sort_keys=True)
        // with "size" filtered out.
        assert_eq!(
            dumps_sorted(&doc.value, &["size"]),
            r#"{"a": "\u00e9\t\ud83d\ude00", "b": [1, 2.5, 1e-05, true, null]}"#
        );
    }
}
