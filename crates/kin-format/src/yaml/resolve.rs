//! The one plain-scalar resolver: what an untagged plain scalar means under ruamel's YAML 1.2
//! rules, which DVC loads and dumps with. The parser builds its values with it, and the
//! emitter quotes exactly the strings it would not read back as strings, so whatever kin
//! writes it reads back unchanged — and so does DVC.
//!
//! The patterns are ruamel's implicit resolvers for YAML 1.2 (`VersionedResolver`), tried
//! only on text whose first character can start them, as ruamel does: `yes`, `on`, `0:30`
//! and `2024-1-1` are strings; `017` is 17; `.5e5` is a string (after a leading point
//! ruamel's float needs a signed exponent) while `.5e+5` is 50000.0.

use super::{Value, integer, split_sign};

/// What ruamel's resolver makes of a plain scalar (its implicit tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Implicit {
    Null,
    Bool(bool),
    Int,
    Float,
    Timestamp,
    /// `<<`, `=`, `!`, `&`, `*`: tags ruamel resolves but has no constructor for.
    Special,
    Str,
}

fn implicit(text: &str) -> Implicit {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Implicit::Null,
        "true" | "True" | "TRUE" => Implicit::Bool(true),
        "false" | "False" | "FALSE" => Implicit::Bool(false),
        "<<" | "=" | "!" | "&" | "*" => Implicit::Special,
        _ if is_int(text) => Implicit::Int,
        _ if is_float(text) => Implicit::Float,
        _ if is_timestamp(text) => Implicit::Timestamp,
        _ => Implicit::Str,
    }
}

/// Whether `text`, written as a plain scalar, reads back as that string.
pub fn reads_back_as_string(text: &str) -> bool {
    implicit(text) == Implicit::Str
}

/// The value of an untagged plain scalar. Quoted scalars are always strings and never come
/// here.
///
/// Where ruamel resolves a tag but cannot build the value (`+_`, `0x_`, `<<` as a value),
/// DVC fails to load the file; kin keeps the text as a string.
pub(super) fn resolve_plain(text: &str) -> Value {
    let value = match implicit(text) {
        Implicit::Null => Some(Value::Null),
        Implicit::Bool(b) => Some(Value::Bool(b)),
        Implicit::Int => construct_int(text),
        Implicit::Float => construct_float(text),
        Implicit::Timestamp => Some(Value::Timestamp(text.to_owned())),
        Implicit::Special | Implicit::Str => None,
    };
    value.unwrap_or_else(|| Value::Str(text.to_owned()))
}

/// ruamel's `construct_yaml_int` for YAML 1.2: `_` dropped, then `0b`, `0x`, `0o` or decimal
/// (a leading zero stays decimal).
fn construct_int(text: &str) -> Option<Value> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, body) = split_sign(&cleaned);
    let (radix, digits) = [("0b", 2), ("0x", 16), ("0o", 8)]
        .iter()
        .find_map(|(prefix, radix)| body.strip_prefix(prefix).map(|rest| (*radix, rest)))
        .unwrap_or((10, body));
    integer(negative, digits, radix)
}

/// ruamel's `construct_yaml_float`: `_` dropped, `.inf`/`.nan` in any of their spellings,
/// else Python's `float()`, which reads what the pattern admits as Rust does.
fn construct_float(text: &str) -> Option<Value> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let lower = cleaned.to_ascii_lowercase();
    let (negative, body) = split_sign(&lower);
    match body {
        ".inf" if negative => Some(Value::Float(f64::NEG_INFINITY)),
        ".inf" => Some(Value::Float(f64::INFINITY)),
        ".nan" => Some(Value::Float(f64::NAN)),
        _ => cleaned.parse().ok().map(Value::Float),
    }
}

/// A cursor over ASCII patterns; non-ASCII bytes simply never match.
struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    fn eat(&mut self, accept: impl Fn(u8) -> bool) -> bool {
        match self.bytes.get(self.at) {
            Some(&b) if accept(b) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn eat_all(&mut self, accept: impl Fn(u8) -> bool) -> usize {
        let from = self.at;
        while self.eat(&accept) {}
        self.at - from
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let found = self.bytes[self.at..].starts_with(s.as_bytes());
        if found {
            self.at += s.len();
        }
        found
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

fn sign(b: u8) -> bool {
    b == b'-' || b == b'+'
}

fn digit(b: u8) -> bool {
    b.is_ascii_digit()
}

fn digit_(b: u8) -> bool {
    b.is_ascii_digit() || b == b'_'
}

/// `[-+]?(0b[01_]+ | 0o?[0-7_]+ | [0-9_]+ | 0x[0-9a-fA-F_]+)`, tried only on text starting
/// with a sign or digit (ruamel picks resolvers by first character, so `_1` stays a string).
fn is_int(text: &str) -> bool {
    if !text.starts_with(|c: char| c == '-' || c == '+' || c.is_ascii_digit()) {
        return false;
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let all = |s: &str, accept: fn(u8) -> bool| !s.is_empty() && s.bytes().all(accept);
    let octal = |b: u8| matches!(b, b'0'..=b'7' | b'_');
    all(body, digit_)
        || body
            .strip_prefix("0b")
            .is_some_and(|r| all(r, |b| matches!(b, b'0' | b'1' | b'_')))
        || body.strip_prefix("0o").is_some_and(|r| all(r, octal))
        || body
            .strip_prefix("0x")
            .is_some_and(|r| all(r, |b| b.is_ascii_hexdigit() || b == b'_'))
}

/// `[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+]?[0-9]+)?`, `[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+`,
/// `[-+]?\.[0-9_]+([eE][-+][0-9]+)?`, `[-+]?\.(inf|Inf|INF)`, `\.(nan|NaN|NAN)`
fn is_float(text: &str) -> bool {
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let mut s = Scan::new(text);
    s.eat(sign);
    if matches!(&text[s.at..], ".inf" | ".Inf" | ".INF") {
        return true;
    }
    let has_exponent = |s: &mut Scan| s.eat(|b| b == b'e' || b == b'E');
    let exponent_digits =
        |s: &mut Scan, sign_required: bool| (s.eat(sign) || !sign_required) && s.eat_all(digit) > 0;
    if s.eat(digit) {
        s.eat_all(digit_);
        if s.eat_str(".") {
            s.eat_all(digit_);
            (!has_exponent(&mut s) || exponent_digits(&mut s, false)) && s.done()
        } else {
            // Without a point the exponent is required.
            has_exponent(&mut s) && exponent_digits(&mut s, false) && s.done()
        }
    } else if s.eat_str(".") {
        // After a leading point, the exponent's sign is required.
        s.eat_all(digit_) > 0
            && (!has_exponent(&mut s) || exponent_digits(&mut s, true))
            && s.done()
    } else {
        false
    }
}

/// `YYYY-MM-DD`, or `YYYY-M-D` followed by a time: `(T|t|[ \t]+)H:MM:SS(.f*)?`, then an
/// optional `[ \t]*(Z|[-+]H(:MM)?)` zone.
fn is_timestamp(text: &str) -> bool {
    let mut s = Scan::new(text);
    let year = (0..4).all(|_| s.eat(digit));
    if !year || !s.eat_str("-") {
        return false;
    }
    let month = s.eat_all(digit);
    if !(1..=2).contains(&month) || !s.eat_str("-") {
        return false;
    }
    let day = s.eat_all(digit);
    if month == 2 && day == 2 && s.done() {
        return true;
    }
    if !(1..=2).contains(&day) {
        return false;
    }
    let blank = |b: u8| b == b' ' || b == b'\t';
    if !(s.eat(|b| b == b'T' || b == b't') || s.eat_all(blank) > 0) {
        return false;
    }
    let hour = s.eat_all(digit);
    let time = (1..=2).contains(&hour)
        && s.eat_str(":")
        && s.eat_all(digit) == 2
        && s.eat_str(":")
        && s.eat_all(digit) == 2;
    if !time {
        return false;
    }
    if s.eat_str(".") {
        s.eat_all(digit);
    }
    s.eat_all(blank);
    if s.done() || (s.eat_str("Z") && s.done()) {
        return true;
    }
    if !s.eat(sign) || !(1..=2).contains(&s.eat_all(digit)) {
        return false;
    }
    if s.eat_str(":") && s.eat_all(digit) != 2 {
        return false;
    }
    s.done()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_dvc_ruamel_loader() {
        // Expectations taken from ruamel 0.19 as DVC 3.67 loads params.yaml (`YAML(typ="safe")`).
        let big = |text: &str| integer(text.starts_with('-'), text.trim_start_matches('-'), 10);
        let cases = [
            ("yes", Value::Str("yes".into())),
            ("on", Value::Str("on".into())),
            ("No", Value::Str("No".into())),
            ("1_000", Value::Int(1000)),
            ("1__", Value::Int(1)),
            ("0o17", Value::Int(15)),
            ("017", Value::Int(17)),
            ("09", Value::Int(9)),
            ("0x1F", Value::Int(31)),
            ("0x_1", Value::Int(1)),
            ("0b101", Value::Int(5)),
            ("+3", Value::Int(3)),
            ("-0", Value::Int(0)),
            ("00", Value::Int(0)),
            ("~", Value::Null),
            ("", Value::Null),
            ("True", Value::Bool(true)),
            ("FALSE", Value::Bool(false)),
            ("1e5", Value::Float(100000.0)),
            ("12e3", Value::Float(12000.0)),
            ("1.0e5", Value::Float(100000.0)),
            ("1.e5", Value::Float(100000.0)),
            (".5e+5", Value::Float(50000.0)),
            ("-.5", Value::Float(-0.5)),
            ("+.5", Value::Float(0.5)),
            ("1.", Value::Float(1.0)),
            ("0.", Value::Float(0.0)),
            ("1_0.5", Value::Float(10.5)),
            (".inf", Value::Float(f64::INFINITY)),
            ("-.Inf", Value::Float(f64::NEG_INFINITY)),
            // After a leading point the exponent needs its sign: `.5e5` is a string.
            (".5e5", Value::Str(".5e5".into())),
            ("NaN", Value::Str("NaN".into())),
            ("nan", Value::Str("nan".into())),
            ("-.nan", Value::Str("-.nan".into())),
            ("inf", Value::Str("inf".into())),
            ("12:30", Value::Str("12:30".into())),
            ("1:20:30", Value::Str("1:20:30".into())),
            ("0x", Value::Str("0x".into())),
            ("0o", Value::Str("0o".into())),
            ("0b", Value::Str("0b".into())),
            ("1e", Value::Str("1e".into())),
            ("e5", Value::Str("e5".into())),
            ("_1", Value::Str("_1".into())),
            (".", Value::Str(".".into())),
            ("-", Value::Str("-".into())),
            ("-.", Value::Str("-.".into())),
            ("1.2.3", Value::Str("1.2.3".into())),
            // ruamel resolves these as int or float but cannot build them; DVC fails on them.
            ("+_", Value::Str("+_".into())),
            ("._", Value::Str("._".into())),
            ("2024-01-31", Value::Timestamp("2024-01-31".into())),
            (
                "2024-1-5 10:00:00",
                Value::Timestamp("2024-1-5 10:00:00".into()),
            ),
            (
                "2024-01-31T10:00:00Z",
                Value::Timestamp("2024-01-31T10:00:00Z".into()),
            ),
            (
                "2001-12-14 21:59:43.10 -5",
                Value::Timestamp("2001-12-14 21:59:43.10 -5".into()),
            ),
            ("2024-1-1", Value::Str("2024-1-1".into())),
            ("2024-01-31x", Value::Str("2024-01-31x".into())),
            ("2024-01", Value::Str("2024-01".into())),
        ];
        for (text, expected) in cases {
            let got = resolve_plain(text);
            assert_eq!(got, expected, "for {text:?}");
            assert_eq!(
                reads_back_as_string(text),
                matches!(got, Value::Str(_)) && !matches!(text, "+_" | "._"),
                "for {text:?}"
            );
        }
        assert!(matches!(resolve_plain(".NaN"), Value::Float(f) if f.is_nan()));
        assert_eq!(
            Some(resolve_plain("10000000000000000001")),
            big("10000000000000000001")
        );
        assert_eq!(
            Some(resolve_plain("-123_456_789_012_345_678_901_234_567_890")),
            big("-123456789012345678901234567890")
        );
        assert!(!reads_back_as_string("<<"));
        assert_eq!(resolve_plain("="), Value::Str("=".into()));
    }
}
