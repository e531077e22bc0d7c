//! Renders values the way Python's `str()` does, because that is what DVC writes into templates.

use crate::yaml::{Node, Value};

/// `str(value)` for scalars, with DVC's lowercase booleans.
pub fn scalar_to_string(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        Value::List(_) | Value::Map(_) => repr(value),
    }
}

/// Python's `repr()`, used where DVC falls back to printing a whole list or dict.
pub fn repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Timestamp(s) => s.clone(),
        Value::List(items) => {
            let inner: Vec<String> = items.iter().map(|n: &Node| repr(&n.value)).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Map(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|e| format!("'{}': {}", e.key, repr(&e.value.value)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python's float repr: the shortest round-tripping digits, positional notation for
/// exponents in [-4, 16), scientific (`1e-05`, `1e+20`) outside it.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` yields the same shortest digits Python uses, as `d.ddde<exp>`.
    let scientific = format!("{:e}", f.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` output always contains an exponent");
    let exponent: i32 = exponent
        .parse()
        .expect("`{:e}` exponent is always an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat(point.unsigned_abs() as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_render_as_python() {
        let cases = [
            (0.001, "0.001"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e20, "1e+20"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (3.0, "3.0"),
            (-2.5, "-2.5"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (1.5e-7, "1.5e-07"),
            (123456.789, "123456.789"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (2.5e300, "2.5e+300"),
            (f64::INFINITY, "inf"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_repr(value), expected, "for {value:?}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::float_repr;

    proptest! {
        /// Python's repr round-trips: the text reads back as the same float.
        #[test]
        fn float_repr_round_trips(f in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO) {
            let text = float_repr(f);
            let back: f64 = text.parse().expect("Python float text parses");
            prop_assert_eq!(back.to_bits(), f.to_bits(), "{}", text);
        }
    }
}
