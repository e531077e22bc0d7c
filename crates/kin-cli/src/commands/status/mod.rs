//! `kin status`: stages and tracked data that differ from what was recorded, in DVC's layout.

mod cloud;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use kin::repro::{Change, ChangeKind};
use serde_json::{Map, Value, json};

use crate::command_error::CommandError;
use crate::paths::Paths;
use crate::printer::{JsonStyle, Printer, Stream};
use crate::stage_changes::describe;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print DVC's JSON shape: `{"<stage or .dvc file>": [{"changed deps": {…}}, {"changed outs": {…}}, "always changed", "changed command"]}`.
    #[arg(long)]
    pub json: bool,
    /// Also show old and new hashes and param values.
    #[arg(short, long)]
    pub verbose: bool,
    /// Compare the cache with a remote instead: what `push` would upload (new), what `fetch`
    /// would download (deleted), and what neither has (missing).
    #[arg(short, long)]
    pub cloud: bool,
    /// With `-c`: the remote (default: `core.remote`); implies `-c`.
    #[arg(short, long)]
    pub remote: Option<String>,
    /// With `-c`: parallel requests.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// With `-c`: only these `.dvc` files, tracked paths or stage addresses.
    pub targets: Vec<PathBuf>,
}

pub fn cmd_status(printer: Printer, cwd: &Path, args: &StatusArgs) -> Result<(), CommandError> {
    if args.cloud || args.remote.is_some() {
        return cloud::cloud_status(printer, cwd, args);
    }
    if !args.targets.is_empty() {
        return Err(CommandError::usage("targets are only taken with `-c`")
            .with_hint("`kin status` reports on the whole project; `kin status -c TARGET` compares a target with a remote"));
    }
    let repo = kin::Repo::discover(cwd)?;
    // Stages and paths are named as DVC names them: relative to the current directory.
    let paths = Paths::new(&repo, cwd);
    let mut entries: Vec<(String, Entry)> = kin::repro::status(&repo)?
        .iter()
        .map(|(stage, changes)| (paths.display_address(stage), entry_of(changes, &paths)))
        .collect();
    // Data tracked by .dvc files (stage outputs are covered above).
    for changed in kin::data::status(&repo)? {
        if !changed.owner.ends_with(".dvc") {
            continue;
        }
        let status = match changed.status {
            kin::data::OutStatus::Deleted => ChangeKind::Deleted,
            kin::data::OutStatus::Modified => ChangeKind::Modified,
            kin::data::OutStatus::New => ChangeKind::New,
            kin::data::OutStatus::NotInCache => ChangeKind::NotInCache,
        };
        let item = (paths.display(changed.path.as_str()), status.as_str());
        let owner = paths.display_address(&changed.owner);
        match entries.iter_mut().find(|(name, _)| *name == owner) {
            Some((_, entry)) => entry.outs.push(item),
            None => entries.push((
                owner,
                Entry {
                    outs: vec![item],
                    ..Entry::default()
                },
            )),
        }
    }
    if args.json {
        let document: Map<String, Value> = entries
            .iter()
            .map(|(name, entry)| (name.clone(), to_json(entry)))
            .collect();
        printer.json(&Value::Object(document), JsonStyle::Pretty)?;
        return Ok(());
    }
    let mut out = printer.stdout();
    if entries.is_empty() {
        writeln!(out, "Data and pipelines are up to date.")?;
    }
    for (name, entry) in &entries {
        print_human(&mut out, name, entry)?;
        if !args.verbose {
            continue;
        }
        for detail in &entry.details {
            writeln!(out, "\t# {detail}")?;
        }
    }
    Ok(())
}

/// One stale stage or `.dvc` file, grouped as `dvc status` groups it.
#[derive(Default)]
struct Entry {
    /// `(path, status)` and, for params, `(file, [(key, status)])`.
    deps: Vec<(String, DepStatus)>,
    outs: Vec<(String, &'static str)>,
    always_changed: bool,
    command_changed: bool,
    /// kin's detail lines (old -> new), shown on a terminal.
    details: Vec<String>,
}

enum DepStatus {
    Path(&'static str),
    Params(Vec<(String, &'static str)>),
}

fn entry_of(changes: &[Change], paths: &Paths) -> Entry {
    let mut entry = Entry::default();
    for change in changes {
        if !matches!(change, Change::NotRecorded) {
            entry.details.push(describe(change));
        }
        match change {
            Change::NotRecorded => {}
            Change::Dep { path, kind, .. } => entry
                .deps
                .push((paths.display_any(path), DepStatus::Path(kind.as_str()))),
            Change::ExternalDep { url, kind, .. } => entry
                .deps
                .push((url.clone(), DepStatus::Path(kind.as_str()))),
            Change::Param {
                file,
                key: None,
                kind,
                ..
            } => entry
                .deps
                .push((paths.display_any(file), DepStatus::Path(kind.as_str()))),
            Change::Param {
                file,
                key: Some(key),
                kind,
                ..
            } => {
                let item = (key.clone(), kind.as_str());
                let file = paths.display_any(file);
                match entry
                    .deps
                    .iter_mut()
                    .find(|(f, s)| *f == file && matches!(s, DepStatus::Params(_)))
                {
                    Some((_, DepStatus::Params(keys))) => keys.push(item),
                    _ => entry.deps.push((file, DepStatus::Params(vec![item]))),
                }
            }
            Change::Out { path, kind, .. } => {
                entry
                    .outs
                    .push((paths.display(path.as_str()), kind.as_str()));
            }
            Change::AlwaysChanged => entry.always_changed = true,
            Change::CommandChanged => entry.command_changed = true,
        }
    }
    entry
}

fn to_json(entry: &Entry) -> Value {
    let mut items = Vec::new();
    if !entry.deps.is_empty() {
        let deps: Map<String, Value> = entry
            .deps
            .iter()
            .map(|(path, status)| {
                let value = match status {
                    DepStatus::Path(s) => json!(s),
                    DepStatus::Params(keys) => {
                        Value::Object(keys.iter().map(|(k, s)| (k.clone(), json!(s))).collect())
                    }
                };
                (path.clone(), value)
            })
            .collect();
        items.push(json!({ "changed deps": deps }));
    }
    if !entry.outs.is_empty() {
        let outs: Map<String, Value> = entry
            .outs
            .iter()
            .map(|(p, s)| (p.clone(), json!(s)))
            .collect();
        items.push(json!({ "changed outs": outs }));
    }
    if entry.always_changed {
        items.push(json!("always changed"));
    }
    if entry.command_changed {
        items.push(json!("changed command"));
    }
    Value::Array(items)
}

fn print_human(out: &mut Stream, name: &str, entry: &Entry) -> io::Result<()> {
    fn row(out: &mut Stream, indent: &str, status: &str, path: &str) -> io::Result<()> {
        writeln!(out, "{indent}{:<20}{path}", format!("{status}:"))
    }
    writeln!(out, "{name}:")?;
    if !entry.deps.is_empty() {
        writeln!(out, "\tchanged deps:")?;
        for (path, status) in &entry.deps {
            match status {
                DepStatus::Path(s) => row(out, "\t\t", s, path)?,
                DepStatus::Params(keys) => {
                    writeln!(out, "\t\t{path}:")?;
                    for (key, s) in keys {
                        row(out, "\t\t\t", s, key)?;
                    }
                }
            }
        }
    }
    if !entry.outs.is_empty() {
        writeln!(out, "\tchanged outs:")?;
        for (path, status) in &entry.outs {
            row(out, "\t\t", status, path)?;
        }
    }
    if entry.always_changed {
        writeln!(out, "\talways changed")?;
    }
    if entry.command_changed {
        writeln!(out, "\tchanged command")?;
    }
    Ok(())
}
