//! The lineage store's conformance suite: recording, lookups, traversal, tags, promotions,
//! reopening and refusing a newer schema, each test run unchanged against SQLite and against
//! PostgreSQL (see `fixtures/backends.rs`); then what is SQLite's own (its upgrades).

mod fixtures;

use fixtures::backends::TestStore;
use fixtures::{hash, run, version};

use kin_store::{
    Attempt, AttemptOutcome, Direction, LineageStore, NewRun, NewVersion, Promotion, RunFilter,
    RunId, RunStatus, SqliteStore, Start, Store, StoreError, Timestamp, Twins, traverse,
};

/// Generates, for each test function taking a `&TestStore`, one test per backend.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::fixtures::backends::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(store) = super::fixtures::backends::postgres() {
                        super::$name(&store);
                    }
                }
            )*
        }
    };
}

conformance!(
    records_and_reads_back_a_run,
    ambiguous_and_unknown_prefixes_are_errors,
    versions_of_a_path_are_in_order_seen,
    upstream_walks_back_to_the_raw_data,
    downstream_of_old_data_reaches_only_the_old_model,
    filters_runs_newest_first,
    a_store_survives_reopening_and_tracks_imports,
    a_store_from_a_newer_kin_is_refused,
    tags_are_kept_and_every_tag_asked_for_must_match,
    promotions_are_kept_per_artifact_in_order,
    audit_entries_chain_every_write,
    runs_are_kept_per_project_and_queries_see_them_all,
    lineage_crosses_projects_through_the_same_content_under_another_path,
    a_store_knows_whether_it_holds_more_than_one_project,
    the_audit_log_verifies_and_names_what_was_edited,
    a_firing_is_claimed_once_and_attempts_are_kept_newest_first,
);

/// raw@1 -> prepare -> clean@2 -> train -> model@3; then raw@4 -> prepare -> clean@5 -> train -> model@6.
fn two_generations(store: &mut Store) -> Vec<RunId> {
    let runs = [
        run(
            "prepare",
            1_000,
            vec![version("raw.csv", 1)],
            vec![version("clean.csv", 2)],
        ),
        run(
            "train",
            2_000,
            vec![version("clean.csv", 2), version("train.py", 7)],
            vec![version("model.pkl", 3)],
        ),
        run(
            "prepare",
            3_000,
            vec![version("raw.csv", 4)],
            vec![version("clean.csv", 5)],
        ),
        run(
            "train",
            4_000,
            vec![version("clean.csv", 5), version("train.py", 7)],
            vec![version("model.pkl", 6)],
        ),
    ];
    runs.iter()
        .map(|r| store.record_run(r).expect("record"))
        .collect()
}

fn records_and_reads_back_a_run(at: &TestStore) {
    let mut store = at.open();
    let ids = two_generations(&mut store);
    let first = store.run(ids[0]).expect("run");
    assert_eq!(first.stage, "prepare");
    assert_eq!(first.status, RunStatus::Succeeded);
    assert_eq!(first.params["params.yaml"]["lr"], 0.1);
    assert_eq!(first.environment.as_deref(), Some("env1"));
    let env = store.environment("env1").expect("env").expect("present");
    assert_eq!(env.body["os"], "linux");
    assert_eq!(
        store
            .run_by_prefix(&ids[2].to_string()[..13])
            .expect("prefix")
            .id,
        ids[2]
    );
    assert!(store.has_fingerprint("fp-train-2000").expect("fp"));
    assert!(!store.has_fingerprint("fp-nope").expect("fp"));
}

fn ambiguous_and_unknown_prefixes_are_errors(at: &TestStore) {
    let mut store = at.open();
    two_generations(&mut store);
    // All four ids were made within the same second: their first 8 digits agree.
    assert!(matches!(
        store.run_by_prefix("0000"),
        Err(StoreError::AmbiguousRun { count: 4, .. })
    ));
    assert!(matches!(
        store.run_by_prefix("ffff"),
        Err(StoreError::NoSuchRun { .. })
    ));
    assert!(matches!(
        store.run_by_prefix("xyz"),
        Err(StoreError::BadRunId { .. })
    ));
}

fn versions_of_a_path_are_in_order_seen(at: &TestStore) {
    let mut store = at.open();
    two_generations(&mut store);
    let models = store.versions_of("model.pkl").expect("versions");
    assert_eq!(
        models.iter().map(|v| v.hash.clone()).collect::<Vec<_>>(),
        vec![hash(3), hash(6)]
    );
    assert_eq!(models[0].size, Some(3));
    assert!(store.versions_of("nothing").expect("versions").is_empty());
}

fn upstream_walks_back_to_the_raw_data(at: &TestStore) {
    let mut store = at.open();
    two_generations(&mut store);
    let model = store.version("model.pkl", &hash(6)).expect("q").expect("v");
    let up = traverse(&store, &Start::Versions(vec![model.id]), Direction::Up, 10).expect("up");
    let mut reached: Vec<_> = up
        .versions
        .iter()
        .map(|(v, d)| (v.path.as_str(), v.hash.clone(), *d))
        .collect();
    reached.sort();
    assert_eq!(
        reached,
        vec![
            ("clean.csv", hash(5), 1),
            ("model.pkl", hash(6), 0),
            ("raw.csv", hash(4), 2),
            ("train.py", hash(7), 1),
        ]
    );
    let train = store.run_by_key(up.runs[0].0.key).expect("run");
    let from_run = traverse(&store, &Start::Run(train.key), Direction::Up, 1).expect("up");
    assert_eq!(from_run.runs.len(), 1);
    assert_eq!(from_run.versions.len(), 2, "the run's inputs only");
    let shallow = traverse(&store, &Start::Versions(vec![model.id]), Direction::Up, 1).expect("up");
    assert_eq!(shallow.runs.len(), 1);
    assert_eq!(shallow.versions.len(), 3);
}

fn downstream_of_old_data_reaches_only_the_old_model(at: &TestStore) {
    let mut store = at.open();
    two_generations(&mut store);
    let old_raw = store.version("raw.csv", &hash(1)).expect("q").expect("v");
    let down = traverse(
        &store,
        &Start::Versions(vec![old_raw.id]),
        Direction::Down,
        10,
    )
    .expect("down");
    let models: Vec<_> = down
        .versions
        .iter()
        .filter(|(v, _)| v.path == "model.pkl")
        .map(|(v, _)| v.hash.clone())
        .collect();
    assert_eq!(models, vec![hash(3)]);
    // Shared code reaches both generations.
    let code = store.version("train.py", &hash(7)).expect("q").expect("v");
    let down =
        traverse(&store, &Start::Versions(vec![code.id]), Direction::Down, 10).expect("down");
    assert_eq!(down.runs.len(), 2);
}

fn filters_runs_newest_first(at: &TestStore) {
    let mut store = at.open();
    two_generations(&mut store);
    let mut failed = run("train", 5_000, vec![version("clean.csv", 5)], vec![]);
    failed.status = RunStatus::Failed;
    failed.exit_code = Some(2);
    store.record_run(&failed).expect("record");
    let trains = store
        .runs(&RunFilter {
            stage: Some("train".to_owned()),
            ..RunFilter::default()
        })
        .expect("runs");
    assert_eq!(
        trains
            .iter()
            .map(|r| r.started.millis())
            .collect::<Vec<_>>(),
        vec![5_000, 4_000, 2_000]
    );
    let failures = store
        .runs(&RunFilter {
            status: Some(RunStatus::Failed),
            ..RunFilter::default()
        })
        .expect("runs");
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].exit_code, Some(2));
    let recent = store
        .runs(&RunFilter {
            since: Some(Timestamp::from_millis(3_000)),
            limit: Some(2),
            ..RunFilter::default()
        })
        .expect("runs");
    assert_eq!(recent.len(), 2);
}

fn a_store_survives_reopening_and_tracks_imports(at: &TestStore) {
    let ids = {
        let mut store = at.open();
        store.mark_imported(&["c1".to_owned()]).expect("mark");
        two_generations(&mut store)
    };
    let store = at.open();
    assert_eq!(store.run(ids[3]).expect("run").stage, "train");
    assert!(store.is_imported("c1").expect("q"));
    assert!(!store.is_imported("c2").expect("q"));
    let (found, known) = store.schema_versions().expect("versions");
    assert_eq!(found, known);
}

fn a_store_from_a_newer_kin_is_refused(at: &TestStore) {
    drop(at.open());
    at.set_schema_version(99);
    let refused = Store::open(&at.location);
    assert!(
        matches!(refused, Err(StoreError::TooNew { found: 99, .. })),
        "{:?}",
        refused.err()
    );
}

fn audit_entries_chain_every_write(at: &TestStore) {
    let mut store = at.open();
    two_generations(&mut store);
    store.mark_imported(&["c1".to_owned()]).expect("mark");
    let entries = store.audit_entries(None, None).expect("entries");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["run", "run", "run", "run", "import-marks"]);
    let mut prev = kin_store::audit::CHAIN_START.to_owned();
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry.seq, i as i64 + 1);
        assert_eq!(entry.prev, prev);
        assert_eq!(entry.computed_hash(), entry.hash);
        // Payloads are canonical JSON, whichever backend wrote them.
        let parsed: serde_json::Value = serde_json::from_str(&entry.payload).expect("json");
        assert_eq!(kin_store::audit::canonical(&parsed), entry.payload);
        prev = entry.hash.clone();
    }
    assert_eq!(
        store
            .audit_entries(Some("import-marks"), None)
            .expect("entries")
            .len(),
        1
    );
}

fn lineage_crosses_projects_through_the_same_content_under_another_path(at: &TestStore) {
    let mut store = at.open();
    let in_project = |mut run: NewRun, project: &str| {
        run.project = Some(project.to_owned());
        run
    };
    let empty = |path: &str| NewVersion {
        size: Some(0),
        hash: "d41d8cd98f00b204e9800998ecf8427e".parse().expect("hash"),
        ..version(path, 0)
    };
    // The feature project publishes features (and an empty marker file); the training
    // project pulled them under its own names, trains, and keeps a copy of its own.
    let runs = [
        in_project(
            run(
                "featurize",
                1_000,
                vec![version("raw.txt", 1)],
                vec![version("data/features.csv", 10), empty("data/_SUCCESS")],
            ),
            "acme/features",
        ),
        in_project(
            run(
                "train",
                2_000,
                vec![version("inputs/train.csv", 10), empty("inputs/_READY")],
                vec![version("model.txt", 11)],
            ),
            "acme/training",
        ),
        in_project(
            run(
                "backup",
                3_000,
                vec![version("inputs/train.csv", 10)],
                vec![version("backup.csv", 10)],
            ),
            "acme/training",
        ),
    ];
    for run in &runs {
        store.record_run(run).expect("record");
    }
    let id = |path: &str, n: u32| store.version(path, &hash(n)).expect("q").expect("v").id;
    let paths = |graph: &kin_store::Subgraph| -> Vec<String> {
        let mut paths: Vec<String> = graph.versions.iter().map(|(v, _)| v.path.clone()).collect();
        paths.sort();
        paths
    };

    // Up from the model: the pulled features were made by the feature project's run.
    let up = traverse(
        &store,
        &Start::Versions(vec![id("model.txt", 11)]),
        Direction::Up,
        10,
    )
    .expect("up");
    let stages: Vec<&str> = up.runs.iter().map(|(r, _)| r.stage.as_str()).collect();
    assert_eq!(stages, ["train", "featurize"]);
    // Not the training project's own copy (same content, same project), nor the empty
    // file both projects hold.
    assert_eq!(
        paths(&up),
        [
            "data/features.csv",
            "inputs/_READY",
            "inputs/train.csv",
            "model.txt",
            "raw.txt"
        ]
    );
    assert_eq!(
        up.same_content,
        [(id("data/features.csv", 10), id("inputs/train.csv", 10))]
    );
    let depth = |graph: &kin_store::Subgraph, path: &str| {
        graph
            .versions
            .iter()
            .find(|(v, _)| v.path == path)
            .map(|(_, d)| *d)
    };
    assert_eq!(depth(&up, "data/features.csv"), Some(1));
    assert_eq!(depth(&up, "raw.txt"), Some(2));

    // Down from the raw data: across into the training project, to its model and copy.
    let down = traverse(
        &store,
        &Start::Versions(vec![id("raw.txt", 1)]),
        Direction::Down,
        10,
    )
    .expect("down");
    let mut stages: Vec<&str> = down.runs.iter().map(|(r, _)| r.stage.as_str()).collect();
    stages.sort();
    assert_eq!(stages, ["backup", "featurize", "train"]);
    assert!(paths(&down).contains(&"model.txt".to_owned()));
    assert!(!paths(&down).contains(&"inputs/_READY".to_owned()));

    // Within one project the same content under two paths is no crossing: up from the
    // copy stops at its own input's generators, which are none but the feature run's twin.
    assert_eq!(
        store
            .content_twins(id("backup.csv", 10), Twins::External)
            .expect("twins"),
        []
    );
    assert_eq!(
        store
            .content_twins(id("inputs/train.csv", 10), Twins::Generated)
            .expect("twins"),
        [id("data/features.csv", 10)]
    );
}

fn a_store_knows_whether_it_holds_more_than_one_project(at: &TestStore) {
    let mut store = at.open();
    assert!(!store.holds_many_projects().expect("empty"));
    for (stage, at) in [("a", 1_000), ("b", 2_000)] {
        let mut one = run(stage, at, vec![], vec![version(stage, 3)]);
        one.project = Some("acme/one".to_owned());
        store.record_run(&one).expect("record");
    }
    assert!(!store.holds_many_projects().expect("one project"));
    // Runs from before projects count as a project of their own.
    store
        .record_run(&run("old", 500, vec![], vec![version("old", 1)]))
        .expect("record");
    assert!(store.holds_many_projects().expect("legacy and one"));
}

fn runs_are_kept_per_project_and_queries_see_them_all(at: &TestStore) {
    let mut store = at.open();
    // The feature project makes the features; the training project trains on them.
    let mut features = run(
        "featurize",
        1_000,
        vec![version("raw.csv", 1)],
        vec![version("features.csv", 2)],
    );
    features.project = Some("acme/features".to_owned());
    let mut train = run(
        "train",
        2_000,
        vec![version("features.csv", 2)],
        vec![version("model.pkl", 3)],
    );
    train.project = Some("acme/training".to_owned());
    let legacy = run("old", 500, vec![], vec![version("notes.txt", 4)]);
    for run in [&features, &train, &legacy] {
        store.record_run(run).expect("record");
    }
    let of = |project: Option<&str>| -> Vec<String> {
        let filter = RunFilter {
            project: project.map(str::to_owned),
            ..RunFilter::default()
        };
        store
            .runs(&filter)
            .expect("runs")
            .into_iter()
            .map(|r| r.stage)
            .collect()
    };
    assert_eq!(of(Some("acme/features")), ["featurize"]);
    assert_eq!(of(Some("acme/training")), ["train"]);
    assert_eq!(of(None), ["train", "featurize", "old"]);
    assert_eq!(
        store.run(train.id).expect("run").project.as_deref(),
        Some("acme/training")
    );
    assert_eq!(store.run(legacy.id).expect("run").project, None);
    // Lineage crosses from one project to the other through the shared version.
    let model = store.version("model.pkl", &hash(3)).expect("q").expect("v");
    let up = traverse(&store, &Start::Versions(vec![model.id]), Direction::Up, 10).expect("up");
    let stages: Vec<&str> = up.runs.iter().map(|(run, _)| run.stage.as_str()).collect();
    assert!(
        stages.contains(&"featurize") && stages.contains(&"train"),
        "{stages:?}"
    );
}

fn the_audit_log_verifies_and_names_what_was_edited(at: &TestStore) {
    let mut store = at.open();
    let ids = two_generations(&mut store);
    store.mark_imported(&["c0ffee".to_owned()]).expect("mark");
    store
        .record_promotion(&fixtures::promotion("churn#prod#1"))
        .expect("promote");
    let check = store.audit_verify().expect("verify");
    assert_eq!(check.findings, Vec::new());
    assert_eq!(check.entries, 6);
    assert_eq!(check.head.expect("head").seq, 6);
    drop(store);

    at.execute(
        "UPDATE run SET cmd = 'rm -rf /' WHERE started_at = 2000;
         UPDATE promotion SET approver = 'Mallory';
         DELETE FROM imported_commit;
         UPDATE audit_entry SET \"user\" = 'mallory' WHERE seq = 3;",
    );
    let findings = at.open().audit_verify().expect("verify").findings;
    let text: Vec<String> = findings
        .iter()
        .map(kin_store::audit::AuditFinding::describe)
        .collect();
    let text = text.join("\n");
    assert!(
        matches!(
            findings.first(),
            Some(kin_store::audit::AuditFinding::EntryEdited { seq: 3 })
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "run {} (stage train) (entry 2) was edited: `run.cmd`",
            ids[1]
        )),
        "{text}"
    );
    assert!(
        text.contains("promotion churn#prod#1 (entry 6) was edited: `approver`"),
        "{text}"
    );
    assert!(
        text.contains("imported commit c0ffee (entry 5) was deleted"),
        "{text}"
    );
}

#[test]
fn a_dropped_postgres_connection_is_reopened_for_reads_and_writes() {
    let Some(at) = fixtures::backends::postgres() else {
        return;
    };
    let mut store = at.open();
    let first = store
        .record_run(&run("prepare", 1_000, vec![version("raw.csv", 1)], vec![]))
        .expect("record");
    // The server ends every other session of this database (a restart, a failover).
    at.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    // A read after the connection was lost is asked again on a new one.
    assert_eq!(
        store.run(first).expect("read after reconnecting").stage,
        "prepare"
    );
    at.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    let second = store
        .record_run(&run("train", 2_000, vec![version("raw.csv", 1)], vec![]))
        .expect("recorded after reconnecting");
    let store = at.open();
    assert_eq!(store.run(first).expect("first").stage, "prepare");
    assert_eq!(store.run(second).expect("second").stage, "train");
    assert_eq!(store.runs(&RunFilter::default()).expect("runs").len(), 2);
    assert_eq!(store.audit_entries(None, None).expect("entries").len(), 2);
}

#[test]
fn both_backends_record_the_same_audit_documents() {
    let Some(postgres) = fixtures::backends::postgres() else {
        return;
    };
    let sqlite = fixtures::backends::sqlite();
    let mut tagged_run = run("train", 5_000, vec![version("clean.csv", 2)], vec![]);
    tagged_run.tags = [("team", "pricing \"core\""), ("a", "é\n")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tagged_run.git_dirty = Some(true);
    let runs = [
        run(
            "prepare",
            1_000,
            vec![version("raw.csv", 1)],
            vec![version("clean.csv", 2)],
        ),
        tagged_run,
    ];
    let payloads = |at: &TestStore| -> Vec<(String, String)> {
        let mut store = at.open();
        for run in &runs {
            store.record_run(run).expect("record");
        }
        store
            .audit_entries(None, None)
            .expect("entries")
            .into_iter()
            .map(|e| (e.subject, e.payload))
            .collect()
    };
    assert_eq!(payloads(&sqlite), payloads(&postgres));
}

fn tagged(stage: &str, at: i64, tags: &[(&str, &str)]) -> NewRun {
    let mut run = run(stage, at, Vec::new(), vec![version("out", at as u32)]);
    run.tags = tags
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    run
}

fn filter(tags: &[(&str, &str)]) -> RunFilter {
    RunFilter {
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..RunFilter::default()
    }
}

fn stages(store: &impl LineageStore, tags: &[(&str, &str)]) -> Vec<String> {
    let runs = store.runs(&filter(tags)).expect("runs");
    runs.into_iter().map(|r| r.stage).collect()
}

fn tags_are_kept_and_every_tag_asked_for_must_match(at: &TestStore) {
    let mut store = at.open();
    for run in [
        tagged("a", 1, &[("project", "pricing"), ("regulatory", "gdpr")]),
        tagged("b", 2, &[("project", "pricing")]),
        tagged("c", 3, &[("project", "churn"), ("regulatory", "gdpr")]),
        tagged("d", 4, &[]),
    ] {
        store.record_run(&run).expect("record");
    }
    let a = &store
        .runs(&filter(&[("regulatory", "gdpr")]))
        .expect("runs")[1];
    assert_eq!(a.stage, "a");
    let expected: kin_store::Tags = [("project", "pricing"), ("regulatory", "gdpr")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(a.tags, expected);
    assert!(store.run_by_key(a.key).expect("run").tags == expected);
    assert_eq!(stages(&store, &[("project", "pricing")]), ["b", "a"]);
    assert_eq!(
        stages(&store, &[("project", "pricing"), ("regulatory", "gdpr")]),
        ["a"]
    );
    assert_eq!(stages(&store, &[("project", "none")]), Vec::<String>::new());
    assert_eq!(stages(&store, &[]), ["d", "c", "b", "a"]);
    assert!(store.runs(&filter(&[])).expect("runs")[0].tags.is_empty());
}

#[test]
fn a_store_from_before_tags_is_upgraded_in_place() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lineage.db");
    let ids = {
        let mut store = Store::Sqlite(SqliteStore::open(&path).expect("open"));
        two_generations(&mut store)
    };
    // What kin wrote before tags existed: the same schema without its later migrations.
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.execute_batch(
        "DROP TABLE run_tag; DROP TABLE promotion; DROP TABLE audit_entry;
         DROP INDEX run_by_project; ALTER TABLE run DROP COLUMN project;
         DROP INDEX artifact_version_by_hash; DROP TABLE schedule_firing;
         DROP TABLE schedule_attempt; PRAGMA user_version = 1;",
    )
    .expect("downgrade");
    drop(conn);

    let mut store = SqliteStore::open(&path).expect("upgrade");
    let old = store.run(ids[0]).expect("old run");
    assert_eq!(old.stage, "prepare");
    assert!(old.tags.is_empty());
    store
        .record_run(&tagged("train", 9_000, &[("project", "pricing")]))
        .expect("record a tagged run");
    assert_eq!(stages(&store, &[("project", "pricing")]), ["train"]);
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("version");
    assert_eq!(version, 7, "upgraded through every migration");
}

fn promotions_are_kept_per_artifact_in_order(at: &TestStore) {
    let mut store = at.open();
    let promotion = |artifact: &str, tag: &str, at: i64, overridden: bool| Promotion {
        artifact: artifact.to_owned(),
        version: "v1.0.0".to_owned(),
        stage: "prod".to_owned(),
        tag: tag.to_owned(),
        git_commit: "c0ffee".to_owned(),
        author: "Ana <ana@example.invalid>".to_owned(),
        approver: Some("Bob".to_owned()),
        reason: overridden.then(|| "hotfix".to_owned()),
        overridden,
        evidence: serde_json::json!({"gates": [{"gate": "fairness", "verdict": "passed"}]}),
        at: Timestamp::from_secs(at),
    };
    store
        .record_promotion(&promotion("churn", "churn#prod#2", 20, true))
        .expect("record");
    store
        .record_promotion(&promotion("churn", "churn#prod#1", 10, false))
        .expect("record");
    store
        .record_promotion(&promotion("fraud", "fraud#prod#1", 15, false))
        .expect("record");
    let churn = store.promotions(Some("churn")).expect("read");
    assert_eq!(
        churn,
        vec![
            promotion("churn", "churn#prod#1", 10, false),
            promotion("churn", "churn#prod#2", 20, true)
        ]
    );
    assert_eq!(store.promotions(None).expect("read").len(), 3);
    // A tag is promoted once.
    assert!(
        store
            .record_promotion(&promotion("churn", "churn#prod#1", 30, false))
            .is_err()
    );
}

fn a_firing_is_claimed_once_and_attempts_are_kept_newest_first(at: &TestStore) {
    let mut first = at.open();
    let mut second = at.open();
    let fire = Timestamp::from_secs(1_800_000_000);
    assert_eq!(first.last_firing("nightly").expect("read"), None);
    assert!(first.claim_firing("nightly", fire, "a").expect("claim"));
    // Another scheduler on the same store, and the first one again: both lose.
    assert!(!second.claim_firing("nightly", fire, "b").expect("claim"));
    assert!(!first.claim_firing("nightly", fire, "a").expect("claim"));
    // Another schedule's firing at the same instant is its own.
    assert!(second.claim_firing("weekly", fire, "b").expect("claim"));
    let later = Timestamp::from_secs(1_800_003_600);
    assert!(second.claim_firing("nightly", later, "b").expect("claim"));
    assert_eq!(first.last_firing("nightly").expect("read"), Some(later));

    let attempt = |number: u32, outcome: AttemptOutcome| Attempt {
        schedule: "nightly".to_owned(),
        fire_time: Some(fire),
        number,
        started: Timestamp::from_secs(1_800_000_000 + i64::from(number)),
        ended: Timestamp::from_secs(1_800_000_010 + i64::from(number)),
        outcome,
        detail: format!("attempt {number}"),
        runner: "ana@host pid 7".to_owned(),
    };
    first
        .record_attempt(&attempt(1, AttemptOutcome::Retried))
        .expect("record");
    second
        .record_attempt(&attempt(2, AttemptOutcome::Succeeded))
        .expect("record");
    let kept = first.attempts("nightly", 10).expect("read");
    assert_eq!(
        kept,
        vec![
            attempt(2, AttemptOutcome::Succeeded),
            attempt(1, AttemptOutcome::Retried)
        ]
    );
    assert_eq!(first.attempts("nightly", 1).expect("read").len(), 1);
    assert!(first.attempts("weekly", 10).expect("read").is_empty());
    // Each attempt is a write the audit log chains, and its row is checked against it.
    let entries = first
        .audit_entries(Some("schedule-attempt"), None)
        .expect("audit");
    assert_eq!(entries.len(), 2);
    assert_eq!(first.audit_verify().expect("verify").findings, Vec::new());
    drop((first, second));
    at.execute("UPDATE schedule_attempt SET outcome = 'succeeded' WHERE number = 1;");
    let findings: Vec<String> = at
        .open()
        .audit_verify()
        .expect("verify")
        .findings
        .iter()
        .map(kin_store::audit::AuditFinding::describe)
        .collect();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("schedule attempt nightly attempt 1 started 2027-01-15T08:00:01Z")
            && findings[0].contains("was edited: `outcome`"),
        "{findings:?}"
    );
}

/// Every pair of backends at hand: SQLite to SQLite always; to and from PostgreSQL when a
/// server is available.
fn backend_pairs() -> Vec<(TestStore, TestStore)> {
    let mut pairs = vec![(fixtures::backends::sqlite(), fixtures::backends::sqlite())];
    if let (Some(to), Some(from), Some(a), Some(b)) = (
        fixtures::backends::postgres(),
        fixtures::backends::postgres(),
        fixtures::backends::postgres(),
        fixtures::backends::postgres(),
    ) {
        pairs.push((fixtures::backends::sqlite(), to));
        pairs.push((from, fixtures::backends::sqlite()));
        pairs.push((a, b));
    }
    pairs
}

#[test]
fn a_store_copies_losslessly_and_idempotently_between_backends() {
    for (from, to) in backend_pairs() {
        let what = format!("{:?} -> {:?}", from.location, to.location);
        let mut source = from.open();
        two_generations(&mut source);
        let mut tagged = tagged("train", 9_000, &[("team", "pricing")]);
        tagged.project = Some("acme/training".to_owned());
        source.record_run(&tagged).expect("record");
        source.mark_imported(&["c0ffee".to_owned()]).expect("mark");
        source
            .audit_note(
                &kin_store::audit::Actor::default(),
                "registry",
                "churn@v1.0.0",
                &serde_json::json!({"tag": "churn@v1.0.0"}),
            )
            .expect("note");
        let fired = Timestamp::from_millis(1_800_000_000_123);
        assert!(
            source
                .claim_firing("nightly", fired, "ana@lab pid 1")
                .expect("claim")
        );
        source
            .record_attempt(&Attempt {
                schedule: "nightly".to_owned(),
                fire_time: Some(fired),
                number: 1,
                started: Timestamp::from_millis(1_800_000_000_456),
                ended: Timestamp::from_millis(1_800_000_009_789),
                outcome: AttemptOutcome::Succeeded,
                detail: "reproduced".to_owned(),
                runner: "ana@lab pid 1".to_owned(),
            })
            .expect("attempt");

        let mut target = to.open();
        let report = kin_store::copy(&source, &mut target).expect("copy");
        assert_eq!(
            (report.entries, report.runs, report.imported_commits),
            (8, 5, 1),
            "{what}"
        );
        // The schedule's attempts and its last firing, to the millisecond.
        assert_eq!(
            target.attempts("nightly", 10).expect("attempts"),
            source.attempts("nightly", 10).expect("attempts"),
            "{what}"
        );
        assert_eq!(
            target.last_firing("nightly").expect("last"),
            Some(fired),
            "{what}"
        );
        // The copy's chain is the source's, and it verifies against the copied rows.
        let entries = |store: &Store| -> Vec<(i64, String)> {
            let all = store.audit_entries(None, None).expect("entries");
            all.into_iter().map(|e| (e.seq, e.hash)).collect()
        };
        assert_eq!(entries(&target), entries(&source), "{what}");
        assert_eq!(
            target.audit_verify().expect("verify").findings,
            Vec::new(),
            "{what}"
        );
        let copied = target.run(tagged.id).expect("copied run");
        assert_eq!(copied.tags, tagged.tags, "{what}");
        assert_eq!(
            target.environment("env1").expect("env"),
            source.environment("env1").expect("env"),
            "{what}"
        );
        // Every version as the source holds it, first seen at the same time.
        let versions = |store: &Store| -> Vec<_> {
            let all = store.all_versions().expect("versions");
            let mut all: Vec<_> = all
                .into_iter()
                .map(|v| (v.path, v.hash, v.size, v.nfiles, v.first_seen))
                .collect();
            all.sort();
            all
        };
        assert_eq!(versions(&target), versions(&source), "{what}");
        assert_eq!(copied.project.as_deref(), Some("acme/training"), "{what}");
        assert!(target.is_imported("c0ffee").expect("q"), "{what}");

        // Again: nothing to do. After more runs: only those.
        assert_eq!(
            kin_store::copy(&source, &mut target)
                .expect("again")
                .entries,
            0,
            "{what}"
        );
        source
            .record_run(&run(
                "evaluate",
                10_000,
                vec![version("model.pkl", 6)],
                vec![],
            ))
            .expect("record");
        let more = kin_store::copy(&source, &mut target).expect("more");
        assert_eq!((more.entries, more.runs, more.already), (1, 1, 8), "{what}");
        assert_eq!(
            target.audit_verify().expect("verify").findings,
            Vec::new(),
            "{what}"
        );

        // A target with a history of its own is refused, untouched.
        target
            .record_run(&run("local", 11_000, vec![], vec![version("x", 9)]))
            .expect("record");
        source
            .record_run(&run("later", 12_000, vec![], vec![version("y", 10)]))
            .expect("record");
        let refused = kin_store::copy(&source, &mut target);
        assert!(
            matches!(refused, Err(StoreError::CopyDiverged { seq: 10 })),
            "{what}: {:?}",
            refused.err()
        );
        assert_eq!(
            target.runs(&RunFilter::default()).expect("runs").len(),
            7,
            "{what}"
        );
    }
}
