//! A fast path for the plain decimals that fill most CSV files, rounding as `str::parse` does.

/// Powers of ten that are exact in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `[+-]digits[.digits]` (at least one digit) as `(value, is_integer)`, where `is_integer`
/// means `str::parse::<i64>` accepts the token; `None` sends the token to the general path.
///
/// The value is the significand (below 2^53, so exact) divided by an exact power of ten,
/// one correctly rounded operation: the correctly rounded value `str::parse::<f64>` gives.
pub fn parse_plain(token: &[u8]) -> Option<(f64, bool)> {
    let (negative, body) = match token.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, token),
    };
    let mut significand: u64 = 0;
    let mut digits = 0usize;
    let mut fraction_digits = 0usize;
    let mut seen_point = false;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                significand = significand
                    .checked_mul(10)?
                    .checked_add(u64::from(b - b'0'))?;
                digits += 1;
                if seen_point {
                    fraction_digits += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
    }
    if digits == 0 || significand > 1 << 53 || fraction_digits >= POW10.len() {
        return None;
    }
    // i64 accepts up to 18 digits always (19 may overflow: leave those to the general path).
    if !seen_point && digits > 18 {
        return None;
    }
    let magnitude = significand as f64 / POW10[fraction_digits];
    Some((if negative { -magnitude } else { magnitude }, !seen_point))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_str_parse() {
        let fast = [
            "0",
            "-0",
            "+7",
            "12345",
            "-1.5",
            "0.1",
            "3.14159",
            "-0.00001",
            "1.",
            ".5",
            "-.25",
            "9007199254740992",
            "123456789012345",
            "1234567.891011",
            "000123.4500",
            "-99999.99999",
        ];
        for t in fast {
            let want = t.parse::<f64>().expect("number");
            let (got, integer) = parse_plain(t.as_bytes()).expect(t);
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
            assert_eq!(integer, t.parse::<i64>().is_ok(), "{t}");
        }
        // Beyond 2^53, 22 decimals or 18 integer digits: the general path decides.
        let general = [
            "9007199254740993",
            "0.30000000000000004",
            "1.0000000000000000000001",
            "1234567890123456789",
            "123456789012345678",
            "",
            "-",
            ".",
            "1e5",
            "nan",
            "inf",
            "1.2.3",
            " 1",
            "1 ",
            "1,5",
            "-1.#IND",
            "0x10",
        ];
        for t in general {
            assert_eq!(parse_plain(t.as_bytes()), None, "{t}");
        }
    }

    #[test]
    fn random_decimals_round_like_str_parse() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = (state % 15) as usize + 1;
            let point = (state >> 8) as usize % (digits + 1);
            let mut t = String::new();
            if state & (1 << 40) != 0 {
                t.push('-');
            }
            let mut s = state >> 12;
            for i in 0..digits {
                if i == point && point > 0 {
                    t.push('.');
                }
                t.push(char::from(b'0' + (s % 10) as u8));
                s = (s / 10).wrapping_add(state >> (i % 50));
            }
            let want = t.parse::<f64>().expect("number");
            let (got, integer) = parse_plain(t.as_bytes()).expect("plain");
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
            assert_eq!(integer, t.parse::<i64>().is_ok(), "{t}");
        }
    }
}
