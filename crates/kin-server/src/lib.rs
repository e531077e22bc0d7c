//! `kin serve`: a lineage store over HTTP — the JSON API (the CLI's `--json` answers),
//! lineage in Marquez's shape, and OpenLineage events recorded into the same graph.

mod api;
mod auth;
mod error;
mod openlineage;
pub mod scheduler;
mod serve;
mod state;
mod ui;

pub use error::ServeError;
pub use openlineage::event::{EventError, parse as parse_openlineage_event};
pub use serve::{ServeOptions, Served, serve};
