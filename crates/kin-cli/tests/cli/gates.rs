//! `kin drift` and `kin fairness` end to end: JSON contracts, exit codes, reports, errors.

use std::path::{Path, PathBuf};

use crate::common::{kin, run};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kin-gates/tests/fixtures")
}

#[test]
fn drift_json_contract_and_exit_code() {
    let dir = fixtures().join("drift/small_mixed_nans");
    let out = tempfile::tempdir().expect("tmp");
    let output = run(kin(&dir)
        .args([
            "drift",
            "--reference",
            "reference.csv",
            "--current",
            "current.csv",
            "--json",
            "--no-fail",
            "--out",
        ])
        .arg(out.path().join("metrics/drift.json"))
        .arg("--html")
        .arg(out.path().join("drift.html")));
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    insta::assert_snapshot!("drift-small-mixed-nans-json", stdout);
    let written = std::fs::read_to_string(out.path().join("metrics/drift.json")).expect("out");
    assert_eq!(written.trim_end(), stdout.trim_end());
    let html = std::fs::read_to_string(out.path().join("drift.html")).expect("html");
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("http://")
            || html.contains("xmlns=\"http://www.w3.org/2000/svg\"")
    );

    let drifted = fixtures().join("drift/small_num_shift");
    let output = run(kin(&drifted).args([
        "drift",
        "--reference",
        "reference.csv",
        "--current",
        "current.csv",
    ]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("dataset drift: 3 of 3 columns drifted"),
        "{stderr}"
    );
}

#[test]
fn fairness_json_contract_and_failed_bound() {
    let dir = fixtures().join("fairness/classification_binary_groups");
    let output = run(kin(&dir).args([
        "fairness",
        "--predictions",
        "predictions.csv",
        "--sensitive",
        "group",
        "--max",
        "demographic_parity_difference=0.5",
        "--min",
        "to_overall.equalized_odds_ratio=0.99",
        "--json",
    ]));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    insta::assert_snapshot!("fairness-classification-json", stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("fairness check failed: to_overall.equalized_odds_ratio"),
        "{stderr}"
    );
}

#[test]
fn clear_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    std::fs::write(dir.join("ref.csv"), "a,b,c\n1,x,\n2,y,\n").expect("write");
    std::fs::write(dir.join("cur.csv"), "a,b\n1,x\n").expect("write");
    std::fs::write(dir.join("empty.csv"), "a,b,c\n").expect("write");
    std::fs::write(dir.join("cur3.csv"), "a,b,c\n1,x,\n2,y,\n").expect("write");
    let cases: [(&[&str], &str); 5] = [
        (
            &["--reference", "ref.csv", "--current", "cur.csv"],
            "column `c` is not in the current data",
        ),
        (
            &["--reference", "ref.csv", "--current", "empty.csv"],
            "empty.csv` has no data rows",
        ),
        (
            &["--reference", "ref.csv", "--current", "cur3.csv"],
            "column `c` has no values in the reference data",
        ),
        (
            &[
                "--reference",
                "ref.csv",
                "--current",
                "cur3.csv",
                "--ignore",
                "zz",
            ],
            "column `zz` is not in the reference data",
        ),
        (
            &["--reference", "missing.csv", "--current", "cur3.csv"],
            "cannot read `",
        ),
    ];
    for (args, message) in cases {
        let output = run(kin(dir).arg("drift").args(args));
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let output = run(kin(dir).args([
        "drift",
        "--reference",
        "ref.csv",
        "--current",
        "cur3.csv",
        "--ignore",
        "c",
        "--stattest",
        "a=nope",
    ]));
    assert_eq!(output.status.code(), Some(2));
}

fn drift_json(dir: &Path, reference: &str, current: &str) -> String {
    let output = run(kin(dir).args([
        "drift",
        "--reference",
        reference,
        "--current",
        current,
        "--json",
        "--no-fail",
    ]));
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn drift_on_parquet_matches_csv() {
    for case in ["parquet_twin_small", "parquet_twin_large"] {
        let dir = fixtures().join("drift").join(case);
        assert_eq!(
            drift_json(&dir, "reference.csv", "current.csv"),
            drift_json(&dir, "reference.parquet", "current.parquet"),
            "{case}"
        );
    }
    // Types CSV cannot hold; the timestamp column `ts` is left out, as Evidently does.
    let dir = fixtures().join("drift/parquet_types");
    let stdout = drift_json(&dir, "reference.parquet", "current.parquet");
    insta::assert_snapshot!("drift-parquet-types-json", stdout);
}

#[test]
fn parquet_errors_are_clear() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let parquet = fixtures().join("parquet");
    for name in ["unsupported.parquet", "brotli.parquet"] {
        std::fs::copy(parquet.join(name), dir.join(name)).expect("copy");
    }
    let good = std::fs::read(fixtures().join("drift/parquet_twin_small/current.parquet"))
        .expect("fixture");
    std::fs::write(dir.join("good.parquet"), &good).expect("write");
    std::fs::write(dir.join("truncated.parquet"), &good[..good.len() - 100]).expect("write");
    let types = fixtures().join("drift/parquet_types/reference.parquet");
    std::fs::copy(types, dir.join("types.parquet")).expect("copy");
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["unsupported.parquet", "unsupported.parquet"],
            "column `tags` has the Parquet type list, which kin cannot read",
            "--ignore tags",
        ),
        (
            &["good.parquet", "truncated.parquet"],
            "truncated.parquet` is not a readable Parquet file",
            "kin reads flat Parquet files",
        ),
        (
            &["brotli.parquet", "brotli.parquet"],
            "Disabled feature at compile time: brotli",
            "snappy, gzip, lz4 or zstd",
        ),
        (
            &["types.parquet", "types.parquet", "--numerical", "ts"],
            "column `ts` holds dates and times in the reference data",
            "--ignore ts",
        ),
    ];
    for (args, message, hint) in cases {
        let output = run(kin(dir)
            .args(["drift", "--reference", args[0], "--current", args[1]])
            .args(&args[2..]));
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
    }
    // Ignored columns are never read, so their types do not matter.
    let output = run(kin(dir).args([
        "drift",
        "--reference",
        "unsupported.parquet",
        "--current",
        "unsupported.parquet",
        "--ignore",
        "tags,point,t",
        "--json",
    ]));
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\"columns_total\": 1"), "{stdout}");
}
