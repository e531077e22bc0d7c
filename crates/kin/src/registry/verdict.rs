//! A gate run's recorded verdict in a line: the failed fairness checks or the drift share
//! from the metrics files `kin fairness` and `kin drift` write, else the metrics as JSON.

use serde_json::Value;

/// The verdict a run's metrics (`{"metrics/fairness.json": {...}}`) record.
pub fn verdict_summary(metrics: &Value) -> String {
    let Some(files) = metrics.as_object().filter(|m| !m.is_empty()) else {
        return "none recorded".to_owned();
    };
    let parts: Vec<String> = files
        .iter()
        .map(|(file, doc)| format!("{file}: {}", document_summary(doc)))
        .collect();
    parts.join("; ")
}

fn number(value: &Value) -> String {
    match value.as_f64() {
        Some(f) => format!("{f:.4}"),
        None => value.to_string(),
    }
}

fn document_summary(doc: &Value) -> String {
    if let Some(checks) = doc.get("checks").and_then(Value::as_array) {
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| c.get("passed").and_then(Value::as_bool) == Some(false))
            .map(|c| {
                let metric = c.get("metric").and_then(Value::as_str).unwrap_or("?");
                let bound = c.get("bound").and_then(Value::as_str).unwrap_or("?");
                let limit = c.get("limit").map(number).unwrap_or_default();
                let value = c.get("value").map(number).unwrap_or_default();
                format!("{metric} = {value} breaks its {bound} of {limit}")
            })
            .collect();
        return if failed.is_empty() {
            format!("all {} fairness checks passed", checks.len())
        } else {
            format!("failed {}", failed.join(", "))
        };
    }
    if let Some(drift) = doc.get("dataset_drift").and_then(Value::as_bool) {
        let drifted = doc
            .get("drifted_columns")
            .map(number_or_text)
            .unwrap_or_default();
        let total = doc
            .get("columns_total")
            .map(number_or_text)
            .unwrap_or_default();
        let share = doc.get("drift_share").map(number).unwrap_or_default();
        return format!(
            "dataset drift {} ({drifted} of {total} columns drifted; the bound is a share of {share})",
            if drift { "detected" } else { "not detected" }
        );
    }
    let text = doc.to_string();
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

fn number_or_text(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fairness_and_drift_verdicts_read_as_sentences() {
        let fairness = json!({"metrics/fairness.json": {"checks": [
            {"metric": "mae_diff", "bound": "max", "limit": 0.05, "value": 0.01, "passed": true},
            {"metric": "mean_outcome_difference", "bound": "min", "limit": -0.05, "value": -0.0561, "passed": false}
        ]}});
        assert_eq!(
            verdict_summary(&fairness),
            "metrics/fairness.json: failed mean_outcome_difference = -0.0561 breaks its min of -0.0500"
        );
        let drift = json!({"metrics/drift.json": {"dataset_drift": true, "drift_share": 0.5, "drifted_columns": 6, "columns_total": 10}});
        assert_eq!(
            verdict_summary(&drift),
            "metrics/drift.json: dataset drift detected (6 of 10 columns drifted; the bound is a share of 0.5000)"
        );
        assert_eq!(verdict_summary(&json!({})), "none recorded");
    }
}
