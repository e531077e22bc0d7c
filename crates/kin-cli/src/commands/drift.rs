//! `kin drift`: per-column drift between a reference and a current table, JSON and HTML out.

use std::path::{Path, PathBuf};

use kin_gates::drift::{DriftOptions, DriftResult, compute};
use kin_gates::{Overrides, StatTest, Table, TableError};
use serde_json::{Map, Value, json};

use crate::cli::DriftArgs;
use crate::command_error::CommandError;

pub fn run(cwd: &Path, args: &DriftArgs, quiet: bool) -> Result<(), CommandError> {
    let options = options(cwd, args)?;
    let reference_path = cwd.join(&args.reference);
    let current_path = cwd.join(&args.current);
    // Ignored columns are never parsed, so they may hold types kin cannot read.
    let keep = |name: &str| !options.overrides.ignores(name);
    let (reference, current) = std::thread::scope(|s| {
        let r = s.spawn(|| Table::read_selected(&reference_path, &keep));
        let c = Table::read_selected(&current_path, &keep);
        (
            r.join().unwrap_or_else(|_| Err(panicked(&reference_path))),
            c,
        )
    });
    let (reference, current) = (reference?, current?);
    let result = compute(&reference, &current, &options)?;
    let document = to_json(&result);
    let text = pretty(&document);
    if let Some(out) = &args.out {
        write_atomic(&cwd.join(out), text.as_bytes())?;
    }
    if let Some(html) = &args.html {
        let page = kin_gates::report::drift_html(
            &result,
            &args.reference.display().to_string(),
            &args.current.display().to_string(),
        );
        write_atomic(&cwd.join(html), page.as_bytes())?;
    }
    if args.json {
        println!("{text}");
    } else if !quiet {
        print_table(&result);
    }
    if result.dataset_drift && !args.no_fail {
        return Err(CommandError::failure(format!(
            "dataset drift: {} of {} columns drifted (share {:.3} >= {})",
            result.drifted_columns,
            result.columns.len(),
            result.share_of_drifted_columns(),
            result.drift_share
        ))
        .with_hint("pass --no-fail to report drift without failing"));
    }
    Ok(())
}

fn panicked(path: &Path) -> TableError {
    TableError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other("reader thread panicked"),
    }
}

/// The documented `--json` shape (docs/gates.md).
pub fn to_json(result: &DriftResult) -> Value {
    let mut columns = Map::new();
    for c in &result.columns {
        columns.insert(
            c.name.clone(),
            json!({
                "type": c.kind.name(),
                "stattest": c.stattest.name(),
                "score": finite(c.score),
                "threshold": c.threshold,
                "drift": c.drift,
            }),
        );
    }
    json!({
        "dataset_drift": result.dataset_drift,
        "drift_share": result.drift_share,
        "drifted_columns": result.drifted_columns,
        "columns_total": result.columns.len(),
        "share_of_drifted_columns": result.share_of_drifted_columns(),
        "columns": columns,
    })
}

/// A number, or `null` for NaN and infinities (JSON has neither).
pub fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn print_table(result: &DriftResult) {
    let width = result
        .columns
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    println!(
        "{:width$}  {:11}  {:13}  {:>12}  {:>9}  drift",
        "column", "type", "test", "score", "threshold"
    );
    let mut order: Vec<_> = result.columns.iter().collect();
    order.sort_by_key(|c| !c.drift);
    for c in order {
        println!(
            "{:width$}  {:11}  {:13}  {:>12.6}  {:>9}  {}",
            c.name,
            c.kind.name(),
            c.stattest.name(),
            c.score,
            c.threshold,
            if c.drift { "DRIFT" } else { "-" }
        );
    }
    println!(
        "{} of {} columns drifted; dataset drift: {}",
        result.drifted_columns,
        result.columns.len(),
        if result.dataset_drift { "yes" } else { "no" }
    );
}

fn options(cwd: &Path, args: &DriftArgs) -> Result<DriftOptions, CommandError> {
    if !(0.0..=1.0).contains(&args.drift_share) {
        return Err(CommandError::usage("--drift-share must be between 0 and 1"));
    }
    let mut overrides = Overrides {
        numerical: args.numerical.clone(),
        categorical: args.categorical.clone(),
        ignore: args.ignore.clone(),
    };
    if let Some(file) = &args.columns {
        let path = cwd.join(file);
        let more = read_columns_file(&path)?;
        overrides.numerical.extend(more.numerical);
        overrides.categorical.extend(more.categorical);
        overrides.ignore.extend(more.ignore);
    }
    let mut options = DriftOptions {
        drift_share: args.drift_share,
        overrides,
        ..DriftOptions::default()
    };
    for pair in &args.stattest {
        let (col, name) = split_pair(pair, "--stattest", "COL=TEST")?;
        let test = StatTest::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = StatTest::ALL.iter().map(|t| t.name()).collect();
            CommandError::usage(format!("unknown test `{name}` in --stattest {pair}"))
                .with_hint(format!("known tests: {}", known.join(", ")))
        })?;
        options.stattests.insert(col.to_owned(), test);
    }
    for pair in &args.threshold {
        let (col, value) = split_pair(pair, "--threshold", "COL=X")?;
        options
            .thresholds
            .insert(col.to_owned(), parse_number(value, pair)?);
    }
    Ok(options)
}

/// Splits `KEY=VALUE`.
pub fn split_pair<'a>(
    pair: &'a str,
    flag: &str,
    shape: &str,
) -> Result<(&'a str, &'a str), CommandError> {
    pair.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| CommandError::usage(format!("{flag} expects {shape}, got `{pair}`")))
}

pub fn parse_number(value: &str, pair: &str) -> Result<f64, CommandError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| CommandError::usage(format!("`{value}` in `{pair}` is not a number")))
}

fn read_columns_file(path: &Path) -> Result<Overrides, CommandError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CommandError::failure(format!("cannot read `{}`: {e}", path.display())))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| CommandError::usage(format!("`{}` is not valid JSON: {e}", path.display())))?;
    let shape_error = || {
        CommandError::usage(format!(
            "`{}` must map numerical/categorical/ignore to lists of column names",
            path.display()
        ))
    };
    let object = value.as_object().ok_or_else(shape_error)?;
    let mut overrides = Overrides::default();
    for (key, list) in object {
        let names: Vec<String> = list
            .as_array()
            .ok_or_else(shape_error)?
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(shape_error))
            .collect::<Result<_, _>>()?;
        match key.as_str() {
            "numerical" => overrides.numerical = names,
            "categorical" => overrides.categorical = names,
            "ignore" => overrides.ignore = names,
            _ => return Err(shape_error()),
        }
    }
    Ok(overrides)
}

/// Writes through a temporary file in the same directory, then renames.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CommandError> {
    let fail = |e: std::io::Error| {
        CommandError::failure(format!("cannot write `{}`: {e}", path.display()))
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut tmp: PathBuf = path.to_path_buf();
    tmp.set_file_name(format!(
        ".{}.kin-tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}
