//! `kin verify`: are the bytes behind the recorded hashes still there and intact?

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::verify::{ObjectProblem, VerifyError, verify};
use serde_json::{Value, json};

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Check the versions in the lineage (up and down) of these targets — paths,
    /// `path@HASHPREFIX`, `run:ID`, stages, `model:NAME@V` — instead of every recorded one.
    pub targets: Vec<String>,
    /// Read the objects the cache lacks back from this remote and re-hash them there.
    #[arg(short, long, value_name = "NAME")]
    pub remote: Option<String>,
    #[arg(long)]
    pub json: bool,
}

fn problem_json(problem: &ObjectProblem) -> Value {
    match problem {
        ObjectProblem::Missing { path, id } => {
            json!({"problem": "missing", "path": path, "object": id})
        }
        ObjectProblem::Corrupt { path, id, found } => {
            json!({"problem": "corrupt", "path": path, "object": id, "found": found})
        }
        ObjectProblem::CorruptOnRemote {
            path,
            id,
            found,
            remote,
        } => {
            json!({"problem": "corrupt", "path": path, "object": id, "found": found, "remote": remote})
        }
    }
}

pub fn cmd_verify(printer: Printer, cwd: &Path, args: &VerifyArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let report =
        verify(&repo, cwd, &args.targets, args.remote.as_deref()).map_err(|e| match e {
            VerifyError::Lineage(e) => e.into(),
            VerifyError::Remote(e) => e.into(),
            VerifyError::Store(e) => CommandError::failure(e.to_string()),
        })?;
    if args.json {
        let bad: Vec<Value> = report
            .bad
            .iter()
            .map(|b| {
                json!({
                    "path": b.version.path,
                    "hash": b.version.hash.to_string(),
                    "problems": b.problems.iter().map(problem_json).collect::<Vec<_>>(),
                    "runs": b.runs.iter().map(|r| json!({"id": r.id.to_string(), "stage": r.stage})).collect::<Vec<_>>(),
                    "models": b.models,
                })
            })
            .collect();
        printer.json(
            &json!({
                "ok": report.bad.is_empty(),
                "versions": report.versions,
                "not_cached": report.not_cached,
                "objects": report.objects,
                "bytes": report.bytes,
                "on_remote": report.on_remote,
                "bad": bad,
            }),
            JsonStyle::Pretty,
        )?;
    } else if report.bad.is_empty() {
        writeln!(
            printer.stdout(),
            "verified {} cached versions: {} objects ({} bytes) re-hash to what was recorded ({} more are not cached by design){}",
            report.versions,
            report.objects,
            report.bytes,
            report.not_cached,
            if report.on_remote > 0 {
                format!(
                    "; {} version(s) re-hash on the remote only",
                    report.on_remote
                )
            } else {
                String::new()
            }
        )?;
    }
    if report.bad.is_empty() {
        return Ok(());
    }
    let mut message = format!(
        "{} recorded version(s) are missing or corrupt:",
        report.bad.len()
    );
    for bad in &report.bad {
        let hash = bad.version.hash.as_str();
        message.push_str(&format!(
            "\n  {}@{}",
            bad.version.path,
            hash.get(..8).unwrap_or(hash)
        ));
        for problem in &bad.problems {
            let line = match problem {
                ObjectProblem::Missing { path, id } => format!("missing: {path} ({id})"),
                ObjectProblem::Corrupt { path, id, found } => {
                    format!("corrupt: {path} should hash to {id}, hashes to {found}")
                }
                ObjectProblem::CorruptOnRemote {
                    path,
                    id,
                    found,
                    remote,
                } => {
                    format!(
                        "corrupt on remote {remote}: {path} should hash to {id}, hashes to {found}"
                    )
                }
            };
            message.push_str(&format!("\n    {line}"));
        }
        for run in &bad.runs {
            message.push_str(&format!(
                "\n    run {} of {} depends on it",
                run.id, run.stage
            ));
        }
        for model in &bad.models {
            message.push_str(&format!("\n    model {model} depends on it"));
        }
    }
    Err(CommandError::failure(message)
        .with_hint("restore the objects with `kin pull` or `kin repro`; `kin lineage down PATH@HASH` shows everything they reached"))
}
