//! `kin runs`: recorded runs, newest first.

use std::io::{self, Write};
use std::path::Path;

use clap::Args;
use kin::lineage::kin_store::{LineageStore, RunFilter, RunStatus};
use serde_json::Value;

use crate::command_error::CommandError;
use crate::lineage_view::{format_duration, prefix, run_json};
use crate::printer::{JsonStyle, Printer, Stream};

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Only runs of this stage (address as `kin stages` prints it, or a `.dvc` file).
    #[arg(long)]
    pub stage: Option<String>,
    /// Only runs with this status: succeeded, failed, restored, committed or imported.
    #[arg(long)]
    pub status: Option<String>,
    /// Only runs started since: a date (`2026-11-01`, `2026-11-01T09:30`) or a span (`3d`, `12h`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only runs with this tag (repeatable: runs with every one).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = crate::lineage_view::tag_arg)]
    pub tags: Vec<(String, String)>,
    /// Only runs a schedule made (those tagged `schedule=NAME`).
    #[arg(long, value_name = "NAME")]
    pub schedule: Option<String>,
    /// Only runs of this project (a store several repositories share; see `kin store info`).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Show at most N runs (newest first).
    #[arg(short = 'n', long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_runs(printer: Printer, cwd: &Path, args: &RunsArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let status = args
        .status
        .as_deref()
        .map(str::parse::<RunStatus>)
        .transpose()
        .map_err(CommandError::usage)?;
    let since = args
        .since
        .as_deref()
        .map(crate::lineage_view::since_arg)
        .transpose()?;
    let store = kin::lineage::open_store(&repo)?;
    let mut tags = args.tags.clone();
    if let Some(schedule) = &args.schedule {
        tags.push((kin::schedule::SCHEDULE_TAG.to_owned(), schedule.clone()));
    }
    let runs = store.runs(&RunFilter {
        stage: args.stage.clone(),
        status,
        since,
        tags,
        project: args.project.clone(),
        after: None,
        limit: Some(args.limit),
    })?;
    if args.json {
        let list = runs.iter().map(run_json).collect();
        printer.json(&Value::Array(list), JsonStyle::Pretty)?;
        return Ok(());
    }
    if runs.is_empty() {
        writeln!(
            printer.stdout(),
            "No runs recorded{}.",
            if args.stage.is_some()
                || status.is_some()
                || since.is_some()
                || !args.tags.is_empty()
                || args.schedule.is_some()
                || args.project.is_some()
            {
                " that match"
            } else {
                " yet"
            }
        )?;
        return Ok(());
    }
    let rows: Vec<[String; 6]> = runs
        .iter()
        .map(|run| {
            let commit = run.git_commit.as_deref().map_or(String::from("-"), |c| {
                let short = prefix(c, 7);
                if run.git_dirty == Some(true) {
                    format!("{short}+")
                } else {
                    short.to_owned()
                }
            });
            let duration = run.ended.map_or(String::from("-"), |end| {
                format_duration(end.millis() - run.started.millis())
            });
            [
                run.id.to_string(),
                run.stage.clone(),
                run.status.to_string(),
                run.started.to_string(),
                duration,
                commit,
            ]
        })
        .collect();
    let header = ["RUN", "STAGE", "STATUS", "STARTED", "TOOK", "COMMIT"];
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |out: &mut Stream, cells: &[&str]| -> io::Result<()> {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "{}", padded.join("  ").trim_end())
    };
    let mut out = printer.stdout();
    line(&mut out, &header)?;
    for row in &rows {
        line(
            &mut out,
            &row.iter().map(String::as_str).collect::<Vec<_>>(),
        )?;
    }
    Ok(())
}
