//! Error metrics per group and the privileged/unprivileged differences of the regression gate.

use std::collections::BTreeMap;

use super::{FairnessError, Predictions};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupErrors {
    pub count: usize,
    pub mse: f64,
    pub mae: f64,
    /// `None` when a label or prediction is <= -1 (the log is undefined there).
    pub rmsle: Option<f64>,
    pub mean_prediction: f64,
}

/// Per-group errors, then the gate's metrics by name.
pub type RegressionResult = (BTreeMap<String, GroupErrors>, BTreeMap<String, Option<f64>>);

/// Per-group errors and the metrics named as the seed pipeline's risk stage names them.
/// Unprivileged rows are all rows outside the privileged group.
pub fn regression(
    data: &Predictions,
    sensitive: &str,
    privileged: &str,
) -> Result<RegressionResult, FairnessError> {
    if data.groups.is_empty() {
        return Err(FairnessError::Empty);
    }
    let by_group = data.by_group();
    if !by_group.contains_key(privileged) {
        return Err(FairnessError::UnknownPrivileged {
            column: sensitive.to_owned(),
            value: privileged.to_owned(),
            groups: by_group.keys().map(|g| (*g).to_owned()).collect(),
        });
    }
    let groups: BTreeMap<String, GroupErrors> = by_group
        .iter()
        .map(|(g, rows)| ((*g).to_owned(), errors(data, rows)))
        .collect();
    let (mut privileged_rows, mut unprivileged_rows) = (Vec::new(), Vec::new());
    for (i, g) in data.groups.iter().enumerate() {
        if g == privileged {
            privileged_rows.push(i);
        } else {
            unprivileged_rows.push(i);
        }
    }
    let mut metrics = BTreeMap::new();
    let mut present = BTreeMap::new();
    for (name, rows) in [
        ("unprivileged", &unprivileged_rows),
        ("privileged", &privileged_rows),
    ] {
        if rows.is_empty() {
            continue;
        }
        let e = errors(data, rows);
        metrics.insert(format!("mse_{name}"), Some(e.mse));
        metrics.insert(format!("mae_{name}"), Some(e.mae));
        metrics.insert(format!("rmsle_{name}"), e.rmsle);
        metrics.insert(format!("mean_prediction_{name}"), Some(e.mean_prediction));
        present.insert(name, e);
    }
    let get = |name: &str, f: fn(&GroupErrors) -> f64| present.get(name).map(f).unwrap_or(0.0);
    metrics.insert(
        "mae_diff".to_owned(),
        Some(get("unprivileged", |e| e.mae) - get("privileged", |e| e.mae)),
    );
    metrics.insert(
        "mean_outcome_difference".to_owned(),
        Some(get("unprivileged", |e| e.mean_prediction) - get("privileged", |e| e.mean_prediction)),
    );
    Ok((groups, metrics))
}

fn errors(data: &Predictions, rows: &[usize]) -> GroupErrors {
    let n = rows.len() as f64;
    let (mut se, mut ae, mut sle, mut pred) = (0.0, 0.0, 0.0, 0.0);
    let mut log_defined = true;
    for &i in rows {
        let (t, p) = (data.y_true[i], data.y_pred[i]);
        se += (t - p) * (t - p);
        ae += (t - p).abs();
        pred += p;
        if t <= -1.0 || p <= -1.0 {
            log_defined = false;
        } else {
            let d = t.ln_1p() - p.ln_1p();
            sle += d * d;
        }
    }
    GroupErrors {
        count: rows.len(),
        mse: se / n,
        mae: ae / n,
        rmsle: log_defined.then(|| (sle / n).sqrt()),
        mean_prediction: pred / n,
    }
}
