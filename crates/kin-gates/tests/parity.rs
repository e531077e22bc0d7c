//! Parity with Evidently and Fairlearn on the fixtures written by scripts/gates-fixtures.py.

use std::path::{Path, PathBuf};

use kin_gates::drift::{DriftOptions, compute};
use kin_gates::fairness::{classification, predictions_from_table, regression};
use kin_gates::{ColumnKind, StatTest, Table};
use serde_json::Value;

fn fixture_dirs(kind: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("fixtures exist")
        .map(|e| e.expect("entry").path())
        .collect();
    dirs.sort();
    dirs
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

fn evidently_test(display: &str) -> StatTest {
    match display {
        "K-S p_value" => StatTest::Ks,
        "chi-square p_value" => StatTest::ChiSquare,
        "Z-test p_value" => StatTest::Z,
        "Wasserstein distance (normed)" => StatTest::Wasserstein,
        "Jensen-Shannon distance" => StatTest::JensenShannon,
        "PSI" => StatTest::Psi,
        other => panic!("unknown Evidently test {other}"),
    }
}

#[test]
fn drift_matches_evidently() {
    let dirs = fixture_dirs("drift");
    assert!(dirs.len() >= 10, "expected at least 10 drift fixtures");
    let mut worst = (0.0f64, 0.0f64);
    for dir in dirs {
        let name = dir.file_name().expect("name").to_string_lossy().to_string();
        let expected = read_json(&dir.join("expected.json"));
        let mut options = DriftOptions::default();
        for (col, test) in expected["stattests"].as_object().expect("object") {
            let test = StatTest::from_name(test.as_str().expect("str")).expect("known test");
            options.stattests.insert(col.clone(), test);
        }
        let results: Vec<_> = ["csv", "parquet"]
            .into_iter()
            .filter(|ext| dir.join(format!("reference.{ext}")).exists())
            .map(|ext| {
                let reference = Table::read(&dir.join(format!("reference.{ext}"))).expect("ref");
                let current = Table::read(&dir.join(format!("current.{ext}"))).expect("current");
                compute(&reference, &current, &options).expect("drift")
            })
            .collect();
        // A Parquet twin holds the frames pandas read from the CSV: the same answer, exactly.
        if let [csv, parquet] = results.as_slice() {
            assert_eq!(csv, parquet, "{name}: CSV and Parquet differ");
        }
        let result = results.into_iter().next_back().expect("a reference file");
        assert_eq!(result.dataset_drift, expected["dataset_drift"], "{name}");
        assert_eq!(
            result.drifted_columns as u64,
            expected["drifted_columns"].as_u64().expect("n"),
            "{name}"
        );
        let columns = expected["columns"].as_object().expect("columns");
        assert_eq!(result.columns.len(), columns.len(), "{name}");
        for got in &result.columns {
            let want = &columns[&got.name];
            let ctx = format!("{name}/{}", got.name);
            let kind = if want["type"] == "num" {
                ColumnKind::Numerical
            } else {
                ColumnKind::Categorical
            };
            assert_eq!(got.kind, kind, "{ctx}");
            assert_eq!(
                got.stattest,
                evidently_test(want["stattest"].as_str().expect("str")),
                "{ctx}"
            );
            assert_eq!(got.drift, want["drift"].as_bool().expect("bool"), "{ctx}");
            assert_eq!(
                got.threshold,
                want["threshold"].as_f64().expect("f64"),
                "{ctx}"
            );
            let score = want["score"].as_f64().expect("score");
            let diff = (got.score - score).abs();
            let distance = matches!(
                got.stattest,
                StatTest::Wasserstein | StatTest::JensenShannon
            );
            let tolerance = if distance { 1e-4 } else { 1e-6 };
            assert!(
                diff <= tolerance,
                "{ctx}: kin {} evidently {score} ({:?})",
                got.score,
                got.stattest
            );
            let slot = if distance { &mut worst.1 } else { &mut worst.0 };
            *slot = slot.max(diff);
        }
    }
    eprintln!(
        "largest score difference: p-value tests {:e}, distances {:e}",
        worst.0, worst.1
    );
}

fn close(got: Option<f64>, want: &Value, ctx: &str) {
    let got = got.unwrap_or(f64::NAN);
    let want = want.as_f64().unwrap_or(f64::NAN);
    assert!(
        (got - want).abs() <= 1e-9 || (got.is_nan() && want.is_nan()),
        "{ctx}: kin {got} fairlearn {want}"
    );
}

#[test]
fn fairness_matches_fairlearn() {
    for dir in fixture_dirs("fairness") {
        let name = dir.file_name().expect("name").to_string_lossy().to_string();
        let expected = read_json(&dir.join("expected.json"));
        let table = Table::read(&dir.join("predictions.csv")).expect("predictions");
        if expected["task"] == "classification" {
            let data = predictions_from_table(&table, "group", "y_true", "y_pred").expect("input");
            let (groups, between, to_overall) =
                classification(&data, "y_true", "y_pred").expect("metrics");
            for (group, want) in expected["groups"].as_object().expect("groups") {
                let got = groups[group];
                close(
                    Some(got.selection_rate),
                    &want["selection_rate"],
                    &format!("{name}/{group}"),
                );
                close(
                    Some(got.true_positive_rate),
                    &want["true_positive_rate"],
                    &format!("{name}/{group}"),
                );
                close(
                    Some(got.false_positive_rate),
                    &want["false_positive_rate"],
                    &format!("{name}/{group}"),
                );
            }
            for (method, got) in [("between_groups", &between), ("to_overall", &to_overall)] {
                for (metric, want) in expected["metrics"][method].as_object().expect("metrics") {
                    close(
                        got[metric.as_str()],
                        want,
                        &format!("{name}/{method}/{metric}"),
                    );
                }
            }
        } else {
            let data =
                predictions_from_table(&table, "is_registered", "y_true", "y_pred").expect("input");
            let privileged = expected["privileged"].as_str().expect("privileged");
            let (_, metrics) = regression(&data, "is_registered", privileged).expect("metrics");
            for (metric, want) in expected["metrics"].as_object().expect("metrics") {
                close(metrics[metric.as_str()], want, &format!("{name}/{metric}"));
            }
        }
    }
}
