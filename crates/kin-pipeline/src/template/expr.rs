//! Finding `${...}` in strings and parsing what is inside (`a.b`, `a.list[0]`).

use super::TemplateError;

/// One `${...}` occurrence: byte range in the source string and the text inside the braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolation<'a> {
    pub start: usize,
    pub end: usize,
    pub inner: &'a str,
}

/// Finds every `${...}` not preceded by a backslash; the body ends at the first `}` on the same line.
pub fn find_interpolations(text: &str) -> Vec<Interpolation<'_>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(offset) = text[i..].find("${") {
        let start = i + offset;
        let escaped = start > 0 && bytes[start - 1] == b'\\';
        let body_start = start + 2;
        let close = text[body_start..]
            .find(['}', '\n'])
            .map(|o| body_start + o)
            .filter(|&c| bytes[c] == b'}');
        match close {
            Some(close) if !escaped => {
                found.push(Interpolation {
                    start,
                    end: close + 1,
                    inner: &text[body_start..close],
                });
                i = close + 1;
            }
            _ => i = start + 1,
        }
    }
    found
}

/// Turns `\${` back into `${` once interpolation is done.
pub fn unescape(text: &str) -> String {
    text.replace("\\${", "${")
}

/// Parses `a.b[0].c` into its segments `["a", "b", "0", "c"]`.
pub fn parse_expression(inner: &str) -> Result<Vec<String>, TemplateError> {
    let syntax = |reason| TemplateError::Syntax {
        expr: inner.to_owned(),
        reason,
    };
    let mut segments = Vec::new();
    let mut rest = inner.trim_start();
    let (first, tail) = take_word(rest);
    if first.trim().is_empty() {
        return Err(syntax("expected a variable name"));
    }
    segments.push(first.trim().to_owned());
    rest = tail;
    // Like DVC's parser, whitespace between segments is skipped.
    while let Some(c) = rest.trim_start().chars().next() {
        rest = rest.trim_start();
        match c {
            '.' => {
                let (word, tail) = take_word(&rest[1..]);
                if word.trim().is_empty() {
                    return Err(syntax("expected a key after `.`"));
                }
                segments.push(word.trim().to_owned());
                rest = tail;
            }
            '[' => {
                let (word, tail) = take_word(&rest[1..]);
                if word.trim().is_empty() {
                    return Err(syntax("expected an index inside `[]`"));
                }
                let Some(tail) = tail.strip_prefix(']') else {
                    return Err(syntax("unclosed `[`"));
                };
                segments.push(word.trim().to_owned());
                rest = tail;
            }
            _ => return Err(syntax("unexpected `]`")),
        }
    }
    Ok(segments)
}

fn take_word(text: &str) -> (&str, &str) {
    let end = text.find(['.', '[', ']']).unwrap_or(text.len());
    text.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_skips_escaped() {
        let found = find_interpolations(r"a ${x} \${y} ${z.w[0]}");
        let inners: Vec<&str> = found.iter().map(|f| f.inner).collect();
        assert_eq!(inners, ["x", "z.w[0]"]);
        assert_eq!(
            &r"a ${x} \${y} ${z.w[0]}"[found[0].start..found[0].end],
            "${x}"
        );
    }

    #[test]
    fn unterminated_is_not_an_interpolation() {
        assert!(find_interpolations("echo ${x").is_empty());
    }

    #[test]
    fn parses_paths() {
        assert_eq!(
            parse_expression("a.b[0].c").expect("ok"),
            ["a", "b", "0", "c"]
        );
        assert_eq!(parse_expression(" item ").expect("ok"), ["item"]);
        assert_eq!(
            parse_expression(" data.files[2] ").expect("ok"),
            ["data", "files", "2"]
        );
        assert!(parse_expression("").is_err());
        assert!(parse_expression("a..b").is_err());
        assert!(parse_expression("a[0").is_err());
        assert!(parse_expression("a]").is_err());
    }
}
