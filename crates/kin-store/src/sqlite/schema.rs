//! The SQLite schema, as numbered migrations applied in order (`PRAGMA user_version`).

/// Each entry brings the schema from version `index` to `index + 1`. Never edit one that has
/// shipped: add the next.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: artifacts, versions, environments, runs and their edges.
    r#"
CREATE TABLE artifact (
    id   INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE
);
CREATE TABLE artifact_version (
    id          INTEGER PRIMARY KEY,
    artifact_id INTEGER NOT NULL REFERENCES artifact(id),
    hash        TEXT NOT NULL,
    size        INTEGER,
    nfiles      INTEGER,
    first_seen  INTEGER NOT NULL,
    UNIQUE (artifact_id, hash)
);
CREATE TABLE environment (
    id   INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE run (
    id             INTEGER PRIMARY KEY,
    uuid           BLOB NOT NULL UNIQUE,
    stage          TEXT NOT NULL,
    cmd            TEXT NOT NULL,
    status         TEXT NOT NULL,
    exit_code      INTEGER,
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER,
    user           TEXT,
    host           TEXT,
    git_commit     TEXT,
    git_dirty      INTEGER,
    params         TEXT,
    metrics        TEXT,
    environment_id INTEGER REFERENCES environment(id),
    log_object     TEXT,
    fingerprint    TEXT
);
CREATE INDEX run_by_stage ON run (stage, started_at);
CREATE INDEX run_by_start ON run (started_at);
CREATE INDEX run_by_fingerprint ON run (fingerprint) WHERE fingerprint IS NOT NULL;
CREATE TABLE used (
    run_id     INTEGER NOT NULL REFERENCES run(id),
    version_id INTEGER NOT NULL REFERENCES artifact_version(id),
    PRIMARY KEY (run_id, version_id)
) WITHOUT ROWID;
CREATE INDEX used_by_version ON used (version_id, run_id);
CREATE TABLE generated (
    run_id     INTEGER NOT NULL REFERENCES run(id),
    version_id INTEGER NOT NULL REFERENCES artifact_version(id),
    PRIMARY KEY (run_id, version_id)
) WITHOUT ROWID;
CREATE INDEX generated_by_version ON generated (version_id, run_id);
CREATE TABLE imported_commit (
    sha TEXT PRIMARY KEY
) WITHOUT ROWID;
"#,
    // 2: run tags (`kin repro --tag`, `[tags]`, `KIN_TAGS`). One row per tag, so `kin runs
    // --tag K=V` is an index lookup; runs recorded before have none.
    r#"
CREATE TABLE run_tag (
    run_id INTEGER NOT NULL REFERENCES run(id),
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_tag_by_pair ON run_tag (key, value, run_id);
"#,
    // 3: registry promotions (`kin model assign`): who assigned a model version to a stage,
    // who approved it and why, whether a policy was overridden, and the evidence checked.
    r#"
CREATE TABLE promotion (
    id         INTEGER PRIMARY KEY,
    artifact   TEXT NOT NULL,
    version    TEXT NOT NULL,
    stage      TEXT NOT NULL,
    tag        TEXT NOT NULL UNIQUE,
    git_commit TEXT NOT NULL,
    author     TEXT NOT NULL,
    approver   TEXT,
    reason     TEXT,
    override   INTEGER NOT NULL,
    evidence   TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX promotion_by_artifact ON promotion (artifact, version);
"#,
    // 4: the audit log, a SHA-256 hash chain with one entry per write (see `audit.rs`).
    r#"
CREATE TABLE audit_entry (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    user    TEXT,
    host    TEXT,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
CREATE INDEX audit_entry_by_action ON audit_entry (action, at);
CREATE INDEX audit_entry_by_subject ON audit_entry (action, subject);
"#,
    // 5: the project (repository) each run belongs to, for stores several share; runs
    // recorded before have none.
    r#"
ALTER TABLE run ADD COLUMN project TEXT;
CREATE INDEX run_by_project ON run (project, started_at);
"#,
    // 6: versions by content, for lineage crossing between projects that hold the same
    // content under different paths.
    r#"
CREATE INDEX artifact_version_by_hash ON artifact_version (hash);
"#,
    // 7: schedules: each firing, claimed by the one scheduler that runs it, and each attempt.
    r#"
CREATE TABLE schedule_firing (
    schedule   TEXT NOT NULL,
    fire_time  INTEGER NOT NULL,
    owner      TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    PRIMARY KEY (schedule, fire_time)
);
CREATE TABLE schedule_attempt (
    id        INTEGER PRIMARY KEY,
    schedule  TEXT NOT NULL,
    fire_time INTEGER,
    number    INTEGER NOT NULL,
    started   INTEGER NOT NULL,
    ended     INTEGER NOT NULL,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    runner    TEXT NOT NULL
);
CREATE INDEX schedule_attempt_by_schedule ON schedule_attempt (schedule, id);
"#,
];
