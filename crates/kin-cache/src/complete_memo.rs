//! Remembering that the cache holds a directory whole. Checking costs one stat per file of
//! the directory on every `status`; instead a directory found whole is remembered with the
//! time of the check, and believed whole again while no prefix directory of the cache changed
//! since: removing an object changes the mtime of the directory it was in.

use rusqlite::OptionalExtension;

use crate::odb::ObjectDb;
use crate::state::{StateError, StateIndex, now_ns};
use kin_format::md5::{HashName, ObjectId};

/// Directory mtimes come from a coarse kernel clock; a change this close to a check is taken
/// as made after it.
const CLOCK_SLACK_NS: i128 = 1_000_000_000;

impl StateIndex {
    /// Whether `cache` holds `id` whole (see [`ObjectDb::holds_complete`]), asking the cache
    /// only when it may have changed since `id` was last found whole.
    pub fn holds_complete(&self, cache: &ObjectDb, id: &ObjectId) -> Result<bool, StateError> {
        if !id.is_dir {
            return Ok(cache.contains(id));
        }
        // DVC 2's cache holds objects named by another hash: the same id there is another
        // object.
        let key = match cache.hash_name() {
            HashName::Md5 => id.to_string(),
            HashName::Md5Dos2Unix => format!("{}:{id}", HashName::Md5Dos2Unix.as_str()),
        };
        let verified: Option<String> = self
            .connection
            .prepare_cached("SELECT verified_ns FROM complete_dir WHERE id = ?1")
            .and_then(|mut s| s.query_row([&key], |r| r.get(0)).optional())
            .map_err(|e| self.error(e))?;
        // The cache's latest change costs a stat of every prefix directory: asked only when
        // there is a check to compare it with.
        let still = verified
            .and_then(|v| v.parse::<i128>().ok())
            .is_some_and(|verified| {
                cache
                    .latest_change_ns()
                    .is_some_and(|changed| changed < verified - CLOCK_SLACK_NS)
            });
        if still {
            return Ok(true);
        }
        let checked_at = now_ns();
        let whole = cache.holds_complete(id);
        if whole {
            self.connection
                .prepare_cached(
                    "INSERT OR REPLACE INTO complete_dir (id, verified_ns) VALUES (?1, ?2)",
                )
                .and_then(|mut s| s.execute([&key, &checked_at.to_string()]))
                .map_err(|e| self.error(e))?;
        }
        Ok(whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kin_format::manifest::{Manifest, ManifestEntry};
    use kin_format::md5::Md5;

    #[test]
    fn a_removed_file_object_is_noticed_after_the_directory_was_remembered_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let cache = ObjectDb::at(dir.path().join("cache"));
        let state = StateIndex::open(&dir.path().join("state.db")).expect("state");
        let md5 = Md5::of(b"a\n");
        cache
            .insert_bytes(&ObjectId::file(md5), b"a\n")
            .expect("object");
        let manifest = Manifest::new(vec![ManifestEntry {
            relpath: "a".into(),
            md5,
        }]);
        let id = manifest.object_id();
        cache
            .insert_bytes(&id, manifest.to_json().as_bytes())
            .expect("manifest");
        assert!(state.holds_complete(&cache, &id).expect("check"));
        assert!(state.holds_complete(&cache, &id).expect("remembered"));
        let object = cache.object_path(&ObjectId::file(md5));
        let mut permissions = std::fs::metadata(&object).expect("meta").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&object, permissions).expect("chmod");
        std::fs::remove_file(object).expect("rm");
        assert!(!state.holds_complete(&cache, &id).expect("noticed"));
    }
}
