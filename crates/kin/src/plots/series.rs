//! A chart's data as series: each a data file's rows, shared rather than copied, with the
//! fields DVC sets on every point (revision, file, field, index, joined `x`) kept as edits
//! applied while the points are written out.

use std::sync::Arc;

use super::cells::{
    Cell, FileRows, Key, NumberText, Row, Style, colon, separator, write_cell, write_text,
};

/// One change to every point of a series, applied in order as Python dict updates: a set
/// field keeps its place if the point has it, else goes last.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// The same value on every point.
    Const(Cell),
    /// The point's position in its file.
    Index,
    /// Another field of the same point, where it has one.
    Copy(Key),
    /// A field of the point at the same position in another file, where it has one.
    Join { rows: Arc<FileRows>, field: Key },
    /// The field is dropped.
    Remove,
}

/// One file's rows as one line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub rows: Arc<FileRows>,
    pub edits: Vec<(Key, Edit)>,
}

/// A point's fields while edits apply: borrowed from the file, or made by an edit.
enum Value<'a> {
    Borrowed(&'a Cell),
    Owned(Cell),
}

impl Value<'_> {
    fn cell(&self) -> &Cell {
        match self {
            Value::Borrowed(cell) => cell,
            Value::Owned(cell) => cell,
        }
    }
}

impl Series {
    pub fn new(rows: Arc<FileRows>) -> Series {
        Series {
            rows,
            edits: Vec::new(),
        }
    }

    pub fn edit(&mut self, key: &str, edit: Edit) {
        self.edits.push((Key::from(key), edit));
    }

    pub fn is_empty(&self) -> bool {
        self.rows.rows.is_empty()
    }

    /// Point `index` with the edits applied, into `fields` (cleared first).
    fn point<'a>(&'a self, index: usize, row: &'a Row, fields: &mut Vec<(&'a Key, Value<'a>)>) {
        fields.clear();
        fields.extend(row.iter().map(|(k, v)| (k, Value::Borrowed(v))));
        for (key, edit) in &self.edits {
            let value = match edit {
                Edit::Remove => {
                    fields.retain(|(k, _)| *k != key);
                    continue;
                }
                Edit::Const(cell) => Value::Borrowed(cell),
                Edit::Index => Value::Owned(Cell::Number(NumberText::index(index))),
                Edit::Copy(source) => match fields.iter().find(|(k, _)| *k == source) {
                    Some((_, value)) => Value::Owned(value.cell().clone()),
                    None => continue,
                },
                Edit::Join { rows, field } => {
                    match rows
                        .rows
                        .get(index)
                        .and_then(|r| super::cells::field(r, field))
                    {
                        Some(cell) => Value::Borrowed(cell),
                        None => continue,
                    }
                }
            };
            match fields.iter_mut().find(|(k, _)| *k == key) {
                Some((_, slot)) => *slot = value,
                None => fields.push((key, value)),
            }
        }
    }

    /// Whether some point has `key` once the edits apply.
    pub fn has_field(&self, key: &str) -> bool {
        let mut fields = Vec::new();
        self.rows.rows.iter().enumerate().any(|(i, row)| {
            self.point(i, row, &mut fields);
            fields.iter().any(|(k, _)| &***k == key)
        })
    }
}

/// Writes every point of `series`, in order, as one JSON list.
pub fn write_points(out: &mut String, series: &[Series], style: Style) {
    out.push('[');
    let mut first = true;
    let mut fields = Vec::new();
    for one in series {
        for (index, row) in one.rows.rows.iter().enumerate() {
            one.point(index, row, &mut fields);
            if !first {
                out.push_str(separator(style));
            }
            first = false;
            out.push('{');
            for (i, (key, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator(style));
                }
                write_text(out, key, style);
                out.push_str(colon(style));
                write_cell(out, value.cell(), style);
            }
            out.push('}');
        }
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn edits_apply_as_dict_updates() {
        let rows = Arc::new(FileRows::from_json(
            &json!([{"a": 1, "rev": "x"}, {"a": 2}]),
        ));
        let other = Arc::new(FileRows::from_json(&json!([{"t": 10}, {"t": 20}])));
        let mut series = Series::new(rows);
        series.edit("copy", Edit::Copy(Key::from("a")));
        series.edit("step", Edit::Index);
        series.edit(
            "t",
            Edit::Join {
                rows: other,
                field: Key::from("t"),
            },
        );
        series.edit("rev", Edit::Const(Cell::Text("HEAD".into())));
        series.edit("a", Edit::Remove);
        let mut out = String::new();
        write_points(&mut out, &[series.clone()], Style::Python);
        assert_eq!(
            out,
            r#"[{"rev": "HEAD", "copy": 1, "step": 0, "t": 10}, {"copy": 2, "step": 1, "t": 20, "rev": "HEAD"}]"#
        );
        assert!(series.has_field("t"));
        assert!(!series.has_field("a"));
    }
}
