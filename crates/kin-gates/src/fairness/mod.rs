//! Group fairness of predictions: Fairlearn's classification disparities and the regression gate.

mod classification;
mod input;
mod regression;

pub use classification::{
    CLASSIFICATION_METRICS, ClassificationResult, GroupRates, classification,
};
pub use input::predictions_from_table;
pub use regression::{GroupErrors, RegressionResult, regression};

use std::collections::BTreeMap;

/// The kind of model whose predictions are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Regression,
    Classification,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Regression => "regression",
            Task::Classification => "classification",
        }
    }
}

/// Rows of a predictions table: the group of each row, its label and its prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    pub groups: Vec<String>,
    pub y_true: Vec<f64>,
    pub y_pred: Vec<f64>,
}

impl Predictions {
    /// Row indices per group, groups in sorted order.
    pub fn by_group(&self) -> BTreeMap<&str, Vec<usize>> {
        let mut out: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, g) in self.groups.iter().enumerate() {
            out.entry(g.as_str()).or_default().push(i);
        }
        out
    }
}

/// A bound the user set on a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Max,
    Min,
}

impl Bound {
    pub fn name(self) -> &'static str {
        match self {
            Bound::Max => "max",
            Bound::Min => "min",
        }
    }
}

/// One checked bound: passes when the value exists and is within it.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub metric: String,
    pub bound: Bound,
    pub limit: f64,
    pub value: Option<f64>,
    pub passed: bool,
}

impl Check {
    pub fn new(metric: String, bound: Bound, limit: f64, value: Option<f64>) -> Check {
        let passed = value.is_some_and(|v| match bound {
            Bound::Max => v <= limit,
            Bound::Min => v >= limit,
        });
        Check {
            metric,
            bound,
            limit,
            value,
            passed,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FairnessError {
    #[error(
        "column `{column}` must hold the labels 0/1 (or -1/1) for classification, found `{value}`"
    )]
    NotBinary { column: String, value: String },
    #[error("regression needs the privileged group (`--privileged VALUE`)")]
    NoPrivileged,
    #[error("the privileged group `{value}` does not occur in column `{column}`")]
    UnknownPrivileged {
        column: String,
        value: String,
        groups: Vec<String>,
    },
    #[error("column `{column}` is not in the predictions")]
    MissingColumn {
        column: String,
        available: Vec<String>,
    },
    #[error("column `{column}` has missing values")]
    MissingValues { column: String },
    #[error("column `{column}` must hold numbers, found `{value}`")]
    NotNumeric { column: String, value: String },
    #[error("no rows to assess")]
    Empty,
}

/// Fairlearn's `difference` and `ratio` of per-group values, between groups and to overall.
/// `None` stands for NaN (no defined value).
pub fn disparities(values: &[f64], overall: f64) -> [Option<f64>; 4] {
    let defined = |x: f64| (!x.is_nan()).then_some(x);
    let finite: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if finite.is_empty() {
        return [None; 4];
    }
    let between_difference = max - min;
    let between_ratio = min / max;
    let to_overall_difference = finite
        .iter()
        .map(|v| (v - overall).abs())
        .fold(f64::NAN, f64::max);
    let to_overall_ratio = finite
        .iter()
        .map(|v| {
            let r = v / overall;
            if r > 1.0 { 1.0 / r } else { r }
        })
        .filter(|r| !r.is_nan())
        .fold(f64::NAN, f64::min);
    [
        defined(between_difference),
        defined(between_ratio),
        defined(to_overall_difference),
        defined(to_overall_ratio),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disparities_follow_fairlearn() {
        let [bd, br, od, or] = disparities(&[0.2, 0.5], 0.4);
        assert!((bd.expect("d") - 0.3).abs() < 1e-15);
        assert!((br.expect("r") - 0.4).abs() < 1e-15);
        assert!((od.expect("d") - 0.2).abs() < 1e-15);
        assert!((or.expect("r") - 0.5).abs() < 1e-15);
        assert_eq!(disparities(&[0.0, 0.0], 0.0)[1], None);
    }
}
