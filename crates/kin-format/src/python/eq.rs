//! Python's `==` on loaded values, which decides whether DVC sees a param as changed and
//! whether two mapping keys are the same key, and Python's order of mapping keys.

use std::cmp::Ordering;

use crate::yaml::{Map, MapEntry, Value, int_equals_float};

/// Python's `==`: numbers across `bool`, `int` and `float` (`1 == 1.0 == True`, exactly, at
/// any size), lists element by element, mappings key by key regardless of order (keys
/// compared with `==` too, so `{1: x} == {1.0: x}` but not `{'1': x}`).
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Str(x), Value::Str(y)) | (Value::Timestamp(x), Value::Timestamp(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(&p.value, &q.value))
        }
        (Value::Map(x), Value::Map(y)) => maps_equal(x, y),
        _ => match (Number::of(a), Number::of(b)) {
            (Some(x), Some(y)) => x.equals(y),
            _ => false,
        },
    }
}

fn maps_equal(x: &Map, y: &Map) -> bool {
    x.len() == y.len()
        && x.iter().all(|entry| {
            let key = entry.key_value();
            y.iter().any(|other| {
                py_eq(&key, &other.key_value()) && py_eq(&entry.value.value, &other.value.value)
            })
        })
}

/// Python's `sorted()` order of two mapping keys, as DVC sorts `dvc.lock` params and
/// `json.dumps(sort_keys=True)` sorts: numbers by value (`2` before `10`), strings by code
/// point. (Python cannot sort a mix of the two and DVC fails; kin then orders by text.)
pub fn key_order(a: &MapEntry, b: &MapEntry) -> Ordering {
    let number = |e: &MapEntry| match &e.key_scalar {
        Some(Value::Bool(b)) => Some(f64::from(u8::from(*b))),
        Some(Value::Int(i)) => Some(*i as f64),
        Some(Value::BigInt(n)) => Some(n.to_f64()),
        Some(Value::Float(f)) => Some(*f),
        _ => None,
    };
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.key.as_bytes().cmp(b.key.as_bytes()),
    }
}

/// A number as Python sees it: `bool` is an `int`.
#[derive(Debug, Clone, Copy)]
enum Number<'a> {
    Int(i64),
    /// Decimal text of an integer beyond `i64`.
    Big(&'a str),
    Float(f64),
}

impl<'a> Number<'a> {
    fn of(value: &'a Value) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(Number::Int(i64::from(*b))),
            Value::Int(i) => Some(Number::Int(*i)),
            Value::BigInt(n) => Some(Number::Big(n.as_str())),
            Value::Float(f) => Some(Number::Float(*f)),
            _ => None,
        }
    }

    fn equals(self, other: Number<'_>) -> bool {
        match (self, other) {
            (Number::Int(x), Number::Int(y)) => x == y,
            (Number::Big(x), Number::Big(y)) => x == y,
            (Number::Float(x), Number::Float(y)) => x == y,
            (Number::Int(i), Number::Float(f)) | (Number::Float(f), Number::Int(i)) => {
                int_equals_float(&i.to_string(), f)
            }
            (Number::Big(n), Number::Float(f)) | (Number::Float(f), Number::Big(n)) => {
                int_equals_float(n, f)
            }
            // Each integer has one representation, so an `i64` never equals a big one.
            (Number::Int(_), Number::Big(_)) | (Number::Big(_), Number::Int(_)) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parsed;

    #[test]
    fn compares_like_python() {
        assert!(py_eq(&Value::Int(1), &Value::Float(1.0)));
        assert!(py_eq(&Value::Bool(true), &Value::Int(1)));
        assert!(!py_eq(&Value::Str("1".into()), &Value::Int(1)));
        assert!(!py_eq(&Value::Float(f64::NAN), &Value::Float(f64::NAN)));
        // 2**53 + 1 is not the float nearest to it.
        assert!(!py_eq(
            &Value::Int(9_007_199_254_740_993),
            &Value::Float(9_007_199_254_740_992.0)
        ));
        assert!(py_eq(
            &parsed("{x: 1, y: [1, 2]}"),
            &parsed("{y: [1, 2.0], x: 1}")
        ));
        assert!(!py_eq(
            &parsed("{x: 1, y: [1, 2]}"),
            &parsed("{y: [1, 2, 3], x: 1}")
        ));
        assert!(py_eq(&parsed("{1: a}"), &parsed("{1.0: a}")));
        assert!(!py_eq(&parsed("{1: a}"), &parsed("{'1': a}")));
    }

    #[test]
    fn keys_sort_as_python_sorts_them() {
        let map = parsed("{10: a, 2: b, 1.5: c}");
        let Value::Map(map) = map else {
            panic!("a map")
        };
        let mut keys: Vec<_> = map.iter().collect();
        keys.sort_by(|a, b| key_order(a, b));
        let keys: Vec<&str> = keys.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["1.5", "2", "10"]);
    }

    #[test]
    fn big_integers_compare_exactly() {
        let big = parsed("10000000000000000001");
        assert!(py_eq(&big, &parsed("10000000000000000001")));
        assert!(!py_eq(&big, &parsed("10000000000000000000")));
        assert!(!py_eq(&big, &Value::Float(1e19)));
        assert!(py_eq(&parsed("10000000000000000000"), &Value::Float(1e19)));
    }
}
