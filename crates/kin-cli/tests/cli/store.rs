//! `kin store` and choosing the lineage store: the SQLite default, `[store] url`,
//! `KIN_STORE_URL` (which wins), PostgreSQL end to end, and every way a store URL can be
//! wrong, each named without its password.

use std::path::Path;

use kin::lineage::kin_store::StoreLocation;
use serde_json::Value;

use crate::common::{backends, kin, pipeline_repo, run, run_ok, stderr_text, with_store};

const PIPELINE: &str = "\
stages:
  copy:
    cmd: cp in.txt out.txt
    deps: [in.txt]
    outs: [out.txt]
";

fn repro_once() -> tempfile::TempDir {
    let repo = pipeline_repo(PIPELINE);
    std::fs::write(repo.path().join("in.txt"), "hello\n").expect("write");
    run_ok(kin(repo.path()).args(["repro", "-q"]));
    repo
}

/// `kin store info --json` with the location (a temp path or URL) replaced.
fn info(dir: &Path) -> Value {
    let mut doc: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["store", "info", "--json"]))).expect("json");
    doc["location"] = Value::from("[location]");
    doc
}

fn pretty(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).expect("json")
}

#[test]
fn the_default_store_is_the_repositorys_sqlite_file() {
    let repo = repro_once();
    insta::assert_snapshot!("store-info-sqlite", pretty(&info(repo.path())));
    let text = run_ok(kin(repo.path()).args(["store", "info"]));
    assert!(text.contains("backend:   sqlite"), "{text}");
    assert!(text.contains(".kin/lineage.db"), "{text}");
    assert!(text.contains("latest:    copy"), "{text}");
    let migrated = run_ok(kin(repo.path()).args(["store", "migrate"]));
    let known = kin::lineage::kin_store::SqliteStore::known_schema_version();
    assert!(
        migrated.contains(&format!("is at schema version {known}")),
        "{migrated}"
    );
}

#[test]
fn the_configured_store_is_used_and_the_environment_wins() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    std::fs::write(dir.join("in.txt"), "hello\n").expect("write");
    let config = std::fs::read_to_string(dir.join(".kin/config.toml")).unwrap_or_default();
    std::fs::write(
        dir.join(".kin/config.toml"),
        format!("{config}\n[store]\nurl = \"shared/team.db\"\n"),
    )
    .expect("write config");
    run_ok(kin(dir).args(["repro", "-q"]));
    assert!(dir.join("shared/team.db").is_file());
    assert!(!dir.join(".kin/lineage.db").exists());
    assert_eq!(info(dir)["runs"], 1);

    // KIN_STORE_URL wins over the file: that store has no runs yet.
    let other = dir.join("other.db");
    let location = StoreLocation::Sqlite(other.clone());
    let runs = with_store(&location, || info(dir)["runs"].clone());
    assert_eq!(runs, 0);
    assert!(other.is_file());
}

#[test]
fn bad_store_urls_fail_clearly_without_their_password() {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    let fails_with = |url: &str, expected: &str| {
        let location = StoreLocation::Postgres(url.to_owned());
        let output = with_store(&location, || run(kin(dir).args(["runs"])));
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(1), "{url}: {stderr}");
        assert!(stderr.contains(expected), "{url}: {stderr}");
        assert!(!stderr.contains("s3cret"), "{url}: {stderr}");
    };
    fails_with(
        "postgres://kin:s3cret@127.0.0.1:1/kin",
        "cannot connect to the lineage store postgres://kin:***@127.0.0.1:1/kin",
    );
    fails_with(
        "postgres://kin:s3cret@127.0.0.1:1/kin?sslmode=sideways",
        "invalid value for option `sslmode`",
    );
    // Anything that is not a path, sqlite: or postgres:// is refused by name.
    std::fs::write(
        dir.join(".kin/config.toml"),
        "[store]\nurl = \"mysql://kin:s3cret@db/kin\"\n",
    )
    .expect("write config");
    let output = run(kin(dir).args(["runs"]));
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`mysql://kin:***@db/kin` is not a lineage store"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
    std::fs::write(dir.join(".kin/config.toml"), "[store]\nurl = 5\n").expect("write config");
    let stderr = stderr_text(&run(kin(dir).args(["runs"])));
    assert!(stderr.contains("`[store] url`"), "{stderr}");
}

#[test]
fn a_postgres_store_records_reads_and_refuses_a_newer_schema() {
    let Some(store) = backends::postgres() else {
        return;
    };
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    std::fs::write(dir.join("in.txt"), "hello\n").expect("write");
    with_store(&store.location, || {
        run_ok(kin(dir).args(["repro", "-q"]));
        insta::assert_snapshot!("store-info-postgres", pretty(&info(dir)));
        let runs = run_ok(kin(dir).args(["runs"]));
        assert!(runs.contains("copy"), "{runs}");
        let up = run_ok(kin(dir).args(["lineage", "up", "out.txt"]));
        assert!(up.contains("in.txt"), "{up}");
        // The password never shows.
        let text = run_ok(kin(dir).args(["store", "info"]));
        assert!(text.contains("backend:   postgres"), "{text}");
        assert!(text.contains(":***@"), "{text}");
        // The audit chain is kept and verified on PostgreSQL too.
        let verified = run_ok(kin(dir).args(["audit", "verify"]));
        assert!(
            verified.starts_with("audit log verified: 1 entries"),
            "{verified}"
        );
    });
    assert!(
        !dir.join(".kin/lineage.db").exists(),
        "nothing went to SQLite"
    );

    store.set_schema_version(99);
    let output = with_store(&store.location, || run(kin(dir).args(["runs"])));
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "has schema version 99; this kin knows up to {}",
            kin::lineage::kin_store::PostgresStore::known_schema_version()
        )),
        "{stderr}"
    );
    assert!(stderr.contains(":***@"), "{stderr}");
}

#[test]
fn eight_clones_recording_at_once_lose_and_duplicate_nothing() {
    let Some(store) = backends::postgres() else {
        return;
    };
    const TWO_STAGES: &str = "\
stages:
  copy:
    cmd: cp in.txt mid.txt
    deps: [in.txt]
    outs: [mid.txt]
  count:
    cmd: wc -c < mid.txt > out.txt
    deps: [mid.txt]
    outs: [out.txt]
";
    // Eight clones of one project, each with its own data, all recording into one database.
    let clones: Vec<tempfile::TempDir> = (0..8)
        .map(|i| {
            let repo = pipeline_repo(TWO_STAGES);
            std::fs::write(repo.path().join("in.txt"), format!("clone {i}\n")).expect("write");
            repo
        })
        .collect();
    let children: Vec<std::process::Child> = clones
        .iter()
        .map(|clone| {
            with_store(&store.location, || {
                kin(clone.path())
                    .args(["repro", "-q"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn kin")
            })
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("kin ran");
        assert!(output.status.success(), "{}", stderr_text(&output));
    }

    let reader = store.open();
    use kin::lineage::kin_store::LineageStore;
    let runs = reader
        .runs(&kin::lineage::kin_store::RunFilter::default())
        .expect("runs");
    assert_eq!(runs.len(), 16, "two runs per clone, each once");
    let mut ids: Vec<_> = runs.iter().map(|run| run.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 16);
    for run in &runs {
        assert_eq!(
            reader.inputs(run.key).expect("inputs").len(),
            1,
            "{}",
            run.stage
        );
        assert_eq!(
            reader.outputs(run.key).expect("outputs").len(),
            1,
            "{}",
            run.stage
        );
    }
    // One artifact per path; eight versions of in.txt and mid.txt, one of out.txt (every
    // clone counted 8 bytes): each written once however many runs raced to write it.
    let counts = reader.counts().expect("counts");
    assert_eq!((counts.artifacts, counts.versions), (3, 17));
    // One unbroken chain, an entry per run.
    let entries = reader.audit_entries(None, None).expect("entries");
    assert_eq!(entries.len(), 16);
    let mut prev = kin::lineage::kin_store::audit::CHAIN_START.to_owned();
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry.seq, i as i64 + 1);
        assert_eq!(entry.prev, prev);
        assert_eq!(entry.computed_hash(), entry.hash);
        prev = entry.hash.clone();
    }
}

#[test]
fn lineage_crosses_between_two_repositories_sharing_a_remote_and_a_store() {
    let Some(store) = backends::postgres() else {
        return;
    };
    two_repositories_share_lineage(&store, "data/features.csv");
}

#[test]
fn lineage_crosses_to_the_same_content_under_another_path() {
    // One SQLite file both repositories point at is a shared store too.
    two_repositories_share_lineage(&backends::sqlite(), "inputs/train.csv");
}

/// The feature repository makes and pushes features; the training repository pulls them
/// (tracked at `tracked`) from the same remote and trains on them, both recording into
/// `store`. Lineage runs from one repository's files into the other's.
fn two_repositories_share_lineage(store: &backends::TestStore, tracked: &str) {
    let remote = tempfile::tempdir().expect("remote dir");
    let remote_url = remote.path().display().to_string();
    // The feature repository makes data/features.csv and pushes it.
    let features = pipeline_repo(
        "stages:\n  featurize:\n    cmd: tr a-z A-Z < raw.txt > data/features.csv\n    deps: [raw.txt]\n    outs: [data/features.csv]\n",
    );
    let a = features.path();
    std::fs::create_dir_all(a.join("data")).expect("mkdir");
    std::fs::write(a.join("raw.txt"), "shared features\n").expect("write");
    // The training repository trains on those features, fetched from the same remote.
    let training = pipeline_repo(&format!(
        "stages:\n  train:\n    cmd: wc -c < {tracked} > model.txt\n    deps: [{tracked}]\n    outs: [model.txt]\n",
    ));
    let b = training.path();
    with_store(&store.location, || {
        let as_project = |dir: &Path, project: &str, args: &[&str]| {
            run_ok(kin(dir).env(kin::env::KIN_PROJECT, project).args(args))
        };
        as_project(
            a,
            "acme/features",
            &["remote", "add", "-d", "shared", &remote_url],
        );
        as_project(a, "acme/features", &["repro", "-q"]);
        as_project(a, "acme/features", &["push", "-q"]);
        // The training repository tracks the published version (as `dvc import` would).
        let lock = std::fs::read_to_string(a.join("dvc.lock")).expect("lock");
        let md5 = lock
            .lines()
            .skip_while(|line| !line.contains("path: data/features.csv"))
            .find_map(|line| line.trim().strip_prefix("md5: "))
            .expect("the output's md5")
            .to_owned();
        let pulled = b.join(tracked);
        std::fs::create_dir_all(pulled.parent().expect("parent")).expect("mkdir");
        let name = pulled.file_name().expect("name").to_string_lossy();
        std::fs::write(
            pulled.with_file_name(format!("{name}.dvc")),
            format!("outs:\n- md5: {md5}\n  size: 16\n  hash: md5\n  path: {name}\n"),
        )
        .expect("write .dvc");
        as_project(
            b,
            "acme/training",
            &["remote", "add", "-d", "shared", &remote_url],
        );
        as_project(b, "acme/training", &["pull", "-q"]);
        as_project(b, "acme/training", &["repro", "-q"]);

        // From the training repository, the model's lineage reaches the feature run.
        let up: Value = serde_json::from_str(&as_project(
            b,
            "acme/training",
            &["lineage", "up", "model.txt", "--json"],
        ))
        .expect("json");
        let runs: Vec<(&str, &str)> = up["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|node| node["type"] == "run")
            .map(|node| {
                (
                    node["stage"].as_str().unwrap_or_default(),
                    node["project"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert!(runs.contains(&("featurize", "acme/features")), "{up}");
        assert!(runs.contains(&("train", "acme/training")), "{up}");
        // Under another path, the crossing is an edge of its own between the two.
        let crossings: Vec<(&str, &str)> = up["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter(|edge| edge["type"] == "same-content")
            .map(|edge| {
                let end = |key: &str| edge[key].as_str().unwrap_or_default();
                (end("from"), end("to"))
            })
            .collect();
        if tracked == "data/features.csv" {
            assert_eq!(crossings, [], "{up}");
        } else {
            assert_eq!(crossings.len(), 1, "{up}");
            assert!(crossings[0].0.contains("data/features.csv"), "{up}");
            assert!(crossings[0].1.contains(tracked), "{up}");
        }
        // And downstream of the raw data, from the feature repository, the model is reached.
        let down = as_project(a, "acme/features", &["lineage", "down", "raw.txt"]);
        assert!(down.contains("model.txt"), "{down}");
        // `kin runs --project` keeps to one project; without it, all are listed.
        let mine = as_project(b, "acme/training", &["runs", "--project", "acme/features"]);
        assert!(
            mine.contains("featurize") && !mine.contains("train "),
            "{mine}"
        );
        let all = as_project(b, "acme/training", &["runs"]);
        assert!(all.contains("featurize") && all.contains("train"), "{all}");
    });
}

#[test]
fn a_local_store_moves_to_postgres_and_back_with_its_audit_chain() {
    let Some(team) = backends::postgres() else {
        return;
    };
    let StoreLocation::Postgres(team_url) = &team.location else {
        unreachable!("a PostgreSQL test store");
    };
    let repo = repro_once();
    let dir = repo.path();
    let copy = |args: &[&str]| -> Value {
        let mut all = vec!["store", "copy", "--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&run_ok(kin(dir).args(&all))).expect("json")
    };
    let to_team = copy(&["--to", team_url]);
    assert_eq!(
        (to_team["entries"].clone(), to_team["runs"].clone()),
        (1.into(), 1.into())
    );
    assert!(
        !to_team.to_string().contains("kin-test-password"),
        "{to_team}"
    );
    // Idempotent.
    assert_eq!(copy(&["--to", team_url])["entries"], 0);
    // The team store verifies and answers as the local one did.
    with_store(&team.location, || {
        run_ok(kin(dir).args(["audit", "verify"]));
        let up = run_ok(kin(dir).args(["lineage", "up", "out.txt"]));
        assert!(up.contains("in.txt"), "{up}");
    });
    // And back into a new SQLite file.
    let back = copy(&["--from", team_url, "--to", "back.db"]);
    assert_eq!(back["runs"], 1);
    let location = StoreLocation::Sqlite(dir.join("back.db"));
    with_store(&location, || run_ok(kin(dir).args(["audit", "verify"])));
    // The same store twice is a usage error.
    let output = run(kin(dir).args(["store", "copy", "--to", ".kin/lineage.db"]));
    assert_eq!(output.status.code(), Some(2), "{}", stderr_text(&output));
}
