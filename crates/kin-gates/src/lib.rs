//! Drift and fairness statistics for kin's quality gates: pure functions, no printing.

pub mod columns;
pub mod drift;
pub mod fairness;
pub mod report;
pub mod stattest;
pub mod table;

pub use columns::{ColumnKind, Overrides};
pub use stattest::StatTest;
pub use table::{Table, TableError};
