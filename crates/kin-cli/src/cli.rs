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
    /// Run the pipeline's stale stages, cache their outputs and record them in dvc.lock.
    Repro(ReproArgs),
    /// Record the current deps and outputs of stages (and changed `.dvc` data) without running.
    Commit(CommitArgs),
    /// Show stages and tracked data that differ from what was recorded, and why.
    Status(StatusArgs),
    /// Remove cache objects that no tracked version references.
    Gc(GcArgs),
    /// Compare a current dataset with a reference: per-column drift tests as Evidently chooses them.
    Drift(DriftArgs),
    /// Check predictions for group fairness (Fairlearn's metrics) against bounds.
    Fairness(FairnessArgs),
    /// Query the lineage graph: what produced an artifact (`up`) or what it reached (`down`).
    Lineage(crate::lineage_args::LineageArgs),
    /// List the recorded runs, newest first.
    Runs(crate::lineage_args::RunsArgs),
    /// Inspect one recorded run.
    Run(crate::lineage_args::RunArgs),
    /// Explain what changed upstream between two versions of an artifact, nearest cause first.
    Why(crate::lineage_args::WhyArgs),
    /// Import past lineage from git history.
    History(crate::lineage_args::HistoryArgs),
    /// Show metrics, or compare them between git revisions and the workspace (as `dvc metrics`).
    Metrics(MetricsArgs),
    /// Compare params between git revisions and the workspace (as `dvc params diff`).
    Params(ParamsArgs),
    /// Configure remotes in `.dvc/config`, as `dvc remote` does.
    Remote(crate::remote_args::RemoteArgs),
    /// Upload tracked data (and its lineage) that a remote lacks.
    Push(crate::remote_args::TransferArgs),
    /// Download tracked data (and its lineage) that the cache lacks, verified, into the cache.
    Fetch(crate::remote_args::TransferArgs),
    /// Fetch, then check out into the workspace.
    Pull(crate::remote_args::PullArgs),
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(subcommand)]
    pub command: MetricsCommand,
}

#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// Print the metrics of the workspace: every `metrics:` output and top-level `metrics:` file.
    Show(MetricsShowArgs),
    /// Show how metrics changed between two revisions (default: HEAD and the workspace).
    Diff(MetricsDiffArgs),
}

#[derive(Debug, Args)]
pub struct MetricsShowArgs {
    /// Only these metrics files (directories: every file below them), even if no dvc.yaml names them.
    pub targets: Vec<PathBuf>,
    /// Print DVC's JSON shape: `{"": {"data": {"<path>": {"data": {...}}}}}` (`{"error": {"type", "msg"}}` for a file that cannot be read).
    #[arg(long)]
    pub json: bool,
    /// Print a GitHub Markdown table.
    #[arg(long)]
    pub md: bool,
    /// Round floats to N digits after the point (default 5).
    #[arg(long, value_name = "N")]
    pub precision: Option<u32>,
    /// Accepted for DVC compatibility: directory targets are always searched recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
}

#[derive(Debug, Args)]
pub struct MetricsDiffArgs {
    /// The old revision (a git branch, tag or commit, `workspace`, or a recorded run `run:ID`).
    #[arg(default_value = "HEAD")]
    pub a_rev: String,
    /// The new revision (default: the workspace; `run:ID` for a recorded run).
    #[arg(default_value = "workspace")]
    pub b_rev: String,
    /// Only these metrics files (directories: every file below them), even if no dvc.yaml names them.
    #[arg(long, num_args = 0.., value_name = "PATHS")]
    pub targets: Vec<PathBuf>,
    /// Accepted for DVC compatibility: directory targets are always searched recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Show unchanged metrics as well.
    #[arg(long)]
    pub all: bool,
    /// Print DVC's JSON shape: `{"<path>": {"<metric>": {"old": .., "new": .., "diff": ..}}}`.
    #[arg(long)]
    pub json: bool,
    /// Print a GitHub Markdown table.
    #[arg(long)]
    pub md: bool,
    /// Leave out the Path column.
    #[arg(long)]
    pub no_path: bool,
    /// Round floats to N digits after the point (default 5).
    #[arg(long, value_name = "N")]
    pub precision: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ParamsArgs {
    #[command(subcommand)]
    pub command: ParamsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ParamsCommand {
    /// Show how params changed between two revisions (default: HEAD and the workspace).
    Diff(ParamsDiffArgs),
}

#[derive(Debug, Args)]
pub struct ParamsDiffArgs {
    /// The old revision (a git branch, tag or commit, `workspace`, or a recorded run `run:ID`).
    #[arg(default_value = "HEAD")]
    pub a_rev: String,
    /// The new revision (default: the workspace; `run:ID` for a recorded run).
    #[arg(default_value = "workspace")]
    pub b_rev: String,
    /// Only these params files, whole, relative to the repository root as in DVC (even if no dvc.yaml names them).
    #[arg(long, num_args = 0.., value_name = "PATHS")]
    pub targets: Vec<String>,
    /// Show unchanged params as well.
    #[arg(long)]
    pub all: bool,
    /// Only params that stages depend on (not the rest of params.yaml or top-level `params:` files).
    #[arg(long)]
    pub deps: bool,
    /// Print DVC's JSON shape: `{"<path>": {"<param>": {"old": .., "new": ..}}}`.
    #[arg(long)]
    pub json: bool,
    /// Print a GitHub Markdown table.
    #[arg(long)]
    pub md: bool,
    /// Leave out the Path column.
    #[arg(long)]
    pub no_path: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Files or directories to track.
    #[arg(required = true)]
    pub targets: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReproArgs {
    /// Stages (`train`, `sub/dvc.yaml:train`), foreach groups or pipeline files (default: ./dvc.yaml).
    pub targets: Vec<String>,
    /// Run the stages even if nothing changed.
    #[arg(short, long)]
    pub force: bool,
    /// Run only the named stages, not what they depend on.
    #[arg(short, long)]
    pub single_item: bool,
    /// Run the named stages and everything that depends on them, not what they depend on.
    #[arg(long)]
    pub downstream: bool,
    /// Run the whole pipelines the named stages belong to.
    #[arg(short, long)]
    pub pipeline: bool,
    /// Run every pipeline in the repository.
    #[arg(short = 'P', long)]
    pub all_pipelines: bool,
    /// Treat directory targets as every pipeline file below them.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Show what would run, without running it.
    #[arg(long)]
    pub dry: bool,
    /// After a failure, go on with the stages that do not depend on it.
    #[arg(short, long)]
    pub keep_going: bool,
    /// Run up to N independent stages at once.
    #[arg(short, long, default_value_t = 1, value_name = "N")]
    pub jobs: usize,
    /// Do not restore outputs from the run-cache; run the command.
    #[arg(long)]
    pub no_run_cache: bool,
    /// Wait for another kin or DVC process to release the repository instead of failing.
    #[arg(long)]
    pub wait: bool,
    /// Print a JSON report of what happened to each stage (command output goes to stderr).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Stages, pipeline files or `.dvc` files (default: everything).
    pub targets: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// `.dvc` files, tracked paths or stage addresses (default: everything).
    pub targets: Vec<PathBuf>,
    /// Replace or remove workspace files even when their content is in no cache.
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Keep what the workspace's .dvc files and dvc.lock reference.
    #[arg(short, long)]
    pub workspace: bool,
    /// Keep what any commit reachable from any ref references (implies --workspace).
    #[arg(short = 'A', long)]
    pub all_commits: bool,
    /// Only list what would be removed.
    #[arg(long)]
    pub dry: bool,
    /// Remove without asking (required unless --dry).
    #[arg(short, long)]
    pub force: bool,
    /// Print the result as JSON: `{"removed": [ids], "kept": n, "bytes": n, "dry_run": bool}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print DVC's JSON shape: `{"<stage or .dvc file>": [{"changed deps": {…}}, {"changed outs": {…}}, "always changed", "changed command"]}`.
    #[arg(long)]
    pub json: bool,
    /// Also show old and new hashes and param values.
    #[arg(short, long)]
    pub verbose: bool,
    /// Compare the cache with a remote instead: what `push` would upload (new), what `fetch`
    /// would download (deleted), and what neither has (missing).
    #[arg(short, long)]
    pub cloud: bool,
    /// With `-c`: the remote (default: `core.remote`); implies `-c`.
    #[arg(short, long)]
    pub remote: Option<String>,
    /// With `-c`: parallel requests.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// With `-c`: only these `.dvc` files, tracked paths or stage addresses.
    pub targets: Vec<PathBuf>,
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

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The reference dataset (CSV, or Parquet by its `.parquet` extension).
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// The current dataset, with the same columns.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// Write the JSON result here (e.g. a `metrics:` output of a stage).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Dataset drift when at least this share of columns drifted.
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    pub drift_share: f64,
    /// Use this test for a column: ks, chisquare, z, wasserstein, jensenshannon, psi.
    #[arg(long, value_name = "COL=TEST")]
    pub stattest: Vec<String>,
    /// Drift threshold for a column's test.
    #[arg(long, value_name = "COL=X")]
    pub threshold: Vec<String>,
    /// Treat these columns as numerical (comma-separated or repeated).
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub numerical: Vec<String>,
    /// Treat these columns as categorical.
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Leave these columns out.
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// JSON file `{"numerical": [...], "categorical": [...], "ignore": [...]}`.
    #[arg(long, value_name = "FILE")]
    pub columns: Option<PathBuf>,
    /// Exit 0 even when the dataset drifted.
    #[arg(long)]
    pub no_fail: bool,
    /// Print the JSON result instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FairnessTask {
    Regression,
    Classification,
}

#[derive(Debug, Args)]
pub struct FairnessArgs {
    /// Table with the sensitive column, labels and predictions (CSV or Parquet).
    #[arg(long, value_name = "FILE")]
    pub predictions: PathBuf,
    /// The column whose values define the groups.
    #[arg(long, value_name = "COL")]
    pub sensitive: String,
    /// The column with true labels.
    #[arg(long, default_value = "y_true", value_name = "COL")]
    pub label: String,
    /// The column with predictions.
    #[arg(long, default_value = "y_pred", value_name = "COL")]
    pub prediction: String,
    /// The privileged group's value (required for regression).
    #[arg(long, value_name = "VALUE")]
    pub privileged: Option<String>,
    /// Default: classification when labels and predictions are all 0/1, else regression.
    #[arg(long, value_enum)]
    pub task: Option<FairnessTask>,
    /// Fail when the metric is above X (repeatable).
    #[arg(long, value_name = "METRIC=X")]
    pub max: Vec<String>,
    /// Fail when the metric is below X (repeatable).
    #[arg(long, value_name = "METRIC=X")]
    pub min: Vec<String>,
    /// Write the JSON result here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Exit 0 even when a bound fails.
    #[arg(long)]
    pub no_fail: bool,
    /// Print the JSON result instead of a summary.
    #[arg(long)]
    pub json: bool,
}
