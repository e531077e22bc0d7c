//! DVC 3's file formats, below every other kin crate: the YAML value model read with ruamel's
//! YAML 1.2 rules and written byte for byte as ruamel writes it, Python's `repr` and
//! `json.dumps` of those values, params files (YAML, JSON, TOML), stage commands, md5 object
//! ids, directory manifests, and the `dvc.lock` and `.dvc` file models.

pub mod atomic_write;
mod command;
pub mod dvc_file;
pub mod dvc_file_update;
pub mod import_dvc_file;
pub mod lock_file;
pub mod manifest;
pub mod md5;
pub mod params_file;
pub mod python;
pub mod repo_path;
pub mod yaml;

pub use command::Command;
