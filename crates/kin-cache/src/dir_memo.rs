//! Remembered directory hashes: a tracked directory whose listing (every file's relpath,
//! inode, mtime and size) is unchanged since its hash was computed has that hash still, so a
//! no-op status neither loads per-file rows nor rebuilds the manifest.

use md5::Digest;
use rusqlite::OptionalExtension;

use crate::state::{StateError, StateIndex, now_ns, tables};
use crate::walk::WalkedFile;
use kin_format::md5::{HashName, Md5};

/// A digest of a walked directory: what must be unchanged for its hash to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    pub digest: Md5,
    /// The newest file mtime: a listing recorded no later than that could hide a write made
    /// within the filesystem's mtime granularity, as for single files in the state index.
    pub newest_mtime_ns: i128,
}

impl Listing {
    /// The listing of `files` (in walk order, which is sorted by relpath).
    pub fn of(files: &[WalkedFile]) -> Self {
        let mut hasher = md5::Md5::new();
        let mut newest_mtime_ns = i128::MIN;
        for file in files {
            // Length-prefixed so no two listings serialise alike.
            hasher.update((file.relpath.len() as u64).to_le_bytes());
            hasher.update(file.relpath.as_bytes());
            hasher.update(file.stat.inode.to_le_bytes());
            hasher.update(file.stat.mtime_ns.to_le_bytes());
            hasher.update(file.stat.size.to_le_bytes());
            newest_mtime_ns = newest_mtime_ns.max(file.stat.mtime_ns);
        }
        Listing {
            digest: Md5(hasher.finalize().into()),
            newest_mtime_ns,
        }
    }
}

impl StateIndex {
    /// The manifest md5 recorded for directory `path` hashed by `name`, if `listing` is the
    /// one it was computed from and every file was already older than the record.
    pub fn dir_md5(
        &self,
        name: HashName,
        path: &str,
        listing: &Listing,
    ) -> Result<Option<Md5>, StateError> {
        let row: Option<(String, String, String)> = self
            .connection
            .prepare_cached(&format!(
                "SELECT listing, md5, written_ns FROM {} WHERE path = ?1",
                tables(name).1
            ))
            .and_then(|mut statement| {
                statement
                    .query_row([path], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(|e| self.error(e))?;
        let Some((digest, md5, written)) = row else {
            return Ok(None);
        };
        // The digest covers every mtime, so an equal digest means an equal newest mtime.
        let fresh = digest.parse::<Md5>().is_ok_and(|d| d == listing.digest)
            && written
                .parse::<i128>()
                .is_ok_and(|w| listing.newest_mtime_ns < w);
        Ok(if fresh { md5.parse().ok() } else { None })
    }

    /// Records that directory `path` with `listing`, hashed by `name`, has manifest `md5`.
    pub fn put_dir_md5(
        &self,
        name: HashName,
        path: &str,
        listing: &Listing,
        md5: Md5,
    ) -> Result<(), StateError> {
        self.connection
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO {} (path, listing, md5, written_ns)
                 VALUES (?1, ?2, ?3, ?4)",
                tables(name).1
            ))
            .and_then(|mut statement| {
                statement.execute([
                    path,
                    &listing.digest.to_string(),
                    &md5.to_string(),
                    &now_ns().to_string(),
                ])
            })
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::FileStat;

    fn file(relpath: &str, mtime_ns: i128) -> WalkedFile {
        WalkedFile {
            relpath: relpath.to_owned(),
            stat: FileStat {
                inode: 1,
                mtime_ns,
                size: 3,
                is_exec: false,
            },
        }
    }

    #[test]
    fn same_listing_hits_and_any_change_or_racy_mtime_misses() {
        let dir = tempfile::tempdir().expect("tmp");
        let index = StateIndex::open(&dir.path().join("state.db")).expect("open");
        let md5 = Md5::of(b"manifest");
        let listing = Listing::of(&[file("a", 1_000), file("b", 2_000)]);
        assert_eq!(
            index.dir_md5(HashName::Md5, "data", &listing).expect("get"),
            None
        );
        index
            .put_dir_md5(HashName::Md5, "data", &listing, md5)
            .expect("put");
        assert_eq!(
            index.dir_md5(HashName::Md5, "data", &listing).expect("get"),
            Some(md5)
        );
        assert_eq!(
            index
                .dir_md5(HashName::Md5, "other", &listing)
                .expect("get"),
            None
        );
        for changed in [
            vec![file("a", 1_000)],
            vec![file("a", 1_000), file("b", 2_001)],
            vec![file("a", 1_000), file("c", 2_000)],
            // The same bytes split differently between relpaths must not collide.
            vec![file("ab", 1_000), file("", 2_000)],
        ] {
            assert_eq!(
                index
                    .dir_md5(HashName::Md5, "data", &Listing::of(&changed))
                    .expect("get"),
                None
            );
        }
        // A file whose mtime is not older than the record might hide a later write.
        let racy = Listing::of(&[file("a", now_ns() + 1_000_000_000)]);
        index
            .put_dir_md5(HashName::Md5, "racy", &racy, md5)
            .expect("put");
        // DVC 2's hash of the same listing is remembered apart.
        assert_eq!(
            index
                .dir_md5(HashName::Md5Dos2Unix, "data", &listing)
                .expect("get"),
            None
        );
        assert_eq!(
            index.dir_md5(HashName::Md5, "racy", &racy).expect("get"),
            None
        );
    }
}
