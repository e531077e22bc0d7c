//! The reading half of `kin audit verify`: the chain and the runs cut into slices that
//! several connections read at once, one per core, all in the same snapshot. A slice of the
//! chain checks its entries' numbers, hashes and links and keeps each run entry's payload
//! digest; a slice of runs renders each run's document and keeps its digest. Comparing the
//! two is left to the caller.

use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::run_document::{
    EDGE_COLUMNS, KEY_COLUMN, RunDocumentWriter, Side, UUID_COLUMN, run_select, run_uuid,
};
use super::{ENTRY_COLUMNS, entry_from_row, text_of};
use crate::audit::sha256;
use crate::error::StoreError;
use crate::verification::{ChainReader, ChainSlice, RunDigest, StoredEntry};

/// How finely the work is cut.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slices {
    /// Entries per slice of the chain.
    pub entries: i64,
    /// Runs per slice of runs.
    pub runs: i64,
}

impl Slices {
    /// Slices of tens of milliseconds each (a run costs about three entries).
    pub(super) const DEFAULT: Slices = Slices {
        entries: 25_000,
        runs: 10_000,
    };
}

/// How much of the store a helper maps into memory (SQLite caps it at its build's limit).
const MMAP_BYTES: i64 = 1 << 40;

/// Everything read, in chain order and in run key order.
#[derive(Debug, Default)]
pub(super) struct Scan {
    pub chain: Vec<ChainSlice>,
    pub runs: Vec<RunDigest>,
}

#[derive(Clone, Copy, Debug)]
enum Job {
    /// Entries numbered `first..=last`.
    Chain { first: i64, last: i64 },
    /// Runs keyed `first..=last`.
    Runs { first: i64, last: i64 },
}

enum Done {
    Chain(Box<ChainSlice>),
    Runs(Vec<RunDigest>),
}

/// Reads the whole chain and every run's digest, in the snapshot `conn` is in (the caller
/// holds a read transaction). Helpers on other cores read through their own connections;
/// one that finds the store at another head (written to since) stays out of it.
pub(super) fn scan(conn: &Connection, slices: Slices) -> Result<Scan, StoreError> {
    // A store in memory has no file to map (and no mmap_size to read).
    let Some(mapped) = conn
        .pragma_query_value(None, "mmap_size", |row| row.get::<_, i64>(0))
        .optional()?
    else {
        return scan_mapped(conn, slices);
    };
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    let scanned = scan_mapped(conn, slices);
    conn.pragma_update(None, "mmap_size", mapped)?;
    scanned
}

fn scan_mapped(conn: &Connection, slices: Slices) -> Result<Scan, StoreError> {
    let head = head(conn)?;
    let jobs = plan(conn, slices)?;
    let next = AtomicUsize::new(0);
    let path = conn.path().filter(|p| !p.is_empty());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let helpers = match path {
        Some(_) => cores.min(jobs.len()).saturating_sub(1),
        None => 0,
    };
    let mut done: Vec<(usize, Done)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..helpers)
            .map(|_| scope.spawn(|| help(path, &head, &jobs, &next)))
            .collect();
        let mut done = work(conn, &jobs, &next)?;
        for handle in handles {
            let theirs = handle.join().map_err(|_| StoreError::Corrupt {
                what: "audit verification",
                value: "a reading thread panicked".to_owned(),
            })??;
            done.extend(theirs);
        }
        Ok::<_, StoreError>(done)
    })?;
    done.sort_unstable_by_key(|(index, _)| *index);
    let mut scan = Scan::default();
    for (_, slice) in done {
        match slice {
            Done::Chain(slice) => scan.chain.push(*slice),
            Done::Runs(runs) => scan.runs.extend(runs),
        }
    }
    Ok(scan)
}

/// The chain's last entry: equal heads mean equal snapshots, as every write appends one.
fn head(conn: &Connection) -> Result<Option<(i64, String)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The slices to read: the runs (the heavier work) first, then the chain.
fn plan(conn: &Connection, slices: Slices) -> Result<Vec<Job>, StoreError> {
    let range = |sql: &str| -> Result<Option<(i64, i64)>, StoreError> {
        Ok(conn.query_row(sql, [], |row| {
            Ok(row
                .get::<_, Option<i64>>(0)?
                .zip(row.get::<_, Option<i64>>(1)?))
        })?)
    };
    let mut jobs = Vec::new();
    if let Some((low, high)) = range("SELECT min(id), max(id) FROM run")? {
        jobs.extend(
            cut(low, high, slices.runs)
                .into_iter()
                .map(|(first, last)| Job::Runs { first, last }),
        );
    }
    if let Some((low, high)) = range("SELECT min(seq), max(seq) FROM audit_entry")? {
        jobs.extend(
            cut(low, high, slices.entries)
                .into_iter()
                .map(|(first, last)| Job::Chain { first, last }),
        );
    }
    Ok(jobs)
}

/// At most this many slices of one kind: kin's keys are dense, but an edited store may have a
/// key far out, and its span must not become billions of empty slices.
const MAX_SLICES: usize = 4096;

/// `low..=high` (`low <= high`) cut into inclusive ranges of `size` keys; the last takes
/// whatever is left.
pub(super) fn cut(low: i64, high: i64, size: i64) -> Vec<(i64, i64)> {
    let mut slices = Vec::new();
    let mut first = low;
    loop {
        let last = if slices.len() + 1 == MAX_SLICES {
            high
        } else {
            first.saturating_add(size.max(1) - 1).min(high)
        };
        slices.push((first, last));
        if last >= high {
            return slices;
        }
        first = last + 1;
    }
}

/// A helper's share: its own read-only connection in the caller's snapshot, or nothing.
fn help(
    path: Option<&str>,
    head: &Option<(i64, String)>,
    jobs: &[Job],
    next: &AtomicUsize,
) -> Result<Vec<(usize, Done)>, StoreError> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    // Helping is only faster: one that cannot open the store leaves the work to the others.
    let Ok(conn) = Connection::open_with_flags(path, flags) else {
        return Ok(Vec::new());
    };
    // Mapped pages spare a copy per page read (what reading a big store mostly costs).
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    let tx = conn.unchecked_transaction()?;
    if self::head(&tx)? != *head {
        return Ok(Vec::new());
    }
    work(&tx, jobs, next)
}

/// Takes slices until none are left.
fn work(
    conn: &Connection,
    jobs: &[Job],
    next: &AtomicUsize,
) -> Result<Vec<(usize, Done)>, StoreError> {
    let mut done = Vec::new();
    let mut writer = RunDocumentWriter::default();
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(index) else {
            return Ok(done);
        };
        let slice = match *job {
            Job::Chain { first, last } => Done::Chain(Box::new(chain_slice(conn, first, last)?)),
            Job::Runs { first, last } => Done::Runs(run_slice(conn, &mut writer, first, last)?),
        };
        done.push((index, slice));
    }
}

/// A column that may be NULL, as text.
fn optional_text(value: ValueRef<'_>) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        ValueRef::Null => None,
        other => Some(text_of(other)),
    }
}

/// Entries numbered `first..=last`, checked against each other.
fn chain_slice(conn: &Connection, first: i64, last: i64) -> Result<ChainSlice, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_entry WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq"
    ))?;
    let mut rows = statement.query([first, last])?;
    let mut reader = ChainReader::default();
    while let Some(row) = rows.next()? {
        let (user, host) = (
            optional_text(row.get_ref(2)?),
            optional_text(row.get_ref(3)?),
        );
        let (action, subject) = (text_of(row.get_ref(4)?), text_of(row.get_ref(5)?));
        let (prev, hash) = (text_of(row.get_ref(7)?), text_of(row.get_ref(8)?));
        let payload = match row.get_ref(6)? {
            ValueRef::Text(bytes) | ValueRef::Blob(bytes) => bytes,
            _ => b"",
        };
        let stored = StoredEntry {
            seq: row.get(0)?,
            at_millis: row.get_ref(1)?.as_i64().unwrap_or(i64::MIN),
            user: user.as_deref(),
            host: host.as_deref(),
            action: &action,
            subject: &subject,
            payload,
            prev: &prev,
            hash: &hash,
        };
        reader.push(&stored, || Ok(entry_from_row(row)?))?;
    }
    Ok(reader.finish())
}

/// Runs keyed `first..=last`, each its document's digest as its rows read now: the runs, their
/// edges and their tags are each read in key order and merged.
pub(super) fn run_slice(
    conn: &Connection,
    writer: &mut RunDocumentWriter,
    first: i64,
    last: i64,
) -> Result<Vec<RunDigest>, StoreError> {
    let edges = |side: Side| {
        conn.prepare_cached(&format!(
            "SELECT x.run_id, {EDGE_COLUMNS} FROM {} x
             JOIN artifact_version v ON v.id = x.version_id
             WHERE x.run_id BETWEEN ?1 AND ?2 ORDER BY x.run_id",
            side.table()
        ))
    };
    let mut used_statement = edges(Side::Used)?;
    let mut generated_statement = edges(Side::Generated)?;
    let mut tag_statement = conn.prepare_cached(
        "SELECT run_id, key, value FROM run_tag WHERE run_id BETWEEN ?1 AND ?2
         ORDER BY run_id, key",
    )?;
    let mut run_statement =
        conn.prepare_cached(&run_select("r.id BETWEEN ?1 AND ?2 ORDER BY r.id", true))?;
    let mut used = used_statement.query([first, last])?;
    let mut generated = generated_statement.query([first, last])?;
    let mut tags = tag_statement.query([first, last])?;
    let mut runs = run_statement.query([first, last])?;
    let (mut next_used, mut next_generated, mut next_tag) =
        (used.next()?, generated.next()?, tags.next()?);
    let mut digests = Vec::new();
    while let Some(run) = runs.next()? {
        let key: i64 = run.get(KEY_COLUMN)?;
        // Rows keyed before this run belong to no run: they are skipped (the entry of the run
        // they belonged to reports it gone).
        while let Some(row) = next_used {
            match row.get::<_, i64>(0)?.cmp(&key) {
                std::cmp::Ordering::Greater => break,
                std::cmp::Ordering::Equal => writer.add_edge(conn, Side::Used, row, 1, None)?,
                std::cmp::Ordering::Less => {}
            }
            next_used = used.next()?;
        }
        while let Some(row) = next_generated {
            match row.get::<_, i64>(0)?.cmp(&key) {
                std::cmp::Ordering::Greater => break,
                std::cmp::Ordering::Equal => {
                    writer.add_edge(conn, Side::Generated, row, 1, None)?
                }
                std::cmp::Ordering::Less => {}
            }
            next_generated = generated.next()?;
        }
        while let Some(row) = next_tag {
            match row.get::<_, i64>(0)?.cmp(&key) {
                std::cmp::Ordering::Greater => break,
                std::cmp::Ordering::Equal => writer.add_tag(row.get_ref(1)?, row.get_ref(2)?),
                std::cmp::Ordering::Less => {}
            }
            next_tag = tags.next()?;
        }
        let uuid = run_uuid(run.get_ref(UUID_COLUMN)?);
        let digest = sha256(writer.finish(run)?);
        digests.push(RunDigest { uuid, key, digest });
    }
    Ok(digests)
}
