//! The cells of DVC's metrics and params tables: which rows and columns, and each value as
//! Python prints it (rounded where DVC rounds).

use serde_json::Value;

use super::diff::{Diff, flatten, format_lists};
use super::python::{py_round, py_str};
use kin_format::python::float_repr;

/// What DVC prints where a value is missing.
pub const MISSING: &str = "-";

/// Headers and rows of strings, ready to lay out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A value as DVC's `_format_field` prints it: floats rounded to `precision` digits after
/// the point (when given), everything else as Python's `str()`.
pub fn cell(value: &Value, precision: Option<u32>) -> String {
    match (value, precision) {
        (Value::Null, _) => MISSING.to_owned(),
        (Value::Number(n), Some(digits)) if n.is_f64() => {
            float_repr(py_round(n.as_f64().unwrap_or(f64::NAN), digits))
        }
        (other, _) => py_str(other),
    }
}

/// `metrics show`: a `Path` column, then one column per dotted metric key (sorted), one row
/// per file in collection order. A file that could not be read (`None`) has only its path.
pub fn show_table(files: &[(String, Option<&Value>)], precision: Option<u32>) -> Table {
    let mut keys: Vec<String> = Vec::new();
    let mut cells: Vec<Vec<(String, String)>> = Vec::new();
    for (_, content) in files {
        let flat: Vec<(String, Value)> = match content.map(format_lists) {
            None => Vec::new(),
            Some(Value::Object(map)) => flatten(&map),
            Some(other) => vec![(String::new(), other)],
        };
        let mut row = Vec::new();
        for (key, value) in flat {
            if !keys.contains(&key) {
                keys.push(key.clone());
            }
            row.push((key, cell(&value, precision)));
        }
        cells.push(row);
    }
    keys.sort();
    let mut headers = vec!["Path".to_owned()];
    headers.extend(keys.iter().cloned());
    let rows = files
        .iter()
        .zip(cells)
        .map(|((path, _), row)| {
            let mut out = vec![path.clone()];
            out.extend(keys.iter().map(|key| {
                row.iter()
                    .rev()
                    .find(|(k, _)| k == key)
                    .map_or_else(|| MISSING.to_owned(), |(_, v)| v.clone())
            }));
            out
        })
        .collect();
    Table { headers, rows }
}

/// How a diff table is laid out.
#[derive(Debug, Clone)]
pub struct DiffLayout<'a> {
    /// `Metric` or `Param`.
    pub title: &'a str,
    /// The revisions as the user named them (`HEAD`, `workspace`).
    pub a_rev: &'a str,
    pub b_rev: &'a str,
    pub no_path: bool,
    /// The `Change` column (metrics have it, params do not).
    pub show_change: bool,
    /// Round floats to this many digits after the point.
    pub precision: Option<u32>,
}

/// `metrics diff` / `params diff`: `Path`, the key, old, new and `Change` columns, one row per
/// changed key, files in the diff's order and keys sorted.
pub fn diff_table(diff: &Diff, layout: &DiffLayout<'_>) -> Table {
    let mut headers = Vec::new();
    if !layout.no_path {
        headers.push("Path".to_owned());
    }
    headers.extend([
        layout.title.to_owned(),
        layout.a_rev.to_owned(),
        layout.b_rev.to_owned(),
    ]);
    if layout.show_change {
        headers.push("Change".to_owned());
    }
    let mut rows = Vec::new();
    for file in &diff.files {
        for (key, change) in &file.changes {
            let mut row = Vec::new();
            if !layout.no_path {
                row.push(file.path.clone());
            }
            row.push(key.clone());
            row.push(cell(&change.old, layout.precision));
            row.push(cell(&change.new, layout.precision));
            if layout.show_change {
                row.push(
                    change
                        .diff
                        .as_ref()
                        .map_or_else(|| MISSING.to_owned(), |d| cell(d, layout.precision)),
                );
            }
            rows.push(row);
        }
    }
    Table { headers, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn show_table_as_dvc() {
        let m = json!({"acc": 0.912345678, "n": 10, "ok": true, "nested": {"b": 0.5}});
        let y = json!({"auc": 0.8, "f1": 1e-7, "big": 1.5e20});
        let files = vec![
            ("m.json".to_owned(), Some(&m)),
            ("broken.json".to_owned(), None),
            ("sub/m.yaml".to_owned(), Some(&y)),
        ];
        let table = show_table(&files, Some(5));
        assert_eq!(
            table.headers,
            ["Path", "acc", "auc", "big", "f1", "n", "nested.b", "ok"]
        );
        assert_eq!(
            table.rows[0],
            ["m.json", "0.91235", "-", "-", "-", "10", "0.5", "True"]
        );
        assert_eq!(
            table.rows[1],
            ["broken.json", "-", "-", "-", "-", "-", "-", "-"]
        );
        assert_eq!(
            table.rows[2],
            ["sub/m.yaml", "-", "0.8", "1.5e+20", "0.0", "-", "-", "-"]
        );
    }
}
