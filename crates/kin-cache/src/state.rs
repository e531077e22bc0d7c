//! The stat index in `.kin/state.db`: (path, inode, mtime, size) → md5, so unchanged files
//! are never read twice. DVC 2's md5-dos2unix hashes are remembered in tables of their own.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use std::collections::HashMap;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, params};

use crate::walk::FileStat;
use kin_format::md5::{HashName, Md5};

/// Why the state index could not be used.
#[derive(Debug, thiserror::Error)]
#[error("state index `{}`: {source}", path.display())]
pub struct StateError {
    pub path: PathBuf,
    pub source: rusqlite::Error,
}

/// One recorded hash and the stat it was recorded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateEntry {
    pub inode: u64,
    pub mtime_ns: i128,
    pub size: u64,
    pub md5: Md5,
    pub written_ns: i128,
}

impl StateEntry {
    /// The md5, if the file still has the recorded stat and its mtime is safely older than
    /// the record (a write within the filesystem's mtime granularity after recording would
    /// not change the stat, so such entries are not trusted).
    pub fn md5_if_fresh(&self, stat: &FileStat) -> Option<Md5> {
        let fresh = self.inode == stat.inode
            && self.mtime_ns == stat.mtime_ns
            && self.size == stat.size
            && stat.mtime_ns < self.written_ns;
        fresh.then_some(self.md5)
    }
}

/// An open stat index.
pub struct StateIndex {
    pub(crate) connection: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS file_hash (
    path TEXT PRIMARY KEY,
    inode INTEGER NOT NULL,
    mtime_ns TEXT NOT NULL,
    size INTEGER NOT NULL,
    md5 TEXT NOT NULL,
    -- when this row was written: an mtime not older than this may hide a later write
    written_ns TEXT NOT NULL
) WITHOUT ROWID;
-- A directory's hash and a digest of the listing (every file's relpath and stat) it was
-- computed from: an unchanged listing gives the hash without reading per-file rows.
CREATE TABLE IF NOT EXISTS dir_hash (
    path TEXT PRIMARY KEY,
    listing TEXT NOT NULL,
    md5 TEXT NOT NULL,
    written_ns TEXT NOT NULL
) WITHOUT ROWID;
-- The same for md5-dos2unix, which only DVC 2 entries need: a path may have both hashes.
CREATE TABLE IF NOT EXISTS file_hash_dos2unix (
    path TEXT PRIMARY KEY,
    inode INTEGER NOT NULL,
    mtime_ns TEXT NOT NULL,
    size INTEGER NOT NULL,
    md5 TEXT NOT NULL,
    written_ns TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dir_hash_dos2unix (
    path TEXT PRIMARY KEY,
    listing TEXT NOT NULL,
    md5 TEXT NOT NULL,
    written_ns TEXT NOT NULL
) WITHOUT ROWID;
-- Directories the cache was found to hold whole, and when (see complete_memo.rs).
CREATE TABLE IF NOT EXISTS complete_dir (
    id TEXT PRIMARY KEY,
    verified_ns TEXT NOT NULL
) WITHOUT ROWID;
";

/// The tables holding hash `name` of files and of directories.
pub(crate) fn tables(name: HashName) -> (&'static str, &'static str) {
    match name {
        HashName::Md5 => ("file_hash", "dir_hash"),
        HashName::Md5Dos2Unix => ("file_hash_dos2unix", "dir_hash_dos2unix"),
    }
}

pub(crate) fn now_ns() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

impl StateIndex {
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let error = |source| StateError {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let connection = Connection::open(path).map_err(error)?;
        // The wait comes first: switching a new database to WAL needs it to itself, and a
        // second process opening it at that moment must wait, not fail with "locked".
        connection
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(error)?;
        connection
            .execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            .map_err(error)?;
        // Stable plans: otherwise SQLite plans a cached `column = ?` statement again each
        // time rusqlite hands it out with new values (see kin-store's SqliteStore::configure).
        connection
            .set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(error)?;
        connection.execute_batch(SCHEMA).map_err(error)?;
        Ok(StateIndex {
            connection,
            path: path.to_path_buf(),
        })
    }

    pub(crate) fn error(&self, source: rusqlite::Error) -> StateError {
        StateError {
            path: self.path.clone(),
            source,
        }
    }

    /// The recorded hash `name` of one file, if still valid for `stat`.
    pub fn get(
        &self,
        name: HashName,
        path: &str,
        stat: &FileStat,
    ) -> Result<Option<Md5>, StateError> {
        let entries = self.load_under(name, path)?;
        Ok(entries.get(path).and_then(|e| e.md5_if_fresh(stat)))
    }

    /// Every entry of hash `name` for `path` itself or below `path/`, in one query: what a
    /// directory walk needs.
    pub fn load_under(
        &self,
        name: HashName,
        path: &str,
    ) -> Result<HashMap<String, StateEntry>, StateError> {
        let below = format!("{path}/");
        let end = format!("{path}0"); // '0' sorts right after '/'
        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "SELECT path, inode, mtime_ns, size, md5, written_ns FROM {}
                 WHERE path = ?1 OR (path >= ?2 AND path < ?3)",
                tables(name).0
            ))
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([path, below.as_str(), end.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.error(e))?;
        let mut entries = HashMap::new();
        for row in rows {
            let (path, inode, mtime, size, md5, written) = row.map_err(|e| self.error(e))?;
            let (Ok(mtime_ns), Ok(md5), Ok(written_ns)) =
                (mtime.parse(), md5.parse(), written.parse())
            else {
                continue;
            };
            entries.insert(
                path,
                StateEntry {
                    inode: inode as u64,
                    mtime_ns,
                    size: size as u64,
                    md5,
                    written_ns,
                },
            );
        }
        Ok(entries)
    }

    /// Records many hashes `name` in one transaction.
    pub fn put_many<'a>(
        &mut self,
        name: HashName,
        entries: impl IntoIterator<Item = (&'a str, FileStat, Md5)>,
    ) -> Result<(), StateError> {
        let written = now_ns().to_string();
        // The transaction borrows the connection, so errors are built from a copy of the path.
        let path = self.path.clone();
        let error = |source| StateError {
            path: path.clone(),
            source,
        };
        let tx = self.connection.transaction().map_err(error)?;
        {
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT OR REPLACE INTO {} (path, inode, mtime_ns, size, md5, written_ns)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    tables(name).0
                ))
                .map_err(error)?;
            for (file, stat, md5) in entries {
                insert
                    .execute(params![
                        file,
                        stat.inode as i64,
                        stat.mtime_ns.to_string(),
                        stat.size as i64,
                        md5.to_string(),
                        written
                    ])
                    .map_err(error)?;
            }
        }
        tx.commit().map_err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_entries_hit_and_racy_or_changed_ones_miss() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut index = StateIndex::open(&dir.path().join("state.db")).expect("open");
        let md5 = Md5::of(b"x");
        let old = FileStat {
            inode: 7,
            mtime_ns: 1_000,
            size: 1,
            is_exec: false,
        };
        index
            .put_many(HashName::Md5, [("a", old, md5)])
            .expect("put");
        assert_eq!(index.get(HashName::Md5, "a", &old).expect("get"), Some(md5));
        let changed = FileStat { size: 2, ..old };
        assert_eq!(index.get(HashName::Md5, "a", &changed).expect("get"), None);
        // Each hash name remembers its own value.
        assert_eq!(
            index.get(HashName::Md5Dos2Unix, "a", &old).expect("get"),
            None
        );
        let legacy = Md5::of(b"y");
        index
            .put_many(HashName::Md5Dos2Unix, [("a", old, legacy)])
            .expect("put");
        assert_eq!(
            index.get(HashName::Md5Dos2Unix, "a", &old).expect("get"),
            Some(legacy)
        );
        assert_eq!(index.get(HashName::Md5, "a", &old).expect("get"), Some(md5));
        // An mtime at or after the moment of recording might hide a second write: not trusted.
        let racy = FileStat {
            mtime_ns: now_ns() + 1_000_000_000,
            ..old
        };
        index
            .put_many(HashName::Md5, [("b", racy, md5)])
            .expect("put");
        assert_eq!(index.get(HashName::Md5, "b", &racy).expect("get"), None);
    }
}
