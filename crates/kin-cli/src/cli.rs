//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// ML lineage you can query: DVC-compatible pipelines with a lineage graph.
#[derive(Debug, Parser)]
#[command(name = "kin", version, about, propagate_version = true)]
pub struct Cli {
    /// Run as if kin was started in this directory.
    #[arg(short = 'C', long = "cd", global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Print nothing but errors (and requested output such as --json).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Initialise kin (and DVC's `.dvc/`) in the current git repository.
    Init(InitArgs),
    /// List the pipeline stages after templating and foreach/matrix expansion.
    Stages(StagesArgs),
    /// Show the stage graph.
    Dag(DagArgs),
    /// Track files or directories: hash them into the cache and write `.dvc` files.
    Add(AddArgs),
    /// Restore tracked data in the workspace from the cache.
    Checkout(CheckoutArgs),
    /// Show tracked data that differs from its recorded version.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Files or directories to track.
    #[arg(required = true)]
    pub targets: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// `.dvc` files, tracked paths or stage addresses (default: everything).
    pub targets: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print DVC's JSON shape: `{"<.dvc file or stage>": [{"changed outs": {"<path>": "modified"}}]}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Initialise without git (DVC's `core.no_scm`).
    #[arg(long)]
    pub no_scm: bool,
}

#[derive(Debug, Args)]
pub struct StagesArgs {
    /// Print the stable JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DagArgs {
    /// Show only this stage (address, e.g. `train` or `sub/dvc.yaml:train`) and what it depends on.
    pub target: Option<String>,
    /// Show outputs instead of stages.
    #[arg(long)]
    pub outs: bool,
    /// With a target: show the whole connected pipeline it belongs to.
    #[arg(long)]
    pub full: bool,
    /// Draw each foreach/matrix group as one node.
    #[arg(long)]
    pub collapse_foreach_matrix: bool,
    /// Graphviz dot.
    #[arg(long, conflicts_with_all = ["mermaid", "md", "json"])]
    pub dot: bool,
    /// Mermaid flowchart.
    #[arg(long, conflicts_with_all = ["md", "json"])]
    pub mermaid: bool,
    /// Mermaid inside a Markdown code fence.
    #[arg(long, conflicts_with = "json")]
    pub md: bool,
    /// JSON: `{"nodes": [...], "edges": [...]}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagFormat {
    Ascii,
    Dot,
    Mermaid,
    Md,
    Json,
}

impl DagArgs {
    pub fn chosen_format(&self) -> DagFormat {
        if self.dot {
            DagFormat::Dot
        } else if self.mermaid {
            DagFormat::Mermaid
        } else if self.md {
            DagFormat::Md
        } else if self.json {
            DagFormat::Json
        } else {
            DagFormat::Ascii
        }
    }
}
