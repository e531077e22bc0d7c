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

/// A float with `precision` significant digits, as Python's `f"{f:.{precision}g}"`.
pub fn significant(f: f64, precision: usize) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    if !f.is_finite() {
        return py_str(&serde_json::json!(f));
    }
    let precision = precision.max(1) as i32;
    // The exponent after rounding to `precision` digits decides the notation, as in C.
    let rounded = format!("{:.*e}", (precision - 1) as usize, f);
    let (mantissa, exp) = rounded.split_once('e').unwrap_or((&rounded, "0"));
    let exponent: i32 = exp.parse().unwrap_or(0);
    if exponent < -4 || exponent >= precision {
        format!(
            "{}e{}{:02}",
            trim_zeros(mantissa),
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        )
    } else {
        let decimals = (precision - 1 - exponent).max(0) as usize;
        trim_zeros(&format!("{f:.decimals$}")).to_owned()
    }
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
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
    /// Round floats to this many digits after the point; or, with `significant`, write
    /// them with this many significant digits (Python's `%g`, as `dvc exp diff` does).
    pub precision: Option<u32>,
    pub significant: bool,
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
            let format = |value: &Value| match (value, layout.precision) {
                (Value::Number(n), Some(digits)) if layout.significant && n.is_f64() => {
                    significant(n.as_f64().unwrap_or(f64::NAN), digits as usize)
                }
                _ => cell(value, layout.precision),
            };
            row.push(format(&change.old));
            row.push(format(&change.new));
            if layout.show_change {
                row.push(
                    change
                        .diff
                        .as_ref()
                        .map_or_else(|| MISSING.to_owned(), format),
                );
            }
            rows.push(row);
        }
    }
    Table { headers, rows }
}

#[cfg(test)]
mod significant_tests {
    use super::significant;

    #[test]
    fn floats_have_pythons_g_form() {
        assert_eq!(significant(0.30000000000000004, 5), "0.3");
        assert_eq!(significant(1.0, 5), "1");
        assert_eq!(significant(0.0, 5), "0");
        assert_eq!(significant(123456.7, 5), "1.2346e+05");
        assert_eq!(significant(99999.9, 5), "1e+05");
        assert_eq!(significant(0.0000123, 5), "1.23e-05");
        assert_eq!(significant(2.5, 5), "2.5");
    }
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
