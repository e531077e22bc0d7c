//! `kin serve`: the JSON API answers as the CLI's `--json` does, lineage in Marquez's shape,
//! OpenLineage events from the real client, the token, bad requests and shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::common::{kin, pipeline_repo, run, run_ok};

/// A `kin serve` process on a free loopback port, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(dir: &Path, args: &[&str], token: Option<&str>) -> Server {
        let mut command = kin(dir);
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .env_remove(kin::env::KIN_SERVE_TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(token) = token {
            command.env(kin::env::KIN_SERVE_TOKEN, token);
        }
        let mut child = command.spawn().expect("kin serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the listening line");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        Server { child, addr }
    }

    fn request(&self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Response {
        http(&self.addr, method, path, token, body)
    }

    fn get(&self, path: &str) -> Response {
        self.request("GET", path, None, b"")
    }

    /// SIGTERM, then the exit status and stderr.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM sent");
        let status = self.child.wait().expect("exits");
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).expect("stderr");
        }
        (status, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&self.body));
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}

/// One HTTP/1.1 request on a new connection, read to its end.
fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connects");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .expect("writes");
    stream.write_all(body).expect("writes the body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reads");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
}

fn json_of(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&run_ok(kin(dir).args(args))).expect("json")
}

const PIPELINE: &str = "stages:
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

    let mut command = kin(dir);
    command
        .args(["serve", "--addr", "0.0.0.0:0"])
        .env(kin::env::KIN_SERVE_TOKEN, "t0k3n")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    let port = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|bound| bound.rsplit(':').next())
        .expect("port")
        .to_owned();
    let addr = format!("127.0.0.1:{port}");
    assert_eq!(http(&addr, "GET", "/api/v1/runs", None, b"").status, 401);
    assert_eq!(
        http(&addr, "GET", "/api/v1/runs", Some("t0k3n"), b"").status,
        200
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The Python interpreter with `openlineage-python` installed (the venv `scripts/test`
/// makes); under CI its absence fails the test.
fn openlineage_python() -> Option<std::path::PathBuf> {
    let python = std::env::var_os("KIN_DVC_PYTHON").map(std::path::PathBuf::from);
    let works = python.as_ref().is_some_and(|python| {
        Command::new(python)
            .args(["-c", "import openlineage.client"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if works {
        return python;
    }
    let reason = "KIN_DVC_PYTHON has no openlineage-python (run scripts/test, which installs it)";
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
    eprintln!("skipping: {reason}");
    None
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
