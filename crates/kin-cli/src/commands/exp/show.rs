//! `kin exp show`: the experiments side by side with their baseline — a table, Markdown,
//! CSV, or DVC's JSON.

use std::io::Write;
use std::path::Path;

use clap::Args;
use serde_json::Value;

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Every commit's experiments, not only HEAD's.
    #[arg(short = 'A', long)]
    pub all_commits: bool,
    /// Print DVC's JSON (`dvc exp show --json`).
    #[arg(long)]
    pub json: bool,
    /// Print a GitHub Markdown table.
    #[arg(long)]
    pub md: bool,
    /// Print CSV.
    #[arg(long)]
    pub csv: bool,
    /// Only the params and metrics whose value differs between the rows.
    #[arg(long)]
    pub only_changed: bool,
    /// Sort the experiments by this metric or param (a column's name).
    #[arg(long, value_name = "NAME")]
    pub sort_by: Option<String>,
    /// With --sort-by: `asc` (default) or `desc`.
    #[arg(long, value_name = "ORDER", default_value = "asc")]
    pub sort_order: String,
    /// Significant digits of floats in the table.
    #[arg(long, default_value_t = 5)]
    pub precision: usize,
}

/// One table row: its label and its values by column.
struct Row {
    label: String,
    created: String,
    values: Vec<(String, Value)>,
}

/// `file:key` columns of a row's params or metrics, dotted keys flattened.
fn flatten(section: &Value, prefix_files: bool, into: &mut Vec<(String, Value)>) {
    fn walk(value: &Value, key: String, into: &mut Vec<(String, Value)>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let next = if key.is_empty() || key.ends_with(':') {
                        format!("{key}{k}")
                    } else {
                        format!("{key}.{k}")
                    };
                    walk(v, next, into);
                }
            }
            other => into.push((key, other.clone())),
        }
    }
    for (file, content) in section.as_object().into_iter().flatten() {
        let prefix = if prefix_files {
            format!("{file}:")
        } else {
            String::new()
        };
        walk(&content["data"], prefix, into);
    }
}

fn row(label: String, data: &Value, prefix_files: bool) -> Row {
    let mut values = Vec::new();
    flatten(&data["metrics"], prefix_files, &mut values);
    flatten(&data["params"], prefix_files, &mut values);
    Row {
        label,
        created: data["timestamp"]
            .as_str()
            .map_or(String::new(), |t| t.replace('T', " ")),
        values,
    }
}

fn cell(value: Option<&Value>, precision: usize) -> String {
    match value {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::Number(n)) if n.is_f64() => {
            kin::metrics::table::significant(n.as_f64().unwrap_or_default(), precision)
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

pub fn cmd_show(printer: Printer, cwd: &Path, args: &ShowArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let shown = kin::experiments::show_json(&repo, args.all_commits)?;
    if args.json {
        printer.json(&shown, JsonStyle::Dvc)?;
        return Ok(());
    }
    let entries = shown.as_array().cloned().unwrap_or_default();
    let files = |section: &str| {
        let mut names: Vec<String> = entries
            .iter()
            .flat_map(|e| {
                e["data"][section]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.clone())
            })
            .collect();
        names.sort();
        names.dedup();
        names.len()
    };
    let prefix_files = files("metrics") > 1 || files("params") > 1;
    let mut rows = Vec::new();
    for entry in &entries {
        let label = match (entry["rev"].as_str(), entry["name"].as_str()) {
            (Some("workspace"), _) => "workspace".to_owned(),
            (_, Some(name)) => name.to_owned(),
            (Some(rev), None) => rev.chars().take(7).collect(),
            _ => String::new(),
        };
        rows.push(row(label, &entry["data"], prefix_files));
        let mut exps: Vec<Row> = entry["experiments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let rev = e["revs"].get(0)?;
                let short: String = rev["rev"].as_str()?.chars().take(7).collect();
                let name = e["name"].as_str().unwrap_or_default();
                Some(row(format!("{name} [{short}]"), &rev["data"], prefix_files))
            })
            .collect();
        if let Some(column) = &args.sort_by {
            exps.sort_by(|a, b| {
                let value = |r: &Row| {
                    r.values
                        .iter()
                        .find(|(k, _)| k == column)
                        .and_then(|(_, v)| v.as_f64())
                };
                value(a)
                    .partial_cmp(&value(b))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            if args.sort_order == "desc" {
                exps.reverse();
            }
        }
        let count = exps.len();
        for (i, mut exp) in exps.into_iter().enumerate() {
            let branch = if i + 1 == count {
                "└── "
            } else {
                "├── "
            };
            if !args.csv {
                exp.label = format!("{branch}{}", exp.label);
            }
            rows.push(exp);
        }
    }
    if let Some(column) = &args.sort_by
        && !rows
            .iter()
            .any(|r| r.values.iter().any(|(k, _)| k == column))
    {
        return Err(
            CommandError::usage(format!("no metric or param is named `{column}`"))
                .with_hint("the columns `kin exp show` prints are the names to sort by"),
        );
    }
    let mut columns: Vec<String> = Vec::new();
    for r in &rows {
        for (k, _) in &r.values {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    if args.only_changed {
        columns.retain(|c| {
            let mut seen: Vec<String> = rows
                .iter()
                .map(|r| {
                    cell(
                        r.values.iter().find(|(k, _)| k == c).map(|(_, v)| v),
                        args.precision,
                    )
                })
                .collect();
            seen.dedup();
            seen.len() > 1
        });
    }
    let mut headers = vec!["Experiment".to_owned(), "Created".to_owned()];
    headers.extend(columns.iter().cloned());
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut cells = vec![
                r.label.clone(),
                if r.created.is_empty() {
                    "-".into()
                } else {
                    r.created.clone()
                },
            ];
            cells.extend(columns.iter().map(|c| {
                cell(
                    r.values.iter().find(|(k, _)| k == c).map(|(_, v)| v),
                    args.precision,
                )
            }));
            cells
        })
        .collect();
    let mut out = printer.stdout();
    if args.csv {
        let quote = |text: &str| {
            if text.contains([',', '"', '\n']) {
                format!("\"{}\"", text.replace('"', "\"\""))
            } else {
                text.to_owned()
            }
        };
        writeln!(
            out,
            "{}",
            headers
                .iter()
                .map(|h| quote(h))
                .collect::<Vec<_>>()
                .join(",")
        )?;
        for cells in &table {
            writeln!(
                out,
                "{}",
                cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",")
            )?;
        }
    } else {
        let text = crate::tabulate::render(&headers, &table, args.md);
        writeln!(out, "{text}")?;
    }
    Ok(())
}
