//! Values shown as DVC (Python) shows them: `str()`, `repr()`, `round()`, `json.dumps`, and
//! the `1 == 1.0 == True` equality and arithmetic of loaded numbers.

use kin_format::python;
use kin_format::yaml::{Value as Yaml, integer};
use serde_json::{Number, Value};

/// Python's `str()` of a loaded value: strings as they are, everything else as `repr()`.
pub fn py_str(value: &Value) -> String {
    python::py_str(&Yaml::from_json(value))
}

/// Python's `repr()` of a loaded value (`True`, `None`, `'a'`, `[1, 2.0]`, `{'k': 1}`).
pub fn py_repr(value: &Value) -> String {
    python::repr(&Yaml::from_json(value))
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
/// floats as `repr()`, integers with every digit.
pub fn py_json(value: &Value) -> String {
    python::dumps_json(value, python::DumpOptions::default())
}

/// A loaded number as Python sees it: `bool` is an `int`; integers beyond `i128` (which no
/// metric holds) are taken as floats for arithmetic.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PyNumber {
    Int(i128),
    Float(f64),
}

fn py_number(value: &Value) -> Option<PyNumber> {
    match Yaml::from_json(value) {
        Yaml::Bool(b) => Some(PyNumber::Int(i128::from(b))),
        Yaml::Int(i) => Some(PyNumber::Int(i128::from(i))),
        Yaml::BigInt(n) => Some(match n.to_i128() {
            Some(i) => PyNumber::Int(i),
            None => PyNumber::Float(n.to_f64()),
        }),
        Yaml::Float(f) => Some(PyNumber::Float(f)),
        _ => None,
    }
}

/// `new - old` when both are numbers (booleans count as 0 and 1), as Python computes it.
pub fn py_sub(new: &Value, old: &Value) -> Option<Value> {
    let (a, b) = (py_number(new)?, py_number(old)?);
    let float = |x: f64| Number::from_f64(x).map_or(Value::Null, Value::Number);
    Some(match (a, b) {
        (PyNumber::Int(x), PyNumber::Int(y)) => match x.checked_sub(y) {
            Some(d) => {
                let (negative, digits) = (d < 0, d.unsigned_abs().to_string());
                integer(negative, &digits, 10).map_or(Value::Null, |n| n.to_json())
            }
            None => float(x as f64 - y as f64),
        },
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
    python::py_eq(&Yaml::from_json(a), &Yaml::from_json(b))
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
    use kin_format::python::float_repr;
    use serde_json::json;

    fn loaded(text: &str) -> Value {
        serde_json::from_str(text).expect("json")
    }

    #[test]
    fn loaded_json_renders_as_python() {
        assert_eq!(
            py_repr(&json!([{"a": 1}, "x", 1.5, null, true])),
            "[{'a': 1}, 'x', 1.5, None, True]"
        );
        assert_eq!(py_str(&json!(1e-7)), "1e-07");
        // json.loads keeps every digit of an integer and reads a float to the nearest double.
        let numbers = loaded(
            "[10000000000000000001, 123456789012345678901234567890, 0.9256080114449213, 1E400]",
        );
        assert_eq!(
            py_repr(&numbers),
            "[10000000000000000001, 123456789012345678901234567890, 0.9256080114449213, inf]"
        );
        assert_eq!(
            py_json(&numbers),
            "[10000000000000000001, 123456789012345678901234567890, 0.9256080114449213, Infinity]"
        );
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
        let big = loaded("10000000000000000001");
        assert!(py_eq(&big, &loaded("10000000000000000001")));
        assert!(!py_eq(&big, &loaded("1e19")));
        assert_eq!(
            py_sub(&big, &json!(1)),
            Some(loaded("10000000000000000000"))
        );
        assert_eq!(
            py_sub(&loaded("123456789012345678901234567890"), &big),
            Some(loaded("123456789002345678901234567889"))
        );
        assert!(py_truthy(&big));
    }

    #[test]
    fn json_as_python_dumps() {
        assert_eq!(
            py_json(&json!({"a": {"old": 1e-7, "new": null, "diff": -1}, "é": [true, "x"]})),
            r#"{"a": {"old": 1e-07, "new": null, "diff": -1}, "\u00e9": [true, "x"]}"#
        );
    }
}
