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
///
/// Rust's shortest formatting (`{:e}`) finds the same number of digits, but when the float
/// lies exactly halfway between two such candidates it rounds up where Python rounds half
/// to even (`133816953984755.125` → Python `…755.12`, Rust `…755.13`). Rust's fixed-precision
/// formatting rounds half to even, so that candidate wins whenever it reads back as `f`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let shortest = format!("{f:e}");
    let digit_count = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.bytes().filter(u8::is_ascii_digit).count());
    let nearest = format!("{f:.*e}", digit_count.saturating_sub(1));
    let scientific = if nearest.parse::<f64>() == Ok(f) {
        nearest
    } else {
        shortest
    };
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    if !(-4..16).contains(&exponent) {
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{mantissa}e{exponent_sign}{:02}",
            exponent.unsigned_abs()
        );
    }
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // Where the decimal point goes, counted in digits from the left.
    let point = exponent + 1;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// Appends `text` as a JSON string the way Python's `json.dumps` (with its default
/// `ensure_ascii`) writes it: everything outside printable ASCII as `\uXXXX`, characters
/// above the BMP as surrogate pairs.
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::excessive_precision)]
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
            // A tie between two shortest candidates: Python rounds half to even. The literal is
            // the exact value, which is the point of the case.
            (133816953984755.125, "133816953984755.12"),
            (5e-324, "5e-324"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_repr(value), expected, "for {value:?}");
        }
    }

    #[test]
    fn json_strings_escape_as_python_does() {
        // json.dumps("😀\"\x7f\x01é\t")
        let mut out = String::new();
        push_json_string(&mut out, "😀\"\u{7f}\u{1}é\t");
        assert_eq!(out, r#""\ud83d\ude00\"\u007f\u0001\u00e9\t""#);
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
