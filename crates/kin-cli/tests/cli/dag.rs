//! `kin dag` and `kin stages` output shapes, as snapshots.

use std::path::Path;

use crate::common::{git_repo, kin, run, run_ok, tests_dir};

fn corpus_repo(case: &str) -> tempfile::TempDir {
    let repo = git_repo(Some(&tests_dir().join("corpus/valid").join(case)));
    run_ok(kin(repo.path()).arg("init"));
    repo
}

fn dag(dir: &Path, args: &[&str]) -> String {
    run_ok(kin(dir).arg("dag").args(args))
}

#[test]
fn ascii_dag_of_a_wide_fan_in_stays_one_line_per_stage() {
    let repo = corpus_repo("37-wide-foreach-fanin");
    let ascii = dag(repo.path(), &[]);
    insta::assert_snapshot!("wide-fanin-ascii", ascii);
    let collapsed = dag(repo.path(), &["--collapse-foreach-matrix"]);
    insta::assert_snapshot!("wide-fanin-collapsed", collapsed);
    assert!(
        ascii.lines().all(|l| l.chars().count() < 120),
        "lines stay narrow"
    );
}

#[test]
fn dag_formats_for_a_diamond() {
    let repo = corpus_repo("39-diamond");
    insta::assert_snapshot!("diamond-ascii", dag(repo.path(), &[]));
    insta::assert_snapshot!("diamond-dot", dag(repo.path(), &["--dot"]));
    insta::assert_snapshot!("diamond-mermaid", dag(repo.path(), &["--mermaid"]));
    insta::assert_snapshot!("diamond-md", dag(repo.path(), &["--md"]));
    insta::assert_snapshot!("diamond-json", dag(repo.path(), &["--json"]));
    insta::assert_snapshot!("diamond-outs", dag(repo.path(), &["--outs", "--dot"]));
}

#[test]
fn dag_target_shows_upstream_and_full_shows_component() {
    let repo = corpus_repo("38-chain-10");
    let stages: serde_json::Value =
        serde_json::from_str(&run_ok(kin(repo.path()).args(["stages", "--json"]))).expect("json");
    let names: Vec<&String> = stages["stages"]
        .as_object()
        .expect("object")
        .keys()
        .collect();
    let middle = names[names.len() / 2].clone();
    let upstream = dag(repo.path(), &[&middle, "--json"]);
    let full = dag(repo.path(), &[&middle, "--full", "--json"]);
    let count = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s).expect("json")["nodes"]
            .as_array()
            .expect("nodes")
            .len()
    };
    assert_eq!(count(&upstream), names.len() / 2 + 1);
    assert_eq!(count(&full), names.len());
}

#[test]
fn dag_unknown_target_is_a_usage_error() {
    let repo = corpus_repo("39-diamond");
    let output = run(kin(repo.path()).args(["dag", "nope"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no stage `nope`"));
}

#[test]
fn stages_json_contract() {
    let repo = corpus_repo("18-dict-unpack-cmd");
    insta::assert_snapshot!(
        "stages-json-dict-unpack",
        run_ok(kin(repo.path()).args(["stages", "--json"]))
    );
}
