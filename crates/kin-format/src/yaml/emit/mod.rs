//! Writes values byte-identical to ruamel.yaml's round-trip dumper as DVC 3 configures it.
//!
//! DVC dumps `dvc.lock`, `.dvc` files and run-cache entries with `YAML()`,
//! `default_flow_style = False`, width 80, indent 2 and no sequence offset. The layout rules
//! below follow ruamel's emitter state (current column, whether the last character was
//! whitespace, whether the line holds only indentation so far), because its line breaks —
//! folding long scalars, and a few quirks such as a trailing space before a word that does
//! not fit — depend on exactly that state. Comments, anchors, tags and flow collections
//! (other than the empty `[]` / `{}`) never occur in what DVC writes, so they are not modelled.

use super::Value;

/// ruamel's `best_width`: scalars are folded once a line passes this column.
const WIDTH: usize = 80;
/// ruamel's `best_indent` (mappings and sequences alike).
const INDENT: usize = 2;
/// ruamel writes a key as `? key` instead of `key:` when the key plus its tag reach this length.
const MAX_SIMPLE_KEY_LENGTH: usize = 128;
/// ruamel counts the key's tag (`!!str`) into that length even though it never writes it.
const STR_TAG_LENGTH: usize = 5;

/// The whole document ruamel writes for `value`, ending with a newline.
pub fn to_yaml_document(value: &Value) -> String {
    let mut emitter = Emitter::new();
    let open_ended = emitter.node(value, None, Context::Root);
    // ruamel ends the document by going to a fresh line at indent 0.
    emitter.write_indent(0);
    if open_ended {
        // A plain scalar at the root could run on into a next document, so ruamel closes it.
        emitter.write_indicator("...", true, false, false);
        emitter.write_indent(0);
    }
    emitter.out
}

/// The text ruamel writes for the string `text` as a block mapping value whose key's `:`
/// ends at `column` (0-based), with continuation lines indented by `indent` spaces (the
/// key's own indent plus 2). The result starts with the separating space and has no
/// trailing newline; long values are folded onto continuation lines exactly as in
/// [`to_yaml_document`].
pub fn scalar_string(text: &str, indent: usize, column: usize) -> String {
    let mut emitter = Emitter {
        out: String::new(),
        column,
        // Right after `key:` — the state ruamel is in when it starts a mapping value.
        whitespace: false,
        indention: false,
    };
    let style = choose_style(text);
    emitter.write_scalar(text, style, Some(indent), true);
    emitter.out
}

/// The string `text` as ruamel writes it where the line is not folded (a short value, or
/// a key): plain when that reads back as the same string, else single- or double-quoted.
pub fn unfolded_scalar(text: &str) -> String {
    let mut emitter = Emitter::new();
    let style = choose_style(text);
    // No indent and no splitting: neither of ruamel's line-breaking rules applies.
    emitter.write_scalar(text, style, None, false);
    emitter.out
}

/// Where a node sits; it decides how a block sequence is indented and whether a scalar
/// first pads to its indent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    MappingValue,
    SequenceItem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
}

struct Emitter {
    out: String,
    /// In characters (Python code points), as ruamel counts.
    column: usize,
    /// The last character written was whitespace, so an indicator needs no space before it.
    whitespace: bool,
    /// The current line holds only indentation and the indicators `-`, `?`, `:`.
    indention: bool,
}

impl Emitter {
    fn new() -> Self {
        Self {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
        }
    }

    /// Writes one node. `parent` is the indent of the enclosing block collection (`None` at
    /// the root). Returns whether the node was a plain scalar at the root (open-ended).
    fn node(&mut self, value: &Value, parent: Option<usize>, context: Context) -> bool {
        let root = context == Context::Root;
        match value {
            Value::List(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Map(map) if map.is_empty() => self.empty_flow("{", "}"),
            Value::List(items) => {
                // A sequence that is a mapping value after `key:` is not indented (`- ` lines
                // up with the key); only after an explicit `? key` / `:` pair is it indented.
                let indentless = context == Context::MappingValue && !self.indention;
                let indent = match parent {
                    None => 0,
                    Some(p) if indentless => p,
                    Some(p) => p + INDENT,
                };
                for item in items {
                    self.write_indent(indent);
                    self.write_indicator("-", true, false, true);
                    self.node(&item.value, Some(indent), Context::SequenceItem);
                }
            }
            Value::Map(map) => {
                let indent = parent.map_or(0, |p| p + INDENT);
                let scalar_indent = Some(indent + INDENT);
                for entry in map.iter() {
                    self.write_indent(indent);
                    if is_simple_key(&entry.key) {
                        // Simple keys are never folded (but see `write_plain` for long words).
                        let style = choose_style(&entry.key);
                        self.write_scalar(&entry.key, style, scalar_indent, false);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        let style = choose_style(&entry.key);
                        self.write_scalar(&entry.key, style, scalar_indent, true);
                        self.write_indent(indent);
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(&entry.value.value, Some(indent), Context::MappingValue);
                }
            }
            scalar => {
                let (text, style) = scalar_text(scalar, root);
                let indent = parent.map(|p| p + INDENT);
                if context == Context::SequenceItem {
                    // ruamel moves to the item's indent first: `-` then one padding space.
                    self.write_indent(indent.unwrap_or(0));
                }
                self.write_scalar(&text, style, indent, true);
                return root && style == Style::Plain;
            }
        }
        false
    }

    /// `[]` or `{}`; ruamel ends the line right after a flow collection that is not inside
    /// another one, so what follows starts on a fresh line.
    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
        self.line_break(None);
    }

    fn write_scalar(&mut self, text: &str, style: Style, indent: Option<usize>, split: bool) {
        match style {
            Style::Plain => self.write_plain(text, indent, split),
            Style::Single => self.write_single_quoted(text, indent.unwrap_or(0), split),
            Style::Double => self.write_double_quoted(text, indent.unwrap_or(0), split),
        }
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
        self.column += text.chars().count();
    }

    fn push_chars(&mut self, chars: &[char]) {
        self.out.extend(chars);
        self.column += chars.len();
    }

    /// Writes an indicator, with a separating space when the indicator needs one and the
    /// last character was not whitespace.
    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.push(" ");
        }
        self.push(indicator);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
    }

    /// Moves to column `indent`, starting a new line unless the current one holds nothing
    /// but indentation short of (or, after whitespace, at) that column.
    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.line_break(None);
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = indent - self.column;
            self.out.extend(std::iter::repeat_n(' ', pad));
            self.column = indent;
        }
    }

    /// Ends the line with `\n`, or with the given break character (ruamel writes a
    /// `\u{85}`, `\u{2028}` or `\u{2029}` inside a single-quoted scalar as the break itself).
    fn line_break(&mut self, with: Option<char>) {
        self.out.push(with.unwrap_or('\n'));
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
    }

    /// A plain scalar. With `split`, a single space is replaced by a line break once the line
    /// has reached the width. Independently of `split` (so even in keys), a word that would
    /// cross the width starts a new line if the current one already has text past the
    /// indent — after the space before it was written, which leaves a trailing space.
    fn write_plain(&mut self, text: &str, indent: Option<usize>, split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.push(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let chars: Vec<char> = text.chars().collect();
        for run in runs(&chars) {
            match run {
                Run::Spaces(spaces) => {
                    if spaces.len() == 1 && self.column >= WIDTH && split {
                        self.write_indent(indent.unwrap_or(0));
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.push_chars(spaces);
                    }
                }
                Run::Word(word) => {
                    if let Some(indent) = indent
                        && self.column + word.len() > WIDTH
                        && self.column > indent
                    {
                        self.write_indent(indent);
                    }
                    self.push_chars(word);
                }
                // Plain style is never chosen for text with line breaks.
                Run::Breaks(breaks) => self.push_chars(breaks),
            }
        }
    }

    /// A single-quoted scalar: `'` doubled; with `split`, a single inner space is replaced by
    /// a line break when the line is already past the width.
    fn write_single_quoted(&mut self, text: &str, indent: usize, split: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let mut at = 0;
        for run in runs(&chars) {
            let len = run.chars().len();
            match run {
                Run::Spaces(spaces) => {
                    let inner = at != 0 && at + len != chars.len();
                    if len == 1 && self.column > WIDTH && split && inner {
                        self.write_indent(indent);
                    } else {
                        self.push_chars(spaces);
                    }
                }
                Run::Breaks(breaks) => {
                    // Only `\u{85}`, `\u{2028}`, `\u{2029}` get here: text with `\n` is
                    // always double-quoted.
                    if breaks.first() == Some(&'\n') {
                        self.line_break(None);
                    }
                    for &b in breaks {
                        self.line_break(if b == '\n' { None } else { Some(b) });
                    }
                    self.write_indent(indent);
                }
                Run::Word(word) => {
                    for piece in word.split_inclusive(|&c| c == '\'') {
                        match piece.split_last() {
                            Some((&'\'', head)) => {
                                self.push_chars(head);
                                self.push("''");
                            }
                            _ => self.push_chars(piece),
                        }
                    }
                }
            }
            at += len;
        }
        self.write_indicator("'", false, false, false);
    }

    /// A double-quoted scalar with ruamel's escapes. With `split`, the line is broken at a
    /// space (or right after an escape) once it runs past the width. The break folds the
    /// space away when the next word reads back unchanged; otherwise the line ends in `\`
    /// (an escaped line break) and a following space is kept as `\ `.
    fn write_double_quoted(&mut self, text: &str, indent: usize, split: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        // `start..end` is text read but not yet written; `start` passes `end` by one right
        // after an escape.
        let mut start = 0;
        let mut end = 0;
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            if ch.is_none_or(needs_escape) {
                if start < end {
                    self.push_chars(&chars[start..end]);
                    start = end;
                }
                if let Some(c) = ch {
                    self.push(&escape(c));
                    start = end + 1;
                }
            }
            // `start` may be `end + 1` here, which makes ruamel count the line one short.
            let line_end = self.column as isize + end as isize - start as isize;
            let past_width = line_end > WIDTH as isize;
            if split
                && past_width
                && 0 < end
                && end + 1 < chars.len()
                && (ch == Some(' ') || start >= end)
            {
                let backslash = needs_backslash(&chars, start, end);
                if start < end {
                    self.push_chars(&chars[start..end]);
                    start = end;
                }
                if backslash {
                    self.push("\\");
                }
                self.write_indent(indent);
                self.whitespace = false;
                self.indention = false;
                if chars[start] == ' ' {
                    if backslash {
                        self.push("\\");
                    } else {
                        // The line break reads back as this space.
                        start += 1;
                    }
                }
            }
            end += 1;
        }
        self.write_indicator("\"", false, false, false);
    }
}

/// Whether a double-quoted line broken before `chars[end]` must end in `\`: a plain fold
/// reads back as one space, which is only right when the break replaces a single space
/// that is followed by an ordinary next word.
fn needs_backslash(chars: &[char], start: usize, end: usize) -> bool {
    let Some(space) = chars[end..].iter().position(|&c| c == ' ').map(|p| p + end) else {
        return true;
    };
    // ruamel inspects the text from the break up to the next space (or an earlier `\n`);
    // when breaking at a space that stretch is empty.
    let stop = chars[end..space]
        .iter()
        .position(|&c| c == '\n')
        .map_or(space, |p| p + end);
    let Some(&after) = chars.get(stop + 1) else {
        return true;
    };
    if chars[stop] == '\n' && after != ' ' {
        return true;
    }
    let word = &chars[end..stop];
    let quoted = word.contains(&'"') || word.contains(&'\'');
    let double_space = chars[end - 1] == ' ' && chars[end] == ' ';
    quoted || after == ' ' || after == '\n' || double_space || start == end
}

/// Runs of spaces, of line breaks, and of everything else, as ruamel's writers split text.
#[derive(Debug)]
enum Run<'a> {
    Spaces(&'a [char]),
    Breaks(&'a [char]),
    Word(&'a [char]),
}

impl<'a> Run<'a> {
    fn chars(&self) -> &'a [char] {
        match self {
            Run::Spaces(c) | Run::Breaks(c) | Run::Word(c) => c,
        }
    }
}

fn runs(chars: &[char]) -> Vec<Run<'_>> {
    let kind = |c: char| match c {
        ' ' => 0,
        c if is_break(c) => 1,
        _ => 2,
    };
    let mut out = Vec::new();
    let mut rest = chars;
    while let Some(&first) = rest.first() {
        let len = rest.iter().take_while(|&&c| kind(c) == kind(first)).count();
        let (run, tail) = rest.split_at(len);
        out.push(match kind(first) {
            0 => Run::Spaces(run),
            1 => Run::Breaks(run),
            _ => Run::Word(run),
        });
        rest = tail;
    }
    out
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// What ruamel's analysis counts as whitespace around an indicator.
fn is_blank(c: Option<&char>) -> bool {
    c.is_none_or(|&c| matches!(c, '\0' | ' ' | '\t' | '\r') || is_break(c))
}

/// Printable characters ruamel writes as they are (it dumps with `allow_unicode`).
fn is_printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
    ) || !is_printable(c)
}

fn escape(c: char) -> String {
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

/// The text and style of a scalar. `null` is written as nothing (`key:`, `- `) except as
/// the whole document.
fn scalar_text(value: &Value, root: bool) -> (String, Style) {
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
fn is_simple_key(key: &str) -> bool {
    key.chars().count() + STR_TAG_LENGTH < MAX_SIMPLE_KEY_LENGTH && !key.chars().any(is_break)
}

/// ruamel's style for a string: plain when allowed and it reads back as a string, else
/// double-quoted if it holds `'` or `\n`, else single-quoted when that can represent it,
/// else double-quoted. (ruamel's extra limits for simple keys — no plain empty or
/// multi-line key, no single-quoted multi-line key — never bite: the empty string is never
/// plain anyway and multi-line keys are written as explicit `? ` keys.)
fn choose_style(text: &str) -> Style {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Location, Map, Node};

    fn map(entries: Vec<(&str, Value)>) -> Value {
        let mut m = Map::new();
        for (k, v) in entries {
            m.insert(k.to_owned(), Location::UNKNOWN, Node::unlocated(v));
        }
        Value::Map(m)
    }

    fn list(items: Vec<Value>) -> Value {
        Value::List(items.into_iter().map(Node::unlocated).collect())
    }

    fn s(text: &str) -> Value {
        Value::Str(text.to_owned())
    }

    /// The line ruamel writes for `k: <text>`, without `k: ` and the final newline.
    fn as_value(text: &str) -> String {
        let doc = to_yaml_document(&map(vec![("k", s(text))]));
        doc["k: ".len()..doc.len() - 1].to_owned()
    }

    #[test]
    fn lock_file_layout() {
        // Recorded from ruamel.yaml 0.19.1 as DVC 3.67.1 configures it.
        let doc = map(vec![
            ("schema", s("2.0")),
            (
                "stages",
                map(vec![(
                    "train",
                    map(vec![
                        (
                            "cmd",
                            s(
                                "python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 --model resnet50 --out model.pkl",
                            ),
                        ),
                        (
                            "deps",
                            list(vec![map(vec![
                                ("path", s("data/raw")),
                                ("hash", s("md5")),
                                ("md5", s("0d3c4b4e6f5a.dir")),
                                ("size", Value::Int(1234)),
                                ("nfiles", Value::Int(3)),
                            ])]),
                        ),
                        (
                            "params",
                            map(vec![(
                                "params.yaml",
                                map(vec![
                                    ("lr", Value::Float(0.001)),
                                    (
                                        "model",
                                        map(vec![
                                            ("layers", list(vec![Value::Int(64), Value::Int(32)])),
                                            ("dropout", Value::Null),
                                            (
                                                "name",
                                                s(
                                                    "a long model name that needs folding because it is deeply nested in params",
                                                ),
                                            ),
                                        ]),
                                    ),
                                ]),
                            )]),
                        ),
                        (
                            "outs",
                            list(vec![map(vec![
                                ("path", s("model.pkl")),
                                ("hash", s("md5")),
                                ("md5", s("9dd4e461268c8034f5c8564e155c67a6")),
                                ("size", Value::Int(10)),
                            ])]),
                        ),
                    ]),
                )]),
            ),
        ]);
        // Note the trailing space after `64`: ruamel writes the space, then moves the word
        // that does not fit to the next line.
        let expected = "schema: '2.0'
stages:
  train:
    cmd: python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 \n      --model resnet50 --out model.pkl
    deps:
    - path: data/raw
      hash: md5
      md5: 0d3c4b4e6f5a.dir
      size: 1234
      nfiles: 3
    params:
      params.yaml:
        lr: 0.001
        model:
          layers:
          - 64
          - 32
          dropout:
          name: a long model name that needs folding because it is deeply nested
            in params
    outs:
    - path: model.pkl
      hash: md5
      md5: 9dd4e461268c8034f5c8564e155c67a6
      size: 10
";
        assert_eq!(to_yaml_document(&doc), expected);
    }

    #[test]
    fn scalars_and_empty_collections() {
        let doc = map(vec![
            ("a", list(vec![Value::Null, list(vec![]), map(vec![])])),
            ("b", Value::Null),
            ("c", Value::Float(1e-5)),
            ("d", Value::Float(1e16)),
            ("e", Value::Float(f64::NAN)),
            ("f", Value::Float(f64::NEG_INFINITY)),
            ("g", Value::Float(-0.0)),
            // Exactly halfway between two 17-digit candidates: Python rounds half to even.
            ("h", Value::Float(133816953984755.12)),
            ("i", Value::Float(3.0)),
            ("j", Value::Bool(true)),
            ("k", Value::Int(-7)),
            ("l", Value::Timestamp("2024-01-31".into())),
        ]);
        assert_eq!(
            to_yaml_document(&doc),
            "a:\n- \n- []\n- {}\nb:\nc: 1e-05\nd: 1e+16\ne: .nan\nf: -.inf\ng: -0.0\n\
             h: 133816953984755.12\ni: 3.0\nj: true\nk: -7\nl: 2024-01-31\n"
        );
    }

    #[test]
    fn documents_that_are_not_mappings() {
        assert_eq!(to_yaml_document(&list(vec![Value::Null])), "- \n");
        assert_eq!(to_yaml_document(&list(vec![])), "[]\n");
        // A plain scalar document is closed with `...`; a quoted one is not.
        assert_eq!(to_yaml_document(&s("x")), "x\n...\n");
        assert_eq!(to_yaml_document(&Value::Null), "null\n...\n");
        assert_eq!(to_yaml_document(&s("1")), "'1'\n");
    }

    #[test]
    fn string_styles() {
        let cases = [
            ("data", "data"),
            ("-x", "-x"),
            ("- x", "'- x'"),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("#x", "'#x'"),
            ("x:y", "x:y"),
            ("?x", "?x"),
            ("it's", "it's"),
            ("'a'", "\"'a'\""),
            ("a\"b", "a\"b"),
            ("", "''"),
            (" x", "' x'"),
            ("x ", "'x '"),
            // YAML 1.2: `yes`/`no`/`on` are strings; numbers, bools, nulls and dates are not.
            ("yes", "yes"),
            ("y", "y"),
            ("true", "'true'"),
            ("True", "'True'"),
            ("null", "'null'"),
            ("~", "'~'"),
            ("1", "'1'"),
            ("1.0", "'1.0'"),
            (".5", "'.5'"),
            ("1e3", "'1e3'"),
            ("1e", "1e"),
            ("0x1F", "'0x1F'"),
            ("1_000", "'1_000'"),
            ("_", "_"),
            ("1:30", "1:30"),
            (".inf", "'.inf'"),
            ("2024-01-01", "'2024-01-01'"),
            ("<<", "'<<'"),
            ("=", "'='"),
            // Unicode is written as is; control characters and BOM are escaped.
            ("ünï/😀", "ünï/😀"),
            ("a\tb", "\"a\\tb\""),
            ("\u{1}\u{7f}\u{feff}", "\"\\x01\\x7F\\uFEFF\""),
            ("a\nb", "\"a\\nb\""),
            ("it's\nok", "\"it's\\nok\""),
        ];
        for (text, expected) in cases {
            assert_eq!(as_value(text), expected, "for {text:?}");
        }
    }

    #[test]
    fn folding_at_width_80() {
        // Plain: a word that would cross column 80 moves down, leaving the space behind.
        let plain = format!("{} {}", "x".repeat(30), "y".repeat(60));
        assert_eq!(
            as_value(&plain),
            format!("{} \n  {}", "x".repeat(30), "y".repeat(60))
        );
        // Single-quoted: broken at the first single space once past column 80.
        assert_eq!(
            as_value(
                "echo a: b && python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 --model x"
            ),
            "'echo a: b && python train.py --epochs 10 --learning-rate 0.001 --batch-size 64\n  --model x'"
        );
        // Double-quoted: the break stands for the space...
        assert_eq!(
            as_value(
                "echo 'a: b' && python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 --model x"
            ),
            "\"echo 'a: b' && python train.py --epochs 10 --learning-rate 0.001 --batch-size\n  64 --model x\""
        );
        // ...unless more spaces follow: then an escaped line break and an escaped space.
        let spaced = format!("a\tb {}  d", "c".repeat(75));
        assert_eq!(
            as_value(&spaced),
            format!("\"a\\tb {}\\\n  \\  d\"", "c".repeat(75))
        );
    }

    #[test]
    fn long_and_multiline_keys_are_explicit() {
        let long = "k".repeat(123);
        let doc = map(vec![
            (long.as_str(), Value::Int(1)),
            ("a\nb", Value::Int(2)),
        ]);
        assert_eq!(
            to_yaml_document(&doc),
            format!("? {long}\n: 1\n? \"a\\nb\"\n: 2\n")
        );
        // 122 characters plus the 5 of `!!str` still fit ruamel's simple-key limit of 128.
        let short = "k".repeat(122);
        let doc = map(vec![(short.as_str(), Value::Int(1))]);
        assert_eq!(to_yaml_document(&doc), format!("{short}: \n  1\n"));
    }

    #[test]
    fn scalar_string_continues_after_a_key() {
        // `    cmd:` ends at column 8; continuation lines sit at the key's indent + 2.
        let cmd = "python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 --model resnet50 --out model.pkl";
        assert_eq!(
            scalar_string(cmd, 6, 8),
            " python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 \n      --model resnet50 --out model.pkl"
        );
        assert_eq!(scalar_string("true", 2, 4), " 'true'");
        assert_eq!(unfolded_scalar("a: b"), "'a: b'");
        assert_eq!(
            unfolded_scalar(&"x ".repeat(60)),
            format!("'{}'", "x ".repeat(60))
        );
    }
}
