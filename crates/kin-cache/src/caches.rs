//! A repository's two object stores as DVC 3 keeps them: its own (`files/md5`) and DVC 2's.

use std::path::Path;

use kin_format::md5::HashName;

use crate::odb::ObjectDb;

/// The caches under one `.dvc/` directory, by the hash name that names their objects.
#[derive(Debug)]
pub struct Caches {
    md5: ObjectDb,
    dos2unix: ObjectDb,
}

impl Caches {
    pub fn in_dvc_dir(dvc_dir: &Path) -> Self {
        Caches {
            md5: ObjectDb::in_dvc_dir(dvc_dir),
            dos2unix: ObjectDb::legacy_in_dvc_dir(dvc_dir),
        }
    }

    /// Where objects named by `name` are kept: each hash name has one place, and DVC 3 never
    /// looks for an object in the other.
    pub fn for_hash(&self, name: HashName) -> &ObjectDb {
        match name {
            HashName::Md5 => &self.md5,
            HashName::Md5Dos2Unix => &self.dos2unix,
        }
    }

    /// Both caches, DVC 3's first.
    pub fn all(&self) -> [&ObjectDb; 2] {
        [&self.md5, &self.dos2unix]
    }
}
