//! Python's `repr()` and `str()` of loaded values, and DVC's `to_str`, which writes values
//! into templates.

use crate::yaml::Value;

/// DVC's `to_str`: `str(value)`, except that booleans are `true` and `false`.
pub fn scalar_to_string(value: &Value) -> String {
    match value {
        Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        other => py_str(other),
    }
}

/// Python's `str()`: a string (or date) as it is, anything else as its `repr()`.
pub fn py_str(value: &Value) -> String {
    match value {
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        other => repr(other),
    }
}

/// Python's `repr()` (`True`, `None`, `'a'`, `[1, 2.0]`, `{1: 'x', 'k': None}`).
pub fn repr(value: &Value) -> String {
    let mut out = String::new();
    push_repr(&mut out, value);
    out
}

fn push_repr(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt(n) => out.push_str(n.as_str()),
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) => push_str_repr(out, s),
        // kin keeps dates as written (DVC's `datetime.date(...)` never reaches a template).
        Value::Timestamp(s) => out.push_str(s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_repr(out, &item.value);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, entry) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match &entry.key_scalar {
                    Some(scalar) => push_repr(out, scalar),
                    None => push_str_repr(out, &entry.key),
                }
                out.push_str(": ");
                push_repr(out, &entry.value.value);
            }
            out.push('}');
        }
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

/// Python's float repr: the shortest round-tripping digits, positional notation for
/// exponents in [-4, 16), scientific (`1e-05`, `1e+20`) outside it.
///
/// Rust's shortest formatting (`{:e}`) finds the same number of digits, but when the float
/// lies exactly halfway between two such candidates it rounds up where Python rounds half
/// to even (`133816953984755.125` → Python `…755.12`, Rust `…755.13`). Rust's fixed-precision
/// formatting rounds half to even, so that candidate wins whenever it reads back as `f`.
pub fn float_repr(f: f64) -> String {
    let mut out = String::new();
    push_float_repr(&mut out, f);
    out
}

/// [`float_repr`] appended to `out`, without allocating: plots write hundreds of thousands.
pub fn push_float_repr(out: &mut String, f: f64) {
    use std::fmt::Write as _;
    if f.is_nan() {
        out.push_str("nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "inf" } else { "-inf" });
        return;
    }
    let mut shortest = StackText::default();
    let _ = write!(shortest, "{f:e}");
    let digit_count = shortest
        .as_str()
        .split('e')
        .next()
        .map_or(1, |m| m.bytes().filter(u8::is_ascii_digit).count());
    let mut nearest = StackText::default();
    let _ = write!(nearest, "{f:.*e}", digit_count.saturating_sub(1));
    let scientific = if nearest.as_str().parse::<f64>() == Ok(f) {
        nearest.as_str()
    } else {
        shortest.as_str()
    };
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    out.push_str(sign);
    if !(-4..16).contains(&exponent) {
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(
            out,
            "{mantissa}e{exponent_sign}{:02}",
            exponent.unsigned_abs()
        );
        return;
    }
    let digits = mantissa.bytes().filter(u8::is_ascii_digit);
    let count = digits.clone().count();
    // Where the decimal point goes, counted in digits from the left.
    let point = exponent + 1;
    if point <= 0 {
        out.push_str("0.");
        for _ in 0..point.unsigned_abs() {
            out.push('0');
        }
        digits.for_each(|d| out.push(char::from(d)));
    } else {
        let point = point as usize;
        for (i, d) in digits.enumerate() {
            if i == point {
                out.push('.');
            }
            out.push(char::from(d));
        }
        if point >= count {
            for _ in count..point {
                out.push('0');
            }
            out.push_str(".0");
        }
    }
}

/// Formatting space on the stack: a float's `{:e}` text is at most 25 bytes.
struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parsed;

    #[test]
    fn reprs_match_python() {
        assert_eq!(
            repr(&parsed("[{a: 1}, x, 1.5, null, true]")),
            "[{'a': 1}, 'x', 1.5, None, True]"
        );
        assert_eq!(repr(&Value::Str("it's".into())), "\"it's\"");
        assert_eq!(repr(&Value::Str("a'b\"c".into())), "'a\\'b\"c'");
        assert_eq!(
            repr(&Value::Str("tab\there\u{1}".into())),
            "'tab\\there\\x01'"
        );
        assert_eq!(repr(&Value::Str("line\nnext".into())), "'line\\nnext'");
        assert_eq!(repr(&Value::Str("é\u{200b}".into())), "'é\\u200b'");
        assert_eq!(py_str(&Value::Str("plain".into())), "plain");
        assert_eq!(py_str(&Value::Float(1e-7)), "1e-07");
        assert_eq!(py_str(&Value::Bool(true)), "True");
        assert_eq!(scalar_to_string(&Value::Bool(true)), "true");
        assert_eq!(scalar_to_string(&Value::Null), "None");
    }

    #[test]
    fn keys_keep_their_python_type() {
        // repr() of what DVC loads from this YAML, as `dvc params diff` shows it.
        assert_eq!(
            repr(&parsed("[{1: x, 0.5: y, null: w}, {true: z}, {'1': s}]")),
            "[{1: 'x', 0.5: 'y', None: 'w'}, {True: 'z'}, {'1': 's'}]"
        );
        assert_eq!(
            repr(&parsed(
                "{10000000000000000001: [123456789012345678901234567890]}"
            )),
            "{10000000000000000001: [123456789012345678901234567890]}"
        );
    }

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
            (0.9256080114449213, "0.9256080114449213"),
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
