//! DVC 3's data layer: hashing files and directories (with DVC 3's md5 or DVC 2's
//! md5-dos2unix), the content-addressed cache, workspace links, the stat index, and reading
//! and writing `.dvc`, `dvc.lock` and `.gitignore` files.

pub mod caches;
pub mod complete_memo;
pub mod dir_memo;
pub mod dos2unix;
pub mod dvc_file;
pub mod gitignore;
pub mod hashing;
pub mod link;
pub mod lock_file;
mod new_file;
pub mod odb;
pub mod state;
pub mod walk;
