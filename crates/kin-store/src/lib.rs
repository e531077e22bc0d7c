//! The lineage store: which runs used and generated which artifact versions, under which
//! params, code and environment — kept across all history and queried in both directions.

pub mod audit;
mod copy;
mod error;
mod ids;
mod model;
pub mod postgres;
mod schedule;
pub mod sqlite;
mod store;
mod timestamp;
mod traverse;
mod verification;

pub use copy::{CopyReport, copy};
pub use error::StoreError;
pub use ids::{ArtifactHash, RunId};
pub use model::{
    ArtifactVersion, Direction, Edge, EdgeKind, Environment, NewRun, NewVersion, Promotion, Run,
    RunCursor, RunFilter, RunKey, RunStatus, Subgraph, Tags, Twins, VersionId,
};
pub use postgres::PostgresStore;
pub use schedule::{Attempt, AttemptOutcome};
pub use sqlite::SqliteStore;
pub use store::{Store, StoreCounts, StoreLocation};
pub use timestamp::Timestamp;
pub use traverse::{Start, traverse};

/// What a lineage backend offers. SQLite and PostgreSQL implement it; the queries above it (traversal,
/// `why`) are written against this trait only.
pub trait LineageStore {
    /// Records one run with its inputs and outputs, atomically. Returns the run's id.
    fn record_run(&mut self, run: &NewRun) -> Result<RunId, StoreError>;

    /// The run with this id.
    fn run(&self, id: RunId) -> Result<Run, StoreError>;

    /// The run with this store key.
    fn run_by_key(&self, key: RunKey) -> Result<Run, StoreError>;

    /// The run whose id (as text) starts with `prefix`; an error if none or several do.
    fn run_by_prefix(&self, prefix: &str) -> Result<Run, StoreError>;

    /// Runs matching `filter`, newest first.
    fn runs(&self, filter: &RunFilter) -> Result<Vec<Run>, StoreError>;

    /// Every recorded version of every path, by path then as first seen.
    fn all_versions(&self) -> Result<Vec<ArtifactVersion>, StoreError>;

    /// Every recorded version of `path`, oldest first.
    fn versions_of(&self, path: &str) -> Result<Vec<ArtifactVersion>, StoreError>;

    /// The version of `path` with exactly this hash.
    fn version(
        &self,
        path: &str,
        hash: &ArtifactHash,
    ) -> Result<Option<ArtifactVersion>, StoreError>;

    /// Versions by id (for traversal results).
    fn version_by_id(&self, id: VersionId) -> Result<ArtifactVersion, StoreError>;

    /// Runs that generated this version (oldest first).
    fn generators(&self, version: VersionId) -> Result<Vec<RunKey>, StoreError>;

    /// Runs that used this version (oldest first).
    fn consumers(&self, version: VersionId) -> Result<Vec<RunKey>, StoreError>;

    /// Versions of other paths holding this version's content, that some run generated
    /// ([`Twins::Generated`]) or that none did ([`Twins::External`]), and that no project
    /// touching this version touches: the same data under another name in another project
    /// (pulled from a shared remote, imported), where lineage crosses. Empty content (an
    /// empty file or directory) has no twins: it says nothing about where data came from.
    /// Whether runs of more than one project are recorded (runs without a project count as
    /// one): lineage crosses by content only between projects, so a store of one project
    /// never needs [`LineageStore::content_twins`].
    fn holds_many_projects(&self) -> Result<bool, StoreError>;

    fn content_twins(&self, version: VersionId, twins: Twins)
    -> Result<Vec<VersionId>, StoreError>;

    /// The edges of `kind` at `versions`, as `(version, run)`, ordered by version then run:
    /// [`LineageStore::generators`] or [`LineageStore::consumers`] of many versions at once.
    fn runs_at(
        &self,
        versions: &[VersionId],
        kind: EdgeKind,
    ) -> Result<Vec<(VersionId, RunKey)>, StoreError>;

    /// The edges of `kind` at `runs`, as `(run, version)`, ordered by run then version:
    /// [`LineageStore::inputs`] or [`LineageStore::outputs`] of many runs at once.
    fn versions_at(
        &self,
        runs: &[RunKey],
        kind: EdgeKind,
    ) -> Result<Vec<(RunKey, VersionId)>, StoreError>;

    /// The versions `ids` name, in any order (those the store lacks left out).
    fn versions_by_ids(&self, ids: &[VersionId]) -> Result<Vec<ArtifactVersion>, StoreError>;

    /// The runs `keys` name, in any order (those the store lacks left out).
    fn runs_by_keys(&self, keys: &[RunKey]) -> Result<Vec<Run>, StoreError>;

    /// Versions this run used.
    fn inputs(&self, run: RunKey) -> Result<Vec<VersionId>, StoreError>;

    /// Versions this run generated.
    fn outputs(&self, run: RunKey) -> Result<Vec<VersionId>, StoreError>;

    /// The environment with this content hash.
    fn environment(&self, hash: &str) -> Result<Option<Environment>, StoreError>;

    /// Whether a run with this fingerprint (see [`NewRun::fingerprint`]) is already recorded.
    fn has_fingerprint(&self, fingerprint: &str) -> Result<bool, StoreError>;

    /// Git commits whose records were already imported.
    fn is_imported(&self, commit: &str) -> Result<bool, StoreError>;

    /// Marks commits as imported (after their runs were recorded).
    fn mark_imported(&mut self, commits: &[String]) -> Result<(), StoreError>;

    /// Records a stage assignment made through kin.
    fn record_promotion(&mut self, promotion: &Promotion) -> Result<(), StoreError>;

    /// The promotions of `artifact` (all artifacts if `None`), oldest first.
    fn promotions(&self, artifact: Option<&str>) -> Result<Vec<Promotion>, StoreError>;

    /// Claims the firing of `schedule` at `fire_time` for `owner`: true for the first to
    /// claim it, false for every other (another scheduler runs it, or ran it).
    fn claim_firing(
        &mut self,
        schedule: &str,
        fire_time: Timestamp,
        owner: &str,
    ) -> Result<bool, StoreError>;

    /// The latest firing of `schedule` claimed so far.
    fn last_firing(&self, schedule: &str) -> Result<Option<Timestamp>, StoreError>;

    /// Records one attempt of a scheduled run, with its audit entry.
    fn record_attempt(&mut self, attempt: &Attempt) -> Result<(), StoreError>;

    /// The attempts of `schedule`, newest first, at most `limit`.
    fn attempts(&self, schedule: &str, limit: usize) -> Result<Vec<Attempt>, StoreError>;
}
