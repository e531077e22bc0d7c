//! DVC's per-path read/write lock (`.dvc/tmp/rwlock`): a stage reads-locks its deps and
//! write-locks its outputs while it runs, so two processes (kin or DVC) never run one stage, or
//! write what another reads, at once.
//!
//! The file is JSON, `{"read": {PATH: [INFO, ...]}, "write": {PATH: INFO}}` with
//! `INFO = {"pid": PID, "cmd": COMMAND LINE}` and absolute paths, edited under the `flock` of
//! `.dvc/tmp/rwlock.lock`, exactly as DVC's `dvc/rwlock.py` does, so each tool sees the
//! other's locks. An entry whose process is gone is dropped (DVC warns and does the same).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Why paths could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum RwLockError {
    #[error("`{}` is busy, it is being blocked by:\n{}", path.display(), blockers_text(blockers))]
    Busy {
        path: PathBuf,
        blockers: Vec<Holder>,
    },
    #[error("`{}` is not a valid DVC rwlock file: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot update `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A process holding a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub cmd: String,
}

fn blockers_text(blockers: &[Holder]) -> String {
    blockers
        .iter()
        .map(|b| format!("  (PID {}): {}", b.pid, b.cmd))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Read and write locks this process took; released when dropped.
#[derive(Debug)]
pub struct PathLocks {
    tmp_dir: PathBuf,
    me: Holder,
    read: Vec<String>,
    write: Vec<String>,
}

/// The rwlock file's content, in the order its sections and paths were written.
#[derive(Debug, Default)]
struct Table {
    read: Vec<(String, Vec<Holder>)>,
    write: Vec<(String, Holder)>,
    /// Whether `write` came before `read` in the file (kept, so an edit changes only entries).
    write_first: bool,
}

/// How long to wait for another process editing the rwlock file (an edit takes milliseconds).
const GUARD_PATIENCE: Duration = Duration::from_secs(10);

impl PathLocks {
    /// Read-locks `read` and write-locks `write` (absolute paths), failing with
    /// [`RwLockError::Busy`] when a live process writes any of them (or what they are in or
    /// hold), or reads any of `write`.
    pub fn acquire(
        dvc_dir: &Path,
        read: &[PathBuf],
        write: &[PathBuf],
    ) -> Result<PathLocks, RwLockError> {
        let text = |paths: &[PathBuf]| -> Vec<String> {
            paths
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect()
        };
        let (read, write) = (text(read), text(write));
        let mut taken = PathLocks {
            tmp_dir: dvc_dir.join("tmp"),
            me: Holder {
                pid: std::process::id(),
                cmd: std::env::args().collect::<Vec<_>>().join(" "),
            },
            read: Vec::new(),
            write: Vec::new(),
        };
        let me = taken.me.clone();
        let (new_read, new_write) = taken.edit(|table| {
            let all: Vec<&String> = read.iter().chain(&write).collect();
            let writes: Vec<&String> = write.iter().collect();
            drop_dead(table);
            let blocked = |path: &str, holder: &Holder, waiters: &[&String]| {
                *holder != me && waiters.iter().any(|w| overlaps(w, path))
            };
            let mut blockers = Vec::new();
            let mut busy = None;
            for (path, holder) in &table.write {
                if blocked(path, holder, &all) {
                    blockers.push(holder.clone());
                    busy.get_or_insert_with(|| path.clone());
                }
            }
            for (path, holders) in &table.read {
                for holder in holders {
                    if blocked(path, holder, &writes) && !blockers.contains(holder) {
                        blockers.push(holder.clone());
                        busy.get_or_insert_with(|| path.clone());
                    }
                }
            }
            if let Some(path) = busy {
                return Err(RwLockError::Busy {
                    path: PathBuf::from(path),
                    blockers,
                });
            }
            let mut new_read = Vec::new();
            for path in &read {
                let index = match table.read.iter().position(|(p, _)| p == path) {
                    Some(index) => index,
                    None => {
                        table.read.push((path.clone(), Vec::new()));
                        table.read.len() - 1
                    }
                };
                let readers = &mut table.read[index].1;
                if !readers.contains(&me) {
                    readers.push(me.clone());
                    new_read.push(path.clone());
                }
            }
            let mut new_write = Vec::new();
            for path in &write {
                match table.write.iter_mut().find(|(p, _)| p == path) {
                    Some((_, holder)) if *holder == me => continue,
                    Some((_, holder)) => *holder = me.clone(),
                    None => table.write.push((path.clone(), me.clone())),
                }
                new_write.push(path.clone());
            }
            Ok((new_read, new_write))
        })?;
        taken.read = new_read;
        taken.write = new_write;
        Ok(taken)
    }

    /// Loads the rwlock file under its guard, lets `change` edit it, and writes it back.
    fn edit<T>(
        &self,
        change: impl FnOnce(&mut Table) -> Result<T, RwLockError>,
    ) -> Result<T, RwLockError> {
        let path = self.tmp_dir.join("rwlock");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RwLockError::Io { path, source }
        };
        std::fs::create_dir_all(&self.tmp_dir).map_err(io(&self.tmp_dir))?;
        let _guard = guard(&self.tmp_dir.join("rwlock.lock"))?;
        let mut table = match std::fs::read_to_string(&path) {
            Ok(text) => Table::parse(&path, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Table::default(),
            Err(source) => return Err(RwLockError::Io { path, source }),
        };
        let value = change(&mut table)?;
        kin_format::atomic_write::write_atomic(&path, table.to_python_json().as_bytes())
            .map_err(io(&path))?;
        Ok(value)
    }
}

impl Drop for PathLocks {
    fn drop(&mut self) {
        if self.read.is_empty() && self.write.is_empty() {
            return;
        }
        let (read, write) = (
            std::mem::take(&mut self.read),
            std::mem::take(&mut self.write),
        );
        let me = self.me.clone();
        // Best effort: a lock left behind names a dead pid, which the next taker drops.
        let _ = self.edit(|table| {
            table
                .write
                .retain(|(path, holder)| !(*holder == me && write.contains(path)));
            for (path, readers) in &mut table.read {
                if read.contains(path) {
                    readers.retain(|holder| *holder != me);
                }
            }
            table.read.retain(|(_, readers)| !readers.is_empty());
            Ok(())
        });
    }
}

/// Drops the entries of processes that no longer exist, as DVC does (with a warning).
fn drop_dead(table: &mut Table) {
    table.write.retain(|(_, holder)| process_exists(holder.pid));
    for (_, readers) in &mut table.read {
        readers.retain(|holder| process_exists(holder.pid));
    }
    table.read.retain(|(_, readers)| !readers.is_empty());
}

impl Table {
    fn parse(path: &Path, text: &str) -> Result<Table, RwLockError> {
        let corrupt = |reason: String| RwLockError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let value: Value = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
        let Value::Object(map) = value else {
            return Err(corrupt("not a JSON object".to_owned()));
        };
        let holder = |v: &Value| -> Option<Holder> {
            Some(Holder {
                pid: u32::try_from(v.get("pid")?.as_u64()?).ok()?,
                cmd: v.get("cmd")?.as_str()?.to_owned(),
            })
        };
        let mut table = Table::default();
        for (key, section) in &map {
            let paths = section
                .as_object()
                .ok_or_else(|| corrupt(format!("`{key}` is not an object")))?;
            let bad = |path: &str| corrupt(format!("bad `{key}` entry for `{path}`"));
            match key.as_str() {
                "write" => {
                    table.write_first = table.read.is_empty();
                    for (path, info) in paths {
                        table
                            .write
                            .push((path.clone(), holder(info).ok_or_else(|| bad(path))?));
                    }
                }
                "read" => {
                    for (path, infos) in paths {
                        let list = infos
                            .as_array()
                            .and_then(|l| l.iter().map(holder).collect::<Option<Vec<_>>>())
                            .ok_or_else(|| bad(path))?;
                        table.read.push((path.clone(), list));
                    }
                }
                other => return Err(corrupt(format!("unexpected key `{other}`"))),
            }
        }
        Ok(table)
    }

    /// The table as Python's `json.dump` writes it by default (`", "` and `": "` separators,
    /// non-ASCII escaped), leaving out empty sections as DVC does.
    fn to_python_json(&self) -> String {
        use kin_format::yaml::{Map as YamlMap, Node, Value as Yaml};
        let entry = |map: &mut YamlMap, key: &str, value: Yaml| {
            map.insert(key.to_owned(), Default::default(), Node::unlocated(value));
        };
        let holder = |h: &Holder| {
            let mut map = YamlMap::new();
            entry(&mut map, "pid", Yaml::Int(i64::from(h.pid)));
            entry(&mut map, "cmd", Yaml::Str(h.cmd.clone()));
            Yaml::Map(map)
        };
        let mut read = YamlMap::new();
        for (path, list) in &self.read {
            let holders = list.iter().map(|h| Node::unlocated(holder(h))).collect();
            entry(&mut read, path, Yaml::List(holders));
        }
        let mut write = YamlMap::new();
        for (path, h) in &self.write {
            entry(&mut write, path, holder(h));
        }
        let mut sections: Vec<(&str, YamlMap)> = Vec::new();
        if !read.is_empty() {
            sections.push(("read", read));
        }
        if !write.is_empty() {
            let at = if self.write_first { 0 } else { sections.len() };
            sections.insert(at, ("write", write));
        }
        let mut document = YamlMap::new();
        for (name, section) in sections {
            entry(&mut document, name, Yaml::Map(section));
        }
        kin_format::python::dumps(&Yaml::Map(document), Default::default())
    }
}

/// Whether `a` and `b` are one path or one holds the other.
fn overlaps(a: &str, b: &str) -> bool {
    let inside = |child: &str, parent: &str| {
        child.len() > parent.len()
            && child.starts_with(parent)
            && (parent.ends_with('/') || child.as_bytes()[parent.len()] == b'/')
    };
    a == b || inside(a, b) || inside(b, a)
}

/// Whether a process with this pid exists (signal 0 reaches it, or it belongs to someone else).
pub(crate) fn process_exists(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e == rustix::io::Errno::PERM,
    }
}

/// Takes the `flock` guarding the rwlock file, retrying briefly as DVC's lock does.
fn guard(path: &Path) -> Result<File, RwLockError> {
    let io = |source| RwLockError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io)?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < GUARD_PATIENCE => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(io(std::io::Error::from(std::io::ErrorKind::WouldBlock)));
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(io(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("tmp/rwlock")).expect("rwlock file")
    }

    #[test]
    fn locks_release_and_block() {
        let dir = tempfile::tempdir().expect("tmp");
        let dvc = dir.path();
        let locks = PathLocks::acquire(dvc, &["/r/in".into()], &["/r/out".into()]).expect("lock");
        let me = std::process::id();
        let text = file(dvc);
        let value: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value["write"]["/r/out"]["pid"], serde_json::json!(me));
        assert_eq!(value["read"]["/r/in"][0]["pid"], serde_json::json!(me));
        assert!(text.contains("\"pid\": "), "python separators: {text}");
        drop(locks);
        assert_eq!(file(dvc), "{}");
    }

    #[test]
    fn a_live_writer_blocks_and_a_dead_one_is_dropped() {
        let dir = tempfile::tempdir().expect("tmp");
        let dvc = dir.path();
        std::fs::create_dir_all(dvc.join("tmp")).expect("mkdir");
        // pid 1 is alive (and not ours); a pid far above pid_max is not.
        std::fs::write(
            dvc.join("tmp/rwlock"),
            r#"{"write": {"/r/out": {"pid": 1, "cmd": "dvc repro"}, "/r/gone": {"pid": 2147483600, "cmd": "dvc repro"}}}"#,
        )
        .expect("write");
        match PathLocks::acquire(dvc, &[], &["/r/out/model.pkl".into()]) {
            Err(RwLockError::Busy { blockers, .. }) => {
                assert_eq!(
                    blockers,
                    [Holder {
                        pid: 1,
                        cmd: "dvc repro".into()
                    }]
                );
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        let locks = PathLocks::acquire(dvc, &["/r/gone".into()], &[]).expect("dead writer");
        let value: Value = serde_json::from_str(&file(dvc)).expect("json");
        assert!(value["write"].get("/r/gone").is_none());
        drop(locks);
    }

    #[test]
    fn a_corrupt_file_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("tmp")).expect("mkdir");
        std::fs::write(dir.path().join("tmp/rwlock"), "{not json").expect("write");
        assert!(matches!(
            PathLocks::acquire(dir.path(), &[], &["/x".into()]),
            Err(RwLockError::Corrupt { .. })
        ));
    }
}
