//! The `LineageStore` implementation on PostgreSQL: the writes delegate to `mod.rs`, the
//! reads live here, each the same question the SQLite store asks.

use postgres::types::ToSql;
use serde_json::Value;

use super::write::{PROMOTION_COLUMNS, insert_promotion_row, promotion_document};
use super::{PostgresStore, append, insert_run, run_recorded};
use crate::LineageStore;
use crate::audit::{Actor, canonical};
use crate::error::StoreError;
use crate::ids::{ArtifactHash, RunId, prefix_bounds};
use crate::model::{
    ArtifactVersion, EdgeKind, Environment, FilterValue, NewRun, Promotion, Run, RunFilter, RunKey,
    RunStatus, Tags, Twins, VersionId,
};
use crate::schedule::Attempt;
use crate::timestamp::Timestamp;

pub(super) const RUN_COLUMNS: &str =
    "r.id, r.uuid, r.stage, r.cmd, r.status, r.exit_code, r.started_at,
    r.ended_at, r.\"user\", r.host, r.git_commit, r.git_dirty, r.params, r.metrics,
    (SELECT hash FROM environment e WHERE e.id = r.environment_id), r.log_object,
    (SELECT json_object_agg(t.key, t.value)::TEXT FROM run_tag t WHERE t.run_id = r.id), r.project,
    r.fingerprint";

const VERSION_COLUMNS: &str = "v.id, a.path, v.hash, v.size, v.nfiles, v.first_seen
    FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id";

pub(super) fn corrupt(what: &'static str, value: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        what,
        value: value.into(),
    }
}

/// A JSON column: `{}` when NULL.
fn json(text: Option<String>) -> Result<Value, StoreError> {
    match text {
        None => Ok(Value::Object(Default::default())),
        Some(text) => serde_json::from_str(&text).map_err(|_| corrupt("JSON column", text)),
    }
}

pub(super) fn run_from_row(row: &postgres::Row) -> Result<Run, StoreError> {
    let uuid: Vec<u8> = row.try_get(1)?;
    let id = <[u8; 16]>::try_from(uuid.as_slice())
        .map(RunId)
        .map_err(|_| corrupt("run id", format!("{uuid:?}")))?;
    let status: String = row.try_get(4)?;
    let status = status
        .parse::<RunStatus>()
        .map_err(|_| corrupt("run status", status))?;
    let tags: Option<String> = row.try_get(16)?;
    let tags: Tags = match tags {
        None => Tags::new(),
        Some(text) => serde_json::from_str(&text).map_err(|_| corrupt("run tags", text))?,
    };
    let exit_code: Option<i64> = row.try_get(5)?;
    Ok(Run {
        key: RunKey(row.try_get(0)?),
        id,
        stage: row.try_get(2)?,
        cmd: row.try_get(3)?,
        status,
        exit_code: exit_code.and_then(|code| i32::try_from(code).ok()),
        started: Timestamp::from_millis(row.try_get(6)?),
        ended: row
            .try_get::<_, Option<i64>>(7)?
            .map(Timestamp::from_millis),
        user: row.try_get(8)?,
        host: row.try_get(9)?,
        git_commit: row.try_get(10)?,
        git_dirty: row.try_get(11)?,
        params: json(row.try_get(12)?)?,
        metrics: json(row.try_get(13)?)?,
        environment: row.try_get(14)?,
        log_object: row.try_get(15)?,
        tags,
        project: row.try_get(17)?,
        fingerprint: row.try_get(18)?,
    })
}

fn version_from_row(row: &postgres::Row) -> Result<ArtifactVersion, StoreError> {
    let hash: String = row.try_get(2)?;
    let hash = hash
        .parse::<ArtifactHash>()
        .map_err(|_| corrupt("content hash", hash))?;
    let count = |value: Option<i64>| value.and_then(|v| u64::try_from(v).ok());
    Ok(ArtifactVersion {
        id: VersionId(row.try_get(0)?),
        path: row.try_get(1)?,
        hash,
        size: count(row.try_get(3)?),
        nfiles: count(row.try_get(4)?),
        first_seen: Timestamp::from_millis(row.try_get(5)?),
    })
}

impl PostgresStore {
    fn rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        self.read(sql, params)
    }

    fn keys(&self, sql: &str, key: i64) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .rows(sql, &[&key])?
            .iter()
            .map(|row| row.get(0))
            .collect())
    }

    fn one_run(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Run>, StoreError> {
        self.rows(sql, params)?
            .first()
            .map(run_from_row)
            .transpose()
    }
}

impl LineageStore for PostgresStore {
    fn record_run(&mut self, run: &NewRun) -> Result<RunId, StoreError> {
        self.write(
            |tx| insert_run(tx, run).map(|_| run.id),
            |client| Ok(run_recorded(client, &run.id)?.map(|_| run.id)),
        )
    }

    fn run(&self, id: RunId) -> Result<Run, StoreError> {
        self.one_run(
            &format!("SELECT {RUN_COLUMNS} FROM run r WHERE r.uuid = $1"),
            &[&&id.0[..]],
        )?
        .ok_or_else(|| StoreError::NoSuchRun {
            prefix: id.to_string(),
        })
    }

    fn run_by_key(&self, key: RunKey) -> Result<Run, StoreError> {
        self.one_run(
            &format!("SELECT {RUN_COLUMNS} FROM run r WHERE r.id = $1"),
            &[&key.0],
        )?
        .ok_or_else(|| StoreError::NoSuchRun {
            prefix: format!("(store key {})", key.0),
        })
    }

    fn run_by_prefix(&self, prefix: &str) -> Result<Run, StoreError> {
        let (low, high) = prefix_bounds(prefix)?;
        let (low, high) = (&low.0[..], &high.0[..]);
        let found = self.rows(
            &format!("SELECT {RUN_COLUMNS} FROM run r WHERE r.uuid BETWEEN $1 AND $2 LIMIT 2"),
            &[&low, &high],
        )?;
        match found.as_slice() {
            [] => Err(StoreError::NoSuchRun {
                prefix: prefix.to_owned(),
            }),
            [row] => run_from_row(row),
            _ => {
                let count: i64 = self
                    .rows(
                        "SELECT count(*) FROM run WHERE uuid BETWEEN $1 AND $2",
                        &[&low, &high],
                    )?
                    .first()
                    .map_or(0, |row| row.get(0));
                Err(StoreError::AmbiguousRun {
                    prefix: prefix.to_owned(),
                    count: usize::try_from(count).unwrap_or(usize::MAX),
                })
            }
        }
    }

    fn runs(&self, filter: &RunFilter) -> Result<Vec<Run>, StoreError> {
        let (conditions, values) = filter.conditions(|n| format!("${n}"));
        let values: Vec<Box<dyn ToSql + Sync>> = values
            .into_iter()
            .map(|value| -> Box<dyn ToSql + Sync> {
                match value {
                    FilterValue::Text(text) => Box::new(text),
                    FilterValue::Integer(number) => Box::new(number),
                }
            })
            .collect();
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        self.rows(&filter.select(RUN_COLUMNS, &conditions), &params)?
            .iter()
            .map(run_from_row)
            .collect()
    }

    fn all_versions(&self) -> Result<Vec<ArtifactVersion>, StoreError> {
        self.rows(
            &format!("SELECT {VERSION_COLUMNS} ORDER BY a.path, v.first_seen, v.id"),
            &[],
        )?
        .iter()
        .map(version_from_row)
        .collect()
    }

    fn versions_of(&self, path: &str) -> Result<Vec<ArtifactVersion>, StoreError> {
        self.rows(
            &format!("SELECT {VERSION_COLUMNS} WHERE a.path = $1 ORDER BY v.first_seen, v.id"),
            &[&path],
        )?
        .iter()
        .map(version_from_row)
        .collect()
    }

    fn version(
        &self,
        path: &str,
        hash: &ArtifactHash,
    ) -> Result<Option<ArtifactVersion>, StoreError> {
        self.rows(
            &format!("SELECT {VERSION_COLUMNS} WHERE a.path = $1 AND v.hash = $2"),
            &[&path, &hash.as_str()],
        )?
        .first()
        .map(version_from_row)
        .transpose()
    }

    fn version_by_id(&self, id: VersionId) -> Result<ArtifactVersion, StoreError> {
        self.rows(
            &format!("SELECT {VERSION_COLUMNS} WHERE v.id = $1"),
            &[&id.0],
        )?
        .first()
        .map(version_from_row)
        .transpose()?
        .ok_or(StoreError::NoSuchVersion(id.0))
    }

    fn generators(&self, version: VersionId) -> Result<Vec<RunKey>, StoreError> {
        let keys = self.keys(
            "SELECT run_id FROM generated WHERE version_id = $1 ORDER BY run_id",
            version.0,
        )?;
        Ok(keys.into_iter().map(RunKey).collect())
    }

    fn consumers(&self, version: VersionId) -> Result<Vec<RunKey>, StoreError> {
        let keys = self.keys(
            "SELECT run_id FROM used WHERE version_id = $1 ORDER BY run_id",
            version.0,
        )?;
        Ok(keys.into_iter().map(RunKey).collect())
    }

    fn runs_at(
        &self,
        versions: &[VersionId],
        kind: EdgeKind,
    ) -> Result<Vec<(VersionId, RunKey)>, StoreError> {
        let ids: Vec<i64> = versions.iter().map(|v| v.0).collect();
        let sql = format!(
            "SELECT version_id, run_id FROM {} WHERE version_id = ANY($1) ORDER BY version_id, run_id",
            kind.table()
        );
        self.rows(&sql, &[&ids])?
            .iter()
            .map(|row| Ok((VersionId(row.try_get(0)?), RunKey(row.try_get(1)?))))
            .collect()
    }

    fn versions_at(
        &self,
        runs: &[RunKey],
        kind: EdgeKind,
    ) -> Result<Vec<(RunKey, VersionId)>, StoreError> {
        let ids: Vec<i64> = runs.iter().map(|r| r.0).collect();
        let sql = format!(
            "SELECT run_id, version_id FROM {} WHERE run_id = ANY($1) ORDER BY run_id, version_id",
            kind.table()
        );
        self.rows(&sql, &[&ids])?
            .iter()
            .map(|row| Ok((RunKey(row.try_get(0)?), VersionId(row.try_get(1)?))))
            .collect()
    }

    fn versions_by_ids(&self, ids: &[VersionId]) -> Result<Vec<ArtifactVersion>, StoreError> {
        let ids: Vec<i64> = ids.iter().map(|v| v.0).collect();
        self.rows(
            &format!("SELECT {VERSION_COLUMNS} WHERE v.id = ANY($1)"),
            &[&ids],
        )?
        .iter()
        .map(version_from_row)
        .collect()
    }

    fn runs_by_keys(&self, keys: &[RunKey]) -> Result<Vec<Run>, StoreError> {
        let keys: Vec<i64> = keys.iter().map(|k| k.0).collect();
        self.rows(
            &format!("SELECT {RUN_COLUMNS} FROM run r WHERE r.id = ANY($1)"),
            &[&keys],
        )?
        .iter()
        .map(run_from_row)
        .collect()
    }

    fn holds_many_projects(&self) -> Result<bool, StoreError> {
        let rows = self.rows(crate::model::PROJECT_BOUNDS, &[])?;
        let bounds = rows
            .first()
            .map(|row| -> Result<_, StoreError> {
                Ok((
                    row.try_get::<_, Option<String>>(0)?,
                    row.try_get::<_, Option<String>>(1)?,
                ))
            })
            .transpose()?;
        Ok(bounds.is_some_and(|(first, last)| first != last))
    }

    fn content_twins(
        &self,
        version: VersionId,
        twins: Twins,
    ) -> Result<Vec<VersionId>, StoreError> {
        let keys = self.keys(&twins.select(), version.0)?;
        Ok(keys.into_iter().map(VersionId).collect())
    }

    fn inputs(&self, run: RunKey) -> Result<Vec<VersionId>, StoreError> {
        let keys = self.keys(
            "SELECT version_id FROM used WHERE run_id = $1 ORDER BY version_id",
            run.0,
        )?;
        Ok(keys.into_iter().map(VersionId).collect())
    }

    fn outputs(&self, run: RunKey) -> Result<Vec<VersionId>, StoreError> {
        let keys = self.keys(
            "SELECT version_id FROM generated WHERE run_id = $1 ORDER BY version_id",
            run.0,
        )?;
        Ok(keys.into_iter().map(VersionId).collect())
    }

    fn environment(&self, hash: &str) -> Result<Option<Environment>, StoreError> {
        let rows = self.rows("SELECT body FROM environment WHERE hash = $1", &[&hash])?;
        rows.first()
            .map(|row| {
                let text: String = row.get(0);
                serde_json::from_str(&text)
                    .map(|body| Environment {
                        hash: hash.to_owned(),
                        body,
                    })
                    .map_err(|_| corrupt("environment", text))
            })
            .transpose()
    }

    fn has_fingerprint(&self, fingerprint: &str) -> Result<bool, StoreError> {
        Ok(!self
            .rows(
                "SELECT 1 FROM run WHERE fingerprint = $1 LIMIT 1",
                &[&fingerprint],
            )?
            .is_empty())
    }

    fn is_imported(&self, commit: &str) -> Result<bool, StoreError> {
        Ok(!self
            .rows("SELECT 1 FROM imported_commit WHERE sha = $1", &[&commit])?
            .is_empty())
    }

    fn mark_imported(&mut self, commits: &[String]) -> Result<(), StoreError> {
        self.write(
            |tx| {
                let mut marked = Vec::new();
                for commit in commits {
                    let added = tx.execute(
                        "INSERT INTO imported_commit (sha) VALUES ($1) ON CONFLICT DO NOTHING",
                        &[commit],
                    )?;
                    if added > 0 {
                        marked.push(commit.clone());
                    }
                }
                if !marked.is_empty() {
                    let (subject, payload) = crate::audit::import_marks(&mut marked);
                    append(
                        tx,
                        &Actor::default(),
                        "import-marks",
                        &subject,
                        &canonical(&payload),
                    )?;
                }
                Ok(())
            },
            |_| Ok(None),
        )
    }

    fn record_promotion(&mut self, promotion: &Promotion) -> Result<(), StoreError> {
        let actor = Actor {
            user: Some(promotion.author.clone()),
            host: None,
        };
        self.write(
            |tx| {
                insert_promotion_row(tx, promotion)?;
                // The document the SQLite store records too: the row as it reads back.
                let row = tx.query_one(
                    &format!("SELECT {PROMOTION_COLUMNS} FROM promotion WHERE tag = $1"),
                    &[&promotion.tag],
                )?;
                let (_, payload) = promotion_document(&row);
                append(
                    tx,
                    &actor,
                    "promotion",
                    &promotion.tag,
                    &canonical(&payload),
                )
            },
            |client| {
                let found = client
                    .query_opt("SELECT 1 FROM promotion WHERE tag = $1", &[&promotion.tag])?;
                Ok(found.map(|_| ()))
            },
        )
    }

    fn claim_firing(
        &mut self,
        schedule: &str,
        fire_time: Timestamp,
        owner: &str,
    ) -> Result<bool, StoreError> {
        self.claim_schedule_firing(schedule, fire_time, owner)
    }

    fn last_firing(&self, schedule: &str) -> Result<Option<Timestamp>, StoreError> {
        self.last_schedule_firing(schedule)
    }

    fn record_attempt(&mut self, attempt: &Attempt) -> Result<(), StoreError> {
        self.record_schedule_attempt(attempt)
    }

    fn attempts(&self, schedule: &str, limit: usize) -> Result<Vec<Attempt>, StoreError> {
        self.schedule_attempts(schedule, limit)
    }

    fn promotions(&self, artifact: Option<&str>) -> Result<Vec<Promotion>, StoreError> {
        let rows = self.rows(
            "SELECT artifact, version, stage, tag, git_commit, author, approver, reason, override,
                    evidence, at
             FROM promotion WHERE $1::TEXT IS NULL OR artifact = $1 ORDER BY at, id",
            &[&artifact],
        )?;
        rows.iter()
            .map(|row| {
                let evidence: String = row.try_get(9)?;
                Ok(Promotion {
                    artifact: row.try_get(0)?,
                    version: row.try_get(1)?,
                    stage: row.try_get(2)?,
                    tag: row.try_get(3)?,
                    git_commit: row.try_get(4)?,
                    author: row.try_get(5)?,
                    approver: row.try_get(6)?,
                    reason: row.try_get(7)?,
                    overridden: row.try_get(8)?,
                    evidence: serde_json::from_str(&evidence)
                        .map_err(|_| corrupt("promotion evidence", evidence))?,
                    at: Timestamp::from_millis(row.try_get(10)?),
                })
            })
            .collect()
    }
}
