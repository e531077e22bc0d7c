//! `kin audit export` and `kin audit verify-bundle`: an evidence bundle for an auditor — the
//! model card, the lineage graph both ways (JSON and DOT), every run record, environment and
//! audit entry in that lineage, the gate verdicts and their HTML reports — with a manifest
//! of SHA-256 digests, checked offline.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use kin::audit::bundle::{BundleFile, verify_bundle, write_bundle};
use kin::lineage::LineageView;
use kin::lineage::kin_store::{Direction, LineageStore, Run};
use kin::registry::Registry;
use kin::registry::card::{gather, to_html, to_markdown};
use kin::registry::resolve::{ModelRef, resolve_version};
use serde_json::{Value, json};

use crate::command_error::{CommandError, model_ref_error};
use crate::lineage_view;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A model version (`NAME@vX.Y.Z`, `NAME#STAGE`) or an artifact (`PATH`, `PATH@HASHPREFIX`).
    pub target: String,
    /// Where to write it: a directory (new or empty), or a `.tar` file.
    #[arg(short, long, value_name = "DIR|FILE.tar")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct VerifyBundleArgs {
    /// The bundle: its directory or `.tar` file.
    pub bundle: PathBuf,
}

fn json_file(path: String, value: &Value) -> BundleFile {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    BundleFile { path, bytes }
}

pub fn cmd_export(printer: Printer, cwd: &Path, args: &ExportArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let store = kin::lineage::open_store(&repo)?;
    let mut files = Vec::new();
    // A registered model version, or else a lineage target as typed.
    let registry = Registry::open(repo.root()).ok();
    let model = ModelRef::parse(&args.target).ok().filter(|m| {
        registry
            .as_ref()
            .is_some_and(|r| r.state.artifact(m.artifact.as_str()).is_some())
    });
    let lineage_target = match (&model, &registry) {
        (Some(model), Some(registry)) => {
            let version = resolve_version(registry, model).map_err(model_ref_error)?;
            let card = gather(&repo, &store, registry, &version)
                .map_err(|e| CommandError::failure(e.to_string()))?;
            let card = card.to_json();
            files.push(BundleFile {
                path: "card.md".to_owned(),
                bytes: to_markdown(&card).into_bytes(),
            });
            files.push(BundleFile {
                path: "card.html".to_owned(),
                bytes: to_html(&card).into_bytes(),
            });
            files.push(json_file("card.json".to_owned(), &card));
            format!("model:{}@{}", version.artifact, version.version)
        }
        _ => args.target.clone(),
    };
    let mut runs: BTreeMap<String, Run> = BTreeMap::new();
    for (direction, name) in [(Direction::Up, "up"), (Direction::Down, "down")] {
        let view: LineageView =
            kin::lineage::lineage_in(&repo, &store, cwd, &lineage_target, direction, usize::MAX)?;
        files.push(json_file(
            format!("lineage/{name}.json"),
            &lineage_view::to_json(&view, direction),
        ));
        files.push(BundleFile {
            path: format!("lineage/{name}.dot"),
            bytes: lineage_view::dot::render(&view).into_bytes(),
        });
        for (run, _) in view.graph.runs {
            runs.insert(run.id.to_string(), run);
        }
    }
    let cache = repo.cache();
    for (id, run) in &runs {
        files.push(json_file(
            format!("runs/{id}.json"),
            &lineage_view::run_json(run),
        ));
        if let Some(hash) = &run.environment
            && let Some(environment) = store
                .environment(hash)
                .map_err(|e| CommandError::failure(e.to_string()))?
        {
            files.push(json_file(
                format!("environments/{hash}.json"),
                &environment.body,
            ));
        }
        let is_gate = run.metrics.as_object().is_some_and(|m| {
            m.values()
                .any(|doc| doc.get("dataset_drift").is_some() || doc.get("checks").is_some())
        });
        if !is_gate {
            continue;
        }
        files.push(json_file(
            format!("gates/{}-{id}.json", run.stage.replace(['/', ':'], "_")),
            &run.metrics,
        ));
        // The gate's HTML reports, from the cache.
        for output in store
            .outputs(run.key)
            .map_err(|e| CommandError::failure(e.to_string()))?
        {
            let version = store
                .version_by_id(output)
                .map_err(|e| CommandError::failure(e.to_string()))?;
            let Ok(object) = version.hash.as_str().parse::<kin_format::md5::ObjectId>() else {
                continue;
            };
            if version.path.ends_with(".html")
                && let Ok(bytes) = std::fs::read(cache.object_path(&object))
            {
                files.push(BundleFile {
                    path: format!("gates/{id}/{}", version.path),
                    bytes,
                });
            }
        }
    }
    // The audit entries of these runs, and of the model's promotions and tags.
    let artifact = model.as_ref().map(|m| m.artifact.to_string());
    let entries: Vec<Value> = store
        .audit_entries(None, None)
        .map_err(|e| CommandError::failure(e.to_string()))?
        .into_iter()
        .filter(|e| {
            runs.contains_key(&e.subject)
                || artifact.as_ref().is_some_and(|a| {
                    (e.action == "promotion" || e.action == "registry")
                        && (e.subject.starts_with(&format!("{a}@")) || e.subject.starts_with(&format!("{a}#")))
                })
        })
        .map(|e| {
            json!({"seq": e.seq, "at": e.at.to_string(), "user": e.actor.user, "host": e.actor.host,
                   "action": e.action, "subject": e.subject, "payload": e.payload, "prev": e.prev, "hash": e.hash})
        })
        .collect();
    files.push(json_file(
        "audit/entries.json".to_owned(),
        &Value::Array(entries),
    ));
    let check = store
        .audit_verify()
        .map_err(|e| CommandError::failure(e.to_string()))?;
    files.push(json_file(
        "audit/verification.json".to_owned(),
        &json!({
            "ok": check.findings.is_empty(),
            "entries": check.entries,
            "head": check.head.map(|h| json!({"seq": h.seq, "hash": h.hash})),
            "problems": check.findings.iter().map(|f| f.describe()).collect::<Vec<_>>(),
        }),
    ));
    let count = write_bundle(&args.output, &args.target, files)
        .map_err(|e| CommandError::failure(e.to_string()))?;
    writeln!(
        printer.status(),
        "wrote {count} files for {} to {}\nhint: `kin audit verify-bundle {}` checks it offline",
        args.target,
        args.output.display(),
        args.output.display()
    )?;
    Ok(())
}

pub fn cmd_verify_bundle(
    printer: Printer,
    _cwd: &Path,
    args: &VerifyBundleArgs,
) -> Result<(), CommandError> {
    let problems = verify_bundle(&args.bundle).map_err(|e| CommandError::failure(e.to_string()))?;
    if problems.is_empty() {
        writeln!(
            printer.stdout(),
            "bundle verified: every file matches its manifest digest"
        )?;
        return Ok(());
    }
    let mut message = format!("the bundle does not verify: {} problem(s)", problems.len());
    for problem in &problems {
        message.push_str(&format!("\n  - {problem}"));
    }
    Err(CommandError::failure(message))
}
