//! Which characters ruamel treats as breaks, blanks and printable, and how it escapes the rest
//! in double quotes.

pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// What ruamel's analysis counts as whitespace around an indicator.
pub(super) fn is_blank(c: Option<&char>) -> bool {
    c.is_none_or(|&c| matches!(c, '\0' | ' ' | '\t' | '\r') || is_break(c))
}

/// Printable characters ruamel writes as they are (it dumps with `allow_unicode`).
pub(super) fn is_printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

pub(super) fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
    ) || !is_printable(c)
}

pub(super) fn escape(c: char) -> String {
    let short = match c {
        '\0' => '0',
        '\x07' => 'a',
        '\x08' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\x0b' => 'v',
        '\x0c' => 'f',
        '\r' => 'r',
        '\x1b' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        c if (c as u32) <= 0xff => return format!("\\x{:02X}", c as u32),
        c if (c as u32) <= 0xffff => return format!("\\u{:04X}", c as u32),
        c => return format!("\\U{:08X}", c as u32),
    };
    format!("\\{short}")
}
