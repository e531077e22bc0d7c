//! OpenLineage out: with `OPENLINEAGE_URL` (and the client's other variables) or an
//! `openlineage.yml` set, each stage run of `kin repro` is sent as a START and a COMPLETE or
//! FAIL RunEvent (spec 2-0-2). Sending never fails or slows the repro: events go through a
//! background thread, and what is not sent within the time allowed is dropped with a warning.

mod config;
mod emitter;
mod event;

pub use config::{ConfigError, Transport, load};
pub use emitter::Emitter;
pub use event::{
    REPRO_JOB, RunContext, dataset_name, end_event, repro_event, run_events, start_event,
};
