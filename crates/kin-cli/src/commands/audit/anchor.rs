//! `kin audit anchor`: the chain's head written to a git note, outside the database.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::audit::{ANCHOR_REF, AuditError, anchor_head};
use serde_json::json;

use super::audit_error;
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct AnchorArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_anchor(printer: Printer, cwd: &Path, args: &AnchorArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    // Anchoring a chain that does not verify would vouch for tampering.
    let report = kin::audit::verify(&repo).map_err(audit_error)?;
    if !report.is_clean() {
        return Err(
            CommandError::failure("the audit log does not verify; not anchoring it")
                .with_hint("run `kin audit verify` to see why"),
        );
    }
    let head = report
        .head
        .ok_or(AuditError::EmptyLog)
        .map_err(audit_error)?;
    let anchor = anchor_head(repo.root(), head.seq, &head.hash).map_err(audit_error)?;
    if args.json {
        return Ok(printer.json(
            &json!({"commit": anchor.commit, "seq": anchor.seq, "hash": anchor.hash, "ref": ANCHOR_REF}),
            JsonStyle::Pretty,
        )?);
    }
    writeln!(
        printer.status(),
        "anchored entry {} ({}) in a git note on {}\nhint: share it with `git push origin {ANCHOR_REF}`",
        anchor.seq,
        anchor.hash,
        anchor.commit.get(..7).unwrap_or(&anchor.commit)
    )?;
    Ok(())
}
