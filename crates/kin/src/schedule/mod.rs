//! Scheduled pipelines: when each schedule fires (`timing`), what `.kin/config.toml` says
//! of it (`config`), which firing is due (`due`) and running one firing with its policies
//! (`firing`).

pub mod config;
pub mod due;
pub mod firing;
pub mod json;
pub mod timing;

pub use config::{Concurrency, OnFailure, RetryDelay, Schedule, ScheduleConfigError};
pub use due::{Due, due_at};
pub use firing::{
    Firing, FiringError, SCHEDULE_TAG, from_store_time, run_firing, runner, to_store_time,
};
pub use timing::{Timing, TimingError, format_interval, parse_instant, parse_interval};
