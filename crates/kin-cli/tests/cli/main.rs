//! End-to-end tests of the `kin` binary: one test binary, one module per area.

mod audit;
mod capture;
mod common;
mod corpus;
mod dag;
mod data;
mod fidelity;
mod gates;
mod init;
mod legacy;
mod lineage;
mod metrics;
mod openlineage;
mod output;
mod processes;
mod promotion;
mod registry;
mod reliability;
mod remote;
mod repro;
mod safety;
mod serve;
mod store;
mod tags;
mod ui;
mod verify_bytes;
