//! `kin store`: which lineage store this repository records into, and its schema.

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use kin::lineage::kin_store::{LineageStore, Store};
use serde_json::json;

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// The store's backend, location, schema version and what it holds.
    Info(InfoArgs),
    /// Bring the store's schema up to this kin's version (kin also does it on first use).
    Migrate(MigrateArgs),
    /// Copy a store into another (SQLite to PostgreSQL and back), audit chain included;
    /// copying again adds only what is new.
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The store to copy: a path, `sqlite:PATH` or `postgres://…` (default: this
    /// repository's store).
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
    /// The store to copy into (created or migrated as needed).
    #[arg(long, value_name = "URL")]
    pub to: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_store(printer: Printer, cwd: &Path, args: &StoreArgs) -> Result<(), CommandError> {
    match &args.command {
        StoreCommand::Info(info) => cmd_info(printer, cwd, info),
        StoreCommand::Migrate(migrate) => cmd_migrate(printer, cwd, migrate),
        StoreCommand::Copy(copy) => cmd_copy(printer, cwd, copy),
    }
}

fn store_failure(error: kin::lineage::kin_store::StoreError) -> CommandError {
    CommandError::failure(error.to_string())
}

/// The repository's store, opened (and so migrated), with its schema versions.
fn open(cwd: &Path) -> Result<(Store, i64, i64), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let store = kin::lineage::open_store(&repo)?;
    let (found, known) = store.schema_versions().map_err(store_failure)?;
    Ok((store, found, known))
}

fn cmd_info(printer: Printer, cwd: &Path, args: &InfoArgs) -> Result<(), CommandError> {
    let (store, found, known) = open(cwd)?;
    let counts = store.counts().map_err(store_failure)?;
    if args.json {
        let doc = json!({
            "backend": store.backend(),
            "location": store.describe(),
            "schema_version": found,
            "known_schema_version": known,
            "runs": counts.runs,
            "artifacts": counts.artifacts,
            "versions": counts.versions,
            "promotions": counts.promotions,
            "audit_entries": counts.audit_entries,
        });
        printer.json(&doc, JsonStyle::Pretty)?;
        return Ok(());
    }
    let out = &mut printer.stdout();
    writeln!(out, "backend:   {}", store.backend())?;
    writeln!(out, "location:  {}", store.describe())?;
    writeln!(out, "schema:    version {found} (this kin writes {known})")?;
    writeln!(
        out,
        "holds:     {} runs, {} artifacts, {} versions, {} promotions, {} audit entries",
        counts.runs, counts.artifacts, counts.versions, counts.promotions, counts.audit_entries
    )?;
    latest_run_line(out, &store)
}

/// Opening the store migrates it: `migrate` says so, as an intent.
fn cmd_migrate(printer: Printer, cwd: &Path, args: &MigrateArgs) -> Result<(), CommandError> {
    let (store, found, _) = open(cwd)?;
    if args.json {
        let doc = json!({
            "backend": store.backend(),
            "location": store.describe(),
            "schema_version": found,
        });
        printer.json(&doc, JsonStyle::Pretty)?;
    } else {
        writeln!(
            printer.stdout(),
            "{} store {} is at schema version {found}",
            store.backend(),
            store.describe()
        )?;
    }
    Ok(())
}

/// The newest run, so a reader sees at a glance whether this is the store they expect.
fn latest_run_line(out: &mut impl Write, store: &Store) -> Result<(), CommandError> {
    let filter = kin::lineage::kin_store::RunFilter {
        limit: Some(1),
        ..Default::default()
    };
    let latest = store.runs(&filter).map_err(store_failure)?;
    if let Some(run) = latest.first() {
        writeln!(
            out,
            "latest:    {} ({}, {})",
            run.stage, run.id, run.started
        )?;
    }
    Ok(())
}

/// `kin store copy`: paths are the current directory's; `--from` defaults to the repository's
/// store.
fn cmd_copy(printer: Printer, cwd: &Path, args: &CopyArgs) -> Result<(), CommandError> {
    use kin::lineage::kin_store::{StoreLocation, copy};
    let failure = store_failure;
    let from = match &args.from {
        Some(url) => StoreLocation::parse(url, cwd).map_err(failure)?,
        None => kin::lineage::store_location(kin::Repo::discover(cwd)?.root())?,
    };
    let to = StoreLocation::parse(&args.to, cwd).map_err(failure)?;
    if from == to {
        return Err(CommandError::usage(format!(
            "`{}` is both the source and the target",
            to.describe()
        )));
    }
    let source = Store::open(&from).map_err(failure)?;
    let mut target = Store::open(&to).map_err(failure)?;
    let report = copy(&source, &mut target).map_err(|e| {
        let diverged = matches!(e, kin::lineage::kin_store::StoreError::CopyDiverged { .. });
        let error = CommandError::failure(e.to_string());
        if diverged {
            error.with_hint("`kin store info` on each shows what they hold; nothing was written")
        } else {
            error
        }
    })?;
    if args.json {
        let doc = json!({
            "from": from.describe(),
            "to": to.describe(),
            "entries": report.entries,
            "runs": report.runs,
            "promotions": report.promotions,
            "imported_commits": report.imported_commits,
            "already": report.already,
        });
        printer.json(&doc, JsonStyle::Pretty)?;
    } else {
        writeln!(
            printer.stdout(),
            "copied {} audit entries ({} runs, {} promotions, {} imported commits) from {} to {}; {} were there already",
            report.entries,
            report.runs,
            report.promotions,
            report.imported_commits,
            from.describe(),
            to.describe(),
            report.already
        )?;
    }
    Ok(())
}
