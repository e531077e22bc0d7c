//! `kin fairness`: per-group metrics of predictions, Fairlearn's disparities, bounds that gate.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use kin_gates::Table;
use kin_gates::fairness::{
    Bound, CLASSIFICATION_METRICS, Check, FairnessError, Predictions, Task, classification,
    predictions_from_table, regression,
};
use serde_json::{Map, Value, json};

use super::gate_io::{finite, parse_number, pretty, split_pair, write_atomic};
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FairnessTask {
    Regression,
    Classification,
}

#[derive(Debug, Args)]
pub struct FairnessArgs {
    /// Table with the sensitive column, labels and predictions (CSV or Parquet).
    #[arg(long, value_name = "FILE")]
    pub predictions: PathBuf,
    /// The column whose values define the groups.
    #[arg(long, value_name = "COL")]
    pub sensitive: String,
    /// The column with true labels.
    #[arg(long, default_value = "y_true", value_name = "COL")]
    pub label: String,
    /// The column with predictions.
    #[arg(long, default_value = "y_pred", value_name = "COL")]
    pub prediction: String,
    /// The privileged group's value (required for regression).
    #[arg(long, value_name = "VALUE")]
    pub privileged: Option<String>,
    /// Default: classification when labels and predictions are all 0/1, else regression.
    #[arg(long, value_enum)]
    pub task: Option<FairnessTask>,
    /// Fail when the metric is above X (repeatable).
    #[arg(long, value_name = "METRIC=X")]
    pub max: Vec<String>,
    /// Fail when the metric is below X (repeatable).
    #[arg(long, value_name = "METRIC=X")]
    pub min: Vec<String>,
    /// Write the JSON result here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Exit 0 even when a bound fails.
    #[arg(long)]
    pub no_fail: bool,
    /// Print the JSON result instead of a summary.
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_fairness(printer: Printer, cwd: &Path, args: &FairnessArgs) -> Result<(), CommandError> {
    let used = [&args.sensitive, &args.label, &args.prediction];
    let table = Table::read_selected(&cwd.join(&args.predictions), &|name| {
        used.iter().any(|u| u.as_str() == name)
    })?;
    let data = predictions_from_table(&table, &args.sensitive, &args.label, &args.prediction)?;
    let task = match args.task {
        Some(FairnessTask::Regression) => Task::Regression,
        Some(FairnessTask::Classification) => Task::Classification,
        None => {
            let binary = |v: &[f64]| v.iter().all(|x| *x == 0.0 || *x == 1.0);
            if binary(&data.y_true) && binary(&data.y_pred) {
                Task::Classification
            } else {
                Task::Regression
            }
        }
    };
    let assessment = assess(&data, task, args)?;
    let mut checks = Vec::new();
    for (flag, bound, pairs) in [
        ("--max", Bound::Max, &args.max),
        ("--min", Bound::Min, &args.min),
    ] {
        for pair in pairs {
            let (metric, limit) = split_pair(pair, flag, "METRIC=X")?;
            let limit = parse_number(limit, pair)?;
            let value = lookup(&assessment, metric)?;
            checks.push(Check::new(metric.to_owned(), bound, limit, value));
        }
    }
    let passed = checks.iter().all(|c| c.passed);
    let document = to_json(&assessment, args, &checks, passed);
    let text = pretty(&document);
    if let Some(out) = &args.out {
        write_atomic(&cwd.join(out), text.as_bytes())?;
    }
    if let Some(html) = &args.html {
        let table: Vec<(String, MetricRow)> = assessment
            .groups
            .iter()
            .map(|(g, (count, metrics))| {
                let mut row = vec![("count".to_owned(), Some(*count as f64))];
                row.extend(metrics.iter().cloned());
                (g.clone(), row)
            })
            .collect();
        let title = format!(
            "{} predictions in `{}`, groups by `{}`",
            task.name(),
            args.predictions.display(),
            args.sensitive
        );
        let page =
            kin_gates::report::fairness_html(&title, passed, &checks, &table, &assessment.flat);
        write_atomic(&cwd.join(html), page.as_bytes())?;
    }
    // A failed bound fails the gate even when the reader of the report went away.
    let printed = if args.json {
        printer.json(&document, JsonStyle::Pretty)
    } else {
        print_summary(printer, &assessment, &checks)
    };
    if !passed && !args.no_fail {
        let failed: Vec<&str> = checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.metric.as_str())
            .collect();
        return Err(
            CommandError::failure(format!("fairness check failed: {}", failed.join(", ")))
                .with_hint("pass --no-fail to report without failing"),
        );
    }
    Ok(printed?)
}

/// Each metric, then each bound with its verdict.
fn print_summary(printer: Printer, assessment: &Assessment, checks: &[Check]) -> io::Result<()> {
    let mut out = printer.status();
    for (name, value) in &assessment.flat {
        writeln!(
            out,
            "{name:45} {}",
            value
                .map(|v| format!("{v:.6}"))
                .unwrap_or_else(|| "n/a".into())
        )?;
    }
    for c in checks {
        writeln!(
            out,
            "{} {} {}: {}",
            c.metric,
            if c.bound == Bound::Max { "<=" } else { ">=" },
            c.limit,
            if c.passed { "pass" } else { "FAIL" }
        )?;
    }
    Ok(())
}

/// (metric, value) pairs in output order; `None` is an undefined value.
type MetricRow = Vec<(String, Option<f64>)>;

/// Everything computed, before bounds are applied.
struct Assessment {
    task: Task,
    /// group -> ordered (metric, value)
    groups: BTreeMap<String, (usize, MetricRow)>,
    /// metric name (as `--max` accepts it) -> value
    flat: MetricRow,
    metrics_json: Value,
}

fn assess(data: &Predictions, task: Task, args: &FairnessArgs) -> Result<Assessment, CommandError> {
    match task {
        Task::Classification => {
            let (groups, between, to_overall) =
                classification(data, &args.label, &args.prediction)?;
            let groups = groups
                .into_iter()
                .map(|(g, r)| {
                    let metrics = vec![
                        ("selection_rate".to_owned(), Some(r.selection_rate)),
                        ("true_positive_rate".to_owned(), Some(r.true_positive_rate)),
                        (
                            "false_positive_rate".to_owned(),
                            Some(r.false_positive_rate),
                        ),
                    ];
                    (g, (r.count, metrics))
                })
                .collect();
            let mut flat = Vec::new();
            let mut json_methods = Map::new();
            for (method, values) in [("between_groups", &between), ("to_overall", &to_overall)] {
                let mut m = Map::new();
                for name in CLASSIFICATION_METRICS {
                    let v = values.get(name).copied().flatten();
                    m.insert(name.to_owned(), v.map(finite).unwrap_or(Value::Null));
                    flat.push((format!("{method}.{name}"), v));
                }
                json_methods.insert(method.to_owned(), Value::Object(m));
            }
            Ok(Assessment {
                task,
                groups,
                flat,
                metrics_json: Value::Object(json_methods),
            })
        }
        Task::Regression => {
            let privileged = args
                .privileged
                .as_deref()
                .ok_or(FairnessError::NoPrivileged)?;
            let (groups, metrics) = regression(data, &args.sensitive, privileged)?;
            let groups = groups
                .into_iter()
                .map(|(g, e)| {
                    let metrics = vec![
                        ("mse".to_owned(), Some(e.mse)),
                        ("mae".to_owned(), Some(e.mae)),
                        ("rmsle".to_owned(), e.rmsle),
                        ("mean_prediction".to_owned(), Some(e.mean_prediction)),
                    ];
                    (g, (e.count, metrics))
                })
                .collect();
            let order = [
                "mse_unprivileged",
                "mae_unprivileged",
                "rmsle_unprivileged",
                "mean_prediction_unprivileged",
                "mse_privileged",
                "mae_privileged",
                "rmsle_privileged",
                "mean_prediction_privileged",
                "mae_diff",
                "mean_outcome_difference",
            ];
            let mut flat = Vec::new();
            let mut m = Map::new();
            for name in order {
                if let Some(v) = metrics.get(name) {
                    flat.push((name.to_owned(), *v));
                    m.insert(name.to_owned(), v.map(finite).unwrap_or(Value::Null));
                }
            }
            Ok(Assessment {
                task,
                groups,
                flat,
                metrics_json: Value::Object(m),
            })
        }
    }
}

/// A metric by name; classification names without a method mean `between_groups`.
fn lookup(assessment: &Assessment, metric: &str) -> Result<Option<f64>, CommandError> {
    let full = if assessment.task == Task::Classification && !metric.contains('.') {
        format!("between_groups.{metric}")
    } else {
        metric.to_owned()
    };
    assessment
        .flat
        .iter()
        .find(|(name, _)| *name == full)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let known: Vec<&str> = assessment.flat.iter().map(|(n, _)| n.as_str()).collect();
            CommandError::usage(format!(
                "unknown metric `{metric}` for {}",
                assessment.task.name()
            ))
            .with_hint(format!("known metrics: {}", known.join(", ")))
        })
}

fn to_json(assessment: &Assessment, args: &FairnessArgs, checks: &[Check], passed: bool) -> Value {
    let mut groups = Map::new();
    for (g, (count, metrics)) in &assessment.groups {
        let mut m = Map::new();
        m.insert("count".to_owned(), json!(count));
        for (name, v) in metrics {
            m.insert(name.clone(), v.map(finite).unwrap_or(Value::Null));
        }
        groups.insert(g.clone(), Value::Object(m));
    }
    let checks: Vec<Value> = checks
        .iter()
        .map(|c| {
            json!({
                "metric": c.metric,
                "bound": c.bound.name(),
                "limit": c.limit,
                "value": c.value.map(finite).unwrap_or(Value::Null),
                "passed": c.passed,
            })
        })
        .collect();
    json!({
        "task": assessment.task.name(),
        "sensitive": args.sensitive,
        "privileged": args.privileged,
        "groups": groups,
        "metrics": assessment.metrics_json,
        "checks": checks,
        "passed": passed,
    })
}
