//! Command-line arguments of the lineage commands: `lineage`, `runs`, `run`, `why`, `history`.

use clap::{Args, Subcommand};

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
    /// A path (its current version), `path@HASHPREFIX`, `run:ID` or a stage (its latest run).
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

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Only runs of this stage (address as `kin stages` prints it, or a `.dvc` file).
    #[arg(long)]
    pub stage: Option<String>,
    /// Only runs with this status: succeeded, failed, restored or imported.
    #[arg(long)]
    pub status: Option<String>,
    /// Only runs started since: a date (`2026-11-01`, `2026-11-01T09:30`) or a span (`3d`, `12h`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Show at most N runs (newest first).
    #[arg(short = 'n', long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(subcommand)]
    pub command: RunCommand,
}

#[derive(Debug, Subcommand)]
pub enum RunCommand {
    /// Everything recorded about one run.
    Show(RunShowArgs),
}

#[derive(Debug, Args)]
pub struct RunShowArgs {
    /// The run's id, or enough of its start to be unique.
    pub id: String,
    #[arg(long, conflicts_with = "log")]
    pub json: bool,
    /// Print the run's captured output instead.
    #[arg(long)]
    pub log: bool,
}
