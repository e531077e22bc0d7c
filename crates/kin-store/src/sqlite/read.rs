//! The `LineageStore` implementation: the writes delegate to `mod.rs`, the reads live here.

use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, insert_promotion_row, insert_run};
use crate::LineageStore;
use crate::error::StoreError;
use crate::ids::{ArtifactHash, RunId, prefix_bounds};
use crate::model::{
    ArtifactVersion, EdgeKind, Environment, FilterValue, NewRun, Promotion, Run, RunFilter, RunKey,
    RunStatus, Tags, Twins, VersionId,
};
use crate::schedule::Attempt;
use crate::timestamp::Timestamp;

const RUN_COLUMNS: &str = "r.id, r.uuid, r.stage, r.cmd, r.status, r.exit_code, r.started_at,
    r.ended_at, r.user, r.host, r.git_commit, r.git_dirty, r.params, r.metrics,
    (SELECT hash FROM environment e WHERE e.id = r.environment_id), r.log_object,
    (SELECT json_group_object(t.key, t.value) FROM run_tag t WHERE t.run_id = r.id), r.project,
    r.fingerprint";

macro_rules! version_fields {
    () => {
        "v.id, a.path, v.hash, v.size, v.nfiles, v.first_seen"
    };
}

/// What `version_from_row` reads.
const VERSION_FIELDS: &str = version_fields!();

const VERSION_COLUMNS: &str = concat!(
    version_fields!(),
    " FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id"
);

fn corrupt(what: &'static str, value: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        Box::new(StoreError::Corrupt {
            what,
            value: value.into(),
        }),
    )
}

fn json(row: &Row<'_>, index: usize) -> rusqlite::Result<serde_json::Value> {
    let text: Option<String> = row.get(index)?;
    match text {
        None => Ok(serde_json::Value::Object(Default::default())),
        Some(text) => serde_json::from_str(&text).map_err(|_| corrupt("JSON column", text)),
    }
}

/// The tags column: a JSON object of strings (`{}` for none).
fn tags(row: &Row<'_>, index: usize) -> rusqlite::Result<Tags> {
    let text: Option<String> = row.get(index)?;
    match text {
        None => Ok(Tags::new()),
        Some(text) => serde_json::from_str(&text).map_err(|_| corrupt("run tags", text)),
    }
}

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<Run> {
    let uuid: Vec<u8> = row.get(1)?;
    let id = <[u8; 16]>::try_from(uuid.as_slice())
        .map(RunId)
        .map_err(|_| corrupt("run id", format!("{uuid:?}")))?;
    let status: String = row.get(4)?;
    let status = status
        .parse::<RunStatus>()
        .map_err(|_| corrupt("run status", status))?;
    Ok(Run {
        key: RunKey(row.get(0)?),
        id,
        stage: row.get(2)?,
        cmd: row.get(3)?,
        status,
        exit_code: row.get(5)?,
        started: Timestamp::from_millis(row.get(6)?),
        ended: row.get::<_, Option<i64>>(7)?.map(Timestamp::from_millis),
        user: row.get(8)?,
        host: row.get(9)?,
        git_commit: row.get(10)?,
        git_dirty: row.get(11)?,
        params: json(row, 12)?,
        metrics: json(row, 13)?,
        environment: row.get(14)?,
        log_object: row.get(15)?,
        tags: tags(row, 16)?,
        project: row.get(17)?,
        fingerprint: row.get(18)?,
    })
}

fn version_from_row(row: &Row<'_>) -> rusqlite::Result<ArtifactVersion> {
    let hash: String = row.get(2)?;
    let hash = hash
        .parse::<ArtifactHash>()
        .map_err(|_| corrupt("content hash", hash))?;
    let count = |value: Option<i64>| value.and_then(|v| u64::try_from(v).ok());
    Ok(ArtifactVersion {
        id: VersionId(row.get(0)?),
        path: row.get(1)?,
        hash,
        size: count(row.get(3)?),
        nfiles: count(row.get(4)?),
        first_seen: Timestamp::from_millis(row.get(5)?),
    })
}

/// Ids as a JSON list, ascending and each once: the one parameter a statement reads many ids
/// from. The statements join `json_each(?1)` as the outer loop (`CROSS JOIN` fixes the order)
/// rather than asking `id IN (SELECT value FROM json_each(?1))`, which has SQLite build a
/// temporary b-tree of the ids on every call: a page cache's allocations per query.
fn id_list(ids: impl Iterator<Item = i64>) -> String {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut text = String::from("[");
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(itoa::Buffer::new().format(id));
    }
    text.push(']');
    text
}

/// Unwraps the store error a row mapper smuggled through rusqlite.
fn lift(error: rusqlite::Error) -> StoreError {
    match error {
        rusqlite::Error::FromSqlConversionFailure(_, _, inner) => {
            match inner.downcast::<StoreError>() {
                Ok(store) => *store,
                Err(other) => StoreError::Sql(rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Null,
                    other,
                )),
            }
        }
        other => StoreError::Sql(other),
    }
}

impl SqliteStore {
    /// The two-integer rows of `sql`, given a JSON list of `ids` as its parameter, in order.
    fn pairs(
        &self,
        sql: &str,
        ids: impl Iterator<Item = i64>,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map([id_list(ids)], |row| Ok((row.get(0)?, row.get(1)?)))?;
        let mut pairs: Vec<(i64, i64)> = rows.collect::<Result<_, _>>().map_err(lift)?;
        pairs.sort_unstable();
        Ok(pairs)
    }

    fn keys(&self, sql: &str, key: i64) -> Result<Vec<i64>, StoreError> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map([key], |row| row.get(0))?;
        rows.collect::<Result<_, _>>().map_err(lift)
    }
}

impl LineageStore for SqliteStore {
    fn record_run(&mut self, run: &NewRun) -> Result<RunId, StoreError> {
        let tx = self.conn.transaction()?;
        insert_run(&tx, run)?;
        tx.commit()?;
        Ok(run.id)
    }

    fn run(&self, id: RunId) -> Result<Run, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {RUN_COLUMNS} FROM run r WHERE r.uuid = ?1"
            ))?
            .query_row([&id.0[..]], run_from_row)
            .optional()
            .map_err(lift)?
            .ok_or_else(|| StoreError::NoSuchRun {
                prefix: id.to_string(),
            })
    }

    fn run_by_key(&self, key: RunKey) -> Result<Run, StoreError> {
        self.conn
            .prepare_cached(&format!("SELECT {RUN_COLUMNS} FROM run r WHERE r.id = ?1"))?
            .query_row([key.0], run_from_row)
            .map_err(lift)
    }

    fn run_by_prefix(&self, prefix: &str) -> Result<Run, StoreError> {
        let (low, high) = prefix_bounds(prefix)?;
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM run r WHERE r.uuid BETWEEN ?1 AND ?2 LIMIT 2"
        ))?;
        let found = statement
            .query_map([&low.0[..], &high.0[..]], run_from_row)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(lift)?;
        match <[Run; 1]>::try_from(found) {
            Ok([run]) => Ok(run),
            Err(found) if found.is_empty() => Err(StoreError::NoSuchRun {
                prefix: prefix.to_owned(),
            }),
            Err(_) => {
                let count: i64 = self.conn.query_row(
                    "SELECT count(*) FROM run WHERE uuid BETWEEN ?1 AND ?2",
                    [&low.0[..], &high.0[..]],
                    |row| row.get(0),
                )?;
                Err(StoreError::AmbiguousRun {
                    prefix: prefix.to_owned(),
                    count: usize::try_from(count).unwrap_or(usize::MAX),
                })
            }
        }
    }

    fn runs(&self, filter: &RunFilter) -> Result<Vec<Run>, StoreError> {
        let (conditions, values) = filter.conditions(|n| format!("?{n}"));
        let values = values.into_iter().map(|value| match value {
            FilterValue::Text(text) => SqlValue::Text(text),
            FilterValue::Integer(number) => SqlValue::Integer(number),
        });
        let mut statement = self
            .conn
            .prepare(&filter.select(RUN_COLUMNS, &conditions))?;
        let rows = statement.query_map(rusqlite::params_from_iter(values), run_from_row)?;
        rows.collect::<Result<_, _>>().map_err(lift)
    }

    fn all_versions(&self) -> Result<Vec<ArtifactVersion>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {VERSION_COLUMNS} ORDER BY a.path, v.first_seen, v.id"
        ))?;
        let rows = statement.query_map([], version_from_row)?;
        rows.collect::<Result<_, _>>().map_err(lift)
    }

    fn versions_of(&self, path: &str) -> Result<Vec<ArtifactVersion>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} WHERE a.path = ?1 ORDER BY v.first_seen, v.id"
        ))?;
        let rows = statement.query_map([path], version_from_row)?;
        rows.collect::<Result<_, _>>().map_err(lift)
    }

    fn version(
        &self,
        path: &str,
        hash: &ArtifactHash,
    ) -> Result<Option<ArtifactVersion>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} WHERE a.path = ?1 AND v.hash = ?2"
            ))?
            .query_row(params![path, hash.as_str()], version_from_row)
            .optional()
            .map_err(lift)
    }

    fn version_by_id(&self, id: VersionId) -> Result<ArtifactVersion, StoreError> {
        self.conn
            .prepare_cached(&format!("SELECT {VERSION_COLUMNS} WHERE v.id = ?1"))?
            .query_row([id.0], version_from_row)
            .optional()
            .map_err(lift)?
            .ok_or(StoreError::NoSuchVersion(id.0))
    }

    fn generators(&self, version: VersionId) -> Result<Vec<RunKey>, StoreError> {
        let keys = self.keys(
            "SELECT run_id FROM generated WHERE version_id = ?1 ORDER BY run_id",
            version.0,
        )?;
        Ok(keys.into_iter().map(RunKey).collect())
    }

    fn consumers(&self, version: VersionId) -> Result<Vec<RunKey>, StoreError> {
        let keys = self.keys(
            "SELECT run_id FROM used WHERE version_id = ?1 ORDER BY run_id",
            version.0,
        )?;
        Ok(keys.into_iter().map(RunKey).collect())
    }

    fn runs_at(
        &self,
        versions: &[VersionId],
        kind: EdgeKind,
    ) -> Result<Vec<(VersionId, RunKey)>, StoreError> {
        let sql = format!(
            "SELECT t.version_id, t.run_id FROM json_each(?1) j CROSS JOIN {} t
             ON t.version_id = j.value",
            kind.table()
        );
        let pairs = self.pairs(&sql, versions.iter().map(|v| v.0))?;
        Ok(pairs
            .into_iter()
            .map(|(v, r)| (VersionId(v), RunKey(r)))
            .collect())
    }

    fn versions_at(
        &self,
        runs: &[RunKey],
        kind: EdgeKind,
    ) -> Result<Vec<(RunKey, VersionId)>, StoreError> {
        let sql = format!(
            "SELECT t.run_id, t.version_id FROM json_each(?1) j CROSS JOIN {} t
             ON t.run_id = j.value",
            kind.table()
        );
        let pairs = self.pairs(&sql, runs.iter().map(|r| r.0))?;
        Ok(pairs
            .into_iter()
            .map(|(r, v)| (RunKey(r), VersionId(v)))
            .collect())
    }

    fn versions_by_ids(&self, ids: &[VersionId]) -> Result<Vec<ArtifactVersion>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {VERSION_FIELDS} FROM json_each(?1) j CROSS JOIN artifact_version v
             ON v.id = j.value JOIN artifact a ON a.id = v.artifact_id"
        ))?;
        let rows = statement.query_map([id_list(ids.iter().map(|v| v.0))], version_from_row)?;
        rows.collect::<Result<_, _>>().map_err(lift)
    }

    fn runs_by_keys(&self, keys: &[RunKey]) -> Result<Vec<Run>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM json_each(?1) j CROSS JOIN run r ON r.id = j.value"
        ))?;
        let rows = statement.query_map([id_list(keys.iter().map(|k| k.0))], run_from_row)?;
        rows.collect::<Result<_, _>>().map_err(lift)
    }

    fn holds_many_projects(&self) -> Result<bool, StoreError> {
        let (first, last): (Option<String>, Option<String>) = self
            .conn
            .prepare_cached(crate::model::PROJECT_BOUNDS)?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(first != last)
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
        let keys = self.keys("SELECT version_id FROM used WHERE run_id = ?1", run.0)?;
        Ok(keys.into_iter().map(VersionId).collect())
    }

    fn outputs(&self, run: RunKey) -> Result<Vec<VersionId>, StoreError> {
        let keys = self.keys("SELECT version_id FROM generated WHERE run_id = ?1", run.0)?;
        Ok(keys.into_iter().map(VersionId).collect())
    }

    fn environment(&self, hash: &str) -> Result<Option<Environment>, StoreError> {
        let body: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM environment WHERE hash = ?1")?
            .query_row([hash], |row| row.get(0))
            .optional()?;
        body.map(|text| {
            serde_json::from_str(&text)
                .map(|body| Environment {
                    hash: hash.to_owned(),
                    body,
                })
                .map_err(|_| StoreError::Corrupt {
                    what: "environment",
                    value: text,
                })
        })
        .transpose()
    }

    fn has_fingerprint(&self, fingerprint: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM run WHERE fingerprint = ?1 LIMIT 1")?
            .query_row([fingerprint], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn is_imported(&self, commit: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM imported_commit WHERE sha = ?1")?
            .query_row([commit], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn mark_imported(&mut self, commits: &[String]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let mut marked = Vec::new();
        for commit in commits {
            let added = tx
                .prepare_cached("INSERT OR IGNORE INTO imported_commit (sha) VALUES (?1)")?
                .execute([commit])?;
            if added > 0 {
                marked.push(commit.clone());
            }
        }
        if !marked.is_empty() {
            let (subject, payload) = crate::audit::import_marks(&mut marked);
            super::audit::append(
                &tx,
                Timestamp::now(),
                &crate::audit::Actor::default(),
                "import-marks",
                &subject,
                &payload,
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn record_promotion(&mut self, promotion: &Promotion) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        insert_promotion_row(&tx, promotion)?;
        if let Some(payload) = super::audit::promotion_payload(&tx, &promotion.tag)? {
            let actor = crate::audit::Actor {
                user: Some(promotion.author.clone()),
                host: None,
            };
            super::audit::append(
                &tx,
                Timestamp::now(),
                &actor,
                "promotion",
                &promotion.tag,
                &payload,
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn claim_firing(
        &mut self,
        schedule: &str,
        fire_time: Timestamp,
        owner: &str,
    ) -> Result<bool, StoreError> {
        super::schedule::claim_firing(&self.conn, schedule, fire_time, owner)
    }

    fn last_firing(&self, schedule: &str) -> Result<Option<Timestamp>, StoreError> {
        super::schedule::last_firing(&self.conn, schedule)
    }

    fn record_attempt(&mut self, attempt: &Attempt) -> Result<(), StoreError> {
        super::schedule::record_attempt(&mut self.conn, attempt)
    }

    fn attempts(&self, schedule: &str, limit: usize) -> Result<Vec<Attempt>, StoreError> {
        super::schedule::attempts(&self.conn, schedule, limit)
    }

    fn promotions(&self, artifact: Option<&str>) -> Result<Vec<Promotion>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT artifact, version, stage, tag, git_commit, author, approver, reason, override,
                    evidence, at
             FROM promotion WHERE ?1 IS NULL OR artifact = ?1 ORDER BY at, id",
        )?;
        let rows = statement.query_map([artifact], |row| {
            let evidence: String = row.get(9)?;
            Ok(Promotion {
                artifact: row.get(0)?,
                version: row.get(1)?,
                stage: row.get(2)?,
                tag: row.get(3)?,
                git_commit: row.get(4)?,
                author: row.get(5)?,
                approver: row.get(6)?,
                reason: row.get(7)?,
                overridden: row.get(8)?,
                evidence: serde_json::from_str(&evidence)
                    .map_err(|_| corrupt("promotion evidence", evidence))?,
                at: Timestamp::from_millis(row.get(10)?),
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(lift)
    }
}
