//! A JSON reader straight into [`Cell`]s, for plot data: numbers kept as their text, field
//! names shared, no hash map per row. It reads what Python's `json` module reads (`NaN` and
//! `Infinity` included; a repeated key keeps its first place and takes the last value) and
//! gives up on anything else, which the caller then reads with the general parser for its
//! error message.

use super::cells::{Cell, KeyCache, set};

/// The document in `bytes`, `None` if it is not JSON as Python reads it.
pub fn read(bytes: &[u8]) -> Option<Cell> {
    let mut reader = Reader {
        bytes,
        at: 0,
        keys: KeyCache::default(),
        depth: 0,
    };
    let value = reader.value()?;
    reader.skip_space();
    (reader.at == bytes.len()).then_some(value)
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 512;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    keys: KeyCache,
    depth: usize,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, literal: &[u8]) -> bool {
        if self.bytes[self.at..].starts_with(literal) {
            self.at += literal.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Cell> {
        self.skip_space();
        match self.peek()? {
            b'{' => self.nested(Self::object),
            b'[' => self.nested(Self::array),
            b'"' => Some(Cell::Text(self.string()?.into())),
            b't' => self.eat(b"true").then_some(Cell::Bool(true)),
            b'f' => self.eat(b"false").then_some(Cell::Bool(false)),
            b'n' => self.eat(b"null").then_some(Cell::Null),
            b'N' => self.eat(b"NaN").then(|| Cell::Number("NaN".into())),
            b'I' => self
                .eat(b"Infinity")
                .then(|| Cell::Number("Infinity".into())),
            b'-' if self.bytes[self.at..].starts_with(b"-Infinity") => {
                self.at += "-Infinity".len();
                Some(Cell::Number("-Infinity".into()))
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Option<Cell>) -> Option<Cell> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Option<Cell> {
        self.at += 1;
        let mut entries = Vec::new();
        self.skip_space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(Cell::Map(entries));
        }
        loop {
            self.skip_space();
            if self.peek()? != b'"' {
                return None;
            }
            let name = self.string()?;
            let key = self.keys.key(&name);
            self.skip_space();
            if self.peek()? != b':' {
                return None;
            }
            self.at += 1;
            let value = self.value()?;
            set(&mut entries, key, value);
            self.skip_space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(Cell::Map(entries));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self) -> Option<Cell> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(Cell::List(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(Cell::List(items));
                }
                _ => return None,
            }
        }
    }

    /// A number's text, checked against JSON's grammar.
    fn number(&mut self) -> Option<Cell> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        Some(Cell::Number(text.into()))
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    /// A string's content, escapes decoded; control characters are refused, as Python's
    /// strict decoder refuses them.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let start = self.at;
        // The common case: no escapes, one slice.
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
                    self.at += 1;
                    return Some(text.to_owned());
                }
                b'\\' => break,
                0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
        let mut text = std::str::from_utf8(&self.bytes[start..self.at])
            .ok()?
            .to_owned();
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(text);
                }
                b'\\' => {
                    self.at += 1;
                    let escaped = self.peek()?;
                    self.at += 1;
                    match escaped {
                        b'"' => text.push('"'),
                        b'\\' => text.push('\\'),
                        b'/' => text.push('/'),
                        b'b' => text.push('\u{8}'),
                        b'f' => text.push('\u{c}'),
                        b'n' => text.push('\n'),
                        b'r' => text.push('\r'),
                        b't' => text.push('\t'),
                        b'u' => text.push(self.unicode_escape()?),
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                _ => {
                    let run_start = self.at;
                    while self
                        .peek()
                        .is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20)
                    {
                        self.at += 1;
                    }
                    text.push_str(std::str::from_utf8(&self.bytes[run_start..self.at]).ok()?);
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let value = u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?;
        self.at += 4;
        Some(value)
    }

    /// `\uXXXX`, a surrogate pair as one character; a lone surrogate (which Python keeps
    /// but UTF-8 cannot hold) ends the fast path.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xd800..0xdc00).contains(&first) && self.eat(b"\\u") {
            let second = self.hex4()?;
            if (0xdc00..0xe000).contains(&second) {
                return char::from_u32(0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00));
            }
            return None;
        }
        char::from_u32(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::cells::{Style, write_cell};

    fn round_trip(text: &str) -> Option<String> {
        let cell = read(text.as_bytes())?;
        let mut out = String::new();
        write_cell(&mut out, &cell, Style::Python);
        Some(out)
    }

    #[test]
    fn reads_what_python_reads() {
        assert_eq!(
            round_trip(r#" {"a": [1, -0.5e1, NaN, -Infinity, true, null], "b": "x\u00e9\ud83d\ude00\n", "a": 2} "#)
                .as_deref(),
            Some(r#"{"a": 2, "b": "x\u00e9\ud83d\ude00\n"}"#)
        );
        assert_eq!(round_trip("[]").as_deref(), Some("[]"));
        assert_eq!(round_trip("1.0").as_deref(), Some("1.0"));
    }

    #[test]
    fn refuses_what_python_refuses() {
        for bad in [
            "[1,]",
            "{\"a\" 1}",
            "01",
            "1.",
            "-",
            "\"\t\"",
            "[1] x",
            "{'a': 1}",
            "\"\\x\"",
        ] {
            assert!(read(bad.as_bytes()).is_none(), "{bad}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(read(deep.as_bytes()).is_none());
    }
}
