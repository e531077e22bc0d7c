//! Arguments of `kin remote`, `kin push`, `kin fetch` and `kin pull`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct RemoteArgs {
    #[command(subcommand)]
    pub command: RemoteCommand,
}

#[derive(Debug, Subcommand)]
pub enum RemoteCommand {
    /// Add a remote: a local path, `s3://bucket/prefix`, `gs://bucket/prefix` or `azure://container/prefix`.
    Add(RemoteAddArgs),
    /// Set (or with `--unset` remove) an option of a remote, e.g. `endpointurl`, `region`, `profile`.
    Modify(RemoteModifyArgs),
    /// List the remotes: name, URL and which is the default.
    List(RemoteListArgs),
    /// Print the default remote, or set it.
    Default(RemoteDefaultArgs),
    /// Remove a remote (and the default setting if it named it).
    Remove(RemoteRemoveArgs),
}

/// Which config file a change goes to.
#[derive(Debug, Args)]
pub struct LevelArgs {
    /// Write `.dvc/config.local` (git-ignored: credentials) instead of `.dvc/config`.
    #[arg(long)]
    pub local: bool,
}

#[derive(Debug, Args)]
pub struct RemoteAddArgs {
    pub name: String,
    /// Where objects go; relative local paths are relative to the current directory.
    pub url: String,
    /// Also make it the default remote.
    #[arg(short = 'd', long = "default")]
    pub default: bool,
    /// Replace a remote of the same name.
    #[arg(short, long)]
    pub force: bool,
    #[command(flatten)]
    pub level: LevelArgs,
}

#[derive(Debug, Args)]
pub struct RemoteModifyArgs {
    pub name: String,
    pub option: String,
    /// The value (omit with `--unset`).
    #[arg(required_unless_present = "unset")]
    pub value: Option<String>,
    /// Remove the option instead of setting it.
    #[arg(short, long, conflicts_with = "value")]
    pub unset: bool,
    #[command(flatten)]
    pub level: LevelArgs,
}

#[derive(Debug, Args)]
pub struct RemoteListArgs {
    /// Print `[{"name", "url", "default"}]`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RemoteDefaultArgs {
    /// The remote to make the default; without it, print the current default.
    pub name: Option<String>,
    /// Clear the default.
    #[arg(short, long, conflicts_with = "name")]
    pub unset: bool,
    #[command(flatten)]
    pub level: LevelArgs,
}

#[derive(Debug, Args)]
pub struct RemoteRemoveArgs {
    pub name: String,
    #[command(flatten)]
    pub level: LevelArgs,
}

/// What `push`, `fetch` and `pull` move, and how.
/// `kin pull`: a transfer, then a checkout.
#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub transfer: TransferArgs,
    /// Replace or remove workspace files even when their content is in no cache.
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct TransferArgs {
    /// `.dvc` files, tracked paths or stage addresses (default: everything tracked).
    pub targets: Vec<PathBuf>,
    /// The remote for outputs that don't name their own `remote:` (default: `core.remote`).
    #[arg(short, long)]
    pub remote: Option<String>,
    /// Parallel transfers (default: the remote's `jobs` option, else 4 per core for a local
    /// directory, 16 per core for object storage).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Print `{"remotes": [{"remote", "transferred", "bytes", "already_there", "missing", "lineage_records"}]}`.
    #[arg(long)]
    pub json: bool,
}
