//! `kin stages`: every stage after templating, as a table or the stable JSON contract.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin_format::Command;
use kin_pipeline::{OutKind, Stage};
use serde_json::{Map, Value, json};

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct StagesArgs {
    /// Print the stable JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_stages(printer: Printer, cwd: &Path, args: &StagesArgs) -> Result<(), CommandError> {
    let project = kin::Repo::discover(cwd)?.project()?;
    if args.json {
        let mut stages = Map::new();
        for stage in &project.stages {
            stages.insert(stage.address(), stage_json(stage));
        }
        let document = json!({ "stages": stages });
        printer.json(&document, JsonStyle::Pretty)?;
        return Ok(());
    }
    let width = project
        .stages
        .iter()
        .map(|s| s.address().len())
        .max()
        .unwrap_or(0);
    let mut out = printer.stdout();
    for stage in &project.stages {
        let summary = stage.desc.clone().unwrap_or_else(|| match &stage.cmd {
            Command::Single(cmd) => cmd.clone(),
            Command::List(cmds) => cmds.join(" && "),
        });
        let first_line = summary.lines().next().unwrap_or_default();
        writeln!(out, "{:width$}  {first_line}", stage.address())?;
    }
    Ok(())
}

/// The documented shape of one stage in `kin stages --json` (see docs/pipelines.md).
fn stage_json(stage: &Stage) -> Value {
    let paths =
        |kind: OutKind| -> Vec<&str> { stage.outs_of(kind).map(|o| o.path.as_str()).collect() };
    let mut params = Map::new();
    for dep in &stage.params {
        params.insert(dep.file.clone(), json!(dep.keys));
    }
    json!({
        "cmd": match &stage.cmd {
            Command::Single(cmd) => json!(cmd),
            Command::List(cmds) => json!(cmds),
        },
        "wdir": stage.wdir,
        "deps": stage.deps.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(),
        "outs": paths(OutKind::Out),
        "metrics": paths(OutKind::Metric),
        "plots": paths(OutKind::Plot),
        "params": params,
        "frozen": stage.frozen,
        "always_changed": stage.always_changed,
    })
}
