//! Verification cut into many small slices, read by several connections, finds exactly what
//! one slice read by one connection finds, whatever was tampered with and wherever the
//! slices' seams fall.

use rusqlite::Connection;

use super::scan::Slices;
use super::verify::verify_in;
use crate::audit::AuditFinding;
use crate::model::{NewRun, NewVersion, RunStatus};
use crate::{LineageStore, SqliteStore, Timestamp};

/// Tiny slices: every seam of the chain and of the runs is exercised.
const TINY: Slices = Slices {
    entries: 2,
    runs: 3,
};
/// One slice of each kind.
const WHOLE: Slices = Slices {
    entries: i64::MAX,
    runs: i64::MAX,
};

fn version(path: &str, n: u32, nfiles: Option<u64>) -> NewVersion {
    NewVersion {
        path: path.to_owned(),
        hash: format!("{n:032x}").parse().expect("hash"),
        size: Some(u64::from(n)),
        nfiles,
    }
}

/// A store of 14 runs, some tagged, some with directories and odd text, on disk.
fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lineage.db");
    let mut store = SqliteStore::open(&path).expect("open");
    for i in 0..14u32 {
        let mut run = NewRun::new(
            format!("stage-{}", i % 4),
            format!("python \"train\".py\t--seed {i} é\u{1}"),
            RunStatus::Succeeded,
            Timestamp::from_millis(1_000 + i64::from(i)),
        );
        run.exit_code = Some(0);
        run.git_dirty = Some(i % 2 == 0);
        run.params = serde_json::json!({"params.yaml": {"lr": i, "name": "a\"b"}});
        if i % 3 == 0 {
            run.tags.insert("team".to_owned(), format!("t{i}"));
            run.tags.insert("a-key".to_owned(), "first".to_owned());
            // Raw order puts `a"q` first, escaped order (`a\"q`) would not.
            run.tags.insert("a\"q".to_owned(), "é\n".to_owned());
            run.tags.insert("a#".to_owned(), String::new());
        }
        run.used = vec![version(&format!("data/{}.csv", i % 5), i, None)];
        run.generated = vec![
            version(&format!("out/{i}"), 100 + i, Some(3)),
            version("model.pkl", 200 + i, None),
        ];
        store.record_run(&run).expect("record");
    }
    (dir, path)
}

/// What verification finds cut each way, checked to agree.
fn findings(path: &std::path::Path) -> Vec<AuditFinding> {
    let store = SqliteStore::open(path).expect("open");
    let tiny = verify_in(&store.conn, TINY).expect("verify in slices");
    let whole = verify_in(&store.conn, WHOLE).expect("verify whole");
    assert_eq!(tiny, whole, "slicing changed what verification found");
    tiny.findings
}

/// Runs `sql` as the `sqlite3` shell would (it does not enforce foreign keys).
fn tamper(path: &std::path::Path, sql: &str) {
    Connection::open(path)
        .expect("sqlite")
        .execute_batch(&format!("PRAGMA foreign_keys = OFF; {sql}"))
        .expect("tamper");
}

#[test]
fn an_untouched_store_verifies_clean_in_any_slices() {
    let (_dir, path) = store();
    assert_eq!(findings(&path), Vec::new());
}

#[test]
fn run_documents_are_the_canonical_json_of_themselves() {
    let (_dir, path) = store();
    let store = SqliteStore::open(&path).expect("open");
    for key in 1..=14 {
        let (_, document) = super::run_document::run_document(&store.conn, key)
            .expect("render")
            .expect("run");
        let parsed: serde_json::Value = serde_json::from_str(&document).expect("json");
        assert_eq!(crate::audit::canonical(&parsed), document);
    }
}

#[test]
fn every_tampering_is_found_the_same_across_seams() {
    let cases = [
        "UPDATE run SET cmd = 'rm -rf /' WHERE id = 7",
        "UPDATE run SET exit_code = 'zero' WHERE id = 2",
        "UPDATE run SET git_dirty = NULL WHERE id = 3",
        "UPDATE run SET uuid = x'01' WHERE id = 4",
        "UPDATE run SET id = 9223372036854775807 WHERE id = 14",
        "UPDATE run_tag SET value = 'other' WHERE key = 'team' AND run_id = 4",
        "INSERT INTO run_tag (run_id, key, value) VALUES (5, 'k', 'v')",
        "DELETE FROM generated WHERE run_id = 9",
        "UPDATE artifact SET path = 'elsewhere' WHERE path = 'data/1.csv'",
        "UPDATE artifact_version SET size = 1 WHERE id = 3",
        "INSERT INTO run (uuid, stage, cmd, status, started_at)
             VALUES (randomblob(16), 'forged', 'x', 'succeeded', 5)",
        "DELETE FROM audit_entry WHERE seq = 5",
        "DELETE FROM audit_entry WHERE seq = 14",
        "UPDATE audit_entry SET user = 'mallory' WHERE seq = 3",
        "UPDATE audit_entry SET user = 'mallory' WHERE seq = 4",
        "UPDATE audit_entry SET seq = 100 WHERE seq = 4; UPDATE audit_entry SET seq = 4 WHERE seq = 5;
         UPDATE audit_entry SET seq = 5 WHERE seq = 100;",
        "UPDATE audit_entry SET seq = 9000000000000000000 WHERE seq = 9",
        "UPDATE audit_entry SET seq = -5 WHERE seq = 1",
        "UPDATE audit_entry SET payload = x'00' WHERE seq = 2",
        "UPDATE audit_entry SET at = 'yesterday' WHERE seq = 6",
        "UPDATE audit_entry SET subject = 'nonsense' WHERE seq = 6",
    ];
    for sql in cases {
        let (_dir, path) = store();
        tamper(&path, sql);
        assert_ne!(findings(&path), Vec::new(), "not found: {sql}");
    }
}

#[test]
fn findings_name_the_field_and_where_the_chain_breaks() {
    let (_dir, path) = store();
    tamper(
        &path,
        "UPDATE run_tag SET value = 'other' WHERE key = 'team' AND run_id = 4",
    );
    let found = findings(&path);
    assert!(
        matches!(&found[..], [AuditFinding::RowEdited { seq: 4, field, .. }] if field == "run.tags.team"),
        "{found:?}"
    );

    let (_dir, path) = store();
    tamper(
        &path,
        "UPDATE audit_entry SET seq = 9000000000000000000 WHERE seq = 9",
    );
    assert!(matches!(
        findings(&path).first(),
        Some(AuditFinding::Sequence {
            expected: 9,
            found: 10
        })
    ));

    let (_dir, path) = store();
    tamper(
        &path,
        "UPDATE audit_entry SET user = 'mallory' WHERE seq = 5",
    );
    assert!(matches!(
        findings(&path).first(),
        Some(AuditFinding::EntryEdited { seq: 5 })
    ));
}

#[test]
fn slices_cover_the_keys_once_and_stay_few() {
    use super::scan::cut;
    assert_eq!(cut(1, 10, 3), vec![(1, 3), (4, 6), (7, 9), (10, 10)]);
    assert_eq!(cut(5, 5, 25_000), vec![(5, 5)]);
    let wide = cut(1, i64::MAX, 2);
    assert_eq!(wide.len(), 4096);
    assert_eq!(wide.last(), Some(&(8191, i64::MAX)));
    let all = cut(i64::MIN, i64::MAX, i64::MAX);
    assert_eq!(
        (all.first().map(|s| s.0), all.last().map(|s| s.1)),
        (Some(i64::MIN), Some(i64::MAX))
    );
}
