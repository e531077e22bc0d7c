//! Plain-scalar resolution as DVC's YAML loader (ruamel, YAML 1.2 with its extensions) does it.

use super::Value;

/// Resolves an untagged plain scalar. Quoted scalars are always strings and never come here.
pub(super) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(int) = parse_int(text) {
        return Value::Int(int);
    }
    if let Some(float) = parse_float(text) {
        return Value::Float(float);
    }
    if is_timestamp(text) {
        return Value::Timestamp(text.to_owned());
    }
    Value::Str(text.to_owned())
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// Integers: decimal (leading zeros stay decimal, `_` separators allowed), `0x`, `0o` and `0b`.
fn parse_int(text: &str) -> Option<i64> {
    let (negative, body) = split_sign(text);
    let (radix, digits) = if let Some(rest) = body.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = body.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = body.strip_prefix("0b") {
        (2, rest)
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_digit(radix)) {
        return None;
    }
    if !digits.chars().all(|c| c == '_' || c.is_digit(radix)) {
        return None;
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    let magnitude = i64::from_str_radix(&cleaned, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// Floats: `1.5`, `1.`, `.5`, `1e5`, `1.0e-3`, `.inf`, `.nan`, with `_` separators.
fn parse_float(text: &str) -> Option<f64> {
    let (negative, body) = split_sign(text);
    let sign = if negative { -1.0 } else { 1.0 };
    match body {
        ".inf" | ".Inf" | ".INF" => return Some(sign * f64::INFINITY),
        ".nan" | ".NaN" | ".NAN" if body.len() == text.len() => return Some(f64::NAN),
        _ => {}
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !digits_ok(int_part) || !frac_part.is_none_or(digits_ok) {
        return None;
    }
    if int_part.starts_with('_') {
        return None;
    }
    let has_digits = int_part.chars().any(|c| c.is_ascii_digit())
        || frac_part.is_some_and(|f| f.chars().any(|c| c.is_ascii_digit()));
    if !has_digits || (frac_part.is_none() && exponent.is_none()) {
        return None;
    }
    if let Some(exp) = exponent {
        let (_, exp_digits) = split_sign(exp);
        if exp_digits.is_empty() || !exp_digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    cleaned.parse::<f64>().ok()
}

/// YAML 1.1 timestamps, which DVC's loader still resolves: `2024-01-31`, optionally followed
/// by a time (`T` or spaces, `hh:mm:ss`, fraction, zone).
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0..4) && b.get(4) == Some(&b'-')) {
        return false;
    }
    // Month and day have one or two digits.
    let mut i = 5;
    for part in 0..2 {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) && i - start < 2 {
            i += 1;
        }
        if i == start {
            return false;
        }
        if part == 0 {
            if b.get(i) != Some(&b'-') {
                return false;
            }
            i += 1;
        }
    }
    if i == b.len() {
        return true;
    }
    // A time part: separator, then hh:mm:ss; whatever follows (fraction, zone) is accepted loosely.
    let rest = &text[i..];
    let time = rest
        .trim_start_matches(['T', 't'])
        .trim_start_matches([' ', '\t']);
    if time.len() == rest.len() {
        return false;
    }
    let t = time.as_bytes();
    let hour_len = t.iter().take_while(|c| c.is_ascii_digit()).count();
    (1..=2).contains(&hour_len)
        && t.get(hour_len) == Some(&b':')
        && t.get(hour_len + 1..hour_len + 3)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
        && t.get(hour_len + 3) == Some(&b':')
        && t.get(hour_len + 4..hour_len + 6)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_dvc_ruamel_loader() {
        // Expectations taken from ruamel 0.19 as DVC 3.67 loads dvc.yaml.
        assert_eq!(resolve_plain("yes"), Value::Str("yes".into()));
        assert_eq!(resolve_plain("on"), Value::Str("on".into()));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("0o17"), Value::Int(15));
        assert_eq!(resolve_plain("017"), Value::Int(17));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("0b101"), Value::Int(5));
        assert_eq!(resolve_plain("+3"), Value::Int(3));
        assert_eq!(resolve_plain("00"), Value::Int(0));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("True"), Value::Bool(true));
        assert_eq!(resolve_plain("FALSE"), Value::Bool(false));
        assert_eq!(resolve_plain("1e5"), Value::Float(100000.0));
        assert_eq!(resolve_plain("1.0e5"), Value::Float(100000.0));
        assert_eq!(resolve_plain("-.5"), Value::Float(-0.5));
        assert_eq!(resolve_plain("1."), Value::Float(1.0));
        assert_eq!(resolve_plain("1_0.5"), Value::Float(10.5));
        assert_eq!(resolve_plain(".inf"), Value::Float(f64::INFINITY));
        assert!(matches!(resolve_plain(".NaN"), Value::Float(f) if f.is_nan()));
        assert_eq!(resolve_plain("12:30"), Value::Str("12:30".into()));
        assert_eq!(
            resolve_plain("2024-01-31"),
            Value::Timestamp("2024-01-31".into())
        );
        assert_eq!(
            resolve_plain("2024-1-5 10:00:00"),
            Value::Timestamp("2024-1-5 10:00:00".into())
        );
        assert_eq!(
            resolve_plain("2024-01-31T10:00:00Z"),
            Value::Timestamp("2024-01-31T10:00:00Z".into())
        );
        assert_eq!(
            resolve_plain("2024-01-31x"),
            Value::Str("2024-01-31x".into())
        );
        assert_eq!(resolve_plain("2024-01"), Value::Str("2024-01".into()));
        assert_eq!(resolve_plain("1.2.3"), Value::Str("1.2.3".into()));
        assert_eq!(resolve_plain("e5"), Value::Str("e5".into()));
        assert_eq!(resolve_plain("."), Value::Str(".".into()));
        assert_eq!(resolve_plain("-"), Value::Str("-".into()));
    }
}
