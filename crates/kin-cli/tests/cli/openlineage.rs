//! OpenLineage out: `kin repro` sends each stage run as START and COMPLETE/FAIL RunEvents to
//! the transport the environment or `openlineage.yml` names — accepted by `kin serve`,
//! written to a file, and never failing or stalling the repro when the server is away.

use std::path::Path;

use serde_json::Value;

use crate::common::{kin, pipeline_repo, run, run_ok};
use crate::served::Server;

const PIPELINE: &str = "stages:
  prepare:
    cmd: sort raw.txt > clean.txt
    deps: [raw.txt]
    outs: [clean.txt]
  train:
    cmd: wc -l < clean.txt > model.txt
    deps: [clean.txt]
    outs: [model.txt]
";

fn events_in(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("the events file")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON event per line"))
        .collect()
}

#[test]
fn a_repro_writes_start_and_end_events_for_each_stage_run() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    std::fs::write(dir.join("raw.txt"), "b\na\n").expect("write");
    std::fs::write(
        dir.join("openlineage.yml"),
        "transport:\n  type: file\n  log_file_path: events.jsonl\n",
    )
    .expect("config");
    std::fs::write(
        dir.join(".kin/config.toml"),
        "[openlineage]\nnamespace = \"shop\"\n",
    )
    .expect("write");
    run_ok(
        kin(dir)
            .args(["repro", "-q"])
            .env_remove("OPENLINEAGE_DISABLED"),
    );
    let events = events_in(&dir.join("events.jsonl"));
    let summary: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["eventType"].as_str().unwrap_or_default().to_owned(),
                e["job"]["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let pairs = |kind: &str, job: &str| (kind.to_owned(), job.to_owned());
    assert_eq!(
        summary,
        [
            pairs("START", "repro"),
            pairs("START", "prepare"),
            pairs("COMPLETE", "prepare"),
            pairs("START", "train"),
            pairs("COMPLETE", "train"),
            pairs("COMPLETE", "repro"),
        ]
    );
    // Each stage run: the recorded run's id, the repro as its parent, datasets with their
    // content hashes as versions, in kin's namespace.
    let runs: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["runs", "--json"]))).expect("json");
    let train_run = runs
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["stage"] == "train")
        .expect("train");
    let end = &events[4];
    assert_eq!(end["run"]["runId"], train_run["run_id"]);
    assert_eq!(
        end["schemaURL"],
        "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
    );
    assert_eq!(end["job"]["namespace"], "shop");
    assert_eq!(end["job"]["facets"]["jobType"]["jobType"], "STAGE");
    assert_eq!(
        end["run"]["facets"]["parent"]["run"]["runId"],
        events[0]["run"]["runId"]
    );
    assert_eq!(end["run"]["facets"]["parent"]["job"]["name"], "repro");
    assert_eq!(end["inputs"][0]["name"], "clean.txt");
    assert_eq!(end["outputs"][0]["name"], "model.txt");
    let lock = std::fs::read_to_string(dir.join("dvc.lock")).expect("lock");
    let version = end["outputs"][0]["facets"]["version"]["datasetVersion"]
        .as_str()
        .expect("version");
    assert!(lock.contains(&format!("md5: {version}")), "{lock}");
    assert!(events[1]["outputs"].as_array().is_some_and(Vec::is_empty));
    for event in &events {
        assert!(
            event["producer"]
                .as_str()
                .is_some_and(|p| p.starts_with("https://"))
        );
        assert!(
            event["eventTime"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
    }
}

#[test]
fn a_failed_stage_is_a_fail_event_with_its_error() {
    let repo = pipeline_repo("stages:\n  broken:\n    cmd: exit 3\n    outs: [never.txt]\n");
    let dir = repo.path();
    std::fs::write(
        dir.join("openlineage.yml"),
        "transport:\n  type: file\n  log_file_path: events.jsonl\n",
    )
    .expect("config");
    let output = run(kin(dir)
        .args(["repro", "-q"])
        .env_remove("OPENLINEAGE_DISABLED"));
    assert_eq!(output.status.code(), Some(1));
    let events = events_in(&dir.join("events.jsonl"));
    let fail = events
        .iter()
        .find(|e| e["eventType"] == "FAIL" && e["job"]["name"] == "broken")
        .expect("a FAIL event");
    assert_eq!(
        fail["run"]["facets"]["errorMessage"]["message"],
        "stage `broken` failed: exit code 3"
    );
    assert_eq!(
        events.last().expect("events")["eventType"],
        "FAIL",
        "the repro failed too"
    );
}

#[test]
fn kin_serve_takes_a_repros_events_and_an_absent_server_costs_a_warning() {
    // The team's lineage server: another repository's `kin serve`, with a token.
    let server_repo = pipeline_repo("stages: {}\n");
    let server = Server::start(server_repo.path(), &[], Some("t0k3n"));
    let url = server.url();

    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    std::fs::write(dir.join("raw.txt"), "b\na\n").expect("write");
    let output = run(kin(dir)
        .args(["repro", "-q"])
        .env_remove("OPENLINEAGE_DISABLED")
        .env("OPENLINEAGE_URL", &url)
        .env("OPENLINEAGE_API_KEY", "t0k3n"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "every event was accepted: {stderr}"
    );
    // The server recorded the stage runs under their own ids, and the repro itself.
    let served: Value =
        serde_json::from_str(&run_ok(kin(server_repo.path()).args(["runs", "--json"])))
            .expect("json");
    let ours: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["runs", "--json"]))).expect("json");
    let ids = |runs: &Value, stage: &str| -> Vec<String> {
        runs.as_array()
            .expect("runs")
            .iter()
            .filter(|r| r["stage"] == stage)
            .filter_map(|r| r["run_id"].as_str().map(str::to_owned))
            .collect()
    };
    for stage in ["prepare", "train"] {
        assert_eq!(ids(&served, stage), ids(&ours, stage), "{served}");
    }
    assert_eq!(ids(&served, "repro").len(), 1, "{served}");
    drop(server);

    // A server that is not there: the repro succeeds and says what was not sent.
    std::fs::write(dir.join("raw.txt"), "c\nb\na\n").expect("write");
    let output = run(kin(dir)
        .args(["repro", "-q"])
        .env_remove("OPENLINEAGE_DISABLED")
        .env("OPENLINEAGE_URL", &url));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: an OpenLineage event was not sent:"),
        "{stderr}"
    );
}

#[test]
fn a_stages_start_goes_out_while_its_command_runs() {
    // The command waits (up to 10 s) to see its own START in the events file.
    let repo = pipeline_repo(
        "stages:\n  slow:\n    cmd: for i in $(seq 100); do grep '\"START\"' events.jsonl 2>/dev/null | grep -q '\"slow\"' && echo seen > out.txt && exit 0; sleep 0.1; done; echo unseen > out.txt\n    outs: [out.txt]\n",
    );
    let dir = repo.path();
    std::fs::write(
        dir.join("openlineage.yml"),
        "transport:\n  type: file\n  log_file_path: events.jsonl\n",
    )
    .expect("config");
    run_ok(
        kin(dir)
            .args(["repro", "-q"])
            .env_remove("OPENLINEAGE_DISABLED"),
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out.txt")).expect("out"),
        "seen\n"
    );
    let events = events_in(&dir.join("events.jsonl"));
    let of_slow: Vec<&Value> = events
        .iter()
        .filter(|e| e["job"]["name"] == "slow")
        .collect();
    assert_eq!(of_slow.len(), 2);
    assert_eq!(of_slow[0]["eventType"], "START");
    assert_eq!(of_slow[1]["eventType"], "COMPLETE");
    assert_eq!(of_slow[0]["run"]["runId"], of_slow[1]["run"]["runId"]);
    let runs: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["runs", "--json"]))).expect("json");
    assert_eq!(runs[0]["run_id"], of_slow[0]["run"]["runId"]);
}
