//! `kin serve`'s writes and access: the token, OpenLineage events (malformed, repeated, and
//! from the real openlineage-python client) and a server beyond loopback.

use std::process::Command;

use crate::common::{kin, pipeline_repo, run, run_ok};
use crate::serve::PIPELINE;
use crate::served::{Server, http, json_of};

#[test]
fn writes_need_the_token_and_bad_events_store_nothing() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    let event = r#"{"eventType": "COMPLETE", "eventTime": "2026-12-01T10:00:00Z",
        "producer": "https://example.invalid/test", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0190f1d2-3c4b-7a5e-9f00-112233445566"},
        "job": {"namespace": "airflow", "name": "extract"},
        "outputs": [{"namespace": "s3://lake", "name": "orders.parquet"}]}"#;
    let event = event.as_bytes();
    let with = |from: &str, to: &str| {
        String::from_utf8_lossy(event)
            .replace(from, to)
            .into_bytes()
    };

    // Without a token the server takes no writes at all.
    let open = Server::start(dir, &[], None);
    let refused = open.request("POST", "/api/v1/lineage", None, event);
    assert_eq!(refused.status, 401);
    assert!(
        refused.error().contains("--token-file"),
        "{}",
        refused.error()
    );
    drop(open);

    let token_file = dir.join(".kin/serve-token");
    std::fs::write(&token_file, "s3cret\n").expect("write");
    let server = Server::start(dir, &["--token-file", ".kin/serve-token"], None);
    // Reads on loopback need none; writes need the right one.
    assert_eq!(server.get("/api/v1/runs").status, 200);
    assert_eq!(
        server
            .request("POST", "/api/v1/lineage", None, event)
            .status,
        401
    );
    assert_eq!(
        server
            .request("POST", "/api/v1/lineage", Some("guess"), event)
            .status,
        401
    );
    for (body, reason) in [
        (b"{not json".to_vec(), "not JSON"),
        (b"[1]".to_vec(), "is a JSON object"),
        (
            br#"{"eventTime": "yesterday", "producer": "p", "schemaURL": "s", "run": {"runId": "x"}, "job": {}}"#.to_vec(),
            "`eventTime` is `yesterday`",
        ),
        (with("0190f1d2", "zzzzzzzz"), "not a UUID"),
        (with("\"s3://lake\"", "\"\""), "`outputs[0].namespace`"),
    ] {
        let response = server.request("POST", "/api/v1/lineage", Some("s3cret"), &body);
        assert_eq!(response.status, 400, "{}", String::from_utf8_lossy(&body));
        assert!(response.error().contains(reason), "{}", response.error());
    }
    let huge = vec![b' '; 5 << 20];
    assert_eq!(
        server
            .request("POST", "/api/v1/lineage", Some("s3cret"), &huge)
            .status,
        413
    );
    assert_eq!(server.get("/api/v1/runs").json(), serde_json::json!([]));

    // The right token: recorded once, however often the end is sent.
    for _ in 0..2 {
        let accepted = server.request("POST", "/api/v1/lineage", Some("s3cret"), event);
        assert_eq!(accepted.status, 201);
    }
    // The same end sent by eight clients at once: recorded once, every one answered 201.
    let again = with(
        "0190f1d2-3c4b-7a5e-9f00-112233445566",
        "0190f1d2-3c4b-7a5e-9f00-aabbccddeeff",
    );
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let posts: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    server
                        .request("POST", "/api/v1/lineage", Some("s3cret"), &again)
                        .status
                })
            })
            .collect();
        posts.into_iter().map(|p| p.join().expect("post")).collect()
    });
    assert_eq!(statuses, [201; 8]);
    let runs = server.get("/api/v1/runs").json();
    assert_eq!(runs.as_array().map(Vec::len), Some(2), "{runs}");
    let runs = server.get("/api/v1/runs?stage=extract&limit=1").json();
    assert_eq!(runs[0]["stage"], "extract");
    assert_eq!(runs[0]["project"], "airflow");
}

#[test]
fn beyond_loopback_every_request_needs_the_token() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    let output = run(kin(dir)
        .args(["serve", "--addr", "0.0.0.0:0"])
        .env_remove(kin::env::KIN_SERVE_TOKEN));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not a loopback address"), "{stderr}");
    assert!(stderr.contains("--token-file"), "{stderr}");

    let server = Server::start_at(dir, "0.0.0.0:0", &[], Some("t0k3n"));
    assert_eq!(
        http(&server.addr, "GET", "/api/v1/runs", None, b"").status,
        401
    );
    assert_eq!(
        http(&server.addr, "GET", "/api/v1/runs", Some("t0k3n"), b"").status,
        200
    );
}

/// The Python interpreter with `openlineage-python` installed (the venv `scripts/test`
/// makes).
fn openlineage_python() -> Option<std::path::PathBuf> {
    crate::common::venv_python(
        "import openlineage.client",
        "KIN_DVC_PYTHON has no openlineage-python (run scripts/test, which installs it)",
    )
}

#[test]
fn events_from_the_openlineage_client_join_kins_lineage() {
    let Some(python) = openlineage_python() else {
        return;
    };
    let repo = pipeline_repo(
        "stages:\n  train:\n    cmd: wc -l < data/raw/orders.csv > model.txt\n    deps: [data/raw/orders.csv]\n    outs: [model.txt]\n",
    );
    let dir = repo.path();
    std::fs::write(
        dir.join(".kin/config.toml"),
        "[openlineage]\nnamespace = \"shop\"\n",
    )
    .expect("config");
    // An Airflow job extracted the orders into the repository, and said so.
    std::fs::create_dir_all(dir.join("data/raw")).expect("mkdir");
    std::fs::write(dir.join("data/raw/orders.csv"), "id,total\n1,10\n2,25\n").expect("write");
    let server = Server::start(dir, &[], Some("t0k3n"));
    let script = crate::common::tests_dir().join("openlineage/emit_run.py");
    let emitted = Command::new(&python)
        .arg(&script)
        .env("KIN_URL", format!("http://{}", server.addr))
        .env("KIN_TOKEN", "t0k3n")
        .output()
        .expect("python runs");
    assert!(
        emitted.status.success(),
        "{}",
        String::from_utf8_lossy(&emitted.stderr)
    );
    // The stage that reads the orders runs after; its lineage reaches the Airflow job and
    // the bucket it read.
    run_ok(kin(dir).args(["repro", "-q"]));
    let up = json_of(dir, &["lineage", "up", "model.txt", "--json"]);
    let nodes = up["nodes"].as_array().expect("nodes");
    let extract = nodes
        .iter()
        .find(|n| n["type"] == "run" && n["stage"] == "extract_orders")
        .unwrap_or_else(|| panic!("the Airflow run upstream: {up}"));
    assert_eq!(extract["project"], "airflow");
    assert_eq!(extract["status"], "succeeded");
    assert!(
        nodes
            .iter()
            .any(|n| n["path"] == "s3://raw-bucket/orders/2026-12-01.json"),
        "{up}"
    );
    // And Marquez-shaped, from the job's side.
    let graph = server
        .get("/api/v1/lineage?nodeId=job:airflow:extract_orders")
        .json();
    let ids: Vec<&str> = graph["graph"]
        .as_array()
        .expect("graph")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert!(ids.contains(&"dataset:shop:data/raw/orders.csv"), "{ids:?}");
    assert!(
        ids.contains(&"dataset:s3://raw-bucket:orders/2026-12-01.json"),
        "{ids:?}"
    );
    assert!(ids.contains(&"dataset:shop:model.txt"), "{ids:?}");
    let (status, stderr) = server.stop();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("POST /api/v1/lineage 201"), "{stderr}");
}
