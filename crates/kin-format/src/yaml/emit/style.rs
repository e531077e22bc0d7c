//! The style ruamel picks for a scalar (plain, single- or double-quoted) and whether a key is
//! simple, from its analysis of the text and the one resolver.

use super::escape::{is_blank, is_break, is_printable};
use super::{MAX_SIMPLE_KEY_LENGTH, STR_TAG_LENGTH};
use crate::yaml::{MapEntry, Value, reads_back_as_string};

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
        Value::BigInt(n) => plain(n.as_str().to_owned()),
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

/// The text and style of a mapping key: a string key styled as any string, another scalar
/// as that scalar (a `None` key is `null`, which ruamel writes even where a `None` value is
/// written as nothing).
pub(super) fn key_text(entry: &MapEntry) -> (String, Style) {
    match &entry.key_scalar {
        None => (entry.key.clone(), choose_style(&entry.key)),
        Some(Value::Null) => ("null".to_owned(), Style::Plain),
        Some(scalar) => scalar_text(scalar, false),
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
    if analysis.plain && reads_back_as_string(text) {
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
