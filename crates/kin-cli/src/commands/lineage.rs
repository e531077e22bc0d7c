//! `kin lineage up|down TARGET`.

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use kin::lineage::kin_store::Direction;

use crate::command_error::CommandError;
use crate::lineage_view;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct LineageArgs {
    #[command(subcommand)]
    pub direction: LineageDirection,
}

#[derive(Debug, Subcommand)]
pub enum LineageDirection {
    /// What produced the target: the runs, their inputs, params, code, commit and environment.
    Up(LineageQueryArgs),
    /// What the target reached: every run that used it and every output, across all history.
    Down(LineageQueryArgs),
}

#[derive(Debug, Args)]
pub struct LineageQueryArgs {
    /// A path (its current version), `path@HASHPREFIX`, `run:ID`, a stage (its latest run), or a
    /// registered model: `model:NAME@vX.Y.Z`, `model:NAME#STAGE`, `model:NAME@latest`.
    pub target: String,
    /// Follow at most N runs away from the target.
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Print the graph as JSON (nodes and edges).
    #[arg(long, conflicts_with = "dot")]
    pub json: bool,
    /// Print the graph in Graphviz DOT.
    #[arg(long)]
    pub dot: bool,
}

pub fn cmd_lineage(printer: Printer, cwd: &Path, args: &LineageArgs) -> Result<(), CommandError> {
    let (direction, query) = match &args.direction {
        LineageDirection::Up(query) => (Direction::Up, query),
        LineageDirection::Down(query) => (Direction::Down, query),
    };
    let repo = kin::Repo::discover(cwd)?;
    let depth = query.depth.unwrap_or(usize::MAX);
    let view = kin::lineage::lineage(&repo, cwd, &query.target, direction, depth)?;
    if query.json {
        let json = lineage_view::to_json(&view, direction);
        printer.json(&json, JsonStyle::Pretty)?;
    } else if query.dot {
        write!(printer.stdout(), "{}", lineage_view::dot::render(&view))?;
    } else {
        write!(
            printer.stdout(),
            "{}",
            lineage_view::text::render(&view, direction)
        )?;
    }
    Ok(())
}
