//! Promotion gated on recorded evidence: a model version whose fairness gate failed is
//! refused for `prod`, the previous version passes with an approver, `--force --reason` is
//! recorded as an override, and the card of a version lists what its lineage holds.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{
    TEST_NOW, commit_all, git_repo, kin, name_run_ids, run, run_ok, stderr_text as stderr,
    tag_listing as tags, tagging_as_ana,
};

/// A model whose quality comes from params, its predictions, and a fairness gate that fails
/// unless the quality is good; `model.bin` is the registry's `churn`.
const PIPELINE: &str = r#"stages:
  train:
    cmd: cat data.csv > model.bin && echo "quality=${train.quality}" >> model.bin
    deps: [data.csv]
    params: [train]
    outs: [model.bin]
  predict:
    cmd: cp model.bin predictions.txt
    deps: [model.bin]
    outs: [predictions.txt]
  fairness:
    cmd: >-
      if grep -q quality=good predictions.txt;
      then echo '{"checks": [{"metric": "gap", "bound": "max", "limit": 0.1, "value": 0.02, "passed": true}]}' > fairness.json;
      else echo '{"checks": [{"metric": "gap", "bound": "max", "limit": 0.1, "value": 0.4, "passed": false}]}' > fairness.json; exit 1; fi
    deps: [predictions.txt]
    metrics:
      - fairness.json:
          cache: false
artifacts:
  churn:
    path: model.bin
    type: model
    desc: Churn classifier
    labels: [tabular]
"#;

const POLICY: &str = "[registry.stages.prod]\ngates = [\"fairness\"]\napproval = true\n";

/// kin as the tagger Ana, tags dated like the commits (so tag objects are the same each run).
fn as_ana(cmd: &mut Command) -> &mut Command {
    tagging_as_ana(cmd).env("GIT_COMMITTER_DATE", TEST_NOW)
}

fn model(dir: &Path, args: &[&str]) -> Output {
    run(as_ana(kin(dir).arg("model").args(args)))
}

/// v0.0.1 trained on good params (its gate passed), v0.0.2 on bad ones (its gate failed).
fn two_versions() -> tempfile::TempDir {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(dir.join("dvc.yaml"), PIPELINE).expect("write");
    std::fs::write(dir.join("params.yaml"), "train:\n  quality: good\n").expect("write");
    std::fs::write(dir.join("data.csv"), "id,churned\n1,0\n2,1\n").expect("write");
    std::fs::write(dir.join(".kin/config.toml"), POLICY).expect("write");
    run_ok(kin(dir).args(["add", "-q", "data.csv"]));
    run_ok(kin(dir).args(["repro", "-q"]));
    commit_all(dir, "good model");
    run_ok(as_ana(kin(dir).args(["model", "register", "churn"])));
    std::fs::write(dir.join("params.yaml"), "train:\n  quality: bad\n").expect("write");
    let failed = run(kin(dir).args(["repro", "-q"]));
    assert_eq!(
        failed.status.code(),
        Some(1),
        "the fairness gate should fail: {}",
        stderr(&failed)
    );
    commit_all(dir, "bad model");
    run_ok(as_ana(kin(dir).args(["model", "register", "churn"])));
    repo
}

#[test]
fn a_version_whose_gate_failed_is_refused_and_the_previous_one_passes() {
    let repo = two_versions();
    let dir = repo.path();
    let before = tags(dir);

    let refused = model(
        dir,
        &["assign", "churn", "--version", "v0.0.2", "--stage", "prod"],
    );
    assert_eq!(refused.status.code(), Some(1));
    let text = stderr(&refused);
    assert!(
        text.contains("promotion of churn v0.0.2 to `prod` refused: 2 requirement(s) unmet"),
        "{text}"
    );
    assert!(
        text.contains("gate `fairness` failed on this version"),
        "{text}"
    );
    assert!(
        text.contains("fairness.json: failed gap = 0.4000 breaks its max of 0.1000"),
        "{text}"
    );
    assert!(
        text.contains("an approver other than Ana <ana@example.invalid> is required"),
        "{text}"
    );
    assert_eq!(tags(dir), before, "a refused promotion wrote a tag");

    let self_approved = model(
        dir,
        &[
            "assign",
            "churn",
            "--version",
            "v0.0.1",
            "--stage",
            "prod",
            "--approver",
            "ana@example.invalid",
        ],
    );
    assert!(
        stderr(&self_approved).contains("approval must come from someone else"),
        "{}",
        stderr(&self_approved)
    );

    run_ok(as_ana(kin(dir).args([
        "model",
        "assign",
        "churn",
        "--version",
        "v0.0.1",
        "--stage",
        "prod",
        "--approver",
        "Bob",
        "--reason",
        "gates passed",
    ])));
    let message = tags(dir);
    assert!(
        message.contains("Assigning stage prod to artifact churn version v0.0.1"),
        "{message}"
    );
    assert!(
        message.contains("kin-approver: Bob") && message.contains("kin-gate: fairness passed"),
        "{message}"
    );

    let no_reason = model(
        dir,
        &[
            "assign",
            "churn",
            "--version",
            "v0.0.2",
            "--stage",
            "prod",
            "--force",
        ],
    );
    assert_eq!(no_reason.status.code(), Some(2));
    assert!(
        stderr(&no_reason).contains("--force overrides the promotion policy only with --reason")
    );

    let forced = model(
        dir,
        &[
            "assign",
            "churn",
            "--version",
            "v0.0.2",
            "--stage",
            "prod",
            "--force",
            "--reason",
            "hotfix for the outage",
        ],
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        stderr(&forced).contains("warning: promotion policy overridden (hotfix for the outage)")
    );
    assert!(tags(dir).contains("kin-override: true"));

    let card: serde_json::Value = serde_json::from_str(&run_ok(kin(dir).args([
        "model",
        "card",
        "churn@v0.0.2",
        "--format",
        "json",
    ])))
    .expect("json");
    let approvals = &card["registry"]["approvals"];
    assert_eq!(approvals.as_array().map(Vec::len), Some(1), "{approvals}");
    assert_eq!(approvals[0]["override"], true);
    assert_eq!(approvals[0]["reason"], "hotfix for the outage");
    assert_eq!(approvals[0]["evidence"]["gates"][0]["verdict"], "failed");
}

#[test]
fn an_assignment_made_with_gto_that_the_policy_refuses_is_flagged() {
    let Some(python) = crate::common::dvc_python() else {
        return;
    };
    let repo = two_versions();
    let dir = repo.path();
    let gto = python.with_file_name("gto");
    // A promotion through kin, its approval in the tag message: gto still reads it as its own.
    run_ok(as_ana(kin(dir).args([
        "model",
        "assign",
        "churn",
        "--version",
        "v0.0.1",
        "--stage",
        "prod",
        "--approver",
        "Bob",
    ])));
    let theirs = run(Command::new(&gto)
        .args(["show", "churn", "--json"])
        .current_dir(dir));
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    let ours = model(dir, &["show", "churn", "--json"]);
    assert_eq!(ours.stdout, theirs.stdout);
    assert!(String::from_utf8_lossy(&ours.stdout).contains("kin-approver: Bob"));
    let out = run(Command::new(&gto)
        .args(["assign", "churn", "--version", "v0.0.2", "--stage", "prod"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_COMMITTER_NAME", "Gus")
        .env("GIT_COMMITTER_EMAIL", "gus@example.invalid"));
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = model(dir, &["show"]);
    let text = stderr(&shown);
    assert!(shown.status.success());
    assert!(
        text.contains("warning: churn v0.0.2 is in `prod` by tag `churn#prod#2`"),
        "{text}"
    );
    assert!(
        text.contains("assigned outside kin; its policy would refuse it"),
        "{text}"
    );
}

#[test]
fn model_refs_are_lineage_targets_and_why_compares_two_versions() {
    let repo = two_versions();
    let dir = repo.path();
    let up: serde_json::Value = serde_json::from_str(&run_ok(kin(dir).args([
        "lineage",
        "up",
        "model:churn@v0.0.1",
        "--json",
    ])))
    .expect("json");
    let text = up.to_string();
    assert!(
        text.contains("\"stage\":\"train\"") && text.contains("data.csv"),
        "{text}"
    );
    let down = run_ok(kin(dir).args(["lineage", "down", "model:churn@v0.0.2"]));
    assert!(down.contains("fairness failed"), "{down}");
    let why: serde_json::Value = serde_json::from_str(&run_ok(kin(dir).args([
        "why",
        "model:churn@v0.0.2",
        "--from",
        "model:churn@v0.0.1",
        "--json",
    ])))
    .expect("json");
    assert_eq!(why["causes"][0]["kind"], "param", "{why}");
    assert_eq!(why["causes"][0]["key"], "train.quality", "{why}");

    let unknown = run(kin(dir).args(["lineage", "up", "model:churn@v9.0.0"]));
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("`churn` has no active version v9.0.0"),
        "{}",
        stderr(&unknown)
    );
    let bad = run(kin(dir).args(["lineage", "up", "model:churn"]));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_card_lists_exactly_what_the_lineage_holds() {
    let repo = two_versions();
    let dir = repo.path();
    let text = run_ok(kin(dir).args(["model", "card", "churn@v0.0.1", "--format", "json"]));
    let mut card: serde_json::Value = serde_json::from_str(&text).expect("json");
    name_run_ids(&mut card, &mut Vec::new());
    insta::assert_snapshot!(
        "model-card-json",
        serde_json::to_string_pretty(&card).expect("json")
    );

    let markdown = run_ok(kin(dir).args(["model", "card", "churn@v0.0.1"]));
    assert!(
        markdown.starts_with("---\ntags:\n- \"tabular\"\nmodel-index:\n- name: \"churn\""),
        "{markdown}"
    );
    assert!(markdown.contains("| data.csv |"), "{markdown}");
    assert!(markdown.contains("Gate `fairness`: passed"), "{markdown}");
    run_ok(kin(dir).args([
        "model",
        "card",
        "churn@latest",
        "--format",
        "html",
        "-o",
        "card.html",
    ]));
    let html = std::fs::read_to_string(dir.join("card.html")).expect("card written");
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<h1>Model card: churn v0.0.2</h1>"),
        "{html}"
    );
}

#[test]
fn a_policy_remote_must_hold_the_versions_bytes() {
    let repo = two_versions();
    let dir = repo.path();
    let storage = tempfile::tempdir().expect("tmp");
    let url = storage.path().to_string_lossy().into_owned();
    run_ok(kin(dir).args(["remote", "add", "storage", &url]));
    std::fs::write(
        dir.join(".kin/config.toml"),
        "[registry.stages.staging]\nremote = \"storage\"\n",
    )
    .expect("write");
    let refused = model(
        dir,
        &[
            "assign",
            "churn",
            "--version",
            "v0.0.1",
            "--stage",
            "staging",
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("remote `storage` lacks 1 object(s) of this version: model.bin (8ef7437c0ab2d7166227ffa6d25de571)"), "{}", stderr(&refused));
    run_ok(kin(dir).args(["push", "-q", "-r", "storage"]));
    // The workspace holds v0.0.2's model now; v0.0.1's object is still only in the cache.
    let still = model(
        dir,
        &[
            "assign",
            "churn",
            "--version",
            "v0.0.1",
            "--stage",
            "staging",
        ],
    );
    assert_eq!(still.status.code(), Some(1), "{}", stderr(&still));
    let pushed = model(
        dir,
        &[
            "assign",
            "churn",
            "--version",
            "v0.0.2",
            "--stage",
            "staging",
        ],
    );
    assert!(pushed.status.success(), "{}", stderr(&pushed));
}

#[test]
fn registering_a_version_without_recorded_lineage_says_so() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(
        dir.join("dvc.yaml"),
        "artifacts:\n  churn:\n    path: model.bin\n",
    )
    .expect("write");
    std::fs::write(dir.join("model.bin"), "weights").expect("write");
    commit_all(dir, "a model nobody recorded");
    let out = model(dir, &["register", "churn"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("note: churn v0.0.1 has no recorded lineage"),
        "{text}"
    );
    assert!(text.contains("`kin history import`"), "{text}");
}
