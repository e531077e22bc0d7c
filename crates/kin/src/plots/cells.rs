//! A data file's content in the compact form plots work on: values that keep numbers as their
//! text, keys shared between rows, and the rows DVC would take from the file.
//!
//! Charts hold tens of thousands of points; `serde_json` values (a hash map per row, a string
//! per number) cost more to build than DVC takes to draw them, so plots use these instead.

use std::sync::Arc;

use serde_json::Value;

/// A field name, shared by every row that has it.
pub type Key = Arc<str>;

/// One value of a data file.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    /// A number as written: JSON number syntax, or `NaN`/`Infinity`/`-Infinity`.
    Number(NumberText),
    Text(Box<str>),
    List(Vec<Cell>),
    Map(Vec<(Key, Cell)>),
}

/// A number's text: short ones (nearly all) held in place, longer ones on the heap, so that
/// reading a data file does not allocate once per number.
#[derive(Clone, PartialEq, Eq)]
pub enum NumberText {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

const INLINE: usize = 22;

impl NumberText {
    pub fn as_str(&self) -> &str {
        match self {
            NumberText::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            NumberText::Heap(text) => text,
        }
    }

    /// A point's position, as `step` holds it.
    pub fn index(index: usize) -> NumberText {
        let mut digits = [0u8; INLINE];
        let mut at = INLINE;
        let mut rest = index;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 || at == 0 {
                break;
            }
        }
        let mut bytes = [0u8; INLINE];
        let len = INLINE - at;
        bytes[..len].copy_from_slice(&digits[at..]);
        NumberText::Inline {
            len: len as u8,
            bytes,
        }
    }
}

impl From<&str> for NumberText {
    fn from(text: &str) -> NumberText {
        if text.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            NumberText::Inline {
                len: text.len() as u8,
                bytes,
            }
        } else {
            NumberText::Heap(text.into())
        }
    }
}

impl std::fmt::Debug for NumberText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row: fields in file order.
pub type Row = Vec<(Key, Cell)>;

/// Looks a field up in a row.
pub fn field<'a>(row: &'a Row, key: &str) -> Option<&'a Cell> {
    row.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
}

/// What plots need of one data file: its rows as DVC takes them (every list of like mappings,
/// merged position by position), the field DVC draws when a plot names no `y` (the last
/// field of the first list of mappings) and whether the file holds anything at all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileRows {
    pub rows: Vec<Row>,
    pub last_field: Option<Key>,
    /// Python's truthiness of the loaded content: an empty list or mapping is nothing.
    pub empty: bool,
}

impl FileRows {
    /// The rows of a document.
    pub fn from_cell(document: Cell) -> FileRows {
        let empty = match &document {
            Cell::List(items) => items.is_empty(),
            Cell::Map(entries) => entries.is_empty(),
            Cell::Null => true,
            _ => false,
        };
        let mut lists = Vec::new();
        collect_lists(document, &mut lists);
        let last_field = lists
            .iter()
            .find(|list| list.iter().all(|c| matches!(c, Cell::Map(_))))
            .and_then(|list| match list.first() {
                Some(Cell::Map(entries)) => entries.last().map(|(k, _)| k.clone()),
                _ => None,
            });
        let mut rows: Vec<Row> = Vec::new();
        for list in lists {
            let Some(list_rows) = like_rows(list) else {
                continue;
            };
            if rows.is_empty() {
                rows = list_rows;
                continue;
            }
            for (index, row) in list_rows.into_iter().enumerate() {
                if rows.len() <= index {
                    rows.push(Vec::new());
                }
                for (key, value) in row {
                    set(&mut rows[index], key, value);
                }
            }
        }
        FileRows {
            rows,
            last_field,
            empty,
        }
    }

    /// The rows of a document parsed by `serde_json` (YAML, TOML and CSV files come this way).
    pub fn from_json(document: &Value) -> FileRows {
        let mut keys = KeyCache::default();
        FileRows::from_cell(cell_of(document, &mut keys))
    }
}

/// Sets a field, keeping its place if the row has it (as a Python dict does).
pub fn set(row: &mut Row, key: Key, value: Cell) {
    match row.iter_mut().find(|(k, _)| *k == key) {
        Some((_, slot)) => *slot = value,
        None => row.push((key, value)),
    }
}

/// Every list that may hold rows: the document if it is a list, otherwise the lists among a
/// mapping's values, nested mappings searched too.
fn collect_lists(document: Cell, lists: &mut Vec<Vec<Cell>>) {
    match document {
        Cell::List(items) => lists.push(items),
        Cell::Map(entries) => {
            for (_, value) in entries {
                match value {
                    Cell::Map(_) => collect_lists(value, lists),
                    Cell::List(items) => lists.push(items),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// A list of mappings whose keys are all among the first one's, as rows.
fn like_rows(list: Vec<Cell>) -> Option<Vec<Row>> {
    let first_keys: Vec<Key> = match list.first()? {
        Cell::Map(entries) => entries.iter().map(|(k, _)| k.clone()).collect(),
        _ => return None,
    };
    let alike = list.iter().all(|cell| match cell {
        Cell::Map(entries) => entries.iter().all(|(k, _)| first_keys.contains(k)),
        _ => false,
    });
    if !alike {
        return None;
    }
    Some(
        list.into_iter()
            .map(|cell| match cell {
                Cell::Map(entries) => entries,
                _ => Vec::new(),
            })
            .collect(),
    )
}

/// Hands out one shared key per distinct field name.
#[derive(Default)]
pub struct KeyCache {
    keys: std::collections::HashMap<Box<str>, Key>,
}

impl KeyCache {
    pub fn key(&mut self, name: &str) -> Key {
        if let Some(key) = self.keys.get(name) {
            return key.clone();
        }
        let key: Key = Arc::from(name);
        self.keys.insert(name.into(), key.clone());
        key
    }
}

fn cell_of(value: &Value, keys: &mut KeyCache) -> Cell {
    match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => Cell::Number(n.to_string().as_str().into()),
        Value::String(s) => Cell::Text(s.as_str().into()),
        Value::Array(items) => Cell::List(items.iter().map(|v| cell_of(v, keys)).collect()),
        Value::Object(map) => Cell::Map(
            map.iter()
                .map(|(k, v)| (keys.key(k), cell_of(v, keys)))
                .collect(),
        ),
    }
}

/// How values are written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Python's `json.dumps`, as DVC prints `--json`: numbers as Python writes them back.
    Python,
    /// Compact JSON for a page's script: numbers as written, `<` escaped in text.
    Script,
}

/// Writes a value in `style`.
pub fn write_cell(out: &mut String, cell: &Cell, style: Style) {
    match cell {
        Cell::Null => out.push_str("null"),
        Cell::Bool(true) => out.push_str("true"),
        Cell::Bool(false) => out.push_str("false"),
        Cell::Number(text) => write_number(out, text.as_str(), style),
        Cell::Text(text) => write_text(out, text, style),
        Cell::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator(style));
                }
                write_cell(out, item, style);
            }
            out.push(']');
        }
        Cell::Map(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator(style));
                }
                write_text(out, key, style);
                out.push_str(colon(style));
                write_cell(out, value, style);
            }
            out.push('}');
        }
    }
}

pub fn separator(style: Style) -> &'static str {
    match style {
        Style::Python => ", ",
        Style::Script => ",",
    }
}

pub fn colon(style: Style) -> &'static str {
    match style {
        Style::Python => ": ",
        Style::Script => ":",
    }
}

pub fn write_text(out: &mut String, text: &str, style: Style) {
    match style {
        Style::Python => kin_format::python::push_json_string(out, text),
        Style::Script => {
            let start = out.len();
            kin_format::python::push_json_string(out, text);
            if out[start..].contains('<') {
                let escaped = out[start..].replace('<', "\\u003c");
                out.truncate(start);
                out.push_str(&escaped);
            }
        }
    }
}

/// A number as Python's `json` module reads and writes it back: integers as they are (`-0`
/// is `0`), anything with a point or exponent as Python's float repr.
fn write_number(out: &mut String, text: &str, style: Style) {
    if style == Style::Script {
        out.push_str(text);
        return;
    }
    match text {
        "NaN" | "Infinity" | "-Infinity" => out.push_str(text),
        _ if !text.contains(['.', 'e', 'E']) => {
            if text.trim_start_matches('-').bytes().all(|b| b == b'0') {
                out.push('0');
            } else {
                out.push_str(text);
            }
        }
        _ => match text.parse::<f64>() {
            Ok(f) if f.is_infinite() => {
                out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" })
            }
            Ok(f) => kin_format::python::push_float_repr(out, f),
            Err(_) => out.push_str(text),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_merge_across_lists_as_dvc_merges_them() {
        let rows = FileRows::from_json(
            &json!({"train": [{"a": 1}, {"a": 2}], "meta": {"b": [{"b": 3}]}, "x": 1}),
        );
        let text: Vec<String> = rows
            .rows
            .iter()
            .map(|r| {
                let mut out = String::new();
                write_cell(&mut out, &Cell::Map(r.clone()), Style::Python);
                out
            })
            .collect();
        assert_eq!(text, [r#"{"a": 1, "b": 3}"#, r#"{"a": 2}"#]);
        assert_eq!(rows.last_field.as_deref(), Some("a"));
        assert!(
            FileRows::from_json(&json!([{"a": 1}, {"b": 2}]))
                .rows
                .is_empty()
        );
        assert!(FileRows::from_json(&json!([])).empty);
    }

    #[test]
    fn number_text_stays_in_place_when_short() {
        assert!(matches!(
            NumberText::from("0.3333333333333333"),
            NumberText::Inline { .. }
        ));
        let long = "1.00000000000000000000000001";
        assert_eq!(NumberText::from(long).as_str(), long);
        assert_eq!(NumberText::index(0).as_str(), "0");
        assert_eq!(NumberText::index(1234567).as_str(), "1234567");
        assert_eq!(
            NumberText::index(usize::MAX).as_str(),
            usize::MAX.to_string()
        );
    }

    #[test]
    fn numbers_write_back_as_python_does() {
        let mut out = String::new();
        for text in ["1e-3", "2.50", "-0", "7", "1E400", "NaN"] {
            write_number(&mut out, text, Style::Python);
            out.push(' ');
        }
        assert_eq!(out, "0.001 2.5 0 7 Infinity NaN ");
        let mut out = String::new();
        write_cell(&mut out, &Cell::Text("</script>".into()), Style::Script);
        assert_eq!(out, "\"\\u003c/script>\"");
    }
}
