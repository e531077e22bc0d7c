//! The SQLite backend (`.kin/lineage.db`): WAL journal, numbered migrations, one transaction
//! per recorded run.

mod audit;
mod read;
mod schedule;
mod schema;

use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::StoreError;
use crate::model::{NewRun, NewVersion, Promotion, RunKey};
use crate::timestamp::Timestamp;

/// A lineage store in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_error = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open_error)?;
        Self::configure(conn, path.to_path_buf())
    }

    /// A store that lives in memory only (tests, dry runs).
    pub fn in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: PathBuf::from(":memory:"),
            source,
        })?;
        Self::configure(conn, PathBuf::from(":memory:"))
    }

    fn configure(conn: Connection, path: PathBuf) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        // Another kin may be writing: wait for it rather than fail.
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(open_error)?;
        // WAL lets readers (`kin lineage`, the server) run while a repro records; NORMAL
        // syncs at checkpoints only, which WAL keeps crash-safe (a power cut may lose the
        // last transactions, never corrupt the file).
        switch_to_wal(&conn).map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_error)?;
        // Recording a run uses about twenty distinct statements (its rows, its audit entry and
        // the document the entry holds); rusqlite's default cache of 16 would re-parse some on
        // every run.
        conn.set_prepared_statement_cache_capacity(64);
        // A stable plan per statement. Without it SQLite marks each `column = ?` to be planned
        // again when its value is rebound (a guess about the values 0 and 1), and since
        // rusqlite clears a cached statement's bindings when it goes back to the cache, every
        // cached statement was parsed and planned anew on each use: a third of a served
        // lineage query. kin keeps no planner statistics, so no plan depends on values anyway.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(open_error)?;
        let mut store = SqliteStore { conn };
        store.migrate(&path)?;
        Ok(store)
    }

    fn migrate(&mut self, path: &Path) -> Result<(), StoreError> {
        let known = i64::try_from(schema::MIGRATIONS.len()).unwrap_or(i64::MAX);
        let found: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > known {
            return Err(StoreError::TooNew {
                store: path.display().to_string(),
                found,
                known,
            });
        }
        if found == known {
            return Ok(());
        }
        // IMMEDIATE: two processes opening a fresh store must not both migrate it.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (index, migration) in schema::MIGRATIONS.iter().enumerate() {
            let version = i64::try_from(index).unwrap_or(i64::MAX);
            if version >= found {
                tx.execute_batch(migration)?;
            }
        }
        tx.pragma_update(None, "user_version", known)?;
        // A store written before the audit log is chained from a genesis entry.
        audit::genesis_if_needed(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// The audit entries, oldest first, of `action` (all if `None`) since `since`.
    pub fn audit_entries(
        &self,
        action: Option<&str>,
        since: Option<Timestamp>,
    ) -> Result<Vec<crate::audit::AuditEntry>, StoreError> {
        audit::entries(&self.conn, action, since)
    }

    /// Up to `limit` audit entries numbered after `seq`, in order.
    pub fn audit_entries_after(
        &self,
        seq: i64,
        limit: usize,
    ) -> Result<Vec<crate::audit::AuditEntry>, StoreError> {
        audit::entries_after(&self.conn, seq, limit)
    }

    /// Recomputes the audit chain and compares it with the rows it describes: what was
    /// edited, deleted, inserted or reordered, and the chain's last entry.
    pub fn audit_verify(&self) -> Result<crate::audit::AuditCheck, StoreError> {
        audit::verify(&self.conn)
    }

    /// The audit entry numbered `seq`, if the chain has it.
    pub fn audit_entry(&self, seq: i64) -> Result<Option<crate::audit::AuditEntry>, StoreError> {
        audit::entry(&self.conn, seq)
    }

    /// Appends an entry for a write that lives outside the store (a registry tag).
    pub fn audit_note(
        &mut self,
        actor: &crate::audit::Actor,
        action: &str,
        subject: &str,
        payload: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        audit::append(&tx, Timestamp::now(), actor, action, subject, payload)?;
        tx.commit()?;
        Ok(())
    }

    /// How much the store holds.
    pub fn counts(&self) -> Result<crate::StoreCounts, StoreError> {
        let mut counts = [0; 5];
        for (count, table) in counts.iter_mut().zip(crate::store::COUNTED_TABLES) {
            *count = self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                    row.get(0)
                })?;
        }
        Ok(crate::StoreCounts::from_counts(counts))
    }

    /// The file the store lives in (`:memory:` for one in memory).
    pub fn path(&self) -> &Path {
        Path::new(
            self.conn
                .path()
                .filter(|p| !p.is_empty())
                .unwrap_or(":memory:"),
        )
    }

    /// The schema version this kin writes.
    pub fn known_schema_version() -> i64 {
        i64::try_from(schema::MIGRATIONS.len()).unwrap_or(i64::MAX)
    }

    /// The schema version the store is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// Records many runs in one transaction (history import, benchmarks).
    pub fn record_runs(&mut self, runs: &[NewRun]) -> Result<Vec<RunKey>, StoreError> {
        let tx = self.conn.transaction()?;
        let keys = runs
            .iter()
            .map(|run| insert_run(&tx, run))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(keys)
    }

    /// Records runs that came from elsewhere — lineage fetched from remote `source`, read from
    /// its `records` — in one transaction: each run with its own entry, then one
    /// `lineage-merge` entry by `actor` naming the source, the records and the runs.
    pub fn record_merged_runs(
        &mut self,
        runs: &[NewRun],
        actor: &crate::audit::Actor,
        source: &str,
        records: &[String],
    ) -> Result<Vec<RunKey>, StoreError> {
        let tx = self.conn.transaction()?;
        let keys = runs
            .iter()
            .map(|run| insert_run(&tx, run))
            .collect::<Result<Vec<_>, _>>()?;
        let payload = crate::audit::lineage_merge(runs, source, records);
        audit::append(
            &tx,
            Timestamp::now(),
            actor,
            "lineage-merge",
            source,
            &payload,
        )?;
        tx.commit()?;
        Ok(keys)
    }

    /// Writes what [`crate::copy`] replicates, in one transaction: rows as they were and
    /// audit entries verbatim.
    pub(crate) fn apply_replicas(
        &mut self,
        replicas: &[crate::copy::Replica],
    ) -> Result<(), StoreError> {
        use crate::copy::Replica;
        let tx = self.conn.transaction()?;
        for replica in replicas {
            match replica {
                Replica::Run(run) => {
                    insert_run_rows(&tx, run)?;
                }
                Replica::Promotion(promotion) => insert_promotion_row(&tx, promotion)?,
                Replica::Imported(commit) => {
                    tx.prepare_cached("INSERT OR IGNORE INTO imported_commit (sha) VALUES (?1)")?
                        .execute([commit])?;
                }
                Replica::Attempt(attempt) => schedule::replicate_attempt(&tx, attempt)?,
                Replica::Entry(entry) => audit::insert_entry(&tx, entry)?,
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Runs `read` (queries on this store) in one read transaction: one snapshot, and the
    /// file's lock taken once rather than per query.
    pub(crate) fn in_one_read<T>(
        &self,
        read: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let snapshot = self.conn.unchecked_transaction()?;
        let value = read()?;
        snapshot.finish()?;
        Ok(value)
    }

    /// The database's size on disk in bytes (pages in use and free).
    pub fn size_bytes(&self) -> Result<u64, StoreError> {
        let pages: i64 = self
            .conn
            .pragma_query_value(None, "page_count", |row| row.get(0))?;
        let size: i64 = self
            .conn
            .pragma_query_value(None, "page_size", |row| row.get(0))?;
        Ok(u64::try_from(pages * size).unwrap_or(0))
    }
}

/// The id of a version, inserted if new. A version's row never changes once written (only
/// when it was first seen moves earlier): every run's audit entry recorded its size and file
/// count as they were, so a size learned later must not rewrite them.
fn insert_version(
    conn: &Connection,
    version: &NewVersion,
    seen: Timestamp,
) -> Result<i64, StoreError> {
    let artifact: i64 = conn
        .prepare_cached(
            "INSERT INTO artifact (path) VALUES (?1)
             ON CONFLICT (path) DO UPDATE SET path = excluded.path RETURNING id",
        )?
        .query_row([&version.path], |row| row.get(0))?;
    let size = version.size.and_then(|s| i64::try_from(s).ok());
    let nfiles = version.nfiles.and_then(|s| i64::try_from(s).ok());
    let id = conn
        .prepare_cached(
            "INSERT INTO artifact_version (artifact_id, hash, size, nfiles, first_seen)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (artifact_id, hash) DO UPDATE SET
                 first_seen = min(artifact_version.first_seen, excluded.first_seen)
             RETURNING id",
        )?
        .query_row(
            params![artifact, version.hash.as_str(), size, nfiles, seen.millis()],
            |row| row.get(0),
        )?;
    Ok(id)
}

fn insert_run(conn: &Connection, run: &NewRun) -> Result<RunKey, StoreError> {
    let key = insert_run_rows(conn, run)?;
    // The audit entry holds the rows as they now read, in the same transaction.
    let actor = crate::audit::Actor {
        user: run.user.clone(),
        host: run.host.clone(),
    };
    audit::append_run(conn, key, &actor)?;
    Ok(RunKey(key))
}

/// A run's rows (itself, its tags and edges), without its audit entry.
fn insert_run_rows(conn: &Connection, run: &NewRun) -> Result<i64, StoreError> {
    let environment: Option<i64> = match &run.environment {
        Some(env) => {
            conn.prepare_cached(
                "INSERT INTO environment (hash, body) VALUES (?1, ?2) ON CONFLICT (hash) DO NOTHING",
            )?
            .execute(params![env.hash, env.body.to_string()])?;
            conn.prepare_cached("SELECT id FROM environment WHERE hash = ?1")?
                .query_row([&env.hash], |row| row.get(0))
                .optional()?
        }
        None => None,
    };
    let key: i64 = conn
        .prepare_cached(
            "INSERT INTO run (uuid, stage, cmd, status, exit_code, started_at, ended_at, user,
                              host, git_commit, git_dirty, params, metrics, environment_id,
                              log_object, fingerprint, project)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
             RETURNING id",
        )?
        .query_row(
            params![
                &run.id.0[..],
                run.stage,
                run.cmd,
                run.status.as_str(),
                run.exit_code,
                run.started.millis(),
                run.ended.map(Timestamp::millis),
                run.user,
                run.host,
                run.git_commit,
                run.git_dirty,
                crate::model::json_column(&run.params),
                crate::model::json_column(&run.metrics),
                environment,
                run.log_object,
                run.fingerprint,
                run.project,
            ],
            |row| row.get(0),
        )?;
    for (name, value) in &run.tags {
        conn.prepare_cached("INSERT INTO run_tag (run_id, key, value) VALUES (?1, ?2, ?3)")?
            .execute(params![key, name, value])?;
    }
    for (table, versions) in [("used", &run.used), ("generated", &run.generated)] {
        for version in versions {
            let id = insert_version(conn, version, run.started)?;
            conn.prepare_cached(&format!(
                "INSERT OR IGNORE INTO {table} (run_id, version_id) VALUES (?1, ?2)"
            ))?
            .execute(params![key, id])?;
        }
    }
    Ok(key)
}

/// A promotion's row, without its audit entry.
fn insert_promotion_row(conn: &Connection, promotion: &Promotion) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO promotion (artifact, version, stage, tag, git_commit, author, approver,
                               reason, override, evidence, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        promotion.artifact,
        promotion.version,
        promotion.stage,
        promotion.tag,
        promotion.git_commit,
        promotion.author,
        promotion.approver,
        promotion.reason,
        promotion.overridden,
        promotion.evidence.to_string(),
        promotion.at.millis(),
    ])?;
    Ok(())
}

/// Puts the database in WAL mode. A new database needs a moment alone for that, and when two
/// processes open it at once SQLite refuses one of them at once, without waiting (the busy
/// handler is skipped where waiting could deadlock): that one tries again, for as long as a
/// busy store is waited for elsewhere.
fn switch_to_wal(conn: &Connection) -> Result<(), rusqlite::Error> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(error, _))
                if matches!(
                    error.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use super::*;
    use crate::LineageStore;

    /// Processes (here threads, each with its own connection) opening a new store at once
    /// all get it: none is refused with "database is locked" while another switches it to WAL.
    #[test]
    fn a_new_store_opened_by_many_at_once_opens_for_all() {
        for round in 0..5 {
            let dir = tempfile::tempdir().expect("tmp");
            let path = dir.path().join("lineage.db");
            let start = std::sync::Arc::new(std::sync::Barrier::new(8));
            let openers: Vec<_> = (0..8)
                .map(|_| {
                    let (path, start) = (path.clone(), std::sync::Arc::clone(&start));
                    std::thread::spawn(move || {
                        start.wait();
                        SqliteStore::open(&path).map(|_| ())
                    })
                })
                .collect();
            for opener in openers {
                let opened = opener.join().expect("thread");
                assert!(opened.is_ok(), "round {round}: {opened:?}");
            }
        }
    }

    /// A cached statement is planned once, not again each time it is used with new values.
    #[test]
    fn cached_statements_are_not_prepared_again_on_each_use() {
        let store = SqliteStore::in_memory().expect("store");
        let sql = "SELECT v.id FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id
                   WHERE a.path = ?1 AND v.hash = ?2";
        for n in 0..4 {
            let hash = format!("{n:032x}");
            let mut statement = store.conn.prepare_cached(sql).expect("prepare");
            let found: Option<i64> = statement
                .query_row(params!["data/a.csv", hash], |row| row.get(0))
                .optional()
                .expect("query");
            assert_eq!(found, None);
            assert_eq!(
                statement.get_status(StatementStatus::RePrepare),
                0,
                "use {n}"
            );
        }
        // And through the store's own lookups.
        let hash = "0123456789abcdef0123456789abcdef".parse().expect("hash");
        for _ in 0..3 {
            assert!(
                store
                    .version("data/a.csv", &hash)
                    .expect("lookup")
                    .is_none()
            );
        }
    }
}
