//! `kin audit verify`: the chain recomputed and compared with what it describes; exit 1 on
//! the first sign of tampering, naming it.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::lineage::kin_store::audit::AuditFinding;
use serde_json::json;

use super::audit_error;
use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_verify(printer: Printer, cwd: &Path, args: &VerifyArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let report = kin::audit::verify(&repo).map_err(audit_error)?;
    let problems: Vec<String> = report.findings.iter().map(AuditFinding::describe).collect();
    if args.json {
        let doc = json!({
            "ok": report.is_clean(),
            "entries": report.entries,
            "head": report.head.as_ref().map(|h| json!({"seq": h.seq, "hash": h.hash})),
            "anchors": report.anchors.iter().map(|a| json!({
                "commit": a.commit, "seq": a.seq, "hash": a.hash,
                "signed_by": a.signed.as_ref().map(|(key, _)| key),
                "signature_valid": a.signed.as_ref().map(|(_, valid)| valid),
            })).collect::<Vec<_>>(),
            "problems": problems,
        });
        printer.json(&doc, JsonStyle::Pretty)?;
    } else if report.is_clean() {
        let head = report.head.as_ref().map_or_else(
            || "empty".to_owned(),
            |h| format!("head {} {}", h.seq, h.hash),
        );
        let mut signers: Vec<&str> = report
            .anchors
            .iter()
            .filter_map(|a| a.signed.as_ref().map(|(key, _)| kin::audit::short_key(key)))
            .collect();
        signers.sort_unstable();
        signers.dedup();
        let signed = if signers.is_empty() {
            String::new()
        } else {
            format!(" (signed by key {})", signers.join(", "))
        };
        writeln!(
            printer.stdout(),
            "audit log verified: {} entries, {head}; {} anchor(s) match{signed}",
            report.entries,
            report.anchors.len()
        )?;
    }
    if report.is_clean() {
        return Ok(());
    }
    let mut message = format!(
        "the audit log does not verify: {} problem(s)",
        problems.len()
    );
    for problem in &problems {
        message.push_str(&format!("\n  - {problem}"));
    }
    Err(CommandError::failure(message).with_hint(
        "the first problem is where tampering starts; `kin audit log` shows the entries",
    ))
}
