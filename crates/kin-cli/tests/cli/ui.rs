//! The web UI in a real headless Chromium (Debian's `chromium` and `chromium-driver`,
//! driven by selenium from the test venv; tests/ui/check_ui.py does the driving): pages load
//! without console errors, the graph draws what the API answers, foreach runs fold into a
//! group, a click traces a node, a double click opens it, the depth control asks again.

use std::process::Command;

use serde_json::Value;

use crate::common::{kin, pipeline_repo, run_ok, tests_dir};
use crate::served::Server;

const PIPELINE: &str = "stages:
  prepare:
    cmd: sort raw.txt > clean.txt
    deps: [raw.txt]
    outs: [clean.txt]
  shard:
    foreach: [a, b, c]
    do:
      cmd: grep -c ${item} clean.txt > shard-${item}.txt || true
      deps: [clean.txt]
      outs:
        - shard-${item}.txt
  combine:
    cmd: cat shard-a.txt shard-b.txt shard-c.txt > model.txt
    deps: [shard-a.txt, shard-b.txt, shard-c.txt]
    outs: [model.txt]
";

#[test]
fn the_ui_shows_runs_and_the_lineage_graph_in_chromium() {
    let Some(python) = crate::common::browser(
        "the UI tests need selenium in KIN_DVC_PYTHON's venv (scripts/test installs it) and Debian's chromium and chromium-driver (.ci/run installs them)",
    ) else {
        return;
    };
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    std::fs::write(dir.join("raw.txt"), "b\na\nc\na\n").expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));

    let server = Server::start(dir, &[], None);
    let url = server.url();
    // Screenshots for the docs, when asked for: KIN_UI_SCREENSHOTS=docs/images.
    let mut command = Command::new(&python);
    command
        .arg(tests_dir().join("ui/check_ui.py"))
        .args([&url, "model.txt"]);
    if let Some(shots) = std::env::var_os("KIN_UI_SCREENSHOTS") {
        command.arg(shots);
    }
    let output = command.output().expect("python runs");
    drop(server);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("the report");

    for (page, found) in report["pages"].as_object().expect("pages") {
        assert_eq!(
            found["errors"],
            serde_json::json!([]),
            "console errors on {page}"
        );
    }
    assert!(report["runs_api"].as_u64() >= Some(5), "{report}");
    assert_eq!(
        report["runs_rows"], report["runs_api"],
        "every run is a row"
    );
    let text = |page: &str| {
        report["pages"][page]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(text("run").contains("Inputs"), "{report}");
    assert!(text("artifact").contains("combine"), "{report}");
    assert!(!text("artifact").contains(",http"), "{report}");
    assert!(text("models").starts_with("Models"), "{report}");
    assert!(text("gates").starts_with("Gates"), "{report}");

    let graph = &report["graph"];
    assert_eq!(graph["drawn_nodes"], graph["api_nodes"], "{report}");
    assert_eq!(graph["drawn_edges"], graph["api_edges"], "{report}");
    let api_nodes = graph["api_nodes"].as_array().map_or(0, Vec::len);
    // model, combine, three shards and their runs, clean, prepare, raw.
    assert_eq!(api_nodes, 11, "{report}");
    // The three shard runs fold into one group.
    assert_eq!(
        report["folded"]["groups"],
        serde_json::json!(["group:shard"]),
        "{report}"
    );
    assert_eq!(report["folded"]["drawn"], api_nodes - 2, "{report}");
    // The target selected: everything else is upstream of it.
    assert_eq!(report["selection"]["selected"], 1, "{report}");
    assert_eq!(report["selection"]["upstream"], api_nodes - 1, "{report}");
    assert!(
        report["selection"]["details"]
            .as_str()
            .is_some_and(|t| t.contains("model.txt")),
        "{report}"
    );
    // Depth 1: the model, the run that made it and that run's inputs.
    assert_eq!(report["depth_1_nodes"], 5, "{report}");
    assert!(
        report["opened"]
            .as_str()
            .is_some_and(|r| r.starts_with("/runs/")),
        "{report}"
    );
}
