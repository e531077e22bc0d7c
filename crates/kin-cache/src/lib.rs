//! DVC 3's data layer: md5 hashes and directory manifests, the content-addressed cache,
//! workspace links, the stat index, `.dvc` files and `.gitignore` entries.

pub mod dir_memo;
pub mod dvc_file;
pub mod dvc_file_update;
pub mod gitignore;
pub mod hashing;
pub mod link;
pub mod lock_file;
pub mod manifest;
pub mod md5;
mod new_file;
pub mod odb;
pub mod state;
pub mod walk;
