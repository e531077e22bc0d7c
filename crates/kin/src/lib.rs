//! The kin repository facade: finding and initialising repositories and loading their pipelines.

pub mod audit;
pub mod data;
pub mod diff;
mod digest;
mod dvc_config;
pub mod env;
pub mod experiments;
pub mod external;
pub mod git;
mod html_text;
mod init;
pub mod kin_config;
pub mod lineage;
pub mod metrics;
pub mod openlineage;
mod parallel;
pub mod paths;
pub mod plots;
pub mod registry;
pub mod remote;
mod repo;
pub mod repo_lock;
pub mod repro;
pub mod rwlock;
pub mod schedule;
pub mod tracked;
pub mod verify;

pub use dvc_config::{DvcConfig, DvcConfigError};
pub use init::{InitError, InitOptions, InitReport, init};
pub use repo::{Repo, RepoError};
