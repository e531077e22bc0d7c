//! DVC's run-cache (`.dvc/cache/runs/<key[:2]>/<key>/<value>`): a stage's (cmd, deps, params)
//! mapped to the outputs a past run produced, so the same inputs restore instead of re-running.

use std::path::{Path, PathBuf};

use crate::digest::sha256_hex;
use kin_format::lock_file::LockEntry;
use kin_format::python::{DumpOptions, dumps};
use kin_format::yaml::emit::to_yaml_document;
use kin_format::yaml::{Node, Value, parse_yaml};
use kin_pipeline::Stage;

use super::ReproError;

/// Meta fields DVC leaves out of run-cache hashes.
const UNHASHED: &[&str] = &["size", "nfiles"];

/// Whether DVC would use the run-cache for this stage: it has a command, deps and outs, is
/// not always-changed, and none of its outputs persist between runs.
pub(crate) fn applies_to(stage: &Stage) -> bool {
    let has_deps = !stage.deps.is_empty() || !stage.params.is_empty();
    has_deps
        && !stage.outs.is_empty()
        && !stage.always_changed
        && !stage.outs.iter().any(|o| o.persist)
}

/// The key: the entry with outs reduced to their paths (the inputs, and which outputs).
fn key_of(entry: &LockEntry) -> String {
    let mut value = entry.to_value();
    if let Value::Map(map) = &mut value
        && let Some(outs) = map.get_mut("outs")
    {
        let paths: Vec<Node> = entry
            .outs
            .iter()
            .map(|o| Node::unlocated(Value::Str(o.path.clone())))
            .collect();
        *outs = Node::unlocated(Value::List(paths));
    }
    sha256_hex(&dumps_sorted(&value))
}

/// The file name of one recorded result.
fn value_of(entry: &LockEntry) -> String {
    sha256_hex(&dumps_sorted(&entry.to_value()))
}

/// `json.dumps(value, sort_keys=True)` without the unhashed keys, as DVC hashes run-cache
/// entries.
fn dumps_sorted(value: &Value) -> String {
    let options = DumpOptions {
        sort_keys: true,
        exclude: UNHASHED,
        indent: None,
    };
    dumps(value, options)
}

/// The run-cache of one repository.
pub(crate) struct RunCache {
    dir: PathBuf,
}

impl RunCache {
    pub fn new(dvc_dir: &Path) -> Self {
        RunCache {
            dir: dvc_dir.join("cache").join("runs"),
        }
    }

    fn key_dir(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(key)
    }

    /// Records a successful run. An identical record already there is left alone.
    pub fn save(&self, entry: &LockEntry) -> Result<(), ReproError> {
        let dir = self.key_dir(&key_of(entry));
        let path = dir.join(value_of(entry));
        if path.exists() {
            return Ok(());
        }
        let error = |source| ReproError::RunCache {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(error)?;
        // The run cache is in the cache, which other machines may share.
        let text = to_yaml_document(&entry.to_value());
        kin_format::atomic_write::write_atomic_shared_with(&path, |file| {
            std::io::Write::write_all(file, text.as_bytes())
        })
        .map_err(error)
    }

    /// The newest recorded result for the inputs in `inputs` (an entry whose outs carry only
    /// paths), as DVC picks it: by modification time.
    pub fn lookup(&self, inputs: &LockEntry) -> Option<LockEntry> {
        let dir = self.key_dir(&key_of(inputs));
        let newest = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .max_by_key(|(modified, _)| *modified)?
            .1;
        let text = std::fs::read_to_string(newest).ok()?;
        let node = parse_yaml(&text).ok()?;
        let entry = LockEntry::from_node(&node).ok()?;
        // Guard against a record for other outputs (the key covers their paths, but be sure).
        let same_outs = entry.outs.len() == inputs.outs.len()
            && entry
                .outs
                .iter()
                .zip(&inputs.outs)
                .all(|(a, b)| a.path == b.path);
        same_outs.then_some(entry)
    }
}
