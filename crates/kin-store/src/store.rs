//! A lineage store of either backend, chosen by where it lives: a file path (or
//! `sqlite:PATH`) is SQLite, `postgres://…` (or `postgresql://…`) is PostgreSQL.

use std::path::{Path, PathBuf};

use crate::LineageStore;
use crate::audit::{Actor, AuditCheck, AuditEntry};
use crate::error::StoreError;
use crate::ids::{ArtifactHash, RunId};
use crate::model::{
    ArtifactVersion, EdgeKind, Environment, NewRun, Promotion, Run, RunFilter, RunKey, Twins,
    VersionId,
};
use crate::postgres::{PostgresStore, redact};
use crate::schedule::Attempt;
use crate::sqlite::SqliteStore;
use crate::timestamp::Timestamp;

/// Where a store lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreLocation {
    Sqlite(PathBuf),
    /// The full URL, password included (never shown: see [`StoreLocation::describe`]).
    Postgres(String),
}

impl StoreLocation {
    /// Reads a store URL; a relative SQLite path is taken from `base`.
    pub fn parse(url: &str, base: &Path) -> Result<Self, StoreError> {
        let trimmed = url.trim();
        if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
            return Ok(StoreLocation::Postgres(trimmed.to_owned()));
        }
        let path = match trimmed.strip_prefix("sqlite:") {
            Some(rest) => rest.strip_prefix("//").unwrap_or(rest),
            None if trimmed.contains("://") || trimmed.is_empty() => {
                return Err(StoreError::UnsupportedUrl {
                    url: redact(trimmed),
                });
            }
            None => trimmed,
        };
        if path.is_empty() {
            return Err(StoreError::UnsupportedUrl {
                url: trimmed.to_owned(),
            });
        }
        Ok(StoreLocation::Sqlite(base.join(path)))
    }

    /// The location for messages: a path, or a URL without its password.
    pub fn describe(&self) -> String {
        match self {
            StoreLocation::Sqlite(path) => path.display().to_string(),
            StoreLocation::Postgres(url) => redact(url),
        }
    }
}

/// How much a store holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub runs: i64,
    pub artifacts: i64,
    pub versions: i64,
    pub promotions: i64,
    pub audit_entries: i64,
}

/// The tables [`StoreCounts`] counts, in its field order.
pub(crate) const COUNTED_TABLES: [&str; 5] = [
    "run",
    "artifact",
    "artifact_version",
    "promotion",
    "audit_entry",
];

impl StoreCounts {
    pub(crate) fn from_counts(counts: [i64; 5]) -> Self {
        let [runs, artifacts, versions, promotions, audit_entries] = counts;
        StoreCounts {
            runs,
            artifacts,
            versions,
            promotions,
            audit_entries,
        }
    }
}

/// A store of either backend.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(Box<PostgresStore>),
}

/// Runs `$body` with `$store` bound to whichever backend `$self` is.
macro_rules! each {
    ($self:expr, $store:ident => $body:expr) => {
        match $self {
            Store::Sqlite($store) => $body,
            Store::Postgres($store) => $body,
        }
    };
}

impl Store {
    /// Opens (creating or migrating if needed) the store at `location`.
    pub fn open(location: &StoreLocation) -> Result<Self, StoreError> {
        Ok(match location {
            StoreLocation::Sqlite(path) => Store::Sqlite(SqliteStore::open(path)?),
            StoreLocation::Postgres(url) => Store::Postgres(Box::new(PostgresStore::connect(url)?)),
        })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// The schema version the store is at, and the one this kin writes.
    pub fn schema_versions(&self) -> Result<(i64, i64), StoreError> {
        match self {
            Store::Sqlite(store) => {
                Ok((store.schema_version()?, SqliteStore::known_schema_version()))
            }
            Store::Postgres(store) => Ok((
                store.schema_version()?,
                PostgresStore::known_schema_version(),
            )),
        }
    }

    /// How many runs, artifacts, versions, promotions and audit entries the store holds.
    pub fn counts(&self) -> Result<StoreCounts, StoreError> {
        each!(self, store => store.counts())
    }

    /// Where the store lives, for messages (a URL without its password).
    pub fn describe(&self) -> String {
        match self {
            Store::Sqlite(store) => store.path().display().to_string(),
            Store::Postgres(store) => store.url().to_owned(),
        }
    }

    /// Records many runs in one transaction.
    pub fn record_runs(&mut self, runs: &[NewRun]) -> Result<Vec<RunKey>, StoreError> {
        each!(self, store => store.record_runs(runs))
    }

    /// Records runs merged from a remote, with the entry saying so (see
    /// [`SqliteStore::record_merged_runs`]).
    pub fn record_merged_runs(
        &mut self,
        runs: &[NewRun],
        actor: &Actor,
        source: &str,
        records: &[String],
    ) -> Result<Vec<RunKey>, StoreError> {
        each!(self, store => store.record_merged_runs(runs, actor, source, records))
    }

    /// Appends an audit entry for a write that lives outside the store (a registry tag).
    pub fn audit_note(
        &mut self,
        actor: &Actor,
        action: &str,
        subject: &str,
        payload: &serde_json::Value,
    ) -> Result<(), StoreError> {
        each!(self, store => store.audit_note(actor, action, subject, payload))
    }

    /// The audit entries, oldest first, of `action` (all if `None`) since `since`.
    pub fn audit_entries(
        &self,
        action: Option<&str>,
        since: Option<Timestamp>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        each!(self, store => store.audit_entries(action, since))
    }

    /// Up to `limit` audit entries numbered after `seq`, in order.
    pub fn audit_entries_after(
        &self,
        seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        each!(self, store => store.audit_entries_after(seq, limit))
    }

    /// The audit entry numbered `seq`, if the chain has it.
    pub fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>, StoreError> {
        each!(self, store => store.audit_entry(seq))
    }

    /// Verifies the audit chain against the rows it describes.
    pub fn audit_verify(&self) -> Result<AuditCheck, StoreError> {
        each!(self, store => store.audit_verify())
    }
}

impl LineageStore for Store {
    fn record_run(&mut self, run: &NewRun) -> Result<RunId, StoreError> {
        each!(self, store => store.record_run(run))
    }

    fn run(&self, id: RunId) -> Result<Run, StoreError> {
        each!(self, store => store.run(id))
    }

    fn run_by_key(&self, key: RunKey) -> Result<Run, StoreError> {
        each!(self, store => store.run_by_key(key))
    }

    fn run_by_prefix(&self, prefix: &str) -> Result<Run, StoreError> {
        each!(self, store => store.run_by_prefix(prefix))
    }

    fn runs(&self, filter: &RunFilter) -> Result<Vec<Run>, StoreError> {
        each!(self, store => store.runs(filter))
    }

    fn all_versions(&self) -> Result<Vec<ArtifactVersion>, StoreError> {
        each!(self, store => store.all_versions())
    }

    fn versions_of(&self, path: &str) -> Result<Vec<ArtifactVersion>, StoreError> {
        each!(self, store => store.versions_of(path))
    }

    fn version(
        &self,
        path: &str,
        hash: &ArtifactHash,
    ) -> Result<Option<ArtifactVersion>, StoreError> {
        each!(self, store => store.version(path, hash))
    }

    fn version_by_id(&self, id: VersionId) -> Result<ArtifactVersion, StoreError> {
        each!(self, store => store.version_by_id(id))
    }

    fn generators(&self, version: VersionId) -> Result<Vec<RunKey>, StoreError> {
        each!(self, store => store.generators(version))
    }

    fn consumers(&self, version: VersionId) -> Result<Vec<RunKey>, StoreError> {
        each!(self, store => store.consumers(version))
    }

    fn runs_at(
        &self,
        versions: &[VersionId],
        kind: EdgeKind,
    ) -> Result<Vec<(VersionId, RunKey)>, StoreError> {
        each!(self, store => store.runs_at(versions, kind))
    }

    fn versions_at(
        &self,
        runs: &[RunKey],
        kind: EdgeKind,
    ) -> Result<Vec<(RunKey, VersionId)>, StoreError> {
        each!(self, store => store.versions_at(runs, kind))
    }

    fn versions_by_ids(&self, ids: &[VersionId]) -> Result<Vec<ArtifactVersion>, StoreError> {
        each!(self, store => store.versions_by_ids(ids))
    }

    fn runs_by_keys(&self, keys: &[RunKey]) -> Result<Vec<Run>, StoreError> {
        each!(self, store => store.runs_by_keys(keys))
    }

    fn holds_many_projects(&self) -> Result<bool, StoreError> {
        each!(self, store => store.holds_many_projects())
    }

    fn content_twins(
        &self,
        version: VersionId,
        twins: Twins,
    ) -> Result<Vec<VersionId>, StoreError> {
        each!(self, store => store.content_twins(version, twins))
    }

    fn inputs(&self, run: RunKey) -> Result<Vec<VersionId>, StoreError> {
        each!(self, store => store.inputs(run))
    }

    fn outputs(&self, run: RunKey) -> Result<Vec<VersionId>, StoreError> {
        each!(self, store => store.outputs(run))
    }

    fn environment(&self, hash: &str) -> Result<Option<Environment>, StoreError> {
        each!(self, store => store.environment(hash))
    }

    fn has_fingerprint(&self, fingerprint: &str) -> Result<bool, StoreError> {
        each!(self, store => store.has_fingerprint(fingerprint))
    }

    fn is_imported(&self, commit: &str) -> Result<bool, StoreError> {
        each!(self, store => store.is_imported(commit))
    }

    fn mark_imported(&mut self, commits: &[String]) -> Result<(), StoreError> {
        each!(self, store => store.mark_imported(commits))
    }

    fn record_promotion(&mut self, promotion: &Promotion) -> Result<(), StoreError> {
        each!(self, store => store.record_promotion(promotion))
    }

    fn claim_firing(
        &mut self,
        schedule: &str,
        fire_time: Timestamp,
        owner: &str,
    ) -> Result<bool, StoreError> {
        each!(self, store => store.claim_firing(schedule, fire_time, owner))
    }

    fn last_firing(&self, schedule: &str) -> Result<Option<Timestamp>, StoreError> {
        each!(self, store => store.last_firing(schedule))
    }

    fn record_attempt(&mut self, attempt: &Attempt) -> Result<(), StoreError> {
        each!(self, store => store.record_attempt(attempt))
    }

    fn attempts(&self, schedule: &str, limit: usize) -> Result<Vec<Attempt>, StoreError> {
        each!(self, store => store.attempts(schedule, limit))
    }

    fn promotions(&self, artifact: Option<&str>) -> Result<Vec<Promotion>, StoreError> {
        each!(self, store => store.promotions(artifact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_read_from_paths_and_urls() {
        let base = Path::new("/repo");
        assert_eq!(
            StoreLocation::parse(".kin/lineage.db", base).expect("path"),
            StoreLocation::Sqlite(PathBuf::from("/repo/.kin/lineage.db"))
        );
        assert_eq!(
            StoreLocation::parse("sqlite:///tmp/l.db", base).expect("sqlite url"),
            StoreLocation::Sqlite(PathBuf::from("/tmp/l.db"))
        );
        let url = "postgres://ana:secret@db.example:5432/kin";
        let location = StoreLocation::parse(url, base).expect("postgres");
        assert_eq!(location, StoreLocation::Postgres(url.to_owned()));
        assert_eq!(
            location.describe(),
            "postgres://ana:***@db.example:5432/kin"
        );
        let with_option = StoreLocation::parse(
            "postgres://ana@db/kin?password=secret&sslmode=disable",
            base,
        )
        .expect("postgres");
        assert_eq!(
            with_option.describe(),
            "postgres://ana@db/kin?password=***&sslmode=disable"
        );
        let error = StoreLocation::parse("mysql://ana:secret@db/kin", base)
            .expect_err("not a store")
            .to_string();
        assert!(error.contains("mysql://ana:***@db/kin"), "{error}");
        assert!(!error.contains("secret"), "{error}");
    }
}
