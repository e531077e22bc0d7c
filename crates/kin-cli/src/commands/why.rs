//! `kin why TARGET`: what changed upstream between two versions of an artifact.

use std::fmt::Write as _;
use std::path::Path;

use kin::lineage::why::{Cause, Difference, EnvChange, FileChanges, Side, WhyReport};
use serde_json::{Value, json};

use crate::command_error::CommandError;
use crate::lineage_args::WhyArgs;
use crate::lineage_view::short_hash;

pub fn run(cwd: &Path, args: &WhyArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let store = kin::lineage::open_store(&repo)?;
    let report = kin::lineage::why::why(
        &repo,
        &store,
        cwd,
        &args.target,
        args.from.as_deref(),
        args.to.as_deref(),
    )?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&report)).unwrap_or_default()
        );
    } else {
        print!("{}", render(&report));
    }
    Ok(())
}

fn hash_text(hash: Option<&kin::lineage::kin_store::ArtifactHash>) -> String {
    hash.map_or_else(|| "(none)".to_owned(), |h| short_hash(h.as_str()))
}

fn value_text(value: Option<&Value>) -> String {
    value.map_or_else(|| "(unset)".to_owned(), Value::to_string)
}

fn files_text(files: &FileChanges) -> String {
    let mut parts = Vec::new();
    for (label, list) in [
        ("added", &files.added),
        ("removed", &files.removed),
        ("modified", &files.modified),
    ] {
        if !list.is_empty() {
            let shown: Vec<&str> = list.iter().take(5).map(String::as_str).collect();
            let more = if list.len() > 5 {
                format!(" … and {} more", list.len() - 5)
            } else {
                String::new()
            };
            parts.push(format!(
                "{} {label}: {}{more}",
                list.len(),
                shown.join(", ")
            ));
        }
    }
    parts.join("; ")
}

fn env_text(change: &EnvChange) -> String {
    match change {
        EnvChange::Package { name, old, new } => format!(
            "{name} {} → {}",
            old.as_deref().unwrap_or("(absent)"),
            new.as_deref().unwrap_or("(absent)")
        ),
        EnvChange::Fact { key, old, new } => format!("{key} {old} → {new}"),
    }
}

/// One cause in words: `data data/raw.csv 1a2b3c4d → 5e6f7a8b (stage prepare)`.
fn cause_text(cause: &Cause) -> String {
    let body = match &cause.difference {
        Difference::Data {
            path,
            old,
            new,
            files,
        } => {
            let mut text = format!(
                "data {path}: {} → {}",
                hash_text(old.as_ref()),
                hash_text(new.as_ref())
            );
            if let Some(files) = files.as_ref().map(files_text).filter(|t| !t.is_empty()) {
                let _ = write!(text, " ({files})");
            }
            text
        }
        Difference::Code { path, old, new } => format!(
            "code {path}: {} → {}",
            hash_text(old.as_ref()),
            hash_text(new.as_ref())
        ),
        Difference::Param {
            file,
            key,
            old,
            new,
        } => format!(
            "param {file} {key}: {} → {}",
            value_text(old.as_ref()),
            value_text(new.as_ref())
        ),
        Difference::Command { old, new } => format!("cmd: `{old}` → `{new}`"),
        Difference::Environment { changes } => {
            let shown: Vec<String> = changes.iter().take(8).map(env_text).collect();
            let more = if changes.len() > 8 {
                format!(", … and {} more", changes.len() - 8)
            } else {
                String::new()
            };
            format!("environment: {}{more}", shown.join(", "))
        }
    };
    format!("{body}  [stage {}, {} up]", cause.stage, cause.depth)
}

fn side_text(side: &Side) -> String {
    let mut text = format!(
        "{} (first seen {}",
        short_hash(side.version.hash.as_str()),
        side.version.first_seen
    );
    if let Some(run) = &side.run {
        let _ = write!(text, ", run:{}", run.id);
    }
    text.push(')');
    text
}

fn render(report: &WhyReport) -> String {
    let mut out = format!(
        "{}: {} → {}\n",
        report.path,
        side_text(&report.old),
        side_text(&report.new)
    );
    if report.old.run.is_none() || report.new.run.is_none() {
        out.push_str(
            "\nNo run is recorded for one of the versions: nothing upstream to compare.\n",
        );
    } else if report.causes.is_empty() {
        out.push_str("\nNo upstream difference was recorded: the same inputs, params, code and environment gave a different result (a nondeterministic stage?).\n");
    } else {
        out.push_str("\nWhat changed, nearest first:\n");
        for (i, cause) in report.causes.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", i + 1, cause_text(cause));
        }
    }
    if !report.consequences.is_empty() {
        out.push_str("\nWhich changed in turn:\n");
        for cause in &report.consequences {
            let _ = writeln!(out, "  - {}", cause_text(cause));
        }
    }
    if !report.commits.is_empty() {
        out.push_str("\nCommits in between:\n");
        for (sha, subject) in &report.commits {
            let _ = writeln!(out, "  {} {subject}", &sha[..sha.len().min(7)]);
        }
    }
    out
}

fn cause_json(cause: &Cause) -> Value {
    let mut value = match &cause.difference {
        Difference::Data {
            path,
            old,
            new,
            files,
        } => json!({
            "kind": "data", "path": path,
            "old": old.as_ref().map(|h| h.as_str()), "new": new.as_ref().map(|h| h.as_str()),
            "files": files.as_ref().map(|f| json!({"added": f.added, "removed": f.removed, "modified": f.modified})),
        }),
        Difference::Code { path, old, new } => json!({
            "kind": "code", "path": path,
            "old": old.as_ref().map(|h| h.as_str()), "new": new.as_ref().map(|h| h.as_str()),
        }),
        Difference::Param {
            file,
            key,
            old,
            new,
        } => json!({"kind": "param", "file": file, "key": key, "old": old, "new": new}),
        Difference::Command { old, new } => json!({"kind": "cmd", "old": old, "new": new}),
        Difference::Environment { changes } => json!({
            "kind": "environment",
            "changes": changes.iter().map(|c| match c {
                EnvChange::Package { name, old, new } => json!({"package": name, "old": old, "new": new}),
                EnvChange::Fact { key, old, new } => json!({"fact": key, "old": old, "new": new}),
            }).collect::<Vec<_>>(),
        }),
    };
    value["stage"] = json!(cause.stage);
    value["depth"] = json!(cause.depth);
    value
}

fn side_json(side: &Side) -> Value {
    json!({
        "hash": side.version.hash.as_str(),
        "first_seen": side.version.first_seen.to_string(),
        "run": side.run.as_ref().map(|r| r.id.to_string()),
        "commit": side.run.as_ref().and_then(|r| r.git_commit.clone()),
    })
}

fn to_json(report: &WhyReport) -> Value {
    json!({
        "path": report.path,
        "old": side_json(&report.old),
        "new": side_json(&report.new),
        "causes": report.causes.iter().map(cause_json).collect::<Vec<_>>(),
        "consequences": report.consequences.iter().map(cause_json).collect::<Vec<_>>(),
        "commits": report.commits.iter().map(|(sha, subject)| json!({"sha": sha, "subject": subject})).collect::<Vec<_>>(),
    })
}
