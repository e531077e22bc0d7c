//! Values shown as DVC (Python) shows them: `str()`, `repr()`, `round()`, `json.dumps`, and
//! the `1 == 1.0 == True` equality and arithmetic of loaded numbers.

use kin_format::python::{float_repr, push_json_string};
use serde_json::{Number, Value};

/// Python's `str()` of a loaded value: strings as they are, everything else as `repr()`.
pub fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr()` of a loaded value (`True`, `None`, `'a'`, `[1, 2.0]`, `{'k': 1}`).
pub fn py_repr(value: &Value) -> String {
    let mut out = String::new();
    push_repr(&mut out, value);
    out
}

fn push_repr(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&number_repr(n)),
        Value::String(s) => push_str_repr(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_str_repr(out, key);
                out.push_str(": ");
                push_repr(out, item);
            }
            out.push('}');
        }
    }
}

fn number_repr(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        float_repr(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Python's string repr: single quotes unless the text has `'` and no `"`, escapes for
/// backslash, the quote, control characters and unprintable code points.
fn push_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if is_printable(c) => out.push(c),
            c => {
                let code = u32::from(c);
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
        }
    }
    out.push(quote);
}

/// Close to Python's `str.isprintable()` for one character: not a control, format, separator
/// (other than space) or private-use code point.
fn is_printable(c: char) -> bool {
    let code = u32::from(c);
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || code == 0xad
        || (0x200b..=0x200f).contains(&code)
        || (0x202a..=0x202e).contains(&code)
        || (0x2060..=0x206f).contains(&code)
        || code == 0xfeff
        || (0xe000..=0xf8ff).contains(&code)
        || (0xfff9..=0xfffb).contains(&code))
}

/// Python's `round(f, ndigits)` for `ndigits >= 0`: the decimal nearest to the exact binary
/// value, ties to even, read back as a float. Rust's fixed-precision formatting makes the
/// same choice, so it does the rounding.
pub fn py_round(f: f64, ndigits: u32) -> f64 {
    if !f.is_finite() || ndigits > 340 {
        return f;
    }
    format!("{f:.*}", ndigits as usize).parse().unwrap_or(f)
}

/// `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, ASCII only,
/// floats as `repr()`.
pub fn py_json(value: &Value) -> String {
    let mut out = String::new();
    push_json(&mut out, value);
    out
}

fn push_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&number_repr(n)),
        Value::String(s) => push_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_json_string(out, key);
                out.push_str(": ");
                push_json(out, item);
            }
            out.push('}');
        }
    }
}

/// A loaded number as Python sees it: `bool` is an `int`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PyNumber {
    Int(i128),
    Float(f64),
}

fn py_number(value: &Value) -> Option<PyNumber> {
    match value {
        Value::Bool(b) => Some(PyNumber::Int(i128::from(*b))),
        Value::Number(n) => Some(if let Some(i) = n.as_i64() {
            PyNumber::Int(i128::from(i))
        } else if let Some(u) = n.as_u64() {
            PyNumber::Int(i128::from(u))
        } else {
            PyNumber::Float(n.as_f64().unwrap_or(f64::NAN))
        }),
        _ => None,
    }
}

/// `new - old` when both are numbers (booleans count as 0 and 1), as Python computes it.
pub fn py_sub(new: &Value, old: &Value) -> Option<Value> {
    let (a, b) = (py_number(new)?, py_number(old)?);
    let float = |x: f64| Number::from_f64(x).map_or(Value::Null, Value::Number);
    Some(match (a, b) {
        (PyNumber::Int(x), PyNumber::Int(y)) => {
            let d = x - y;
            match i64::try_from(d) {
                Ok(d) => Value::from(d),
                Err(_) => match u64::try_from(d) {
                    Ok(d) => Value::from(d),
                    Err(_) => float(d as f64),
                },
            }
        }
        (x, y) => float(as_f64(x) - as_f64(y)),
    })
}

fn as_f64(n: PyNumber) -> f64 {
    match n {
        PyNumber::Int(i) => i as f64,
        PyNumber::Float(f) => f,
    }
}

/// Python's `==` on loaded values: numbers across int, float and bool; containers
/// element by element, mappings regardless of order.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|other| py_eq(v, other)))
        }
        _ => match (py_number(a), py_number(b)) {
            (Some(PyNumber::Int(x)), Some(PyNumber::Int(y))) => x == y,
            (Some(x), Some(y)) => as_f64(x) == as_f64(y),
            _ => false,
        },
    }
}

/// Python truthiness: `None`, `False`, zero, and empty strings, lists and mappings are false.
pub fn py_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(_) => py_number(value).is_some_and(|n| match n {
            PyNumber::Int(i) => i != 0,
            PyNumber::Float(f) => f != 0.0,
        }),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reprs_match_python() {
        assert_eq!(
            py_repr(&json!([{"a": 1}, "x", 1.5, null, true])),
            "[{'a': 1}, 'x', 1.5, None, True]"
        );
        assert_eq!(py_repr(&json!("it's")), "\"it's\"");
        assert_eq!(py_repr(&json!("a'b\"c")), "'a\\'b\"c'");
        assert_eq!(py_repr(&json!("tab\there\u{1}")), "'tab\\there\\x01'");
        assert_eq!(py_repr(&json!("é\u{200b}")), "'é\\u200b'");
        assert_eq!(py_str(&json!("plain")), "plain");
        assert_eq!(py_str(&json!(1e-7)), "1e-07");
        assert_eq!(py_str(&json!(1.0)), "1.0");
    }

    #[test]
    fn rounds_as_python() {
        // Values and results from CPython 3.11's round().
        let cases = [
            (0.125, 2, "0.12"),
            (2.675, 2, "2.67"),
            (-0.00001, 3, "-0.0"),
            (1e300, 5, "1e+300"),
            (123_456_789.123_456_79, 5, "123456789.12346"),
            (0.001_234_567_89, 5, "0.00123"),
            (5e-6, 5, "1e-05"),
            (0.03765432199999996, 5, "0.03765"),
            (0.912345678, 5, "0.91235"),
            (1e-7, 5, "0.0"),
            (1.5e20, 5, "1.5e+20"),
        ];
        for (f, n, expected) in cases {
            assert_eq!(float_repr(py_round(f, n)), expected, "round({f}, {n})");
        }
    }

    #[test]
    fn arithmetic_and_equality_as_python() {
        assert_eq!(py_sub(&json!(false), &json!(true)), Some(json!(-1)));
        assert_eq!(py_sub(&json!(2.5), &json!(true)), Some(json!(1.5)));
        assert_eq!(py_sub(&json!(12), &json!(10)), Some(json!(2)));
        assert_eq!(
            py_sub(&json!(0.95), &json!(0.912345678)),
            Some(json!(0.03765432199999996))
        );
        assert_eq!(py_sub(&json!("a"), &json!(1)), None);
        assert!(py_eq(&json!(1), &json!(1.0)));
        assert!(py_eq(&json!(true), &json!(1)));
        assert!(!py_eq(&json!("1"), &json!(1)));
        assert!(!py_truthy(&json!(0.0)));
        assert!(py_truthy(&json!("0")));
    }

    #[test]
    fn json_as_python_dumps() {
        assert_eq!(
            py_json(&json!({"a": {"old": 1e-7, "new": null, "diff": -1}, "é": [true, "x"]})),
            r#"{"a": {"old": 1e-07, "new": null, "diff": -1}, "\u00e9": [true, "x"]}"#
        );
    }
}
