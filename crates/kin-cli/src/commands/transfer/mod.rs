//! `kin push`, `kin fetch` and `kin pull`: the arguments they share, DVC's one-line summary,
//! kin's JSON, and a clear failure for objects that neither side has.

pub mod fetch;
pub mod pull;
pub mod push;

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use kin::remote::{TransferOptions, TransferReport};
use serde_json::json;

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

/// What `push`, `fetch` and `pull` move, and how.
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

/// `kin push` takes what every transfer takes.
pub type PushArgs = TransferArgs;
/// `kin fetch` takes what every transfer takes.
pub type FetchArgs = TransferArgs;
/// `kin pull`: a transfer, then a checkout.
#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub transfer: TransferArgs,
    /// Replace or remove workspace files even when their content is in no cache.
    #[arg(short, long)]
    pub force: bool,
}

/// How many missing objects an error names before it says "and N more".
const MISSING_SHOWN: usize = 10;

pub fn options(args: &TransferArgs) -> TransferOptions {
    TransferOptions {
        targets: args.targets.clone(),
        remote: args.remote.clone(),
        jobs: args.jobs.map(usize::from),
    }
}

/// Prints the reports (`verb`: "pushed" or "fetched") and warns about objects neither side
/// has: as in DVC, `push` and `fetch` still succeed (they moved what exists), and `pull` fails
/// on what it then cannot check out.
pub fn finish(
    printer: Printer,
    reports: &[TransferReport],
    verb: &str,
    args: &TransferArgs,
) -> Result<(), CommandError> {
    let printed = print_reports(printer, reports, verb, args);
    warn_missing(printer, reports, verb)?;
    Ok(printed?)
}

fn print_reports(
    printer: Printer,
    reports: &[TransferReport],
    verb: &str,
    args: &TransferArgs,
) -> io::Result<()> {
    if args.json {
        let remotes: Vec<_> = reports
            .iter()
            .map(|r| {
                json!({
                    "remote": r.remote,
                    "transferred": r.transferred,
                    "bytes": r.bytes,
                    "already_there": r.already_there,
                    "missing": r.missing.iter().map(|m| json!({"path": m.path.as_str(), "hash": m.id.to_string()})).collect::<Vec<_>>(),
                    "lineage_records": r.lineage_records,
                })
            })
            .collect();
        printer.json(&json!({ "remotes": remotes }), JsonStyle::Compact)?;
    } else {
        let mut out = printer.status();
        let moved: usize = reports.iter().map(|r| r.transferred).sum();
        let records: usize = reports.iter().map(|r| r.lineage_records).sum();
        match moved {
            0 => writeln!(out, "Everything is up to date.")?,
            1 => writeln!(out, "1 file {verb}")?,
            n => writeln!(out, "{n} files {verb}")?,
        }
        if records > 0 {
            writeln!(
                out,
                "{records} lineage record{} {verb}",
                if records == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(())
}

fn warn_missing(printer: Printer, reports: &[TransferReport], verb: &str) -> io::Result<()> {
    let missing: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.missing
                .iter()
                .map(move |m| format!("{} ({}, remote `{}`)", m.path, m.id, r.remote))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut err = printer.stderr();
    writeln!(
        err,
        "warning: {} could not be {verb}: neither the cache nor the remote has {}:",
        if missing.len() == 1 {
            "1 object"
        } else {
            "some objects"
        },
        if missing.len() == 1 { "it" } else { "them" }
    )?;
    for line in missing.iter().take(MISSING_SHOWN) {
        writeln!(err, "  {line}")?;
    }
    if missing.len() > MISSING_SHOWN {
        writeln!(err, "  … and {} more", missing.len() - MISSING_SHOWN)?;
    }
    writeln!(
        err,
        "hint: push them from a machine that has them, or re-create them with `kin repro`; `kin status -c` lists what each side has"
    )
}
