//! `kin model stages`: the stages in use, or those `.gto` allows.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::registry::Registry;
use serde_json::json;

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct StagesArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_stages(printer: Printer, cwd: &Path, args: &StagesArgs) -> Result<(), CommandError> {
    let registry = Registry::open(cwd)?;
    let stages = registry.stages();
    if args.json {
        return Ok(printer.json(&json!(stages), JsonStyle::Gto)?);
    }
    let mut out = printer.stdout();
    for stage in stages {
        writeln!(out, "{stage}")?;
    }
    Ok(())
}
