//! `kin diff`: tracked data added, deleted, modified or renamed between two revisions, or
//! between a revision and the workspace, in DVC's text, Markdown and JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use kin::diff::{DataDiff, DiffRequest};
use serde_json::{Map, Value, json};

use crate::command_error::CommandError;
use crate::paths::Paths;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old git revision.
    #[arg(default_value = "HEAD")]
    pub a_rev: String,
    /// The new git revision (default: the workspace, which also reports what the cache lacks).
    pub b_rev: Option<String>,
    /// Only these tracked files or directories (or directories holding them).
    #[arg(long, num_args = 0.., value_name = "PATHS")]
    pub targets: Vec<PathBuf>,
    /// Print DVC's JSON: `{"added": [{"path": …}], "deleted": …, "modified": …, "renamed": …, "not in cache": …}`.
    #[arg(long)]
    pub json: bool,
    /// Print each entry's hash as well.
    #[arg(long)]
    pub show_hash: bool,
    /// Print a GitHub Markdown table.
    #[arg(long)]
    pub md: bool,
    /// Leave out what the cache lacks.
    #[arg(long)]
    pub hide_missing: bool,
}

/// The states in DVC's order, with the entries of each as `(path, hash)` text.
fn states(diff: &DataDiff, with_missing: bool) -> Vec<(&'static str, Vec<(String, Value)>)> {
    let plain = |entries: &[kin::diff::DiffEntry]| {
        entries
            .iter()
            .map(|e| (e.path.clone(), Value::from(e.hash.clone())))
            .collect()
    };
    let mut states = vec![
        ("added", plain(&diff.added)),
        ("deleted", plain(&diff.deleted)),
        (
            "renamed",
            diff.renamed
                .iter()
                .map(|r| {
                    (
                        format!("{} -> {}", r.old_path, r.new_path),
                        Value::from(r.hash.clone()),
                    )
                })
                .collect(),
        ),
        (
            "modified",
            diff.modified
                .iter()
                .map(|m| {
                    (
                        m.path.clone(),
                        json!({"old": m.old_hash, "new": m.new_hash}),
                    )
                })
                .collect(),
        ),
    ];
    if with_missing {
        states.push((
            "not in cache",
            plain(diff.not_in_cache.as_deref().unwrap_or_default()),
        ));
    }
    states
}

/// DVC's short form of a hash: its first 8 characters, or `old..new`.
fn digest(hash: &Value) -> String {
    let short = |text: &str| text.chars().take(8).collect::<String>();
    match hash {
        Value::String(text) => short(text),
        other => format!(
            "{}..{}",
            short(other["old"].as_str().unwrap_or_default()),
            short(other["new"].as_str().unwrap_or_default())
        ),
    }
}

/// DVC's JSON: every state's list (sorted by path), entries with `hash` only if asked.
fn to_json(diff: &DataDiff, with_missing: bool, show_hash: bool) -> Value {
    if diff.is_empty() {
        return json!({});
    }
    let entry = |path: Value, hash: Value| {
        let mut entry = Map::new();
        entry.insert("path".to_owned(), path);
        if show_hash {
            entry.insert("hash".to_owned(), hash);
        }
        Value::Object(entry)
    };
    let plain = |entries: &[kin::diff::DiffEntry]| {
        entries
            .iter()
            .map(|e| entry(json!(e.path), json!(e.hash)))
            .collect::<Vec<_>>()
    };
    let mut out = Map::new();
    out.insert("added".to_owned(), plain(&diff.added).into());
    out.insert("deleted".to_owned(), plain(&diff.deleted).into());
    out.insert(
        "modified".to_owned(),
        diff.modified
            .iter()
            .map(|m| entry(json!(m.path), json!({"old": m.old_hash, "new": m.new_hash})))
            .collect::<Vec<_>>()
            .into(),
    );
    out.insert(
        "renamed".to_owned(),
        diff.renamed
            .iter()
            .map(|r| entry(json!({"old": r.old_path, "new": r.new_path}), json!(r.hash)))
            .collect::<Vec<_>>()
            .into(),
    );
    if with_missing {
        out.insert(
            "not in cache".to_owned(),
            plain(diff.not_in_cache.as_deref().unwrap_or_default()).into(),
        );
    }
    Value::Object(out)
}

/// DVC's text: a block per state with entries, then a count of files (not directories).
fn write_text(
    out: &mut impl Write,
    diff: &DataDiff,
    with_missing: bool,
    show_hash: bool,
) -> std::io::Result<()> {
    if diff.is_empty() {
        return Ok(());
    }
    let mut summary = Vec::new();
    for (state, entries) in states(diff, with_missing) {
        if entries.is_empty() {
            continue;
        }
        let mut title = state.to_owned();
        title[..1].make_ascii_uppercase();
        writeln!(out, "{title}:")?;
        let mut files = 0;
        for (path, hash) in &entries {
            if show_hash {
                writeln!(out, "    {}  {path}", digest(hash))?;
            } else {
                writeln!(out, "    {path}")?;
            }
            if !path.ends_with('/') {
                files += 1;
            }
        }
        writeln!(out)?;
        if files > 0 {
            summary.push(format!("{files} {state}"));
        }
    }
    if !summary.is_empty() {
        writeln!(out, "files summary: {}", summary.join(", "))?;
    }
    Ok(())
}

fn markdown(diff: &DataDiff, with_missing: bool, show_hash: bool) -> String {
    let headers: Vec<String> = if show_hash {
        vec!["Status".into(), "Hash".into(), "Path".into()]
    } else {
        vec!["Status".into(), "Path".into()]
    };
    let mut rows = Vec::new();
    for (state, entries) in states(diff, with_missing) {
        for (path, hash) in entries {
            let mut row = vec![state.to_owned()];
            if show_hash {
                row.push(digest(&hash));
            }
            row.push(path);
            rows.push(row);
        }
    }
    crate::tabulate::render(&headers, &rows, true)
}

pub fn cmd_diff(printer: Printer, cwd: &Path, args: &DiffArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let paths = Paths::new(&repo, cwd);
    let targets = paths.targets(&args.targets)?;
    let request = DiffRequest {
        a_rev: args.a_rev.clone(),
        b_rev: args.b_rev.clone(),
        targets,
    };
    let diff = kin::diff::diff(&repo, &request)?;
    // Against another revision DVC never reports what the cache lacks.
    let with_missing = args.b_rev.is_none() && !args.hide_missing;
    if args.json {
        printer.json(
            &to_json(&diff, with_missing, args.show_hash),
            JsonStyle::Dvc,
        )?;
    } else if args.md {
        writeln!(
            printer.stdout(),
            "{}\n",
            markdown(&diff, with_missing, args.show_hash)
        )?;
    } else {
        write_text(&mut printer.stdout(), &diff, with_missing, args.show_hash)?;
    }
    Ok(())
}
