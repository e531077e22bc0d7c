//! The PostgreSQL schema, as numbered migrations applied in order and recorded in
//! `kin_schema`. It holds what SQLite's migrations 1–4 hold, in PostgreSQL's types.

/// Each entry brings the schema from version `index` to `index + 1`. Never edit one that has
/// shipped: add the next.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: artifacts, versions, environments, runs, their edges and tags, imported commits,
    // registry promotions and the audit log (see `audit.rs`).
    r#"
CREATE TABLE artifact (
    id   BIGSERIAL PRIMARY KEY,
    path TEXT NOT NULL UNIQUE
);
CREATE TABLE artifact_version (
    id          BIGSERIAL PRIMARY KEY,
    artifact_id BIGINT NOT NULL REFERENCES artifact(id),
    hash        TEXT NOT NULL,
    size        BIGINT,
    nfiles      BIGINT,
    first_seen  BIGINT NOT NULL,
    UNIQUE (artifact_id, hash)
);
CREATE TABLE environment (
    id   BIGSERIAL PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE run (
    id             BIGSERIAL PRIMARY KEY,
    uuid           BYTEA NOT NULL UNIQUE,
    stage          TEXT NOT NULL,
    cmd            TEXT NOT NULL,
    status         TEXT NOT NULL,
    exit_code      BIGINT,
    started_at     BIGINT NOT NULL,
    ended_at       BIGINT,
    "user"         TEXT,
    host           TEXT,
    git_commit     TEXT,
    git_dirty      BOOLEAN,
    params         TEXT,
    metrics        TEXT,
    environment_id BIGINT REFERENCES environment(id),
    log_object     TEXT,
    fingerprint    TEXT
);
CREATE INDEX run_by_stage ON run (stage, started_at);
CREATE INDEX run_by_start ON run (started_at);
CREATE INDEX run_by_fingerprint ON run (fingerprint) WHERE fingerprint IS NOT NULL;
CREATE TABLE used (
    run_id     BIGINT NOT NULL REFERENCES run(id),
    version_id BIGINT NOT NULL REFERENCES artifact_version(id),
    PRIMARY KEY (run_id, version_id)
);
CREATE INDEX used_by_version ON used (version_id, run_id);
CREATE TABLE generated (
    run_id     BIGINT NOT NULL REFERENCES run(id),
    version_id BIGINT NOT NULL REFERENCES artifact_version(id),
    PRIMARY KEY (run_id, version_id)
);
CREATE INDEX generated_by_version ON generated (version_id, run_id);
CREATE TABLE imported_commit (
    sha TEXT PRIMARY KEY
);
CREATE TABLE run_tag (
    run_id BIGINT NOT NULL REFERENCES run(id),
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX run_tag_by_pair ON run_tag (key, value, run_id);
CREATE TABLE promotion (
    id         BIGSERIAL PRIMARY KEY,
    artifact   TEXT NOT NULL,
    version    TEXT NOT NULL,
    stage      TEXT NOT NULL,
    tag        TEXT NOT NULL UNIQUE,
    git_commit TEXT NOT NULL,
    author     TEXT NOT NULL,
    approver   TEXT,
    reason     TEXT,
    override   BOOLEAN NOT NULL,
    evidence   TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX promotion_by_artifact ON promotion (artifact, version);
CREATE TABLE audit_entry (
    seq     BIGINT PRIMARY KEY,
    at      BIGINT NOT NULL,
    "user"  TEXT,
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
    // 2: the project (repository) each run belongs to.
    r#"
ALTER TABLE run ADD COLUMN project TEXT;
CREATE INDEX run_by_project ON run (project, started_at);
"#,
    // 3: versions by content, for lineage crossing between projects that hold the same
    // content under different paths.
    r#"
CREATE INDEX artifact_version_by_hash ON artifact_version (hash);
"#,
    // 4: schedules: each firing, claimed by the one scheduler that runs it, and each attempt.
    r#"
CREATE TABLE schedule_firing (
    schedule   TEXT NOT NULL,
    fire_time  BIGINT NOT NULL,
    owner      TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    PRIMARY KEY (schedule, fire_time)
);
CREATE TABLE schedule_attempt (
    id        BIGSERIAL PRIMARY KEY,
    schedule  TEXT NOT NULL,
    fire_time BIGINT,
    number    INTEGER NOT NULL,
    started   BIGINT NOT NULL,
    ended     BIGINT NOT NULL,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    runner    TEXT NOT NULL
);
CREATE INDEX schedule_attempt_by_schedule ON schedule_attempt (schedule, id);
"#,
];
