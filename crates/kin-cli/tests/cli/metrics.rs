//! `metrics show`, `metrics diff` and `params diff` against the real DVC, byte for byte, across
//! git revisions and the workspace; bad input; JSON snapshots.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{
    commit_all as commit, dvc, dvc_python, git_as_ana as git, kin, pipeline_repo, run, run_ok,
};

const PIPELINE: &str = "\
stages:
  train:
    cmd: python train.py
    params:
    - train.lr
    - train.layers
    - other.toml:
      - model.depth
    metrics:
    - metrics.json:
        cache: false
    - eval/scores.yaml:
        cache: false
metrics:
- summary.json
";

const PARAMS_V1: &str = "\
train:
  lr: 0.01
  layers: [8, 4]
  name: cnn
  opt:
    momentum: 0.9
seed: 42
flag: true
tags: [a, b]
";

const PARAMS_V2: &str = "\
train:
  lr: 0.02
  layers: [8, 4, 2]
  name: cnn
  opt: {}
seed: 42
flag: false
tags: [a, b]
extra: {note: it's new, ratio: 0.3333333333333333}
";

const METRICS_V1: &str = r#"{"acc": 0.912345678, "loss": 0.25, "n": 10, "name": "x", "ok": true,
 "nested": {"a": 1, "b": {"c": 0.5}}, "hist": [1, 2], "none": null}"#;
const METRICS_V2: &str = r#"{"acc": 0.95, "n": 12, "name": "y", "ok": false,
 "nested": {"a": 1, "b": {"c": 0.75}}, "newk": 5, "tiny": 1.23456789e-3}"#;

const SCORES_V1: &str = "auc: 0.8\nf1: 1.0e-7\nbig: 1.5e20\nper_class:\n  cat: 0.7\n  dog: 0.6\n";
const SCORES_V2: &str = "auc: 0.8\nbig: 1.5e20\nper_class:\n  cat: 0.75\n  dog: 0.6\n";

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// A repository with metrics and params committed as `v1`, then changed in the workspace:
/// keys added, removed and changed, ints, floats, strings, booleans, lists and nested keys.
fn changed_repo() -> tempfile::TempDir {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    write(dir, "params.yaml", PARAMS_V1);
    write(dir, "other.toml", "[model]\ndepth = 3\nwidth = 10\n");
    write(dir, "metrics.json", METRICS_V1);
    write(dir, "eval/scores.yaml", SCORES_V1);
    write(dir, "summary.json", r#"{"count": 3}"#);
    commit(dir, "v1");
    git(dir, &["tag", "v1"]);
    write(dir, "params.yaml", PARAMS_V2);
    write(dir, "other.toml", "[model]\ndepth = 4\nwidth = 11\n");
    write(dir, "metrics.json", METRICS_V2);
    write(dir, "eval/scores.yaml", SCORES_V2);
    repo
}

/// DVC prints the files of a diff in Python's set order, which changes from run to run
/// (string hashing is randomised); kin sorts them by path. Rows within a file are sorted by
/// key in both, so sorting DVC's rows (after the header lines) gives kin's order exactly.
fn sorted_rows(text: &str, header_lines: usize) -> String {
    let trailing = text.ends_with('\n');
    let mut lines: Vec<&str> = text.lines().collect();
    let blank_tail = lines.last() == Some(&"");
    if blank_tail {
        lines.pop();
    }
    let split = header_lines.min(lines.len());
    let (head, rows) = lines.split_at_mut(split);
    rows.sort_unstable();
    let mut out: Vec<&str> = head.to_vec();
    out.extend(rows.iter());
    if blank_tail {
        out.push("");
    }
    let mut joined = out.join("\n");
    if trailing {
        joined.push('\n');
    }
    joined
}

/// For the same reason, DVC's diff JSON has its files and keys in random order. Python's own
/// `json` module re-serialises it with those two levels sorted, which leaves every value
/// (and so every float's text) exactly as DVC wrote it.
fn sorted_diff_json(python: &Path, text: &str) -> String {
    let script = "import json, sys\n\
                  d = json.load(sys.stdin)\n\
                  print(json.dumps({f: {k: d[f][k] for k in sorted(d[f])} for f in sorted(d)}))";
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write json");
    let output = child.wait_with_output().expect("python finishes");
    assert!(output.status.success(), "bad JSON from DVC: {text}");
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Runs the same command with kin and DVC in `dir` and compares stdout, normalising DVC's
/// random file order where the output has one.
fn assert_same(python: &Path, dir: &Path, args: &[&str]) {
    let ours = run_ok(kin(dir).args(args));
    let theirs = dvc(python, dir, args);
    let is_diff = args.contains(&"diff");
    let expected = if !is_diff {
        theirs
    } else if args.contains(&"--json") {
        sorted_diff_json(python, &theirs)
    } else if args.contains(&"--md") {
        sorted_rows(&theirs, 2)
    } else {
        sorted_rows(&theirs, 1)
    };
    assert_eq!(
        ours,
        expected,
        "kin {args:?} differs from dvc in {}",
        dir.display()
    );
}

#[test]
fn show_and_diffs_match_dvc_between_head_and_workspace() {
    let Some(python) = dvc_python() else { return };
    let repo = changed_repo();
    let dir = repo.path();
    for args in [
        &["metrics", "show"][..],
        &["metrics", "show", "--json"],
        &["metrics", "show", "--md"],
        &["metrics", "show", "--precision", "2"],
        &["metrics", "show", "eval", "summary.json"],
        &["metrics", "diff"],
        &["metrics", "diff", "--json"],
        &["metrics", "diff", "--md"],
        &["metrics", "diff", "--all"],
        &["metrics", "diff", "--all", "--md", "--precision", "3"],
        &["metrics", "diff", "--targets", "metrics.json", "--no-path"],
        &[
            "metrics",
            "diff",
            "HEAD",
            "workspace",
            "--targets",
            "eval/scores.yaml",
        ],
        &["params", "diff"],
        &["params", "diff", "--json"],
        &["params", "diff", "--md"],
        &["params", "diff", "--all"],
        &["params", "diff", "--deps"],
        &["params", "diff", "--deps", "--json"],
        &["params", "diff", "--targets", "other.toml", "--no-path"],
    ] {
        assert_same(&python, dir, args);
    }
}

/// JSON numbers at full precision and beyond 64 bits, and YAML keys that are not strings:
/// DVC reads them with Python's `json` and ruamel and shows them with `repr()`.
#[test]
fn numbers_and_keys_show_as_dvc_shows_them() {
    let Some(python) = dvc_python() else { return };
    let repo = pipeline_repo(
        "stages:\n  train:\n    cmd: python train.py\n    params:\n    - p.json:\n      - r\n    - a\n    metrics:\n    - m.json:\n        cache: false\n",
    );
    let dir = repo.path();
    write(
        dir,
        "p.json",
        r#"{"r": 0.9256080114449213, "b": 10000000000000000001, "h": 123456789012345678901234567890}"#,
    );
    write(
        dir,
        "params.yaml",
        "a: [{1: x, 0.5: y, null: w}, {true: z}]\nb: {1: x, null: w, false: z, s: 1}\nbig: 10000000000000000001\nl: [10000000000000000001, 1.0e400, .5e5]\n",
    );
    write(
        dir,
        "m.json",
        r#"{"r": 0.9256080114449213, "b": 10000000000000000001, "h": -123456789012345678901234567890}"#,
    );
    commit(dir, "v1");
    write(
        dir,
        "m.json",
        r#"{"r": 0.9256080114449214, "b": 10000000000000000003, "h": -123456789012345678901234567890}"#,
    );
    write(
        dir,
        "p.json",
        r#"{"r": 0.9256080114449213, "b": 10000000000000000002, "h": 123456789012345678901234567890}"#,
    );
    for args in [
        &["metrics", "show"][..],
        &["metrics", "show", "--json"],
        &["metrics", "diff", "--all"],
        &["metrics", "diff", "--json"],
        &["params", "diff", "--all"],
        &["params", "diff", "--all", "--json"],
        &["params", "diff", "--json"],
    ] {
        assert_same(&python, dir, args);
    }
}

#[test]
fn diffs_between_two_revisions_match_dvc() {
    let Some(python) = dvc_python() else { return };
    let repo = changed_repo();
    let dir = repo.path();
    commit(dir, "v2");
    // The workspace differs from both commits.
    write(dir, "summary.json", r#"{"count": 4, "mean": 2.5}"#);
    for args in [
        &["metrics", "diff", "v1", "HEAD"][..],
        &["metrics", "diff", "v1", "HEAD", "--json"],
        &["metrics", "diff", "HEAD~1", "--md"],
        &["metrics", "diff", "v1", "workspace", "--all"],
        &["params", "diff", "v1", "HEAD", "--all"],
        &["params", "diff", "v1", "HEAD", "--json"],
        &["params", "diff", "HEAD", "v1", "--md"],
    ] {
        assert_same(&python, dir, args);
    }
}

#[test]
fn paths_are_relative_to_the_current_directory_as_in_dvc() {
    let Some(python) = dvc_python() else { return };
    let repo = changed_repo();
    let sub = repo.path().join("eval");
    for args in [
        &["metrics", "show"][..],
        &["metrics", "show", "scores.yaml", "../metrics.json"],
        &["metrics", "show", "--json"],
        &["metrics", "diff", "--all"],
        &["params", "diff"],
        // DVC reads params targets from the repository root, whatever the directory.
        &["params", "diff", "--targets", "other.toml"],
    ] {
        assert_same(&python, &sub, args);
    }
}

/// A stage's metrics are cached (the default) and git-ignored: at a revision and where the
/// workspace lacks the file, both tools read the version dvc.lock records from the cache.
#[test]
fn cached_metrics_are_read_from_the_cache() {
    let Some(python) = dvc_python() else { return };
    let repo = pipeline_repo(
        "stages:\n  score:\n    cmd: cp src.json score.json\n    deps: [src.json]\n    metrics: [score.json]\n",
    );
    let dir = repo.path();
    write(dir, "src.json", r#"{"score": 1.5, "run": {"epochs": 3}}"#);
    run_ok(kin(dir).args(["repro", "-q"]));
    commit(dir, "scored");
    assert!(
        String::from_utf8_lossy(
            &run(Command::new("git").args(["ls-files"]).current_dir(dir)).stdout
        )
        .lines()
        .all(|f| f != "score.json"),
        "the metrics file is not in git"
    );
    write(
        dir,
        "score.json",
        r#"{"score": 2.25, "run": {"epochs": 3}}"#,
    );
    for args in [&["metrics", "diff"][..], &["metrics", "diff", "--json"]] {
        assert_same(&python, dir, args);
    }
    std::fs::remove_file(dir.join("score.json")).expect("remove");
    for args in [
        &["metrics", "show"][..],
        &["metrics", "show", "--json"],
        &["metrics", "diff", "--all"],
    ] {
        assert_same(&python, dir, args);
    }
}

#[test]
fn without_commits_diffs_are_empty_as_in_dvc() {
    let Some(python) = dvc_python() else { return };
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    write(dir, "metrics.json", METRICS_V1);
    write(dir, "params.yaml", PARAMS_V1);
    for args in [
        &["metrics", "diff"][..],
        &["metrics", "diff", "--json"],
        &["metrics", "diff", "--md"],
        &["params", "diff", "--json"],
    ] {
        assert_same(&python, dir, args);
    }
}

/// A file that cannot be parsed shows as an empty row, as in DVC, with the reason on stderr
/// and exit 0; `--json` carries DVC's error type.
#[test]
fn malformed_metrics_file_is_reported_and_skipped() {
    let repo = changed_repo();
    let dir = repo.path();
    write(dir, "metrics.json", "{\"acc\": ");
    let output = run(kin(dir).args(["metrics", "show"]));
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: workspace: `metrics.json` is not valid JSON"),
        "{stderr}"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&run_ok(kin(dir).args(["metrics", "show", "--json"]))).expect("json");
    assert_eq!(
        shown[""]["data"]["metrics.json"]["error"]["type"],
        "JSONFileCorruptedError"
    );
    let diff = run(kin(dir).args(["metrics", "diff"]));
    assert!(diff.status.success());
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["metrics.json", "acc", "0.91235", "-", "-"]),
        "{text}"
    );

    let Some(python) = dvc_python() else { return };
    assert_same(&python, dir, &["metrics", "show"]);
    assert_same(&python, dir, &["metrics", "diff"]);
    let theirs: serde_json::Value =
        serde_json::from_str(&dvc(&python, dir, &["metrics", "show", "--json"])).expect("json");
    // The messages are each tool's own wording; the error types and the data are the same.
    let types = |v: &serde_json::Value| {
        v[""]["data"]
            .as_object()
            .expect("files")
            .iter()
            .map(|(path, r)| {
                (
                    path.clone(),
                    r.get("data").cloned(),
                    r["error"]["type"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(types(&shown), types(&theirs));
}

#[test]
fn unknown_revision_is_a_clear_error() {
    let repo = changed_repo();
    let dir = repo.path();
    for args in [
        &["metrics", "diff", "nosuch"][..],
        &["params", "diff", "HEAD", "nosuch"],
    ] {
        let output = run(kin(dir).args(args));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("error: unknown git revision `nosuch`\nhint: "),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
        if let Some(python) = dvc_python() {
            let theirs = Command::new(&python)
                .args(["-m", "dvc"])
                .args(args)
                .current_dir(dir)
                .output()
                .expect("dvc runs");
            assert!(!theirs.status.success(), "dvc accepted {args:?}");
            assert!(
                String::from_utf8_lossy(&theirs.stderr).contains("unknown Git revision 'nosuch'")
            );
        }
    }
}

#[test]
fn broken_pipeline_fails_show_and_warns_in_diff() {
    let repo = changed_repo();
    let dir = repo.path();
    write(dir, "dvc.yaml", "stages:\n  train:\n    cmd: [\n");
    let show = run(kin(dir).args(["metrics", "show"]));
    assert_eq!(show.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&show.stderr).contains("--> dvc.yaml:"));
    let diff = run(kin(dir).args(["metrics", "diff", "--json"]));
    assert!(diff.status.success());
    assert!(
        String::from_utf8_lossy(&diff.stderr)
            .contains("warning: the pipelines of the workspace cannot be read"),
        "{}",
        String::from_utf8_lossy(&diff.stderr)
    );
    // Every metric of HEAD shows as gone, as in DVC.
    let diff: serde_json::Value = serde_json::from_slice(&diff.stdout).expect("json");
    assert_eq!(
        diff["summary.json"]["count"]["new"],
        serde_json::Value::Null
    );
}

#[test]
fn json_shapes() {
    let repo = changed_repo();
    let dir = repo.path();
    insta::assert_snapshot!(
        "metrics-show-json",
        run_ok(kin(dir).args(["metrics", "show", "--json"]))
    );
    insta::assert_snapshot!(
        "metrics-diff-json",
        run_ok(kin(dir).args(["metrics", "diff", "--json"]))
    );
    insta::assert_snapshot!(
        "params-diff-json",
        run_ok(kin(dir).args(["params", "diff", "--all", "--json"]))
    );
}
