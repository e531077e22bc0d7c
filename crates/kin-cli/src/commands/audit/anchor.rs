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
    /// Sign the anchor with an Ed25519 key: from --key FILE, else `KIN_AUDIT_SIGNING_KEY`
    /// (the 32-byte secret seed as 64 hex digits).
    #[arg(long)]
    pub sign: bool,
    /// The signing key's file (implies --sign).
    #[arg(long, value_name = "FILE")]
    pub key: Option<std::path::PathBuf>,
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
    let key = if args.sign || args.key.is_some() {
        let file = args.key.as_deref().map(|k| cwd.join(k));
        let key =
            kin::audit::signing::load_key(file.as_deref()).map_err(|e| audit_error(e.into()))?;
        Some(key)
    } else {
        None
    };
    let anchor =
        anchor_head(repo.root(), head.seq, &head.hash, key.as_ref()).map_err(audit_error)?;
    if args.json {
        return Ok(printer.json(
            &json!({"commit": anchor.commit, "seq": anchor.seq, "hash": anchor.hash, "ref": ANCHOR_REF,
                    "signed_by": anchor.signed.as_ref().map(|(key, _)| key)}),
            JsonStyle::Pretty,
        )?);
    }
    writeln!(
        printer.status(),
        "anchored entry {} ({}) in a git note on {}{}\nhint: share it with `git push origin {ANCHOR_REF}`",
        anchor.seq,
        anchor.hash,
        anchor.commit.get(..7).unwrap_or(&anchor.commit),
        anchor
            .signed
            .as_ref()
            .map(|(key, _)| format!(", signed by key {}", kin::audit::short_key(key)))
            .unwrap_or_default()
    )?;
    Ok(())
}
