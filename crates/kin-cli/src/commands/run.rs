//! `kin run show ID`: everything recorded about one run.

use std::io::{self, Write};
use std::path::Path;

use clap::{Args, Subcommand};
use kin::lineage::kin_store::LineageStore;

use crate::command_error::CommandError;
use crate::lineage_view::text::version_line;
use crate::lineage_view::{format_duration, prefix};
use crate::printer::{JsonStyle, Printer, Stream};

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(subcommand)]
    pub command: RunCommand,
}

#[derive(Debug, Subcommand)]
pub enum RunCommand {
    /// Everything recorded about one run.
    Show(RunShowArgs),
}

#[derive(Debug, Args)]
pub struct RunShowArgs {
    /// The run's id, or enough of its start to be unique.
    pub id: String,
    #[arg(long, conflicts_with = "log")]
    pub json: bool,
    /// Print the run's captured output instead.
    #[arg(long)]
    pub log: bool,
}

pub fn cmd_run(printer: Printer, cwd: &Path, args: &RunArgs) -> Result<(), CommandError> {
    let RunCommand::Show(show) = &args.command;
    let repo = kin::Repo::discover(cwd)?;
    let store = kin::lineage::open_store(&repo)?;
    let id = show.id.strip_prefix("run:").unwrap_or(&show.id);
    let run = store.run_by_prefix(id)?;
    if show.log {
        let Some(object) = &run.log_object else {
            return Err(CommandError::failure(format!(
                "run {} has no captured output",
                run.id
            )));
        };
        let Some((fan_out, rest)) = object.split_at_checked(2) else {
            return Err(CommandError::failure(format!(
                "run {} names a malformed log object `{object}`",
                run.id
            )));
        };
        let path = kin::lineage::objects_dir(repo.root())
            .join(fan_out)
            .join(rest);
        let bytes = std::fs::read(&path).map_err(|e| {
            CommandError::failure(format!(
                "cannot read the log of run {} ({}): {e}",
                run.id,
                path.display()
            ))
        })?;
        printer.stdout().write_all(&bytes)?;
        return Ok(());
    }
    let detail = kin::lineage::RunDetail::read(&store, &run)?;
    if show.json {
        let value = kin::lineage::json::run_detail_json(&run, &detail);
        printer.json(&value, JsonStyle::Pretty)?;
        return Ok(());
    }
    let mut out = printer.stdout();
    writeln!(out, "run:    {}", run.id)?;
    writeln!(out, "stage:  {}", run.stage)?;
    let exit = run
        .exit_code
        .map_or(String::new(), |c| format!(" (exit {c})"));
    writeln!(out, "status: {}{exit}", run.status)?;
    let took = run.ended.map_or(String::new(), |end| {
        format!(
            ", took {}",
            format_duration(end.millis() - run.started.millis())
        )
    });
    writeln!(out, "start:  {}{took}", run.started)?;
    if let (Some(user), Some(host)) = (&run.user, &run.host) {
        writeln!(out, "by:     {user}@{host}")?;
    }
    if !run.tags.is_empty() {
        let pairs: Vec<String> = run.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(out, "tags:   {}", pairs.join(", "))?;
    }
    if let Some(commit) = &run.git_commit {
        let dirty = if run.git_dirty == Some(true) {
            " (uncommitted changes)"
        } else {
            ""
        };
        writeln!(out, "commit: {commit}{dirty}")?;
    }
    if !run.cmd.is_empty() {
        writeln!(out, "cmd:")?;
        for line in run.cmd.lines() {
            writeln!(out, "  {line}")?;
        }
    }
    print_json_section(&mut out, "params", &run.params)?;
    print_json_section(&mut out, "metrics", &run.metrics)?;
    for (title, list) in [("inputs", &detail.inputs), ("outputs", &detail.outputs)] {
        if !list.is_empty() {
            writeln!(out, "{title}:")?;
            for version in list {
                writeln!(out, "  {}", version_line(version))?;
            }
        }
    }
    if let Some(env) = &detail.environment {
        let body = &env.body;
        writeln!(out, "environment: {}", prefix(&env.hash, 12))?;
        for key in ["os", "kernel", "cpu"] {
            if let Some(value) = body[key].as_str() {
                writeln!(out, "  {key}: {value}")?;
            }
        }
        if let Some(gpus) = body["gpu"].as_array().filter(|g| !g.is_empty()) {
            let names: Vec<&str> = gpus.iter().filter_map(|g| g.as_str()).collect();
            writeln!(out, "  gpu: {}", names.join(", "))?;
        }
        if let Some(python) = body["python"].as_object() {
            let count = python
                .get("packages")
                .and_then(|p| p.as_array())
                .map_or(0, Vec::len);
            writeln!(
                out,
                "  python: {} ({count} packages)",
                python
                    .get("version")
                    .and_then(|v| v.as_str())
                    .unwrap_or("?")
            )?;
        }
    }
    if run.log_object.is_some() {
        writeln!(out, "log: kin run show {} --log", run.id)?;
    }
    Ok(())
}

/// `title:` and `  file: key=value` lines for a params or metrics map.
fn print_json_section(out: &mut Stream, title: &str, value: &serde_json::Value) -> io::Result<()> {
    let Some(files) = value.as_object().filter(|f| !f.is_empty()) else {
        return Ok(());
    };
    writeln!(out, "{title}:")?;
    for (file, content) in files {
        match content.as_object() {
            Some(keys) => {
                let pairs: Vec<String> = keys.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(out, "  {file}: {}", pairs.join(", "))?;
            }
            None => writeln!(out, "  {file}: {content}")?,
        }
    }
    Ok(())
}
