//! The pipeline corpus: kin must expand every valid case exactly as DVC does, and reject every
//! invalid one with a message naming file, line and column.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;

use crate::common::{corpus_cases, dvc_python, git_repo, kin, run, run_ok, tests_dir};

/// The fields of `kin stages --json`; DVC's recorded expansion holds a few more.
const STAGE_FIELDS: &[&str] = &[
    "cmd",
    "wdir",
    "deps",
    "outs",
    "metrics",
    "plots",
    "params",
    "frozen",
    "always_changed",
];

fn stage_fields(document: &Value) -> Value {
    let mut stages = serde_json::Map::new();
    for (address, stage) in document["stages"].as_object().expect("stages object") {
        let fields = STAGE_FIELDS
            .iter()
            .map(|f| ((*f).to_owned(), stage[*f].clone()))
            .collect();
        stages.insert(address.clone(), Value::Object(fields));
    }
    serde_json::json!({ "stages": stages })
}

/// `"a" -> "b";` lines of dot output, sorted.
fn dot_edges(dot: &str) -> Vec<(String, String)> {
    let mut edges: Vec<(String, String)> = dot
        .lines()
        .filter_map(|l| l.strip_suffix(';')?.split_once(" -> "))
        .map(|(a, b)| {
            (
                a.trim_matches('"').to_owned(),
                b.trim_matches('"').to_owned(),
            )
        })
        .collect();
    edges.sort();
    edges
}

fn json_edges(value: &Value) -> Vec<(String, String)> {
    let mut edges: Vec<(String, String)> = value["edges"]
        .as_array()
        .expect("edges array")
        .iter()
        .map(|e| {
            (
                e[0].as_str().expect("edge from").to_owned(),
                e[1].as_str().expect("edge to").to_owned(),
            )
        })
        .collect();
    edges.sort();
    edges
}

fn kin_view(dir: &Path) -> (Value, Vec<(String, String)>) {
    run_ok(kin(dir).arg("init"));
    let stages = run_ok(kin(dir).args(["stages", "--json"]));
    let dot = run_ok(kin(dir).args(["dag", "--dot"]));
    (
        serde_json::from_str(&stages).expect("stages JSON"),
        dot_edges(&dot),
    )
}

/// Against DVC's answers recorded in `tests/corpus/expected` (runs everywhere, no DVC needed).
#[test]
fn valid_corpus_matches_recorded_dvc_expansion() {
    let cases = corpus_cases("valid");
    assert!(
        cases.len() >= 40,
        "the corpus must hold at least 40 pipelines"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let expected_dir = tests_dir().join("corpus/expected").join(&name);
        let read = |f: &str| -> Value {
            let text = std::fs::read_to_string(expected_dir.join(f))
                .unwrap_or_else(|e| panic!("{name}: missing recorded {f}: {e}"));
            serde_json::from_str(&text).expect("recorded JSON")
        };
        let repo = git_repo(Some(case));
        let (stages, edges) = kin_view(repo.path());
        if stages != stage_fields(&read("stages.json")) {
            failures.push(format!("{name}: stages differ\n  kin: {stages}"));
        }
        if edges != json_edges(&read("dag.json")) {
            failures.push(format!("{name}: dag edges differ\n  kin: {edges:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Live differential: the real DVC and kin on the same copy of each case.
#[test]
fn valid_corpus_matches_live_dvc() {
    let Some(python) = dvc_python() else { return };
    let oracle = tests_dir().join("oracle/dvc_oracle.py");
    let cases = corpus_cases("valid");
    let failures = Mutex::new(Vec::new());
    let next = Mutex::new(cases.iter());
    // DVC's start-up dominates; two workers keep both cores busy.
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let Some(case) = next.lock().expect("lock").next() else {
                        break;
                    };
                    if let Err(failure) = compare_with_dvc(&python, &oracle, case) {
                        failures.lock().expect("lock").push(failure);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().expect("lock");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn compare_with_dvc(python: &Path, oracle: &Path, case: &Path) -> Result<(), String> {
    let name = case
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    let repo = git_repo(Some(case));
    let dir = repo.path();
    let dvc = |args: &[&str]| -> Value {
        let output = Command::new(python)
            .args(args)
            .current_dir(dir)
            .output()
            .expect("python runs");
        serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
            panic!(
                "{name}: DVC gave no JSON: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
    };
    let init = Command::new(python)
        .args(["-m", "dvc", "init", "-q"])
        .current_dir(dir)
        .status()
        .expect("dvc init runs");
    assert!(init.success(), "{name}: dvc init failed");
    let oracle = oracle.to_str().expect("utf-8 path");
    let dvc_stages = dvc(&[oracle, "stages"]);
    let dvc_edges = json_edges(&dvc(&[oracle, "dag", "--cli"]));
    let kin_stages: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["stages", "--json"]))).expect("kin JSON");
    let kin_edges = dot_edges(&run_ok(kin(dir).args(["dag", "--dot"])));
    if kin_stages != dvc_stages {
        return Err(format!(
            "{name}: stages differ\n  dvc: {dvc_stages}\n  kin: {kin_stages}"
        ));
    }
    if kin_edges != dvc_edges {
        return Err(format!(
            "{name}: dag edges differ\n  dvc: {dvc_edges:?}\n  kin: {kin_edges:?}"
        ));
    }
    Ok(())
}

/// Every invalid pipeline fails `kin dag` with exit code 1 and a located message; the messages
/// are snapshots.
#[test]
fn invalid_corpus_is_rejected_with_located_messages() {
    let cases = corpus_cases("invalid");
    assert!(cases.len() >= 20);
    for case in &cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let repo = git_repo(Some(case));
        run_ok(kin(repo.path()).args(["init"]));
        // `dag` needs the whole graph, so it meets every kind of error: the ones of loading
        // (which every command meets) and overlaps and cycles (which, as in DVC, only the
        // commands that build the graph meet).
        let output = run(kin(repo.path()).args(["dag", "--json"]));
        let stderr = String::from_utf8(output.stderr).expect("utf-8");
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: expected failure, got\n{stderr}"
        );
        assert!(
            output.stdout.is_empty(),
            "{name}: printed a result despite the error"
        );
        assert!(
            stderr.contains("  --> "),
            "{name}: error names no file:\n{stderr}"
        );
        insta::assert_snapshot!(format!("invalid-{name}"), stderr);
    }
}
