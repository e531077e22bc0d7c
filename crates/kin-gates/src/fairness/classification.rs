//! Selection rate, TPR and FPR per group and Fairlearn's parity metrics built from them.

use std::collections::BTreeMap;

use super::{FairnessError, Predictions, disparities};

/// Fairlearn's metric names, in output order.
pub const CLASSIFICATION_METRICS: [&str; 6] = [
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupRates {
    pub count: usize,
    pub selection_rate: f64,
    pub true_positive_rate: f64,
    pub false_positive_rate: f64,
}

/// Per-group rates and `(between_groups, to_overall)` metric maps. Labels are 0/1 or -1/1;
/// 1 is positive. A rate with no rows to divide by is 0, as scikit-learn's confusion matrix gives.
/// Per-group rates, then metrics between groups and to overall.
pub type ClassificationResult = (
    BTreeMap<String, GroupRates>,
    BTreeMap<&'static str, Option<f64>>,
    BTreeMap<&'static str, Option<f64>>,
);

pub fn classification(
    data: &Predictions,
    label_column: &str,
    prediction_column: &str,
) -> Result<ClassificationResult, FairnessError> {
    if data.groups.is_empty() {
        return Err(FairnessError::Empty);
    }
    check_binary(&data.y_true, label_column)?;
    check_binary(&data.y_pred, prediction_column)?;
    let all: Vec<usize> = (0..data.groups.len()).collect();
    let overall = rates(data, &all);
    let groups: BTreeMap<String, GroupRates> = data
        .by_group()
        .into_iter()
        .map(|(g, rows)| (g.to_owned(), rates(data, &rows)))
        .collect();
    let collect = |f: fn(&GroupRates) -> f64| -> Vec<f64> { groups.values().map(f).collect() };
    let sel = disparities(&collect(|g| g.selection_rate), overall.selection_rate);
    let tpr = disparities(
        &collect(|g| g.true_positive_rate),
        overall.true_positive_rate,
    );
    let fpr = disparities(
        &collect(|g| g.false_positive_rate),
        overall.false_positive_rate,
    );
    let worst_max = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        _ => None,
    };
    let worst_min = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        _ => None,
    };
    let mut maps = [BTreeMap::new(), BTreeMap::new()];
    for (m, offset) in maps.iter_mut().zip([0usize, 2]) {
        let values = [
            sel[offset],
            sel[offset + 1],
            worst_max(tpr[offset], fpr[offset]),
            worst_min(tpr[offset + 1], fpr[offset + 1]),
            tpr[offset],
            tpr[offset + 1],
        ];
        for (name, v) in CLASSIFICATION_METRICS.iter().zip(values) {
            m.insert(*name, v);
        }
    }
    let [between, to_overall] = maps;
    Ok((groups, between, to_overall))
}

fn check_binary(values: &[f64], column: &str) -> Result<(), FairnessError> {
    let zero_one = values.iter().all(|v| *v == 0.0 || *v == 1.0);
    let minus_one = values.iter().all(|v| *v == -1.0 || *v == 1.0);
    if zero_one || minus_one {
        return Ok(());
    }
    let bad = values
        .iter()
        .find(|v| !matches!(**v, 0.0 | 1.0 | -1.0))
        .or(values.first())
        .copied()
        .unwrap_or(f64::NAN);
    Err(FairnessError::NotBinary {
        column: column.to_owned(),
        value: crate::stattest::format_number(bad),
    })
}

fn rates(data: &Predictions, rows: &[usize]) -> GroupRates {
    let (mut tp, mut fp, mut pos, mut neg, mut selected) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for &i in rows {
        let truth = data.y_true[i] == 1.0;
        let predicted = data.y_pred[i] == 1.0;
        selected += u64::from(predicted);
        if truth {
            pos += 1;
            tp += u64::from(predicted);
        } else {
            neg += 1;
            fp += u64::from(predicted);
        }
    }
    let share = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    GroupRates {
        count: rows.len(),
        selection_rate: share(selected, rows.len() as u64),
        true_positive_rate: share(tp, pos),
        false_positive_rate: share(fp, neg),
    }
}
