//! Tests of the `kin` library itself, without the binary: one test binary, one module per area.

mod events;
mod repro;
