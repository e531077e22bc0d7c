//! Integers beyond 64 bits, which Python (so DVC) reads, compares and writes exactly.

use std::fmt;

use super::Value;

/// An integer outside `i64`'s range, kept as its decimal digits (after a `-` when negative).
///
/// [`Value::Int`] holds every integer that fits an `i64` and [`Value::BigInt`] only those that
/// do not, so each integer has exactly one representation and derived equality is exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BigInt(String);

impl BigInt {
    /// The decimal text, e.g. `10000000000000000001` or `-123456789012345678901234567890`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nearest float, as Python's `float(n)` (infinite beyond `f64`'s range).
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// The value as an `i128` when it fits (Python's arithmetic on it is then exact here).
    pub fn to_i128(&self) -> Option<i128> {
        self.0.parse().ok()
    }
}

impl fmt::Display for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A number's text split into whether it is negative and the rest, without its `-` or `+`.
pub fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// Python's `int(digits, radix)` with a sign: [`Value::Int`] when it fits an `i64`, else
/// [`Value::BigInt`]. `digits` has no sign, prefix or `_`; `None` when it is empty or holds
/// a character that is not a digit of `radix`.
pub fn integer(negative: bool, digits: &str, radix: u32) -> Option<Value> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let signed = |text: &str| {
        if negative {
            format!("-{text}")
        } else {
            text.to_owned()
        }
    };
    if let Ok(magnitude) = u64::from_str_radix(digits, radix) {
        let value = i128::from(magnitude);
        let value = if negative { -value } else { value };
        return Some(match i64::try_from(value) {
            Ok(small) => Value::Int(small),
            Err(_) => Value::BigInt(BigInt(signed(&magnitude.to_string()))),
        });
    }
    let decimal = if radix == 10 {
        digits.trim_start_matches('0').to_owned()
    } else {
        to_decimal(digits, radix)
    };
    Some(Value::BigInt(BigInt(signed(&decimal))))
}

/// The decimal digits of a number written in `radix` (already checked to be digits).
fn to_decimal(digits: &str, radix: u32) -> String {
    const LIMB: u64 = 1_000_000_000;
    // Little-endian base-10⁹ limbs.
    let mut limbs: Vec<u64> = vec![0];
    for c in digits.chars() {
        let mut carry = u64::from(c.to_digit(radix).unwrap_or(0));
        for limb in &mut limbs {
            let next = *limb * u64::from(radix) + carry;
            *limb = next % LIMB;
            carry = next / LIMB;
        }
        while carry > 0 {
            limbs.push(carry % LIMB);
            carry /= LIMB;
        }
    }
    let mut out = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            out.push_str(&limb.to_string());
        } else {
            out.push_str(&format!("{limb:09}"));
        }
    }
    out
}

/// Python's `n == f` for an integer `n` (its decimal text) and a float: exact, so
/// `2**53 + 1 != 2.0**53` although the float nearest to the integer is `2.0**53`.
pub fn int_equals_float(decimal: &str, f: f64) -> bool {
    // An integral float prints exactly with no fraction digits; `+ 0.0` makes `-0.0` print `0`.
    f.is_finite() && f.fract() == 0.0 && format!("{:.0}", f + 0.0) == decimal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integers_stay_int_and_big_ones_keep_every_digit() {
        assert_eq!(integer(false, "42", 10), Some(Value::Int(42)));
        assert_eq!(
            integer(true, "9223372036854775808", 10),
            Some(Value::Int(i64::MIN))
        );
        let big = |text: &str| Some(Value::BigInt(BigInt(text.to_owned())));
        assert_eq!(
            integer(false, "9223372036854775808", 10),
            big("9223372036854775808")
        );
        assert_eq!(
            integer(false, "10000000000000000001", 10),
            big("10000000000000000001")
        );
        assert_eq!(
            integer(true, "000123456789012345678901234567890", 10),
            big("-123456789012345678901234567890")
        );
        // 0x1_0000_0000_0000_0000_0000 (2**80) and 0o1 followed by 30 zeros (2**90).
        assert_eq!(
            integer(false, "100000000000000000000", 16),
            big("1208925819614629174706176")
        );
        assert_eq!(
            integer(false, &format!("1{}", "0".repeat(30)), 8),
            big("1237940039285380274899124224")
        );
        assert_eq!(integer(false, "", 10), None);
        assert_eq!(integer(false, "12a", 10), None);
    }

    #[test]
    fn compares_with_floats_as_python() {
        assert!(int_equals_float("10000000000000000000", 1e19));
        assert!(!int_equals_float("10000000000000000001", 1e19));
        assert!(!int_equals_float("9007199254740993", 9007199254740992.0));
        assert!(int_equals_float("0", -0.0));
        assert!(!int_equals_float("1", 1.5));
        assert!(!int_equals_float("1", f64::NAN));
    }
}
