//! DVC 3's data layer: hashing files and directories, the content-addressed cache, workspace
//! links, the stat index, and reading and writing `.dvc`, `dvc.lock` and `.gitignore` files.

pub mod complete_memo;
pub mod dir_memo;
pub mod dvc_file;
pub mod gitignore;
pub mod hashing;
pub mod link;
pub mod lock_file;
mod new_file;
pub mod odb;
pub mod state;
pub mod walk;
