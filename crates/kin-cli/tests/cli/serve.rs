//! `kin serve`'s read API: each answer as the CLI's `--json` gives it, lineage in Marquez's
//! shape, routes needing the repository, a PostgreSQL store, bad requests and shutdown.

use std::path::Path;

use crate::common::{kin, pipeline_repo, run_ok};
use crate::served::{Server, json_of};

pub const PIPELINE: &str = "stages:
  prepare:
    cmd: sort raw.txt > clean.txt && echo prepared
    deps: [raw.txt]
    outs: [clean.txt]
  train:
    cmd: wc -l < clean.txt > model.txt
    deps: [clean.txt]
    outs: [model.txt]
";

#[test]
fn the_api_answers_as_the_cli_does() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    std::fs::write(dir.join("raw.txt"), "b\na\n").expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));
    let server = Server::start(dir, &[], None);

    // Runs, one run, lineage: the CLI's --json, byte for byte once parsed.
    let runs = server.get("/api/v1/runs");
    assert_eq!(runs.status, 200);
    assert_eq!(runs.json(), json_of(dir, &["runs", "--json"]));
    let id = runs.json()[0]["run_id"].as_str().expect("id").to_owned();
    let shown = server.get(&format!("/api/v1/runs/{id}"));
    assert_eq!(shown.json(), json_of(dir, &["run", "show", &id, "--json"]));
    let up = server.get("/api/v1/lineage/up?target=model.txt&depth=5");
    assert_eq!(
        up.json(),
        json_of(
            dir,
            &["lineage", "up", "model.txt", "--depth", "5", "--json"]
        )
    );
    let down = server.get("/api/v1/lineage/down?target=raw.txt");
    assert_eq!(
        down.json(),
        json_of(dir, &["lineage", "down", "raw.txt", "--json"])
    );
    // A node id the answers print is a target too.
    let node = up.json()["target"].as_str().expect("target").to_owned();
    let by_node = server.get(&format!("/api/v1/lineage/up?target={node}"));
    assert_eq!(by_node.json()["target"], up.json()["target"]);

    // A page at a time: the Link header leads to the rest.
    let first = server.get("/api/v1/runs?limit=1");
    assert_eq!(first.json().as_array().map(Vec::len), Some(1));
    let link = first.header("link").expect("a next link").to_owned();
    let next = link
        .trim_start_matches('<')
        .split('>')
        .next()
        .expect("url")
        .to_owned();
    let second = server.get(&next);
    assert_eq!(second.json()[0], runs.json()[1]);
    let last = server.get(&format!("{next}&limit=5"));
    assert!(last.header("link").is_none(), "no page after the last");

    // Every version of a path with who made and used it; the log of a run.
    let clean = server.get("/api/v1/artifacts/clean.txt").json();
    assert_eq!(clean["versions"][0]["generated_by"][0]["stage"], "prepare");
    assert_eq!(clean["versions"][0]["used_by"][0]["stage"], "train");
    let prepare = runs
        .json()
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["stage"] == "prepare")
        .cloned()
        .expect("prepare");
    let log = server.get(&format!(
        "/api/v1/runs/{}/log",
        prepare["run_id"].as_str().expect("id")
    ));
    assert_eq!(
        (log.status, log.body.as_slice()),
        (200, b"prepared\n".as_slice())
    );

    // Marquez's shape: jobs and datasets, edges both ways around the node.
    let graph = server.get("/api/v1/lineage?nodeId=dataset:").status;
    assert_eq!(graph, 400);
    let namespace = dir
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let marquez = server
        .get(&format!(
            "/api/v1/lineage?nodeId=dataset:{namespace}:clean.txt"
        ))
        .json();
    let nodes = marquez["graph"].as_array().expect("graph");
    let find = |id: &str| nodes.iter().find(|n| n["id"] == id).cloned();
    let clean_node = find(&format!("dataset:{namespace}:clean.txt")).expect("dataset node");
    assert_eq!(clean_node["type"], "DATASET");
    let train = find(&format!("job:{}:train", crate::common::TEST_PROJECT)).expect("job node");
    assert_eq!(train["type"], "JOB");
    assert_eq!(train["data"]["latestRun"]["state"], "COMPLETED");
    assert_eq!(
        train["inEdges"][0],
        serde_json::json!({"origin": clean_node["id"], "destination": train["id"]})
    );
    assert!(find(&format!("dataset:{namespace}:raw.txt")).is_some());

    // The description of it all.
    let openapi = server.get("/api/v1/openapi.json").json();
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(openapi["paths"]["/api/v1/lineage"]["post"].is_object());

    // Bad requests say why, in JSON.
    for (path, status, reason) in [
        ("/api/v1/lineage/sideways?target=x", 404, "no direction"),
        ("/api/v1/lineage/up", 400, "needs `target`"),
        ("/api/v1/lineage/up?target=nothing.txt", 404, "nothing.txt"),
        (
            "/api/v1/lineage/up?target=model.txt&depth=deep",
            400,
            "`depth` is `deep`",
        ),
        ("/api/v1/runs?status=bogus", 400, "`status` is `bogus`"),
        ("/api/v1/runs?after=nope", 400, "`after` is `nope`"),
        ("/api/v1/runs/ffffffff", 404, "ffffffff"),
        ("/api/v1/artifacts/nothing.txt", 404, "nothing.txt"),
        ("/api/v1/nothing", 404, "no such route"),
    ] {
        let response = server.get(path);
        assert_eq!(response.status, status, "{path}");
        assert!(
            response.error().contains(reason),
            "{path}: {}",
            response.error()
        );
    }
    // A path trying to climb out gets nothing from the disk.
    let climb = server.get("/api/v1/artifacts/../../etc/passwd");
    assert_eq!(climb.status, 404);

    let (status, stderr) = server.stop();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("GET /api/v1/runs 200"), "{stderr}");
    assert!(stderr.contains("stopped after"), "{stderr}");
}

/// A trained model with params and metrics, two commits apart, a drift gate and a
/// registered version: what `why`, the diffs, the audit log, the registry and the gates
/// routes answer.
#[test]
fn why_diffs_audit_registry_and_gates_answer_as_the_cli_does() {
    let drift = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kin-gates/tests/fixtures/drift/small_num_shift");
    let kin_bin = env!("CARGO_BIN_EXE_kin");
    let repo = pipeline_repo(&format!(
        "stages:
  train:
    cmd: >-
      cat raw.txt > model.bin && echo '{{\"rows\": 2}}' > metrics.json
    deps: [raw.txt]
    params: [lr]
    outs: [model.bin]
    metrics: [{{metrics.json: {{cache: false}}}}]
  drift_check:
    cmd: {kin_bin} drift --reference reference.csv --current current.csv --out drift.json || true
    deps: [reference.csv, current.csv]
    metrics: [{{drift.json: {{cache: false}}}}]
artifacts:
  churn:
    path: model.bin
"
    ));
    let dir = repo.path();
    for file in ["reference.csv", "current.csv"] {
        std::fs::copy(drift.join(file), dir.join(file)).expect("copy");
    }
    std::fs::write(dir.join("raw.txt"), "a\n").expect("write");
    std::fs::write(dir.join("params.yaml"), "lr: 0.1\n").expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));
    crate::common::commit_all(dir, "first");
    std::fs::write(dir.join("raw.txt"), "a\nb\n").expect("write");
    std::fs::write(dir.join("params.yaml"), "lr: 0.2\n").expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));
    crate::common::commit_all(dir, "second");
    run_ok(crate::common::tagging_as_ana(
        kin(dir).args(["model", "register", "churn"]),
    ));

    let server = Server::start(dir, &[], None);
    let same = |route: &str, args: &[&str]| {
        let response = server.get(route);
        assert_eq!(
            response.status,
            200,
            "{route}: {}",
            String::from_utf8_lossy(&response.body)
        );
        assert_eq!(response.json(), json_of(dir, args), "{route}");
        response.json()
    };
    let why = same(
        "/api/v1/why?target=model.bin",
        &["why", "model.bin", "--json"],
    );
    assert!(
        !why["causes"].as_array().expect("causes").is_empty(),
        "{why}"
    );
    same(
        "/api/v1/metrics/diff?a=HEAD~1&b=HEAD",
        &["metrics", "diff", "HEAD~1", "HEAD", "--json"],
    );
    let params = same(
        "/api/v1/params/diff?a=HEAD~1&b=HEAD",
        &["params", "diff", "HEAD~1", "HEAD", "--json"],
    );
    assert_eq!(params["params.yaml"]["lr"]["new"], 0.2, "{params}");
    let audit = same("/api/v1/audit", &["audit", "log", "--json"]);
    assert!(
        audit.as_array().is_some_and(|entries| entries.len() >= 4),
        "{audit}"
    );
    same(
        "/api/v1/audit?action=run&since=2020-01-01",
        &[
            "audit",
            "log",
            "--action",
            "run",
            "--since",
            "2020-01-01",
            "--json",
        ],
    );
    same("/api/v1/models", &["model", "show", "--json"]);
    same(
        "/api/v1/models/churn",
        &["model", "show", "churn", "--json"],
    );
    same(
        "/api/v1/cards?ref=churn@v0.0.1",
        &["model", "card", "churn@v0.0.1", "--format", "json"],
    );
    let html = server.get("/api/v1/cards?ref=churn@v0.0.1&format=html");
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(String::from_utf8_lossy(&html.body).contains("churn"));

    // The drift gate's runs, newest first, with their reports and verdicts.
    let gates = server.get("/api/v1/gates").json();
    let gates = gates.as_array().expect("gates");
    assert!(!gates.is_empty());
    assert_eq!(gates[0]["stage"], "drift_check");
    assert_eq!(gates[0]["drift"][0]["file"], "drift.json");
    assert!(gates[0]["drift"][0]["dataset_drift"].is_boolean());
    assert_eq!(
        server.get("/api/v1/gates?stage=train").json(),
        serde_json::json!([])
    );

    for (path, status, reason) in [
        ("/api/v1/why", 400, "needs `target`"),
        ("/api/v1/metrics/diff?a=no-such-rev", 400, "no-such-rev"),
        ("/api/v1/metrics/diff?all=maybe", 400, "`all` is `maybe`"),
        ("/api/v1/models/nothing", 404, "no artifact `nothing`"),
        ("/api/v1/cards?ref=churn", 400, "not a model reference"),
        ("/api/v1/cards?ref=churn@v9.9.9", 404, "v9.9.9"),
        (
            "/api/v1/cards?ref=churn@v0.0.1&format=pdf",
            400,
            "`format` is `pdf`",
        ),
        ("/api/v1/audit?since=whenever", 400, "`since` is `whenever`"),
    ] {
        let response = server.get(path);
        assert_eq!(response.status, status, "{path}: {}", response.error());
        assert!(
            response.error().contains(reason),
            "{path}: {}",
            response.error()
        );
    }
}

#[test]
fn a_store_served_without_its_repository_answers_what_the_store_holds() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    std::fs::write(dir.join("raw.txt"), "b\na\n").expect("write");
    run_ok(kin(dir).args(["repro", "-q"]));
    let elsewhere = tempfile::tempdir().expect("tmp");
    let store = dir.join(".kin/lineage.db");
    let server = Server::start(
        elsewhere.path(),
        &["--store", store.to_str().expect("utf-8")],
        None,
    );
    // Paths mean their latest recorded version; node ids and runs work as ever.
    let up = server.get("/api/v1/lineage/up?target=model.txt").json();
    let stages: Vec<&str> = up["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["stage"].as_str())
        .collect();
    assert_eq!(stages, ["train", "prepare"], "{up}");
    assert_eq!(
        server.get("/api/v1/runs").json().as_array().map(Vec::len),
        Some(2)
    );
    // What lives only in the repository says so.
    for path in [
        "/api/v1/why?target=model.txt",
        "/api/v1/models",
        "/api/v1/metrics/diff",
    ] {
        let response = server.get(path);
        assert_eq!(response.status, 404, "{path}");
        assert!(
            response.error().contains("serves none"),
            "{path}: {}",
            response.error()
        );
    }
}

#[test]
fn the_api_serves_a_postgres_store_as_the_cli_reads_it() {
    let Some(store) = crate::common::backends::postgres() else {
        return;
    };
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    std::fs::write(dir.join("raw.txt"), "b\na\n").expect("write");
    crate::common::with_store(&store.location, || {
        run_ok(kin(dir).args(["repro", "-q"]));
        // KIN_STORE_URL (set for every kin the test starts) points the server there too.
        let server = Server::start(dir, &[], None);
        assert_eq!(
            server.get("/api/v1/runs").json(),
            json_of(dir, &["runs", "--json"])
        );
        assert_eq!(
            server.get("/api/v1/lineage/up?target=model.txt").json(),
            json_of(dir, &["lineage", "up", "model.txt", "--json"])
        );
        assert_eq!(
            server.get("/api/v1/audit").json(),
            json_of(dir, &["audit", "log", "--json"])
        );
        let (status, stderr) = server.stop();
        assert!(status.success(), "{stderr}");
    });
    assert!(
        !dir.join(".kin/lineage.db").exists(),
        "nothing went to SQLite"
    );
}
