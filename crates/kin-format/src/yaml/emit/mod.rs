//! Writes values byte-identical to ruamel.yaml's round-trip dumper as DVC 3 configures it.
//!
//! DVC dumps `dvc.lock`, `.dvc` files and run-cache entries with `YAML()`,
//! `default_flow_style = False`, width 80, indent 2 and no sequence offset. The layout rules
//! below follow ruamel's emitter state (current column, whether the last character was
//! whitespace, whether the line holds only indentation so far), because its line breaks —
//! folding long scalars, and a few quirks such as a trailing space before a word that does
//! not fit — depend on exactly that state. Comments, anchors, tags and flow collections
//! (other than the empty `[]` / `{}`) never occur in what DVC writes, so they are not modelled.

mod escape;
mod scalar;
mod style;
#[cfg(test)]
mod tests;

use style::{Style, choose_style, is_simple_key, key_text, scalar_text};

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
                    let (key, style) = key_text(entry);
                    if is_simple_key(&key) {
                        // Simple keys are never folded (but see `write_plain` for long words).
                        self.write_scalar(&key, style, scalar_indent, false);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.write_scalar(&key, style, scalar_indent, true);
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
}
