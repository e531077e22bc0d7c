//! A run's canonical document, the payload of its audit entry, rendered straight from its
//! rows: `{"generated":[...],"run":{...},"used":[...]}` byte for byte as `canonical` writes
//! it, so that appending an entry and verifying one render the same way.

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::audit::{write_integer, write_json_string};
use crate::error::StoreError;
use crate::ids::RunId;

/// The columns of run `r` a document is rendered from, `{environment}` standing for its
/// environment's hash.
const RUN_COLUMNS: &str = "r.id, r.uuid, r.stage, r.cmd, r.status, r.exit_code,
    r.started_at, r.ended_at, r.user, r.host, r.git_commit, r.git_dirty, r.params, r.metrics,
    {environment}, r.log_object, r.fingerprint, r.project";

/// The statement reading the [`RUN_COLUMNS`] of the runs `filter` selects. A scan of many runs
/// (`joined`) reads environments through a join; one run's lookup through a correlated
/// subquery, because SQLite re-prepares a statement with a join every time its parameters are
/// rebound, which each reuse of a cached statement does.
pub(super) fn run_select(filter: &str, joined: bool) -> String {
    let (environment, tables) = if joined {
        (
            "e.hash",
            "run r LEFT JOIN environment e ON e.id = r.environment_id",
        )
    } else {
        (
            "(SELECT hash FROM environment e WHERE e.id = r.environment_id)",
            "run r",
        )
    };
    let columns = RUN_COLUMNS.replace("{environment}", environment);
    format!("SELECT {columns} FROM {tables} WHERE {filter}")
}

/// Where [`RUN_COLUMNS`] has the run's store key, its id and its stage.
pub(super) const KEY_COLUMN: usize = 0;
pub(super) const UUID_COLUMN: usize = 1;
pub(super) const STAGE_COLUMN: usize = 2;

/// An edge's columns, `v` being the artifact version it names.
pub(super) const EDGE_COLUMNS: &str = "v.artifact_id, v.hash, v.size, v.nfiles";

/// Where a field of the `run` object comes from.
enum Field {
    /// A column of [`RUN_COLUMNS`], as its JSON value.
    Column(usize),
    /// An integer column holding a flag, as `true`/`false`.
    Flag(usize),
    /// A column left out of the document when NULL (added after documents were first
    /// recorded: older runs' documents stay as their entries hold them).
    Optional(usize),
    /// The run id, from the uuid column.
    Id,
    /// The run's tags, as an object.
    Tags,
}

/// The `run` object's fields, in canonical (sorted) order.
const RUN_FIELDS: [(&str, Field); 18] = [
    ("cmd", Field::Column(3)),
    ("ended_at", Field::Column(7)),
    ("environment", Field::Column(14)),
    ("exit_code", Field::Column(5)),
    ("fingerprint", Field::Column(16)),
    ("git_commit", Field::Column(10)),
    ("git_dirty", Field::Flag(11)),
    ("host", Field::Column(9)),
    ("id", Field::Id),
    ("log_object", Field::Column(15)),
    ("metrics", Field::Column(13)),
    ("params", Field::Column(12)),
    ("project", Field::Optional(17)),
    ("stage", Field::Column(STAGE_COLUMN)),
    ("started_at", Field::Column(6)),
    ("status", Field::Column(4)),
    ("tags", Field::Tags),
    ("user", Field::Column(8)),
];

/// Which of a run's edge lists an edge belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Side {
    Used,
    Generated,
}

impl Side {
    pub(super) const BOTH: [Side; 2] = [Side::Used, Side::Generated];

    /// The table of this side's edges.
    pub(super) fn table(self) -> &'static str {
        match self {
            Side::Used => "used",
            Side::Generated => "generated",
        }
    }
}

/// Renders run documents one after another, reusing its buffers and remembering artifact
/// paths (far fewer than versions) so that each is read once.
#[derive(Default)]
pub(super) struct RunDocumentWriter {
    paths: ArtifactPaths,
    used: EdgeList,
    generated: EdgeList,
    /// The tags so far: each key as stored, and its value rendered.
    tags: Vec<(String, Vec<u8>)>,
    document: Vec<u8>,
}

/// One side's rendered edges; buffers beyond `len` are spares kept for the next run.
#[derive(Default)]
struct EdgeList {
    items: Vec<Vec<u8>>,
    len: usize,
}

impl EdgeList {
    fn next_buffer(&mut self) -> &mut Vec<u8> {
        if self.len == self.items.len() {
            self.items.push(Vec::with_capacity(128));
        }
        self.len += 1;
        let buffer = &mut self.items[self.len - 1];
        buffer.clear();
        buffer
    }

    /// Appends the edges as a JSON array, sorted by their text as `canonical` sorts them.
    fn write_sorted(&mut self, out: &mut Vec<u8>) {
        let items = &mut self.items[..self.len];
        items.sort_unstable();
        out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(item);
        }
        out.push(b']');
        self.len = 0;
    }
}

/// Artifact paths as JSON strings, by artifact id. kin's ids count up from 1, so most are
/// found through a vector indexed by id; an id beyond [`DENSE_IDS`] (edited in) in a map.
#[derive(Default)]
struct ArtifactPaths {
    /// By id: 0 if not read yet, else 1 + the index of its path in `texts`.
    dense: Vec<u32>,
    sparse: HashMap<i64, usize>,
    texts: Vec<Vec<u8>>,
}

/// Ids below this are indexed densely (4 bytes each at most).
const DENSE_IDS: usize = 1 << 24;

impl ArtifactPaths {
    /// The path of artifact `id` as a JSON string (`null` if there is none), read once.
    fn get(&mut self, conn: &Connection, id: i64) -> Result<&[u8], StoreError> {
        let dense = usize::try_from(id).ok().filter(|&i| i < DENSE_IDS);
        let known = match dense {
            Some(i) => self
                .dense
                .get(i)
                .copied()
                .filter(|&slot| slot > 0)
                .map(|slot| slot as usize - 1),
            None => self.sparse.get(&id).copied(),
        };
        let index = match known {
            Some(index) => index,
            None => {
                let path: Option<String> = conn
                    .prepare_cached("SELECT path FROM artifact WHERE id = ?1")?
                    .query_row([id], |row| row.get(0))
                    .optional()?;
                let mut text = Vec::new();
                match path {
                    Some(path) => write_json_string(&mut text, &path),
                    None => text.extend_from_slice(b"null"),
                }
                self.texts.push(text);
                let index = self.texts.len() - 1;
                match dense {
                    Some(i) => {
                        if self.dense.len() <= i {
                            self.dense.resize(i + 1, 0);
                        }
                        self.dense[i] = u32::try_from(index + 1).unwrap_or(0);
                    }
                    None => {
                        self.sparse.insert(id, index);
                    }
                }
                index
            }
        };
        Ok(self.texts.get(index).map_or(b"null", Vec::as_slice))
    }
}

impl RunDocumentWriter {
    /// Adds an edge whose [`EDGE_COLUMNS`] start at column `at` of `row`; its artifact's path
    /// is read by id (once per artifact), or from column `path` of the row if given.
    pub(super) fn add_edge(
        &mut self,
        conn: &Connection,
        side: Side,
        row: &Row<'_>,
        at: usize,
        path: Option<usize>,
    ) -> Result<(), StoreError> {
        let list = match side {
            Side::Used => &mut self.used,
            Side::Generated => &mut self.generated,
        };
        let item = list.next_buffer();
        item.extend_from_slice(b"{\"hash\":");
        write_value(item, row.get_ref(at + 1)?);
        item.extend_from_slice(b",\"nfiles\":");
        write_value(item, row.get_ref(at + 3)?);
        item.extend_from_slice(b",\"path\":");
        match path {
            Some(column) => write_value(item, row.get_ref(column)?),
            None => {
                let artifact = row.get_ref(at)?.as_i64().unwrap_or(i64::MIN);
                item.extend_from_slice(self.paths.get(conn, artifact)?);
            }
        }
        item.extend_from_slice(b",\"size\":");
        write_value(item, row.get_ref(at + 2)?);
        item.push(b'}');
        Ok(())
    }

    /// Adds a tag, in any order.
    pub(super) fn add_tag(&mut self, key: ValueRef<'_>, value: ValueRef<'_>) {
        let key = match key {
            ValueRef::Text(text) => text_lossy(text).into_owned(),
            other => {
                let mut rendered = Vec::new();
                write_value(&mut rendered, other);
                String::from_utf8_lossy(&rendered).into_owned()
            }
        };
        let mut rendered = Vec::new();
        write_value(&mut rendered, value);
        self.tags.push((key, rendered));
    }

    /// The document of the run whose [`RUN_COLUMNS`] are `run`, with the edges and tags added
    /// since the last one.
    pub(super) fn finish(&mut self, run: &Row<'_>) -> Result<&[u8], StoreError> {
        let out = &mut self.document;
        out.clear();
        out.extend_from_slice(b"{\"generated\":");
        self.generated.write_sorted(out);
        out.extend_from_slice(b",\"run\":{");
        for (i, (name, field)) in RUN_FIELDS.iter().enumerate() {
            if let Field::Optional(column) = field
                && run.get_ref(*column)? == ValueRef::Null
            {
                continue;
            }
            if i > 0 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            match field {
                Field::Column(column) | Field::Optional(column) => {
                    write_value(out, run.get_ref(*column)?)
                }
                Field::Flag(column) => match run.get_ref(*column)? {
                    ValueRef::Integer(flag) => {
                        out.extend_from_slice(if flag != 0 { b"true" } else { b"false" })
                    }
                    other => write_value(out, other),
                },
                Field::Id => write_json_string(out, &run_id_text(run.get_ref(UUID_COLUMN)?)),
                Field::Tags => {
                    // Canonical order: by key, as stored (not as escaped).
                    self.tags.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                    out.push(b'{');
                    for (i, (key, value)) in self.tags.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        write_json_string(out, key);
                        out.push(b':');
                        out.extend_from_slice(value);
                    }
                    out.push(b'}');
                }
            }
        }
        out.extend_from_slice(b"},\"used\":");
        self.used.write_sorted(out);
        out.push(b'}');
        self.tags.clear();
        Ok(&self.document)
    }
}

/// A run's id as its entry names it; a uuid column that is not 16 bytes (edited) says so.
pub(super) fn run_id_text(uuid: ValueRef<'_>) -> String {
    match run_uuid(uuid) {
        Some(bytes) => RunId(bytes).to_string(),
        None => {
            let mut rendered = Vec::new();
            write_value(&mut rendered, uuid);
            format!("(malformed id {})", String::from_utf8_lossy(&rendered))
        }
    }
}

/// Text as stored, which kin writes as UTF-8; bytes that are not (edited in) are replaced.
pub(super) fn text_lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// A uuid column's 16 bytes, if it holds them.
pub(super) fn run_uuid(uuid: ValueRef<'_>) -> Option<[u8; 16]> {
    match uuid {
        ValueRef::Blob(bytes) => <[u8; 16]>::try_from(bytes).ok(),
        _ => None,
    }
}

/// Appends a column's value as canonical JSON. Values kin writes are text, integers and
/// nulls; anything else was put there by hand and renders as something no entry recorded.
fn write_value(out: &mut Vec<u8>, value: ValueRef<'_>) {
    match value {
        ValueRef::Null => out.extend_from_slice(b"null"),
        ValueRef::Integer(number) => write_integer(out, number),
        ValueRef::Real(number) => {
            out.extend_from_slice(serde_json::Value::from(number).to_string().as_bytes())
        }
        ValueRef::Text(text) => write_json_string(out, &text_lossy(text)),
        ValueRef::Blob(bytes) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            write_json_string(out, &format!("x'{hex}'"));
        }
    }
}

/// The canonical document of the run with store key `key` as its rows read now, with its id.
pub(super) fn run_document(
    conn: &Connection,
    key: i64,
) -> Result<Option<(String, String)>, StoreError> {
    let mut writer = RunDocumentWriter::default();
    for side in Side::BOTH {
        // One run's few edges read their paths in SQL rather than through the path cache.
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {EDGE_COLUMNS}, (SELECT path FROM artifact a WHERE a.id = v.artifact_id)
             FROM artifact_version v
             WHERE v.id IN (SELECT version_id FROM {} WHERE run_id = ?1)",
            side.table()
        ))?;
        let mut rows = statement.query([key])?;
        while let Some(row) = rows.next()? {
            writer.add_edge(conn, side, row, 0, Some(4))?;
        }
    }
    let mut statement = conn.prepare_cached("SELECT key, value FROM run_tag WHERE run_id = ?1")?;
    let mut rows = statement.query([key])?;
    while let Some(row) = rows.next()? {
        writer.add_tag(row.get_ref(0)?, row.get_ref(1)?);
    }
    let mut statement = conn.prepare_cached(&run_select("r.id = ?1", false))?;
    let mut rows = statement.query([key])?;
    let Some(run) = rows.next()? else {
        return Ok(None);
    };
    let id = run_id_text(run.get_ref(UUID_COLUMN)?);
    let document = String::from_utf8_lossy(writer.finish(run)?).into_owned();
    Ok(Some((id, document)))
}
