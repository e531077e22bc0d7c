//! `kin audit`: the tamper-evident log of every write to the lineage store.

mod anchor;
mod export;
mod log;
mod verify;

use std::path::Path;

use clap::{Args, Subcommand};

use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List the audit log's entries, oldest first.
    Log(log::LogArgs),
    /// Recompute the chain and compare it with the rows, tags and anchors it describes.
    Verify(verify::VerifyArgs),
    /// Record the chain's head in a git note on HEAD (refs/notes/kin-audit).
    Anchor(anchor::AnchorArgs),
    /// Write an evidence bundle (directory or .tar) for a model version or an artifact.
    Export(export::ExportArgs),
    /// Check an evidence bundle offline against its manifest of digests.
    VerifyBundle(export::VerifyBundleArgs),
}

pub fn cmd_audit(printer: Printer, cwd: &Path, args: &AuditArgs) -> Result<(), CommandError> {
    match &args.command {
        AuditCommand::Log(args) => log::cmd_log(printer, cwd, args),
        AuditCommand::Verify(args) => verify::cmd_verify(printer, cwd, args),
        AuditCommand::Anchor(args) => anchor::cmd_anchor(printer, cwd, args),
        AuditCommand::Export(args) => export::cmd_export(printer, cwd, args),
        AuditCommand::VerifyBundle(args) => export::cmd_verify_bundle(printer, cwd, args),
    }
}

/// An audit error as a command error.
fn audit_error(error: kin::audit::AuditError) -> CommandError {
    use kin::audit::AuditError as E;
    match error {
        E::Lineage(e) => e.into(),
        E::EmptyLog => CommandError::failure(error.to_string())
            .with_hint("the log grows with every run, promotion and import kin records"),
        E::NoCommit => {
            CommandError::failure(error.to_string()).with_hint("commit once, then anchor")
        }
        E::Key(_) => CommandError::usage(error.to_string())
            .with_hint("a key is 64 hex digits, e.g. from `head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'`"),
        E::Store(_) | E::Git(_) | E::BadAnchor { .. } => CommandError::failure(error.to_string()),
    }
}
