//! The style ruamel picks for a scalar (plain, single- or double-quoted) and whether a key is
//! simple: its analysis of the text, and whether plain text would read back as a string.

use super::escape::{is_blank, is_break, is_printable};
use super::{MAX_SIMPLE_KEY_LENGTH, STR_TAG_LENGTH};
use crate::yaml::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    Single,
    Double,
}

/// The text and style of a scalar. `null` is written as nothing (`key:`, `- `) except as
/// the whole document.
pub(super) fn scalar_text(value: &Value, root: bool) -> (String, Style) {
    let plain = |text: String| (text, Style::Plain);
    match value {
        Value::Null if root => plain("null".to_owned()),
        Value::Null => plain(String::new()),
        Value::Bool(b) => plain(b.to_string()),
        Value::Int(i) => plain(i.to_string()),
        Value::Float(f) if f.is_nan() => plain(".nan".to_owned()),
        Value::Float(f) if f.is_infinite() => {
            plain(if *f > 0.0 { ".inf" } else { "-.inf" }.to_owned())
        }
        // Python's repr of a finite float, which ruamel writes as is.
        Value::Float(f) => plain(crate::python::float_repr(*f)),
        Value::Timestamp(t) => plain(t.clone()),
        Value::Str(s) => (s.clone(), choose_style(s)),
        // Collections are written by `Emitter::node`, never as scalars.
        Value::List(_) | Value::Map(_) => plain(String::new()),
    }
}

/// `key:` rather than `? key` / `: value`: short enough, and on one line.
pub(super) fn is_simple_key(key: &str) -> bool {
    key.chars().count() + STR_TAG_LENGTH < MAX_SIMPLE_KEY_LENGTH && !key.chars().any(is_break)
}

/// ruamel's style for a string: plain when allowed and it reads back as a string, else
/// double-quoted if it holds `'` or `\n`, else single-quoted when that can represent it,
/// else double-quoted. (ruamel's extra limits for simple keys — no plain empty or
/// multi-line key, no single-quoted multi-line key — never bite: the empty string is never
/// plain anyway and multi-line keys are written as explicit `? ` keys.)
pub(super) fn choose_style(text: &str) -> Style {
    let analysis = Analysis::of(text);
    if analysis.plain && !resolves_as_non_string(text) {
        return Style::Plain;
    }
    if text.contains('\'') || text.contains('\n') {
        return Style::Double;
    }
    if analysis.single_quoted {
        Style::Single
    } else {
        Style::Double
    }
}

/// Which styles can represent a string in block context.
struct Analysis {
    plain: bool,
    single_quoted: bool,
}

impl Analysis {
    fn of(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            // Plain is "allowed" but `''` reads back as null, so it ends up single-quoted.
            return Self {
                plain: true,
                single_quoted: true,
            };
        }
        // An indicator where a plain scalar would make it syntax.
        let mut indicator = text.starts_with("---") || text.starts_with("...");
        let mut line_breaks = false;
        let mut special = false;
        // A space right after a break, or right before one.
        let mut break_space = false;
        let mut space_break = false;
        for (i, &c) in chars.iter().enumerate() {
            let followed_by_blank = is_blank(chars.get(i + 1));
            if i == 0 {
                indicator |= "#,[]{}&*!|>'\"%@`".contains(c)
                    || (matches!(c, '?' | ':' | '-') && followed_by_blank);
            } else {
                let preceded_by_blank = is_blank(chars.get(i - 1));
                indicator |= (c == ':' && followed_by_blank) || (c == '#' && preceded_by_blank);
            }
            line_breaks |= is_break(c);
            special |= !(c == '\n' || c == '\u{85}' || is_printable(c)) || c == '\u{feff}';
            if i > 0 {
                let previous = chars[i - 1];
                break_space |= c == ' ' && is_break(previous);
                space_break |= is_break(c) && previous == ' ';
            }
        }
        let edge = |c: Option<&char>| c.is_some_and(|&c| c == ' ' || is_break(c));
        let edge_space = edge(chars.first()) || edge(chars.last());
        Self {
            // Plain scalars could carry line breaks, but ruamel never writes them so.
            plain: !(indicator || line_breaks || special || edge_space),
            single_quoted: !(special || break_space || space_break),
        }
    }
}

/// Whether plain `text` would read back as something other than a string under ruamel's
/// YAML 1.2 resolver (bool, int, float, null, timestamp, merge key `<<`, value key `=`).
fn resolves_as_non_string(text: &str) -> bool {
    matches!(text, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
        || matches!(
            text,
            "" | "~" | "null" | "Null" | "NULL" | "<<" | "=" | "!" | "&" | "*"
        )
        || is_int(text)
        || is_float(text)
        || is_timestamp(text)
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
