//! `kin drift`: per-column drift between a reference and a current table, JSON and HTML out.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use kin_gates::drift::{DriftOptions, DriftResult, compute};
use kin_gates::{Overrides, StatTest, Table, TableError};
use serde_json::{Map, Value, json};

use super::gate_io::{finite, parse_number, pretty, split_pair, write_atomic};
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The reference dataset (CSV, or Parquet by its `.parquet` extension).
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// The current dataset, with the same columns.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// Write the JSON result here (e.g. a `metrics:` output of a stage).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Dataset drift when at least this share of columns drifted.
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    pub drift_share: f64,
    /// Use this test for a column: ks, chisquare, z, wasserstein, jensenshannon, psi.
    #[arg(long, value_name = "COL=TEST")]
    pub stattest: Vec<String>,
    /// Drift threshold for a column's test.
    #[arg(long, value_name = "COL=X")]
    pub threshold: Vec<String>,
    /// Treat these columns as numerical (comma-separated or repeated).
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub numerical: Vec<String>,
    /// Treat these columns as categorical.
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Leave these columns out.
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// JSON file `{"numerical": [...], "categorical": [...], "ignore": [...]}`.
    #[arg(long, value_name = "FILE")]
    pub columns: Option<PathBuf>,
    /// Exit 0 even when the dataset drifted.
    #[arg(long)]
    pub no_fail: bool,
    /// Print the JSON result instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_drift(printer: Printer, cwd: &Path, args: &DriftArgs) -> Result<(), CommandError> {
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
    // Drift fails the gate even when the reader of the report went away.
    let printed = if args.json {
        printer.json(&document, JsonStyle::Pretty)
    } else {
        print_table(printer, &result)
    };
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
    Ok(printed?)
}

fn panicked(path: &Path) -> TableError {
    TableError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other("reader thread panicked"),
    }
}

/// The documented `--json` shape (docs/gates.md).
fn to_json(result: &DriftResult) -> Value {
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

fn print_table(printer: Printer, result: &DriftResult) -> io::Result<()> {
    let mut out = printer.status();
    let width = result
        .columns
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    writeln!(
        out,
        "{:width$}  {:11}  {:13}  {:>12}  {:>9}  drift",
        "column", "type", "test", "score", "threshold"
    )?;
    let mut order: Vec<_> = result.columns.iter().collect();
    order.sort_by_key(|c| !c.drift);
    for c in order {
        writeln!(
            out,
            "{:width$}  {:11}  {:13}  {:>12.6}  {:>9}  {}",
            c.name,
            c.kind.name(),
            c.stattest.name(),
            c.score,
            c.threshold,
            if c.drift { "DRIFT" } else { "-" }
        )?;
    }
    writeln!(
        out,
        "{} of {} columns drifted; dataset drift: {}",
        result.drifted_columns,
        result.columns.len(),
        if result.dataset_drift { "yes" } else { "no" }
    )?;
    Ok(())
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
