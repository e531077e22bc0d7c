//! Writes YAML scalars in the style ruamel (DVC's emitter) picks, so files kin writes are
//! byte-identical to DVC's.

use kin_pipeline::yaml::Value;

/// A string scalar as ruamel writes it in block context: plain when that reads back as the
/// same string, else single-quoted, else double-quoted with escapes.
pub fn scalar(text: &str) -> String {
    let analysis = analyze(text);
    if analysis.plain_ok && reads_back_as_string(text) {
        text.to_owned()
    } else if analysis.single_ok {
        format!("'{}'", text.replace('\'', "''"))
    } else {
        double_quoted(text)
    }
}

struct Analysis {
    plain_ok: bool,
    single_ok: bool,
}

fn is_blank(c: Option<char>) -> bool {
    matches!(
        c,
        None | Some(' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
    )
}

/// PyYAML's scalar analysis, reduced to what block-context values need.
fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            plain_ok: false,
            single_ok: true,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let mut indicators = text.starts_with("---") || text.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let previous_blank = i == 0 || is_blank(chars.get(i - 1).copied());
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) || ("?:-".contains(c) && is_blank(next)) {
                indicators = true;
            }
        } else if (c == ':' && is_blank(next)) || (c == '#' && previous_blank) {
            indicators = true;
        }
        if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            line_breaks = true;
        }
        let printable = c == '\n'
            || (' '..='~').contains(&c)
            || (c == '\u{85}'
                || ('\u{a0}'..='\u{d7ff}').contains(&c)
                || ('\u{e000}'..='\u{fffd}').contains(&c)
                || c > '\u{ffff}')
                && c != '\u{feff}';
        if !printable {
            special = true;
        }
    }
    let edge_space = is_blank(chars.first().copied()) || is_blank(chars.last().copied());
    Analysis {
        plain_ok: !(indicators || line_breaks || special || edge_space),
        single_ok: !(line_breaks || special),
    }
}

/// A plain scalar must not read back as a bool, number or null.
fn reads_back_as_string(text: &str) -> bool {
    let node = kin_pipeline::yaml::parse_yaml(&format!("k: {text}\n"));
    let read_back = node
        .ok()
        .and_then(|n| n.as_map().and_then(|m| m.get("k").map(|v| v.value.clone())));
    matches!(read_back, Some(Value::Str(s)) if s == text)
}

fn double_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_ruamel() {
        // Recorded from DVC 3.67.1's YAML dumper (ruamel 0.19).
        let cases = [
            ("data", "data"),
            ("-x", "-x"),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("#x", "'#x'"),
            ("yes", "yes"),
            ("true", "'true'"),
            ("1.5", "'1.5'"),
            ("ünï/x", "ünï/x"),
            ("a b", "a b"),
            ("x:y", "x:y"),
            ("@a", "'@a'"),
            ("[a]", "'[a]'"),
            ("it's", "it's"),
            ("", "''"),
            ("~", "'~'"),
            ("null", "'null'"),
            ("012", "'012'"),
            ("1e3", "'1e3'"),
            ("a\"b", "a\"b"),
            ("tab\there", "\"tab\\there\""),
            ("%x", "'%x'"),
            ("?x", "?x"),
            ("|x", "'|x'"),
            (" x", "' x'"),
            ("x ", "'x '"),
            ("{a}", "'{a}'"),
            ("a,b", "a,b"),
            ("a]", "a]"),
            ("0x1", "'0x1'"),
            (".inf", "'.inf'"),
            ("a\nb", "\"a\\nb\""),
        ];
        for (input, expected) in cases {
            assert_eq!(scalar(input), expected, "for {input:?}");
        }
    }
}
