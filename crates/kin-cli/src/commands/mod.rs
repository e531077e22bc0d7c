//! The command line: global arguments, one subcommand per module, and the dispatch.

mod add;
mod audit;
mod checkout;
mod commit;
mod dag;
mod diff;
mod drift;
pub(crate) mod exp;
mod fairness;
mod gate_io;
mod gc;
mod history;
mod import_url;
mod init;
mod lineage;
mod metrics;
mod metrics_io;
mod model;
mod params;
mod plots;
mod queue;
mod remote;
mod repro;
mod run;
mod runs;
mod schedule;
mod scheduler;
mod serve;
mod stages;
mod status;
mod store;
mod transfer;
mod verify;
mod why;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::command_error::CommandError;
use crate::printer::Printer;

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
    Init(init::InitArgs),
    /// List the pipeline stages after templating and foreach/matrix expansion.
    Stages(stages::StagesArgs),
    /// Show the stage graph.
    Dag(dag::DagArgs),
    /// Track files or directories: hash them into the cache and write `.dvc` files.
    Add(add::AddArgs),
    /// Copy data from a URL (s3://, http(s)://) or an absolute path into the repository and
    /// track it with an import `.dvc` file, as `dvc import-url` does.
    ImportUrl(import_url::ImportUrlArgs),
    /// Fetch imported data again where its source changed, as `dvc update` does.
    Update(import_url::UpdateArgs),
    /// Restore tracked data in the workspace from the cache.
    Checkout(checkout::CheckoutArgs),
    /// Run the pipeline's stale stages, cache their outputs and record them in dvc.lock.
    Repro(repro::ReproArgs),
    /// Record the current deps and outputs of stages (and changed `.dvc` data) without running.
    Commit(commit::CommitArgs),
    /// Show stages and tracked data that differ from what was recorded, and why.
    Status(status::StatusArgs),
    /// Remove cache objects that no tracked version references.
    Gc(gc::GcArgs),
    /// Compare a current dataset with a reference: per-column drift tests as Evidently chooses them.
    Drift(drift::DriftArgs),
    /// Check predictions for group fairness (Fairlearn's metrics) against bounds.
    Fairness(fairness::FairnessArgs),
    /// Query the lineage graph: what produced an artifact (`up`) or what it reached (`down`).
    Lineage(lineage::LineageArgs),
    /// List the recorded runs, newest first.
    Runs(runs::RunsArgs),
    /// Inspect one recorded run.
    Run(run::RunArgs),
    /// Explain what changed upstream between two versions of an artifact, nearest cause first.
    Why(why::WhyArgs),
    /// Import past lineage from git history.
    History(history::HistoryArgs),
    /// Show metrics, or compare them between git revisions and the workspace (as `dvc metrics`).
    Metrics(metrics::MetricsArgs),
    /// Show the tracked data added, deleted, modified or renamed between two revisions, or
    /// between a revision and the workspace (`dvc diff`).
    Diff(diff::DiffArgs),
    /// Experiments in DVC's format: run (sweeps in parallel), show, list, apply, branch, remove.
    Exp(exp::ExpArgs),
    /// Experiments queued by `kin exp run --queue`: start, status, remove.
    Queue(queue::QueueArgs),
    /// Compare params between git revisions and the workspace (as `dvc params diff`).
    Params(params::ParamsArgs),
    /// Plots as DVC defines them, drawn into one HTML page that opens offline: show, diff, templates.
    Plots(plots::PlotsArgs),
    /// Configure remotes in `.dvc/config`, as `dvc remote` does.
    Remote(remote::RemoteArgs),
    /// Upload tracked data (and its lineage) that a remote lacks.
    Push(transfer::PushArgs),
    /// Download tracked data (and its lineage) that the cache lacks, verified, into the cache.
    Fetch(transfer::FetchArgs),
    /// Fetch, then check out into the workspace.
    Pull(transfer::PullArgs),
    /// The model registry: versions and stages in GTO's git tags, read by `gto` and DVC Studio.
    Model(model::ModelArgs),
    /// The tamper-evident audit log of the lineage store: list, verify, anchor.
    Audit(audit::AuditArgs),
    /// Check that the bytes behind recorded hashes are in the cache (or a remote) and intact.
    Verify(verify::VerifyArgs),
    /// The lineage store: which one (SQLite file or PostgreSQL server), its schema, its size.
    Store(store::StoreArgs),
    /// Serve the lineage store over HTTP: the JSON API, Marquez-shaped lineage, OpenLineage in.
    Serve(serve::ServeArgs),
    /// Scheduled pipelines from `.kin/config.toml`: list, next fire times, run now, history.
    Schedule(schedule::ScheduleArgs),
    /// Run every schedule when it is due, in the foreground, until stopped.
    Scheduler(scheduler::SchedulerArgs),
}

/// Runs the chosen command in `-C DIR` or the current directory.
pub fn run_command(printer: Printer, cli: Cli) -> Result<(), CommandError> {
    let cwd = match cli.directory {
        Some(dir) => dir,
        None => std::env::current_dir().map_err(|e| {
            CommandError::failure(format!("cannot read the current directory: {e}"))
        })?,
    };
    match cli.command {
        Command::Init(args) => init::cmd_init(printer, &cwd, &args),
        Command::Stages(args) => stages::cmd_stages(printer, &cwd, &args),
        Command::Dag(args) => dag::cmd_dag(printer, &cwd, &args),
        Command::Add(args) => add::cmd_add(printer, &cwd, &args),
        Command::ImportUrl(args) => import_url::cmd_import_url(printer, &cwd, &args),
        Command::Update(args) => import_url::cmd_update(printer, &cwd, &args),
        Command::Checkout(args) => checkout::cmd_checkout(printer, &cwd, &args),
        Command::Commit(args) => commit::cmd_commit(printer, &cwd, &args),
        Command::Repro(args) => repro::cmd_repro(printer, &cwd, &args),
        Command::Status(args) => status::cmd_status(printer, &cwd, &args),
        Command::Gc(args) => gc::cmd_gc(printer, &cwd, &args),
        Command::Drift(args) => drift::cmd_drift(printer, &cwd, &args),
        Command::Fairness(args) => fairness::cmd_fairness(printer, &cwd, &args),
        Command::Lineage(args) => lineage::cmd_lineage(printer, &cwd, &args),
        Command::Runs(args) => runs::cmd_runs(printer, &cwd, &args),
        Command::Run(args) => run::cmd_run(printer, &cwd, &args),
        Command::Why(args) => why::cmd_why(printer, &cwd, &args),
        Command::History(args) => history::cmd_history(printer, &cwd, &args),
        Command::Metrics(args) => metrics::cmd_metrics(printer, &cwd, &args),
        Command::Diff(args) => diff::cmd_diff(printer, &cwd, &args),
        Command::Exp(args) => exp::cmd_exp(printer, &cwd, &args),
        Command::Queue(args) => queue::cmd_queue(printer, &cwd, &args),
        Command::Params(args) => params::cmd_params(printer, &cwd, &args),
        Command::Plots(args) => plots::cmd_plots(printer, &cwd, &args),
        Command::Remote(args) => remote::cmd_remote(printer, &cwd, &args),
        Command::Push(args) => transfer::push::cmd_push(printer, &cwd, &args),
        Command::Fetch(args) => transfer::fetch::cmd_fetch(printer, &cwd, &args),
        Command::Pull(args) => transfer::pull::cmd_pull(printer, &cwd, &args),
        Command::Model(args) => model::cmd_model(printer, &cwd, &args),
        Command::Audit(args) => audit::cmd_audit(printer, &cwd, &args),
        Command::Verify(args) => verify::cmd_verify(printer, &cwd, &args),
        Command::Store(args) => store::cmd_store(printer, &cwd, &args),
        Command::Serve(args) => serve::cmd_serve(printer, &cwd, &args),
        Command::Schedule(args) => schedule::cmd_schedule(printer, &cwd, &args),
        Command::Scheduler(args) => scheduler::cmd_scheduler(printer, &cwd, &args),
    }
}
