//! `kin plots` against the real `dvc plots` on the same repository: the same plot ids,
//! revisions, datapoints, image files and errors in `--json`, for every kind of definition
//! DVC reads; DVC's own templates filled identically; kin's page drawn in a real Chromium.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{
    commit_all, dvc, dvc_python, fails_saying, kin, run, run_ok, stderr_text, tests_dir, write_file,
};

const PIPELINE: &str = r#"stages:
  train:
    cmd: cp src/curve.json plots/cached.json && cp src/table.csv src/conf.tsv plots/
    deps: [src]
    plots:
      - plots/cached.json:
          x: step
          y: value
      - plots/table.csv:
          cache: false
          header: false
          template: scatter
          x: "0"
          y: "1"
      - plots/conf.tsv:
          cache: false
          template: confusion
          x: actual
          y: predicted
  many:
    cmd: mkdir -p many && cp src/curve.json many/a.json && cp src/curve.json many/b.json
    deps: [src/curve.json]
    plots:
      - many:
          x: step
          y: value
plots:
  - plots/train.json:
      x: epoch
      y: [loss, acc]
  - plots/nested.yaml
  - comparison:
      template: simple
      x: epoch
      y:
        plots/train.json: loss
        plots/eval.json: loss
  - two_x:
      x:
        plots/train.json: epoch
        plots/eval.json: round
      y:
        plots/train.json: loss
        plots/eval.json: score
  - curves
  - imgs
  - missing.json
"#;

const SUB_PIPELINE: &str = "plots:
  - data.json
  - relative:
      y:
        data.json: v
";

fn curve(scale: f64) -> String {
    let points: Vec<Value> = (0..5)
        .map(|i| json!({"step": i, "value": scale / f64::from(i + 1)}))
        .collect();
    serde_json::to_string(&points).expect("json")
}

fn write_data(dir: &Path, scale: f64) {
    let train: Vec<Value> = (0..4)
        .map(|i| json!({"epoch": i, "loss": scale / f64::from(i + 1), "acc": 0.5 + f64::from(i) * scale / 10.0}))
        .collect();
    write_file(
        dir,
        "plots/train.json",
        serde_json::to_string(&train).expect("json"),
    );
    let eval: Vec<Value> = (0..4)
        .map(|i| json!({"epoch": i, "round": i * 10, "loss": scale * 2.0 / f64::from(i + 1), "score": f64::from(i) * scale}))
        .collect();
    write_file(
        dir,
        "plots/eval.json",
        serde_json::to_string(&json!({"eval": eval})).expect("json"),
    );
    write_file(
        dir,
        "plots/nested.yaml",
        format!(
            "meta:\n  runs:\n  - a: 1\n    b: {scale}\n  - a: 2\n    b: 0.5\nother:\n- c: x\n- c: y\n"
        ),
    );
    write_file(dir, "src/table.csv", format!("1,{scale}\n2,3.5\n3,1e-3\n"));
    write_file(
        dir,
        "src/conf.tsv",
        format!(
            "actual\tpredicted\ncat\tdog\ncat\tcat\ndog\tdog\n{}\tcat\n",
            if scale > 1.0 { "dog" } else { "cat" }
        ),
    );
    write_file(
        dir,
        "curves/a.json",
        format!("[{{\"x\": 1, \"y\": {scale}}}]"),
    );
    write_file(
        dir,
        "curves/deep/b.json",
        "[{\"x\": 1, \"y\": 2}, {\"x\": 2, \"y\": 3}]",
    );
    write_file(dir, "imgs/1.png", format!("not really a png {scale}"));
    write_file(
        dir,
        "imgs/confusion.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    write_file(dir, "src/curve.json", curve(scale));
    write_file(
        dir,
        "sub/data.json",
        format!("[{{\"v\": {scale}}}, {{\"v\": 2}}]"),
    );
}

/// A repository with every kind of plot definition, its pipeline run and committed, then its
/// data changed (the cached plot re-made) in the workspace.
fn plots_repo() -> tempfile::TempDir {
    let repo = crate::common::git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    write_file(dir, "dvc.yaml", PIPELINE);
    write_file(dir, "sub/dvc.yaml", SUB_PIPELINE);
    write_data(dir, 1.0);
    run_ok(kin(dir).args(["repro", "-q"]));
    commit_all(dir, "plots");
    write_data(dir, 2.0);
    run_ok(kin(dir).args(["repro", "-q"]));
    repo
}

fn json_of(output: &std::process::Output, what: &str) -> Value {
    assert!(output.status.success(), "{what}: {}", stderr_text(output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// What both tools must agree on: errors, plot ids in order, and per entry its type,
/// revisions, image file and datapoints. The chart specifications differ where kin's own
/// templates differ from DVC's.
fn comparable(document: &Value) -> Value {
    let mut data = serde_json::Map::new();
    for (id, entries) in document["data"].as_object().into_iter().flatten() {
        let entries: Vec<Value> = entries
            .as_array()
            .expect("entries")
            .iter()
            .map(|entry| {
                json!({
                    "type": entry["type"],
                    "revisions": entry["revisions"],
                    "url": entry.get("url"),
                    "datapoints": entry["content"]["data"]["values"],
                })
            })
            .collect();
        data.insert(id.clone(), Value::Array(entries));
    }
    json!({"errors": document.get("errors"), "ids": document["data"].as_object().map(|d| d.keys().cloned().collect::<Vec<_>>()), "data": data})
}

/// `kin plots ARGS --json` and `dvc plots ARGS --json` in `dir`, each writing images to its
/// own directory (named the same, so the image paths agree): the same answer.
fn same_as_dvc(python: &Path, dir: &Path, args: &[&str]) -> Value {
    let out = dir.join("json_images");
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["--json", "-o", "json_images"]);
    let theirs = json_of(
        &Command::new(python)
            .args(["-m", "dvc", "plots"])
            .args(&full)
            .current_dir(dir)
            .output()
            .expect("dvc runs"),
        "dvc plots",
    );
    let their_images = read_images(&out);
    let _ = std::fs::remove_dir_all(&out);
    let ours = json_of(&run(kin(dir).arg("plots").args(&full)), "kin plots");
    assert_eq!(
        comparable(&ours),
        comparable(&theirs),
        "kin plots {args:?}\nkin: {ours}\ndvc: {theirs}"
    );
    assert_eq!(read_images(&out), their_images, "images of {args:?}");
    let _ = std::fs::remove_dir_all(&out);
    ours
}

fn read_images(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("image"),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn plots_show_and_diff_carry_dvcs_data() {
    let Some(python) = dvc_python() else {
        return;
    };
    let repo = plots_repo();
    let dir = repo.path();
    let shown = same_as_dvc(&python, dir, &["show"]);
    // Every kind of definition produced something, and the missing file is an error.
    let ids: Vec<&String> = shown["data"].as_object().expect("data").keys().collect();
    for id in [
        "plots/train.json",
        "plots/nested.yaml",
        "comparison",
        "two_x",
        "curves/a.json",
        "curves/deep/b.json",
        "imgs/1.png",
        "imgs/confusion.svg",
        "sub/data.json",
        "relative",
        "plots/cached.json",
        "plots/table.csv",
        "plots/conf.tsv",
        "many/a.json",
    ] {
        assert!(ids.iter().any(|known| *known == id), "{id} in {ids:?}");
    }
    assert_eq!(shown["errors"][0]["type"], json!("FileNotFoundError"));

    same_as_dvc(&python, dir, &["diff"]);
    same_as_dvc(&python, dir, &["diff", "HEAD"]);
    same_as_dvc(
        &python,
        dir,
        &[
            "diff",
            "HEAD",
            "workspace",
            "--targets",
            "comparison",
            "plots/cached.json",
        ],
    );
    same_as_dvc(&python, dir, &["show", "plots/"]);
    same_as_dvc(&python, dir, &["show", "curves", "two_x"]);
    same_as_dvc(&python, dir, &["show", "src/curve.json", "-y", "value"]);
    same_as_dvc(
        &python,
        dir,
        &["show", "plots/table.csv", "--no-header", "-x", "1"],
    );

    // A committed tree: cached plots, a directory's files included, are read from the cache
    // by the versions `dvc.lock` records.
    commit_all(dir, "second");
    let committed = same_as_dvc(&python, dir, &["diff", "HEAD~1", "HEAD"]);
    assert_eq!(
        committed["data"]["many/b.json"][0]["revisions"],
        json!(["HEAD~1", "HEAD"]),
        "{committed}"
    );

    // An experiment by its name, alone (with the workspace) or against its baseline.
    write_data(dir, 3.0);
    run_ok(kin(dir).args(["exp", "run", "-q", "-n", "tripled"]));
    run_ok(
        Command::new("git")
            .args(["checkout", "-q", "--", "."])
            .current_dir(dir),
    );
    same_as_dvc(
        &python,
        dir,
        &["diff", "tripled", "--targets", "plots/cached.json"],
    );
    let against_baseline = same_as_dvc(&python, dir, &["diff", "tripled", "-e"]);
    assert_eq!(
        against_baseline["data"]["plots/cached.json"][0]["revisions"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{against_baseline}"
    );
}

#[test]
fn dvcs_own_templates_are_filled_exactly_as_dvc_fills_them() {
    let Some(python) = dvc_python() else {
        return;
    };
    let repo = plots_repo();
    let dir = repo.path();
    let names = dvc(&python, dir, &["plots", "templates"]);
    let names: Vec<&str> = names.lines().filter(|l| !l.is_empty()).collect();
    assert!(names.contains(&"confusion"), "{names:?}");
    for name in names {
        // DVC's template text, fetched from DVC at test time, filled by both tools.
        let text = dvc(&python, dir, &["plots", "templates", name]);
        write_file(dir, &format!(".dvc/plots/theirs_{name}.json"), text);
        let template = format!("theirs_{name}");
        for target in ["comparison", "plots/train.json", "plots/conf.tsv"] {
            let args = [
                "plots",
                "diff",
                "HEAD",
                "--targets",
                target,
                "-t",
                &template,
                "--json",
            ];
            let ours = json_of(&run(kin(dir).args(args)), "kin");
            let theirs = json_of(
                &Command::new(&python)
                    .args(["-m", "dvc"])
                    .args(args)
                    .current_dir(dir)
                    .output()
                    .expect("dvc runs"),
                "dvc",
            );
            assert_eq!(ours, theirs, "template {name}, target {target}");
        }
    }
}

#[test]
fn bad_plots_fail_clearly_and_report_as_dvc_does() {
    let Some(python) = dvc_python() else {
        return;
    };
    let repo = plots_repo();
    let dir = repo.path();
    write_file(
        dir,
        "dvc.yaml",
        "plots:\n  - plots/train.json:\n      x: epoch_missing\n      y: loss\n  - plots/eval.json\n",
    );
    // The plot lacking its field is an error entry DVC's way; the other still draws.
    let json = same_as_dvc(&python, dir, &["show"]);
    assert_eq!(json["errors"][0]["type"], json!("FieldNotFoundError"));
    assert_eq!(
        json["errors"][0]["msg"],
        json!(
            "Could not find provided field ('epoch_missing') in data fields ('epoch, loss, acc')."
        )
    );
    // Without --json the page is written and the command fails, naming the plot and field.
    let out = run(kin(dir).args(["plots", "show", "-o", "page"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr_text(&out));
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("could not find provided field ('epoch_missing')"),
        "{stderr}"
    );
    assert!(stderr.contains("plots/train.json"), "{stderr}");
    assert!(dir.join("page/index.html").is_file());

    fails_saying(
        kin(dir).args(["plots", "diff", "no-such-rev"]),
        2,
        "unknown git revision `no-such-rev`",
    );
    // A full object id is taken without a lookup, and still refused when it names nothing.
    let made_up = "0123456789abcdef0123456789abcdef01234567";
    fails_saying(
        kin(dir).args(["plots", "diff", made_up]),
        2,
        &format!("unknown git revision `{made_up}`"),
    );
    fails_saying(
        kin(dir).args(["plots", "show", "-t", "no-such-template"]),
        1,
        "template 'no-such-template' not found",
    );
    fails_saying(
        kin(dir).args(["plots", "show", "--show-vega"]),
        2,
        "`--show-vega` needs exactly one target",
    );
    fails_saying(
        kin(dir).args(["plots", "templates", "pie"]),
        2,
        "there is no built-in template `pie`",
    );
    // Next to the repository, reached by climbing out of it.
    let elsewhere = tempfile::tempdir().expect("dir");
    write_file(elsewhere.path(), "outside.json", "[{\"secret\": 1}]");
    let climbing = format!(
        "../{}/outside.json",
        elsewhere
            .path()
            .file_name()
            .expect("name")
            .to_string_lossy()
    );
    write_file(
        dir,
        "dvc.yaml",
        format!("plots:\n  - notes.txt\n  - {climbing}\n"),
    );
    write_file(dir, "notes.txt", "hello\n");
    let json = json_of(&run(kin(dir).args(["plots", "show", "--json"])), "kin");
    assert_eq!(json["errors"][0]["type"], json!("PlotMetricTypeError"));
    // A definition climbing out of the repository is not read.
    assert_eq!(json["errors"][1]["source"], json!(climbing));
    assert!(!json.to_string().contains("secret"), "{json}");
}

#[test]
fn plots_json_snapshot() {
    let repo = crate::common::git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    write_file(
        dir,
        "dvc.yaml",
        "plots:\n  - loss:\n      x: epoch\n      y:\n        a.json: loss\n        b.csv: loss\n      title: Loss\n",
    );
    write_file(
        dir,
        "a.json",
        r#"[{"epoch": 0, "loss": 1.5}, {"epoch": 1, "loss": 0.75}]"#,
    );
    write_file(dir, "b.csv", "epoch,loss\n0,2\n1,1\n");
    let out = run_ok(kin(dir).args(["plots", "show", "--json"]));
    let value: Value = serde_json::from_str(&out).expect("json");
    let pretty = serde_json::to_string_pretty(&value).expect("json");
    insta::assert_snapshot!("plots-show-two-files", pretty);
}

#[test]
fn open_hands_the_page_to_the_desktop_opener() {
    let repo = crate::common::git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    write_file(dir, "dvc.yaml", "plots:\n  - loss.json\n");
    write_file(dir, "loss.json", r#"[{"loss": 1}, {"loss": 0.5}]"#);
    // A stand-in `xdg-open` that notes what it was asked to open.
    let bin = tempfile::tempdir().expect("dir");
    let opened = bin.path().join("opened");
    write_file(
        bin.path(),
        "xdg-open",
        format!("#!/bin/sh\necho \"$1\" > {}\n", opened.display()),
    );
    let script = bin.path().join("xdg-open");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    run_ok(
        kin(dir)
            .args(["plots", "show", "--open"])
            .env("PATH", &path),
    );
    let page = dir.join("dvc_plots/index.html");
    assert_eq!(
        std::fs::read_to_string(&opened).expect("opened").trim(),
        page.display().to_string()
    );
    // Without an opener the page is still written, with a warning.
    let out = run(kin(dir)
        .args(["plots", "show", "--open"])
        .env("PATH", "/nonexistent"));
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert!(stderr_text(&out).contains("could not open the page"));
}

#[test]
fn templates_are_listed_and_printed() {
    let dir = tempfile::tempdir().expect("dir");
    let listed = run_ok(kin(dir.path()).args(["plots", "templates"]));
    let names: Vec<&str> = listed.lines().collect();
    assert_eq!(
        names,
        [
            "simple",
            "linear",
            "confusion",
            "confusion_normalized",
            "scatter",
            "scatter_jitter",
            "smooth",
            "bar_horizontal_sorted",
            "bar_horizontal"
        ]
    );
    let linear: Value = serde_json::from_str(&run_ok(kin(dir.path()).args([
        "plots",
        "templates",
        "linear",
    ])))
    .expect("json");
    assert_eq!(linear["data"]["values"], json!("<DVC_METRIC_DATA>"));
}

#[test]
fn every_template_draws_offline_in_chromium() {
    let Some(python) = crate::common::browser(
        "the plots page test needs selenium in KIN_DVC_PYTHON's venv and Debian's chromium and chromium-driver",
    ) else {
        return;
    };
    let repo = plots_repo();
    let dir = repo.path();
    let listed = run_ok(kin(dir).args(["plots", "templates"]));
    for template in listed.lines() {
        let out_dir = format!("page_{template}");
        let printed = run_ok(kin(dir).args([
            "plots",
            "diff",
            "HEAD",
            "--targets",
            "comparison",
            "plots/conf.tsv",
            "curves",
            "imgs",
            "-t",
            template,
            "-o",
            &out_dir,
        ]));
        let page = dir.join(&out_dir).join("index.html");
        assert_eq!(printed.trim(), format!("file://{}", page.display()));
        let html = std::fs::read_to_string(&page).expect("page");
        // Nothing is fetched: no script or image comes from elsewhere.
        assert!(!html.contains("<script src"), "{template}");
        assert!(!html.contains("src=\"http"), "{template}");
        let output = Command::new(&python)
            .arg(tests_dir().join("ui/check_plots.py"))
            .arg(&page)
            .output()
            .expect("python runs");
        assert!(output.status.success(), "{}", stderr_text(&output));
        let report: Value = serde_json::from_slice(&output.stdout).expect("report");
        assert_eq!(report["errors"], json!([]), "{template}: {report}");
        // comparison and conf.tsv, and the two curves twice: as the top-level `curves`
        // definition's files and as files the target names (DVC keys them apart the same
        // way); the two images likewise, each for both revisions.
        assert_eq!(report["charts"], json!(6), "{template}: {report}");
        assert_eq!(report["drawn"], json!(6), "{template}: {report}");
        assert_eq!(report["images"], json!(8), "{template}: {report}");
    }
}
