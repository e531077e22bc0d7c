//! The kin repository facade: finding and initialising repositories and loading their pipelines.

pub mod data;
mod dvc_config;
mod init;
mod repo;
pub mod repro;

pub use dvc_config::{DvcConfig, DvcConfigError};
pub use init::{InitError, InitOptions, InitReport, init};
pub use repo::{Repo, RepoError};
