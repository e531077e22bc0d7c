//! The audit chain against a store tampered with through SQL: every edit, deletion,
//! insertion and reordering is found and named; an untouched store verifies clean.

// Shared with the store's tests, which use all of it.
#[allow(dead_code)]
mod fixtures;

use fixtures::{run, version};
use kin_store::audit::{AuditFinding, canonical, entry_hash, sha256_hex};
use kin_store::{LineageStore, RunId, SqliteStore};

/// A store with two runs, a promotion and imported commits; its path and the runs' ids.
fn store() -> (tempfile::TempDir, std::path::PathBuf, Vec<RunId>) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lineage.db");
    let mut store = SqliteStore::open(&path).expect("open");
    let ids = vec![
        store
            .record_run(&run(
                "prepare",
                1_000,
                vec![version("raw.csv", 1)],
                vec![version("clean.csv", 2)],
            ))
            .expect("record"),
        store
            .record_run(&run(
                "train",
                2_000,
                vec![version("clean.csv", 2)],
                vec![version("model.pkl", 3)],
            ))
            .expect("record"),
    ];
    store
        .record_promotion(&fixtures::promotion("churn#prod#1"))
        .expect("promote");
    store.mark_imported(&["c0ffee".to_owned()]).expect("mark");
    (dir, path, ids)
}

fn tamper(path: &std::path::Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).expect("sqlite");
    conn.execute_batch(sql).expect("tamper");
}

fn findings(path: &std::path::Path) -> Vec<AuditFinding> {
    SqliteStore::open(path)
        .expect("open")
        .audit_verify()
        .expect("verify")
        .findings
}

fn described(path: &std::path::Path) -> String {
    findings(path)
        .iter()
        .map(AuditFinding::describe)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn an_untouched_store_verifies_clean_and_lists_its_entries() {
    let (_dir, path, ids) = store();
    let store = SqliteStore::open(&path).expect("open");
    let check = store.audit_verify().expect("verify");
    assert_eq!(check.findings, Vec::new());
    assert_eq!(check.head.map(|h| h.seq), Some(4));
    assert_eq!(check.entries, 4);
    let entries = store.audit_entries(None, None).expect("entries");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["run", "run", "promotion", "import-marks"]);
    assert_eq!(entries[0].subject, ids[0].to_string());
    assert_eq!(entries[0].actor.user.as_deref(), Some("ana"));
    // Anyone can re-verify an entry's hash from its fields.
    let first = &entries[0];
    assert_eq!(
        entry_hash(
            first.seq,
            first.at,
            &first.actor,
            &first.action,
            &first.subject,
            &sha256_hex(&first.payload),
            &first.prev
        ),
        first.hash
    );
    assert_eq!(
        store
            .audit_entries(Some("promotion"), None)
            .expect("entries")
            .len(),
        1
    );
}

#[test]
fn edited_rows_are_named_with_the_field_and_both_values() {
    let (_dir, path, _) = store();
    tamper(
        &path,
        "UPDATE run SET params = '{\"params.yaml\":{\"lr\":0.5}}' WHERE stage = 'train'",
    );
    let text = described(&path);
    assert!(
        text.contains("(stage train) (entry 2) was edited: `run.params`"),
        "{text}"
    );
    assert!(text.contains("0.5"), "{text}");

    let (_dir, path, _) = store();
    tamper(
        &path,
        "UPDATE run SET metrics = '{\"metrics.json\":{\"auc\":0.99}}' WHERE stage = 'train'",
    );
    assert!(
        described(&path).contains("`run.metrics`"),
        "{}",
        described(&path)
    );

    let (_dir, path, _) = store();
    tamper(
        &path,
        &format!(
            "UPDATE artifact_version SET hash = '{:032x}' WHERE hash = '{:032x}'",
            99, 3
        ),
    );
    let text = described(&path);
    assert!(
        text.contains("(stage train) (entry 2) was edited: `generated`"),
        "{text}"
    );

    let (_dir, path, _) = store();
    tamper(&path, "UPDATE promotion SET approver = 'Mallory'");
    assert!(
        described(&path).contains("promotion churn#prod#1 (entry 3) was edited: `approver`"),
        "{}",
        described(&path)
    );
}

#[test]
fn deleted_and_inserted_rows_are_found() {
    let (_dir, path, ids) = store();
    tamper(
        &path,
        "DELETE FROM used WHERE run_id = 1; DELETE FROM generated WHERE run_id = 1; DELETE FROM run WHERE id = 1;",
    );
    let text = described(&path);
    assert!(
        text.contains(&format!(
            "run {} (stage prepare) (entry 1) was deleted",
            ids[0]
        )),
        "{text}"
    );

    let (_dir, path, _) = store();
    tamper(
        &path,
        "INSERT INTO run (uuid, stage, cmd, status, started_at) VALUES (randomblob(16), 'train', 'forged', 'succeeded', 5)",
    );
    let text = described(&path);
    assert!(
        text.contains("(stage train) has no audit entry: it was written outside kin"),
        "{text}"
    );

    let (_dir, path, _) = store();
    tamper(
        &path,
        "INSERT INTO imported_commit (sha) VALUES ('deadbeef')",
    );
    assert!(described(&path).contains("imported commit deadbeef has no audit entry"));
}

#[test]
fn reordered_truncated_and_edited_entries_break_the_chain() {
    let (_dir, path, _) = store();
    tamper(
        &path,
        "UPDATE audit_entry SET seq = 100 WHERE seq = 1; UPDATE audit_entry SET seq = 1 WHERE seq = 2; UPDATE audit_entry SET seq = 2 WHERE seq = 100;",
    );
    let found = findings(&path);
    assert!(
        matches!(found.first(), Some(AuditFinding::EntryEdited { seq: 1 })),
        "{found:?}"
    );

    let (_dir, path, _) = store();
    tamper(&path, "DELETE FROM audit_entry WHERE seq = 2");
    assert!(matches!(
        findings(&path).first(),
        Some(AuditFinding::Sequence {
            expected: 2,
            found: 3
        })
    ));

    let (_dir, path, _) = store();
    tamper(&path, "DELETE FROM audit_entry WHERE seq >= 2");
    let text = described(&path);
    assert!(text.contains("(stage train) has no audit entry"), "{text}");

    let (_dir, path, _) = store();
    tamper(
        &path,
        "UPDATE audit_entry SET user = 'mallory' WHERE seq = 3",
    );
    assert!(matches!(
        findings(&path).first(),
        Some(AuditFinding::EntryEdited { seq: 3 })
    ));
}

#[test]
fn a_consistently_rewritten_chain_passes_the_store_alone() {
    // What an anchor outside the store exists for: edit a row, then recompute every entry.
    let (_dir, path, _) = store();
    tamper(
        &path,
        "UPDATE run SET params = '{\"params.yaml\":{\"lr\":0.5}}' WHERE stage = 'train'",
    );
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let store = SqliteStore::open(&path).expect("open");
    let mut prev = kin_store::audit::CHAIN_START.to_owned();
    for entry in store.audit_entries(None, None).expect("entries") {
        let mut payload: serde_json::Value = serde_json::from_str(&entry.payload).expect("json");
        if entry.action == "run" && payload["run"]["stage"] == "train" {
            payload["run"]["params"] = serde_json::json!("{\"params.yaml\":{\"lr\":0.5}}");
        }
        let payload = canonical(&payload);
        let hash = entry_hash(
            entry.seq,
            entry.at,
            &entry.actor,
            &entry.action,
            &entry.subject,
            &sha256_hex(&payload),
            &prev,
        );
        conn.execute(
            "UPDATE audit_entry SET payload = ?1, prev = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![payload, prev, hash, entry.seq],
        )
        .expect("rewrite");
        prev = hash;
    }
    assert_eq!(findings(&path), Vec::new());
}

#[test]
fn a_store_from_before_the_audit_log_is_chained_from_a_genesis_entry() {
    let (_dir, path, _) = store();
    // What kin wrote before the audit log: no audit table, no project column.
    tamper(
        &path,
        "DROP TABLE audit_entry; DROP INDEX run_by_project; ALTER TABLE run DROP COLUMN project;
         DROP INDEX artifact_version_by_hash; DROP TABLE schedule_firing;
         DROP TABLE schedule_attempt; PRAGMA user_version = 3;",
    );
    let store = SqliteStore::open(&path).expect("upgrade");
    let entries = store.audit_entries(None, None).expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "genesis");
    assert_eq!(store.audit_verify().expect("verify").findings, Vec::new());
    drop(store);
    tamper(
        &path,
        "UPDATE run SET cmd = 'rm -rf /' WHERE stage = 'prepare'",
    );
    let text = described(&path);
    assert!(text.contains("(entry 1) was edited"), "{text}");
}

#[test]
fn a_version_seen_again_with_its_size_leaves_earlier_runs_as_recorded() {
    // History imports record versions from old lock files without sizes; a later run of the
    // same bytes knows the size. The earlier run must still read as its entry recorded it.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lineage.db");
    let mut store = SqliteStore::open(&path).expect("open");
    let mut sizeless = version("data.csv", 7);
    sizeless.size = None;
    store
        .record_run(&run(
            "old",
            1_000,
            vec![sizeless],
            vec![version("m.pkl", 8)],
        ))
        .expect("record");
    store
        .record_run(&run(
            "new",
            2_000,
            vec![version("data.csv", 7)],
            vec![version("m.pkl", 9)],
        ))
        .expect("record");
    drop(store);
    assert_eq!(findings(&path), Vec::new());
}
