//! Lineage end to end: capture during repro and add, `lineage up/down`, `runs`, `run show`,
//! `why` after each kind of change, and `history import` of kin- and DVC-made history.

use std::path::Path;

use serde_json::Value;

use crate::common::{
    commit_all as commit, dvc, dvc_python, git_repo, kin, name_run_ids, run, run_ok,
};

const PIPELINE: &str = "\
stages:
  prepare:
    cmd: grep -v 7 data/raw.csv > prepared.csv
    deps: [data/raw.csv]
    outs: [prepared.csv]
  featurize:
    cmd: awk -v s=${featurize.scale} '{print $1*s}' prepared.csv > features.csv
    deps: [prepared.csv]
    params: [featurize.scale]
    outs: [features.csv]
  train:
    cmd: sh src/train.sh
    deps: [features.csv, src/train.sh]
    params: [train.lr]
    outs: [model.pkl]
  evaluate:
    cmd: sh src/evaluate.sh
    deps: [model.pkl, src/evaluate.sh]
    metrics: [{score.json: {cache: false}}]
    outs: [score.txt]
";

const TRAIN_V1: &str = "cat features.csv params.yaml | md5sum > model.pkl\necho trained\n";
const EVALUATE: &str = "wc -c < model.pkl > score.txt\necho '{\"auc\": 0.91}' > score.json\n";

fn json(dir: &Path, args: &[&str]) -> Value {
    let text = run_ok(kin(dir).args(args));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}):\n{text}"))
}

/// The four-stage pipeline's files, with `raw` as its data.
fn write_project(dir: &Path, raw: &str) {
    std::fs::create_dir_all(dir.join("data")).expect("mkdir");
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::write(dir.join("data/raw.csv"), raw).expect("write");
    std::fs::write(dir.join("src/train.sh"), TRAIN_V1).expect("write");
    std::fs::write(dir.join("src/evaluate.sh"), EVALUATE).expect("write");
    std::fs::write(
        dir.join("params.yaml"),
        "featurize:\n  scale: 2\ntrain:\n  lr: 0.1\n",
    )
    .expect("write");
    std::fs::write(dir.join("dvc.yaml"), PIPELINE).expect("write");
}

/// The four-stage pipeline with raw data added and run once, all committed.
fn four_stage_repo() -> tempfile::TempDir {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    let raw: String = (1..=100).map(|n| format!("{n}\n")).collect();
    write_project(dir, &raw);
    run_ok(kin(dir).args(["add", "-q", "data/raw.csv"]));
    commit(dir, "data and pipeline");
    run_ok(kin(dir).args(["repro", "-q"]));
    commit(dir, "first run");
    repo
}

fn first_cause(dir: &Path) -> Value {
    let report = json(dir, &["why", "model.pkl", "--json"]);
    report["causes"][0].clone()
}

fn hash_of(dir: &Path, path: &str) -> String {
    let up = json(dir, &["lineage", "up", path, "--depth", "0", "--json"]);
    up["nodes"][0]["hash"].as_str().expect("hash").to_owned()
}

#[test]
fn why_names_each_change_first_and_down_stays_in_its_generation() {
    why_and_down_after_each_change();
}

#[test]
fn why_and_down_answer_the_same_on_a_postgres_store() {
    let Some(store) = crate::common::backends::postgres() else {
        return;
    };
    crate::common::with_store(&store.location, why_and_down_after_each_change);
}

fn why_and_down_after_each_change() {
    let repo = four_stage_repo();
    let dir = repo.path();
    let old_raw = hash_of(dir, "data/raw.csv");
    let old_model = hash_of(dir, "model.pkl");

    // 1. A data change.
    let mut raw = std::fs::read_to_string(dir.join("data/raw.csv")).expect("read");
    raw.push_str("1000\n");
    std::fs::write(dir.join("data/raw.csv"), raw).expect("write");
    run_ok(kin(dir).args(["add", "-q", "data/raw.csv"]));
    run_ok(kin(dir).args(["repro", "-q"]));
    commit(dir, "more data");
    let cause = first_cause(dir);
    assert_eq!(cause["kind"], "data", "{cause}");
    assert_eq!(cause["path"], "data/raw.csv");
    assert_eq!(cause["old"], old_raw.as_str());
    assert_eq!(cause["stage"], "prepare");
    let report = json(dir, &["why", "model.pkl", "--json"]);
    assert_eq!(
        report["causes"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    let consequences: Vec<&str> = report["consequences"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["path"].as_str())
        .collect();
    assert_eq!(consequences, ["features.csv", "prepared.csv"]);
    assert_eq!(report["commits"][0]["subject"], "first run");

    // Downstream of the old raw data: the old model, never the new one.
    let new_model = hash_of(dir, "model.pkl");
    let down = json(
        dir,
        &[
            "lineage",
            "down",
            &format!("data/raw.csv@{}", &old_raw[..10]),
            "--json",
        ],
    );
    let models: Vec<&str> = down["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["path"] == "model.pkl")
        .filter_map(|n| n["hash"].as_str())
        .collect();
    assert_eq!(models, [old_model.as_str()]);
    assert_ne!(old_model, new_model);

    // 2. A param change.
    let params = std::fs::read_to_string(dir.join("params.yaml")).expect("read");
    std::fs::write(
        dir.join("params.yaml"),
        params.replace("scale: 2", "scale: 3"),
    )
    .expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));
    commit(dir, "scale 3");
    let cause = first_cause(dir);
    assert_eq!(cause["kind"], "param", "{cause}");
    assert_eq!(cause["file"], "params.yaml");
    assert_eq!(cause["key"], "featurize.scale");
    assert_eq!(
        (cause["old"].clone(), cause["new"].clone()),
        (2.into(), 3.into())
    );

    // 3. A code change.
    std::fs::write(
        dir.join("src/train.sh"),
        TRAIN_V1.replace("trained", "trained v2") + "echo v2 >> model.pkl\n",
    )
    .expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));
    commit(dir, "train v2");
    let cause = first_cause(dir);
    assert_eq!(cause["kind"], "code", "{cause}");
    assert_eq!(cause["path"], "src/train.sh");
    assert_eq!(cause["stage"], "train");

    // An explicit range: from the first run's commit to now names all three.
    let report = json(dir, &["why", "model.pkl", "--from", "HEAD~3", "--json"]);
    let kinds: Vec<&str> = report["causes"]
        .as_array()
        .expect("causes")
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["code", "param", "cmd", "data"], "{report}");
}

#[test]
fn runs_record_what_happened_and_no_op_records_nothing() {
    let repo = four_stage_repo();
    let dir = repo.path();
    let runs = json(dir, &["runs", "--json"]);
    // One add and four stages.
    assert_eq!(runs.as_array().map(Vec::len), Some(5), "{runs}");
    run_ok(kin(dir).args(["repro", "-q"]));
    run_ok(kin(dir).args(["add", "-q", "data/raw.csv"]));
    assert_eq!(
        json(dir, &["runs", "--json"]).as_array().map(Vec::len),
        Some(5)
    );

    let train = &json(dir, &["runs", "--stage", "train", "--json"])[0];
    assert_eq!(train["status"], "succeeded");
    // As dvc.lock records them: by the key the stage names.
    assert_eq!(train["params"]["params.yaml"]["train.lr"], 0.1);
    assert_eq!(train["git_dirty"], false);
    let evaluate = &json(dir, &["runs", "--stage", "evaluate", "--json"])[0];
    assert_eq!(evaluate["metrics"]["score.json"]["auc"], 0.91);

    let id = train["run_id"].as_str().expect("id");
    let shown = json(dir, &["run", "show", &id[..23], "--json"]);
    let inputs: Vec<&str> = shown["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|v| v["path"].as_str())
        .collect();
    assert_eq!(inputs, ["features.csv", "src/train.sh"]);
    assert_eq!(shown["outputs"][0]["path"], "model.pkl");
    assert!(shown["environment"]["body"]["os"].is_string());
    assert_eq!(
        run_ok(kin(dir).args(["run", "show", id, "--log"])),
        "trained\n"
    );

    // A committed change run from a clean checkout is recorded clean, although repro
    // rewrites the tracked dvc.lock before the later stages are recorded.
    let params = std::fs::read_to_string(dir.join("params.yaml")).expect("read");
    std::fs::write(
        dir.join("params.yaml"),
        params.replace("lr: 0.1", "lr: 0.2"),
    )
    .expect("write");
    commit(dir, "lr 0.2");
    run_ok(kin(dir).args(["repro", "-q"]));
    for stage in ["train", "evaluate"] {
        let latest = &json(dir, &["runs", "--stage", stage, "-n", "1", "--json"])[0];
        assert_eq!(latest["git_dirty"], false, "{stage}: {latest}");
    }

    // A failing stage is recorded as failed, with its exit code and inputs.
    std::fs::write(dir.join("src/train.sh"), "echo boom >&2\nexit 3\n").expect("write");
    assert!(!run(kin(dir).args(["repro", "-q"])).status.success());
    let failed = json(dir, &["runs", "--status", "failed", "--json"]);
    assert_eq!(failed.as_array().map(Vec::len), Some(1));
    assert_eq!(failed[0]["stage"], "train");
    assert_eq!(failed[0]["exit_code"], 3);
    assert_eq!(
        json(dir, &["runs", "--since", "1h", "-n", "2", "--json"])
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        json(dir, &["runs", "--since", "2999-01-01", "--json"])
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

#[test]
fn bad_queries_fail_with_hints() {
    let repo = four_stage_repo();
    let dir = repo.path();
    for (args, needle) in [
        (
            vec!["lineage", "up", "nothing.csv"],
            "neither a recorded path",
        ),
        (
            vec!["lineage", "up", "model.pkl@ffffffff"],
            "no recorded version",
        ),
        (vec!["run", "show", "zzzz"], "not a run id"),
        (vec!["run", "show", "ffff"], "no recorded run"),
        (vec!["runs", "--since", "yesterday"], "not a date"),
        (vec!["runs", "--status", "done"], "unknown run status"),
        (vec!["why", "model.pkl"], "only one recorded version"),
        (
            vec!["why", "model.pkl", "--from", "no-such-rev"],
            "not a revision",
        ),
    ] {
        let output = run(kin(dir).args(&args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let output = run(kin(dir).args(["lineage", "up", "nothing.csv"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("hint:"));
}

#[test]
fn json_shapes_are_stable() {
    let repo = four_stage_repo();
    let dir = repo.path();
    let params = std::fs::read_to_string(dir.join("params.yaml")).expect("read");
    std::fs::write(
        dir.join("params.yaml"),
        params.replace("lr: 0.1", "lr: 0.2"),
    )
    .expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));
    let mut up = json(
        dir,
        &["lineage", "up", "model.pkl", "--depth", "1", "--json"],
    );
    let mut names = Vec::new();
    name_run_ids(&mut up, &mut names);
    insta::assert_snapshot!(
        "lineage-up-json",
        serde_json::to_string_pretty(&up).expect("json")
    );
    let mut why = json(dir, &["why", "model.pkl", "--json"]);
    // Named on from the graph above: the run both name is the same run.
    name_run_ids(&mut why, &mut names);
    insta::assert_snapshot!(
        "why-json",
        serde_json::to_string_pretty(&why).expect("json")
    );
    let dot = run_ok(kin(dir).args(["lineage", "down", "prepared.csv", "--dot"]));
    assert!(dot.starts_with("digraph lineage {"), "{dot}");
    assert!(dot.contains("label=\"featurize\\nsucceeded"), "{dot}");
    // prepared -> featurize -> features -> 2 trains -> 2 models -> 2 evaluates -> 2 outputs each.
    assert_eq!(dot.matches(" -> ").count(), 12, "{dot}");
}

#[test]
fn history_import_reads_dvc_made_history_incrementally() {
    let Some(python) = dvc_python() else {
        return;
    };
    let repo = git_repo(None);
    let dir = repo.path();
    dvc(&python, dir, &["init", "-q"]);
    write_project(dir, "1\n2\n3\n");
    dvc(&python, dir, &["add", "-q", "data/raw.csv"]);
    dvc(&python, dir, &["repro", "-q"]);
    commit(dir, "dvc run 1");
    std::fs::write(dir.join("data/raw.csv"), "1\n2\n3\n4\n").expect("write");
    dvc(&python, dir, &["add", "-q", "data/raw.csv"]);
    dvc(&python, dir, &["repro", "-q"]);
    commit(dir, "dvc run 2");

    let report = json(dir, &["history", "import", "--json"]);
    assert_eq!(report["commits"], 2);
    assert_eq!(report["runs"], 10, "{report}");
    let again = json(dir, &["history", "import", "--json"]);
    assert_eq!(
        (again["already_imported"].clone(), again["runs"].clone()),
        (2.into(), 0.into())
    );

    // The model's upstream walks back to the raw data version its .dvc file records.
    let dvc_file = std::fs::read_to_string(dir.join("data/raw.csv.dvc")).expect("read");
    let raw_md5 = dvc_file
        .lines()
        .find_map(|l| l.trim().trim_start_matches("- ").strip_prefix("md5: "))
        .expect("md5 in .dvc")
        .to_owned();
    let up = json(dir, &["lineage", "up", "model.pkl", "--json"]);
    let raw: Vec<&str> = up["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["path"] == "data/raw.csv")
        .filter_map(|n| n["hash"].as_str())
        .collect();
    assert_eq!(raw, [raw_md5.as_str()]);
    let why = json(dir, &["why", "model.pkl", "--json"]);
    assert_eq!(why["causes"][0]["path"], "data/raw.csv", "{why}");

    // A new commit is all a second import reads.
    std::fs::write(
        dir.join("params.yaml"),
        "featurize:\n  scale: 5\ntrain:\n  lr: 0.1\n",
    )
    .expect("write");
    dvc(&python, dir, &["repro", "-q"]);
    commit(dir, "dvc run 3");
    let third = json(dir, &["history", "import", "--json"]);
    assert_eq!(
        (third["already_imported"].clone(), third["runs"].clone()),
        (2.into(), 3.into())
    );
}

#[test]
fn a_failing_gate_stops_repro_and_its_verdict_is_recorded() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kin-gates/tests/fixtures/drift/small_num_shift");
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    for name in ["reference.csv", "current.csv"] {
        std::fs::copy(fixtures.join(name), dir.join(name)).expect("copy fixture");
    }
    let pipeline = format!(
        "stages:\n  drift_gate:\n    cmd: {} drift --reference reference.csv --current current.csv --out drift.json\n    deps: [reference.csv, current.csv]\n    metrics: [{{drift.json: {{cache: false}}}}]\n  train:\n    cmd: cp current.csv model.pkl\n    deps: [current.csv, drift.json]\n    outs: [model.pkl]\n",
        env!("CARGO_BIN_EXE_kin")
    );
    std::fs::write(dir.join("dvc.yaml"), pipeline).expect("write");
    let output = run(kin(dir).args(["repro", "-q"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        !dir.join("model.pkl").exists(),
        "train ran after a failed gate"
    );
    let failed = json(dir, &["runs", "--status", "failed", "--json"]);
    assert_eq!(failed.as_array().map(Vec::len), Some(1), "{failed}");
    assert_eq!(failed[0]["stage"], "drift_gate");
    assert_eq!(failed[0]["exit_code"], 1);
    assert_eq!(failed[0]["metrics"]["drift.json"]["dataset_drift"], true);
    assert_eq!(
        json(dir, &["runs", "--stage", "train", "--json"])
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

/// The id of the latest recorded run of `stage`.
fn latest_run(dir: &Path, stage: &str) -> String {
    let runs = json(dir, &["runs", "--stage", stage, "-n", "1", "--json"]);
    runs[0]["run_id"].as_str().expect("run id").to_owned()
}

#[test]
fn metrics_and_params_diff_against_recorded_runs() {
    let repo = four_stage_repo();
    let dir = repo.path();
    let old_featurize = format!("run:{}", latest_run(dir, "featurize"));
    let old_evaluate = format!("run:{}", latest_run(dir, "evaluate"));

    let params = std::fs::read_to_string(dir.join("params.yaml")).expect("read");
    std::fs::write(
        dir.join("params.yaml"),
        params
            .replace("scale: 2", "scale: 3")
            .replace("lr: 0.1", "lr: 0.5"),
    )
    .expect("write");
    std::fs::write(
        dir.join("src/evaluate.sh"),
        EVALUATE.replace("0.91", "0.95"),
    )
    .expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));
    let new_featurize = format!("run:{}", latest_run(dir, "featurize"));
    let new_evaluate = format!("run:{}", latest_run(dir, "evaluate"));

    // Two runs of one stage: only what that stage names.
    let diff = json(
        dir,
        &["params", "diff", &old_featurize, &new_featurize, "--json"],
    );
    assert_eq!(
        diff,
        serde_json::json!({"params.yaml": {"featurize.scale": {"old": 2, "new": 3, "diff": 1}}})
    );
    // A run against the workspace: the workspace is cut down to the run's keys, so the
    // train.lr change (not featurize's) is not listed.
    let against_workspace = json(dir, &["params", "diff", &old_featurize, "--json"]);
    assert_eq!(against_workspace, diff);
    let table = run_ok(kin(dir).args(["params", "diff", &old_featurize, &new_featurize]));
    assert!(table.contains("featurize.scale  2"), "{table}");
    assert!(table.contains(&old_featurize), "{table}");

    let diff = json(
        dir,
        &["metrics", "diff", &old_evaluate, &new_evaluate, "--json"],
    );
    let auc = &diff["score.json"]["auc"];
    assert_eq!(
        (auc["old"].clone(), auc["new"].clone()),
        (0.91.into(), 0.95.into())
    );
    assert!(
        auc["diff"]
            .as_f64()
            .is_some_and(|d| (d - 0.04).abs() < 1e-9),
        "{diff}"
    );
    // The workspace's score.json matches the new run: nothing changed since it.
    assert_eq!(
        json(dir, &["metrics", "diff", &new_evaluate, "--json"]),
        serde_json::json!({})
    );

    let output = run(kin(dir).args(["metrics", "diff", "run:ffffffff"]));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no recorded run"), "{stderr}");
}
