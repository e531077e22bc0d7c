//! The lineage store on PostgreSQL: one store that many repositories, machines and people
//! record into at once. Same model, same audit chain (entries hash the same canonical
//! documents as on SQLite), PostgreSQL's types.

mod read;
mod replica;
mod schedule;
mod schema;
mod session;
mod verify;
mod write;

use std::cell::RefCell;

use postgres::{Client, GenericClient, NoTls};
use serde_json::Value;

use crate::audit::{Actor, AuditEntry, canonical};
use crate::error::StoreError;
use crate::ids::RunId;
use crate::model::{NewRun, RunKey};
use crate::timestamp::Timestamp;

use self::session::{Session, Statements};
use self::write::{append, insert_run};

/// The advisory lock key that serializes schema migrations (any number, fixed forever).
const MIGRATION_LOCK: i64 = 0x6b69_6e5f_6d69_6772;

/// How long connecting may take unless the URL says (`?connect_timeout=SECONDS`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How many times a write is tried when the connection drops or the server aborts it to
/// break a deadlock, and how long to wait before the first retry (doubling after).
const WRITE_ATTEMPTS: u32 = 5;
const FIRST_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(50);

/// A lineage store in a PostgreSQL database.
pub struct PostgresStore {
    client: RefCell<Client>,
    /// Statements prepared on this connection, by their SQL: a query then costs one round
    /// trip instead of two.
    statements: Statements,
    /// How to connect again after the connection dropped.
    config: postgres::Config,
    /// The URL without its password, for messages.
    url: String,
}

/// `url` with its password replaced by `***`, for messages and logs: the one after
/// `user:` and a `password=` option.
pub fn redact(url: &str) -> String {
    let (url, options) = match url.split_once('?') {
        Some((url, options)) => (url, Some(options)),
        None => (url, None),
    };
    let mut redacted = redact_userinfo(url);
    if let Some(options) = options {
        let options: Vec<String> = options
            .split('&')
            .map(|option| match option.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => option.to_owned(),
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&options.join("&"));
    }
    redacted
}

/// `scheme://user:PASSWORD@host…` with the password as `***`.
fn redact_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    match authority[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`) and brings
    /// its schema up to date.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let redacted = redact(url);
        let failed = |source| StoreError::Connect {
            url: redacted.clone(),
            source,
        };
        let mut config: postgres::Config = url.parse().map_err(failed)?;
        // A server that does not answer (a firewall dropping packets) fails in seconds, not
        // after the operating system's minutes; a URL can still ask for more.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let client = config.connect(NoTls).map_err(failed)?;
        let store = PostgresStore {
            client: RefCell::new(client),
            statements: RefCell::default(),
            config,
            url: redacted,
        };
        store.migrate()?;
        Ok(store)
    }

    /// The URL this store was opened with, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema version this kin writes.
    pub fn known_schema_version() -> i64 {
        i64::try_from(schema::MIGRATIONS.len()).unwrap_or(i64::MAX)
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let mut client = self.client.borrow_mut();
        schema_version(&mut *client)
    }

    /// Runs `write` in a transaction and commits it, trying again (on a new connection if the
    /// old one dropped) when the connection fails or the server aborts the transaction to
    /// break a deadlock or a serialization conflict: each try is all or nothing, so a retry
    /// never records anything twice. `done` says whether an earlier try committed after all
    /// (its acknowledgement lost with the connection). Any other error fails at once.
    fn write<T>(
        &self,
        mut write: impl FnMut(&mut Session<'_, postgres::Transaction<'_>>) -> Result<T, StoreError>,
        mut done: impl FnMut(&mut Client) -> Result<Option<T>, StoreError>,
    ) -> Result<T, StoreError> {
        let mut delay = FIRST_RETRY_DELAY;
        let mut attempt = 1;
        loop {
            let result = {
                let mut client = self.client.borrow_mut();
                if attempt > 1
                    && let Some(value) = done(&mut client)?
                {
                    return Ok(value);
                }
                client
                    .transaction()
                    .map_err(StoreError::from)
                    .and_then(|mut tx| {
                        let value = write(&mut Session {
                            client: &mut tx,
                            statements: &self.statements,
                        })?;
                        tx.commit()?;
                        Ok(value)
                    })
            };
            let retry = match &result {
                Err(StoreError::Postgres(error)) if attempt < WRITE_ATTEMPTS => retryable(error),
                _ => Retry::No,
            };
            match retry {
                Retry::No => return result,
                Retry::Again => {}
                Retry::Reconnect => {
                    // A server restarting takes a moment to accept connections again.
                    std::thread::sleep(delay);
                    self.reconnect()?;
                }
            }
            std::thread::sleep(delay);
            delay *= 2;
            attempt += 1;
        }
    }

    /// Replaces a connection that is gone with a new one.
    fn reconnect(&self) -> Result<(), StoreError> {
        let client = self
            .config
            .connect(NoTls)
            .map_err(|source| StoreError::Connect {
                url: self.url.clone(),
                source,
            })?;
        *self.client.borrow_mut() = client;
        // Statements belong to the connection that prepared them.
        self.statements.borrow_mut().clear();
        Ok(())
    }

    /// Runs a read query; a connection the server ended (restart, failover) is replaced and
    /// the query asked once more, as a read changes nothing.
    fn read(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let query = || {
            let mut client = self.client.borrow_mut();
            Session {
                client: &mut *client,
                statements: &self.statements,
            }
            .query(sql, params)
        };
        match query() {
            Err(StoreError::Postgres(error)) if matches!(retryable(&error), Retry::Reconnect) => {
                self.reconnect()?;
                query()
            }
            other => other,
        }
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let known = Self::known_schema_version();
        let mut client = self.client.borrow_mut();
        let found = schema_version(&mut *client)?;
        if found > known {
            return Err(StoreError::TooNew {
                store: self.url.clone(),
                found,
                known,
            });
        }
        if found == known {
            return Ok(());
        }
        // Many processes may open a fresh database at once: one migrates, the others wait and
        // then find nothing to do.
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS kin_schema (version BIGINT NOT NULL)")?;
        let found = schema_version(&mut tx)?;
        for (index, migration) in schema::MIGRATIONS.iter().enumerate() {
            let version = i64::try_from(index).unwrap_or(i64::MAX);
            if version >= found {
                tx.batch_execute(migration)?;
            }
        }
        tx.execute("DELETE FROM kin_schema", &[])?;
        tx.execute("INSERT INTO kin_schema (version) VALUES ($1)", &[&known])?;
        tx.commit()?;
        Ok(())
    }

    /// How much the store holds.
    pub fn counts(&self) -> Result<crate::StoreCounts, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut counts = [0; 5];
        for (count, table) in counts.iter_mut().zip(crate::store::COUNTED_TABLES) {
            *count = client
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
                .get(0);
        }
        Ok(crate::StoreCounts::from_counts(counts))
    }

    /// Records many runs in one transaction.
    pub fn record_runs(&mut self, runs: &[NewRun]) -> Result<Vec<RunKey>, StoreError> {
        self.write(
            |tx| runs.iter().map(|run| insert_run(tx, run)).collect(),
            |client| all_recorded(client, runs),
        )
    }

    /// See [`SqliteStore::record_merged_runs`](crate::SqliteStore::record_merged_runs).
    pub fn record_merged_runs(
        &mut self,
        runs: &[NewRun],
        actor: &Actor,
        source: &str,
        records: &[String],
    ) -> Result<Vec<RunKey>, StoreError> {
        let payload = canonical(&crate::audit::lineage_merge(runs, source, records));
        self.write(
            |tx| {
                let keys = runs
                    .iter()
                    .map(|run| insert_run(tx, run))
                    .collect::<Result<Vec<_>, _>>()?;
                append(tx, actor, "lineage-merge", source, &payload)?;
                Ok(keys)
            },
            |client| all_recorded(client, runs),
        )
    }

    /// Appends an entry for a write that lives outside the store (a registry tag).
    pub fn audit_note(
        &mut self,
        actor: &Actor,
        action: &str,
        subject: &str,
        payload: &Value,
    ) -> Result<(), StoreError> {
        let payload = canonical(payload);
        self.write(
            |tx| append(tx, actor, action, subject, &payload),
            |_| Ok(None),
        )
    }

    /// The audit entries, oldest first, of `action` (all if `None`) since `since`.
    pub fn audit_entries(
        &self,
        action: Option<&str>,
        since: Option<Timestamp>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self.read(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_entry
                 WHERE ($1::TEXT IS NULL OR action = $1) AND ($2::BIGINT IS NULL OR at >= $2)
                 ORDER BY seq"
            ),
            &[&action, &since.map(Timestamp::millis)],
        )?;
        Ok(rows.iter().map(entry_from_row).collect())
    }

    /// Verifies the audit chain against the rows it describes.
    pub fn audit_verify(&self) -> Result<crate::audit::AuditCheck, StoreError> {
        verify::verify(self)
    }

    /// Up to `limit` audit entries numbered after `seq`, in order.
    pub fn audit_entries_after(
        &self,
        seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self.read(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_entry WHERE seq > $1 ORDER BY seq LIMIT $2"
            ),
            &[&seq, &i64::try_from(limit).unwrap_or(i64::MAX)],
        )?;
        Ok(rows.iter().map(entry_from_row).collect())
    }

    /// The audit entry numbered `seq`, if the chain has it.
    pub fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>, StoreError> {
        let rows = self.read(
            &format!("SELECT {ENTRY_COLUMNS} FROM audit_entry WHERE seq = $1"),
            &[&seq],
        )?;
        Ok(rows.first().map(entry_from_row))
    }
}

/// What to do about a failed write.
enum Retry {
    No,
    /// The server aborted the transaction (deadlock, serialization conflict): run it again.
    Again,
    /// The connection is gone: connect again, then run it again.
    Reconnect,
}

fn retryable(error: &postgres::Error) -> Retry {
    use postgres::error::SqlState;
    if error.is_closed() {
        return Retry::Reconnect;
    }
    match error.code() {
        Some(code)
            if *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::T_R_SERIALIZATION_FAILURE =>
        {
            Retry::Again
        }
        Some(code)
            if *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW =>
        {
            Retry::Reconnect
        }
        // An error with no SQL state is the connection's own (reset, broken pipe).
        None => Retry::Reconnect,
        Some(_) => Retry::No,
    }
}

/// The keys of `runs` if every one is recorded (an earlier try committed them all).
fn all_recorded(client: &mut Client, runs: &[NewRun]) -> Result<Option<Vec<RunKey>>, StoreError> {
    let mut keys = Vec::with_capacity(runs.len());
    for run in runs {
        match run_recorded(client, &run.id)? {
            Some(key) => keys.push(RunKey(key)),
            None => return Ok(None),
        }
    }
    Ok(Some(keys))
}

/// Whether run `id` is recorded (a retry's check that an earlier try did not commit).
fn run_recorded(client: &mut Client, id: &RunId) -> Result<Option<i64>, StoreError> {
    Ok(client
        .query_opt("SELECT id FROM run WHERE uuid = $1", &[&&id.0[..]])?
        .map(|row| row.get(0)))
}

fn schema_version(client: &mut impl GenericClient) -> Result<i64, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('kin_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client.query_opt("SELECT max(version) FROM kin_schema", &[])?;
    Ok(row
        .and_then(|row| row.get::<_, Option<i64>>(0))
        .unwrap_or(0))
}

/// An entry's columns, in [`entry_from_row`]'s order.
const ENTRY_COLUMNS: &str = "seq, at, \"user\", host, action, subject, payload, prev, hash";

fn entry_from_row(row: &postgres::Row) -> AuditEntry {
    AuditEntry {
        seq: row.get(0),
        at: Timestamp::from_millis(row.get(1)),
        actor: Actor {
            user: row.get(2),
            host: row.get(3),
        },
        action: row.get(4),
        subject: row.get(5),
        payload: row.get(6),
        prev: row.get(7),
        hash: row.get(8),
    }
}
