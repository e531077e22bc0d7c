//! Run tags end to end: from `.kin/config.toml`, `KIN_TAGS` and `--tag` (later winning per
//! key) onto the runs repro, commit and add record; shown by `run show`, filtered by `runs`,
//! carried in `--json`, through history import and a remote.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{
    commit_all as commit, git_as_ana as git, git_repo, kin, name_run_ids, pipeline_repo, run,
    run_ok,
};

const PIPELINE: &str =
    "stages:\n  train:\n    cmd: echo model > model.txt\n    outs: [model.txt]\n";

const CONFIG_TAGS: &str = "\n[tags]\nproject = \"pricing\"\nteam = \"risk\"\nyear = 2026\n";

fn add_config_tags(dir: &Path, tags: &str) {
    let path = dir.join(".kin/config.toml");
    let mut text = std::fs::read_to_string(&path).expect("read config");
    text.push_str(tags);
    std::fs::write(path, text).expect("write config");
}

fn json(cmd: &mut Command) -> Value {
    let text = run_ok(cmd);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("no JSON ({e}):\n{text}"))
}

fn runs(dir: &Path, args: &[&str]) -> Vec<Value> {
    match json(kin(dir).args(["runs", "--json"]).args(args)) {
        Value::Array(runs) => runs,
        other => panic!("`kin runs` printed {other}"),
    }
}

#[test]
fn the_command_line_wins_over_kin_tags_which_wins_over_the_config() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    add_config_tags(dir, CONFIG_TAGS);
    let mut repro = kin(dir);
    repro
        .env(kin::env::KIN_TAGS, "project=churn, regulatory=gdpr")
        .args(["repro", "--json", "--tag", "regulatory=sox"])
        .args(["--tag", "hypothesis=lr=0.1 helps"]);
    let report = json(&mut repro);
    insta::assert_snapshot!(
        "repro-json-tags",
        serde_json::to_string_pretty(&report).expect("json")
    );

    let train = &runs(dir, &[])[0];
    let id = train["run_id"].as_str().expect("id");
    let text = run_ok(kin(dir).args(["run", "show", id]));
    assert!(
        text.contains(
            "\ntags:   hypothesis=lr=0.1 helps, project=churn, regulatory=sox, team=risk, year=2026\n"
        ),
        "{text}"
    );
    let mut shown = json(kin(dir).args(["run", "show", id, "--json"]));
    let mut listed = Value::Array(runs(dir, &["--tag", "project=churn"]));
    let mut names = Vec::new();
    name_run_ids(&mut shown, &mut names);
    name_run_ids(&mut listed, &mut names);
    insta::assert_snapshot!(
        "run-show-json-tags",
        serde_json::to_string_pretty(&shown).expect("json")
    );
    insta::assert_snapshot!(
        "runs-json-tags",
        serde_json::to_string_pretty(&listed).expect("json")
    );

    // `kin add` and `kin commit` have no `--tag`; the config and KIN_TAGS apply to them too.
    std::fs::write(dir.join("raw.txt"), "raw\n").expect("write");
    run_ok(
        kin(dir)
            .env(kin::env::KIN_TAGS, "source=survey")
            .args(["add", "-q", "raw.txt"]),
    );
    std::fs::write(dir.join("model.txt"), "edited\n").expect("write");
    run_ok(kin(dir).args(["commit", "-q"]));
    let [committed, added] = [&runs(dir, &[])[0], &runs(dir, &[])[1]];
    assert_eq!(added["stage"], "raw.txt.dvc");
    assert_eq!(
        added["tags"],
        serde_json::json!({"project": "pricing", "source": "survey", "team": "risk", "year": "2026"})
    );
    assert_eq!(committed["status"], "committed");
    assert_eq!(
        committed["tags"],
        serde_json::json!({"project": "pricing", "team": "risk", "year": "2026"})
    );
}

#[test]
fn runs_filter_by_every_tag_given() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    for tags in [&["a=1"][..], &["a=1", "b=2"], &["b=2"]] {
        let mut repro = kin(dir);
        repro.args(["repro", "-q", "-f"]);
        for tag in tags {
            repro.args(["--tag", tag]);
        }
        run_ok(&mut repro);
    }
    let count = |args: &[&str]| runs(dir, args).len();
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--tag", "a=1"]), 2);
    assert_eq!(count(&["--tag", "b=2"]), 2);
    assert_eq!(count(&["--tag", "a=1", "--tag", "b=2"]), 1);
    assert_eq!(count(&["--tag", "a=2"]), 0);
    assert_eq!(
        run_ok(kin(dir).args(["runs", "--tag", "c=3"])),
        "No runs recorded that match.\n"
    );
}

#[test]
fn bad_tags_are_usage_errors_before_anything_runs() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    let refused = |cmd: &mut Command, needle: &str| {
        let output = run(cmd);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{cmd:?}: {stderr}");
        assert!(stderr.contains(needle), "{cmd:?}: {stderr}");
    };
    for (args, kin_tags, needle) in [
        (
            &["repro", "--tag", "novalue"][..],
            None,
            "tag `novalue` in `--tag` has no `=`: write KEY=VALUE",
        ),
        (
            &["repro", "--tag", "=pricing"],
            None,
            "tag `=pricing` in `--tag` has an empty key",
        ),
        (
            &["repro", "--tag", "project="],
            None,
            "tag `project` in `--tag` has an empty value",
        ),
        (
            &["runs", "--tag", "novalue"],
            None,
            "tag `novalue` in `--tag` has no `=`",
        ),
        (
            &["repro"],
            Some("a=1,oops"),
            "tag `oops` in `KIN_TAGS` has no `=`",
        ),
    ] {
        let mut cmd = kin(dir);
        if let Some(text) = kin_tags {
            cmd.env(kin::env::KIN_TAGS, text);
        }
        refused(cmd.args(args), needle);
    }
    add_config_tags(dir, "\n[tags]\nowners = [\"ana\"]\n");
    refused(
        kin(dir).arg("repro"),
        "tag `owners` in `[tags]` of `.kin/config.toml` is a list",
    );
    std::fs::write(dir.join("raw.txt"), "raw\n").expect("write");
    refused(kin(dir).args(["add", "raw.txt"]), "tag `owners`");
    assert!(!dir.join("dvc.lock").exists() && !dir.join("raw.txt.dvc").exists());
}

#[test]
fn imported_runs_carry_the_tags_their_commit_configured() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  train:\n    cmd: echo ${n} > model.txt\n    params: [n]\n    outs: [model.txt]\n",
    )
    .expect("write");
    std::fs::write(dir.join("params.yaml"), "n: 1\n").expect("write");
    add_config_tags(dir, "\n[tags]\nproject = \"v1\"\n");
    run_ok(kin(dir).args(["repro", "-q"]));
    commit(dir, "one");
    std::fs::write(dir.join("params.yaml"), "n: 2\n").expect("write");
    let config = std::fs::read_to_string(dir.join(".kin/config.toml")).expect("read");
    std::fs::write(dir.join(".kin/config.toml"), config.replace("v1", "v2")).expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));
    commit(dir, "two");

    // A fresh store, filled from history alone; today's KIN_TAGS is not the past's context.
    for name in ["lineage.db", "lineage.db-wal", "lineage.db-shm"] {
        let _ = std::fs::remove_file(dir.join(".kin").join(name));
    }
    let report = json(
        kin(dir)
            .env(kin::env::KIN_TAGS, "importer=today")
            .args(["history", "import", "--json"]),
    );
    assert_eq!(report["runs"], 2, "{report}");
    let tags: Vec<Value> = runs(dir, &["--stage", "train"])
        .iter()
        .map(|r| r["tags"].clone())
        .collect();
    assert_eq!(
        tags,
        [
            serde_json::json!({"project": "v2"}),
            serde_json::json!({"project": "v1"})
        ]
    );
}

#[test]
fn tags_travel_with_lineage_through_a_remote() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(dir.join("dvc.yaml"), PIPELINE).expect("write");
    add_config_tags(dir, CONFIG_TAGS);
    run_ok(kin(dir).args(["repro", "-q", "--tag", "hypothesis=baseline"]));
    let store = tempfile::tempdir().expect("tempdir");
    let url = store.path().display().to_string();
    run_ok(kin(dir).args(["remote", "add", "-d", "store", &url]));
    commit(dir, "model");
    let pushed = run_ok(kin(dir).arg("push"));
    assert!(pushed.contains("1 lineage record pushed"), "{pushed}");

    let teammate = tempfile::tempdir().expect("tempdir");
    git(
        teammate.path(),
        &["clone", "-q", &dir.display().to_string(), "."],
    );
    let pulled = run_ok(kin(teammate.path()).arg("pull"));
    assert!(pulled.contains("1 lineage record fetched"), "{pulled}");
    let theirs = &runs(teammate.path(), &["--tag", "hypothesis=baseline"])[0];
    let ours = &runs(dir, &[])[0];
    assert_eq!(theirs["run_id"], ours["run_id"]);
    assert_eq!(
        theirs["tags"],
        serde_json::json!({"hypothesis": "baseline", "project": "pricing", "team": "risk", "year": "2026"})
    );
}
