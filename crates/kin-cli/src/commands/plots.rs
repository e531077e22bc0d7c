//! `kin plots show`, `kin plots diff` and `kin plots templates`: DVC's plots, drawn into one
//! HTML page that opens offline, or printed as DVC's `--json`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use kin::plots::{Plot, PlotContent, RevisionPlots};
use serde_json::Value;

use crate::command_error::CommandError;
use crate::paths::Paths;
use crate::printer::{JsonStyle, Printer};

/// Where DVC writes plots unless told otherwise (`-o`, `plots.out_dir`).
const DEFAULT_OUT_DIR: &str = "dvc_plots";

#[derive(Debug, Args)]
pub struct PlotsArgs {
    #[command(subcommand)]
    pub command: PlotsCommand,
}

#[derive(Debug, Subcommand)]
pub enum PlotsCommand {
    /// Draw the workspace's plots (every plot `dvc.yaml` defines, or TARGETS) into one HTML page.
    Show(ShowArgs),
    /// Draw plots of several revisions on the same charts (default: HEAD, if changed, and the workspace).
    Diff(DiffArgs),
    /// List the built-in templates, or print one's Vega-Lite specification.
    Templates(TemplatesArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Plot ids or data files (directories: every file below them); a plot matches when its id starts with one.
    pub targets: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Git revisions (branches, tags, commits) or `workspace`; one revision is compared with the workspace.
    pub revisions: Vec<String>,
    /// Only these plot ids or data files.
    #[arg(long, num_args = 0.., value_name = "PATHS")]
    pub targets: Vec<PathBuf>,
    /// The one revision given is an experiment: compare it with its baseline.
    #[arg(short = 'e', long)]
    pub experiment: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Directory to write the page (`index.html`) to; with `--json`, where images are written.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print DVC's JSON: `{"errors": [...], "data": {"<plot id>": [{"type": "vega", "revisions": [...], "content": {...}}]}}`.
    #[arg(long)]
    pub json: bool,
    /// Print the filled Vega-Lite specification of the one target's chart.
    #[arg(long)]
    pub show_vega: bool,
    /// The template for every plot: a built-in name or a JSON file (searched in .dvc/plots/ first).
    #[arg(short = 't', long, value_name = "TEMPLATE")]
    pub template: Option<String>,
    /// Field for the x axis.
    #[arg(short = 'x', value_name = "FIELD")]
    pub x: Option<String>,
    /// Field for the y axis.
    #[arg(short = 'y', value_name = "FIELD")]
    pub y: Option<String>,
    /// CSV and TSV files have no header row.
    #[arg(long)]
    pub no_header: bool,
    /// Plot title.
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// X axis label.
    #[arg(long, value_name = "TEXT")]
    pub x_label: Option<String>,
    /// Y axis label.
    #[arg(long, value_name = "TEXT")]
    pub y_label: Option<String>,
    /// An HTML page to fill instead of kin's: `{plot_divs}` (required) and `{scripts}` are replaced.
    #[arg(long, value_name = "PATH")]
    pub html_template: Option<PathBuf>,
    /// Open the page in the default browser once written (`plots.auto_open` in `.dvc/config` always does).
    #[arg(long)]
    pub open: bool,
}

#[derive(Debug, Args)]
pub struct TemplatesArgs {
    /// The template to print; all names when left out.
    pub template: Option<String>,
}

pub fn cmd_plots(printer: Printer, cwd: &Path, args: &PlotsArgs) -> Result<(), CommandError> {
    match &args.command {
        PlotsCommand::Show(show) => {
            let repo = kin::Repo::discover(cwd)?;
            let paths = Paths::new(&repo, cwd);
            let request = kin::plots::Request {
                revisions: vec!["workspace".to_owned()],
                targets: paths.targets(&show.targets)?,
                overrides: overrides(&show.output),
                cwd: paths.cwd_in_repo(),
            };
            plots(printer, cwd, &repo, &request, &show.output)
        }
        PlotsCommand::Diff(diff) => {
            let repo = kin::Repo::discover(cwd)?;
            let paths = Paths::new(&repo, cwd);
            let request = kin::plots::Request {
                revisions: kin::plots::diff_revisions(&repo, &diff.revisions, diff.experiment),
                targets: paths.targets(&diff.targets)?,
                overrides: overrides(&diff.output),
                cwd: paths.cwd_in_repo(),
            };
            plots(printer, cwd, &repo, &request, &diff.output)
        }
        PlotsCommand::Templates(templates) => cmd_templates(printer, templates),
    }
}

fn cmd_templates(printer: Printer, args: &TemplatesArgs) -> Result<(), CommandError> {
    match &args.template {
        None => {
            let mut out = printer.stdout();
            for (name, _) in kin::plots::templates::BUILT_IN {
                writeln!(out, "{name}")?;
            }
            Ok(())
        }
        Some(name) => {
            let template = kin::plots::templates::built_in(name).ok_or_else(|| {
                CommandError::usage(format!("there is no built-in template `{name}`"))
                    .with_hint("`kin plots templates` lists them")
            })?;
            printer.json(&Value::Object(template.content), JsonStyle::Pretty)?;
            Ok(())
        }
    }
}

/// The properties the command line sets for every plot.
fn overrides(output: &OutputArgs) -> kin::plots::Props {
    kin::plots::overrides(
        output.template.as_deref(),
        output.x.as_deref(),
        output.y.as_deref(),
        output.no_header,
        [
            ("title", output.title.as_deref()),
            ("x_label", output.x_label.as_deref()),
            ("y_label", output.y_label.as_deref()),
        ],
    )
}

fn plots(
    printer: Printer,
    cwd: &Path,
    repo: &kin::Repo,
    request: &kin::plots::Request,
    output: &OutputArgs,
) -> Result<(), CommandError> {
    if output.show_vega {
        if request.targets.len() != 1 {
            return Err(CommandError::usage(
                "`--show-vega` needs exactly one target",
            ));
        }
        if output.json {
            return Err(CommandError::usage(
                "`--show-vega` and `--json` cannot be used together",
            ));
        }
    }
    let collected: Vec<RevisionPlots> = kin::plots::collect(repo, request)?;
    let templates_dir = kin::plots::templates_dir(repo);
    let rendered = kin::plots::render(&collected, Some(&templates_dir), cwd)
        .map_err(|e| CommandError::failure(e.to_string()))?;
    let out_dir = out_dir(cwd, repo, output);
    if output.json {
        let document = kin::plots::json_document(&rendered, |image| {
            write_image(&out_dir, &image.rev, &image.path, &image.bytes)
        })?;
        writeln!(printer.stdout(), "{document}")?;
        return Ok(());
    }
    report_problems(printer, &rendered)?;
    if output.show_vega {
        let chart = rendered.iter().find_map(|plot| match &plot.content {
            PlotContent::Vega { chart, .. } => chart.as_ref(),
            PlotContent::Images(_) => None,
        });
        if let Some(chart) = chart {
            writeln!(
                printer.stdout(),
                "{}",
                chart.to_text(kin::plots::Style::Python)
            )?;
        }
        return finish(&rendered);
    }
    let drawn = rendered.iter().any(|plot| match &plot.content {
        PlotContent::Vega { chart, .. } => chart.is_some(),
        PlotContent::Images(images) => !images.is_empty(),
    });
    if !drawn {
        writeln!(
            printer.stderr(),
            "No plots were loaded, visualization file will not be created."
        )?;
        return finish(&rendered);
    }
    let template = html_template(repo, output)?;
    let index = out_dir.join("index.html");
    std::fs::create_dir_all(&out_dir).map_err(|e| {
        CommandError::failure(format!("cannot create `{}`: {e}", out_dir.display()))
    })?;
    let mut failure = None;
    kin_format::atomic_write::write_atomic_with(&index, |file| {
        let mut writer = std::io::BufWriter::new(file);
        match kin::plots::html::write_page(&rendered, template.as_deref(), &mut writer) {
            Ok(()) => std::io::Write::flush(&mut writer),
            Err(kin::plots::html::PageError::Write(e)) => Err(e),
            Err(other) => {
                failure = Some(other.to_string());
                Err(std::io::Error::other("the page could not be made"))
            }
        }
    })
    .map_err(|e| match failure.take() {
        Some(reason) => CommandError::failure(reason),
        None => CommandError::failure(format!("cannot write `{}`: {e}", index.display())),
    })?;
    writeln!(printer.stdout(), "{}", file_uri(&index))?;
    let auto_open = repo
        .config()
        .value("plots", "auto_open")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"));
    if output.open || auto_open {
        open_in_browser(printer, &index)?;
    }
    finish(&rendered)
}

/// A plot whose definition does not fit its data fails the command, after the page is
/// written; a data file missing from some revision is only reported.
fn finish(rendered: &[Plot]) -> Result<(), CommandError> {
    let broken: Vec<&str> = rendered
        .iter()
        .filter(|plot| plot.problems.iter().any(|p| p.source.is_none()))
        .map(|plot| plot.id.as_str())
        .collect();
    if broken.is_empty() {
        return Ok(());
    }
    Err(CommandError::failure(format!(
        "{} could not be drawn: {}",
        if broken.len() == 1 {
            "this plot"
        } else {
            "these plots"
        },
        broken.join(", ")
    ))
    .with_hint("check each plot's `x` and `y` against the fields of its data files"))
}

fn report_problems(printer: Printer, rendered: &[Plot]) -> Result<(), CommandError> {
    let mut err = printer.stderr();
    for plot in rendered {
        for problem in &plot.problems {
            writeln!(
                err,
                "warning: plot `{}` in {}: {}",
                plot.id,
                if problem.rev == "workspace" {
                    "the workspace".to_owned()
                } else {
                    format!("`{}`", problem.rev)
                },
                problem.message
            )?;
        }
    }
    Ok(())
}

fn out_dir(cwd: &Path, repo: &kin::Repo, output: &OutputArgs) -> PathBuf {
    let configured = repo.config().value("plots", "out_dir").map(PathBuf::from);
    let dir = output
        .out
        .clone()
        .or(configured)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT_DIR));
    std::path::absolute(cwd.join(dir)).unwrap_or_else(|_| cwd.to_path_buf())
}

/// The page template from `--html-template` or `plots.html_template` (relative to `.dvc/`).
fn html_template(repo: &kin::Repo, output: &OutputArgs) -> Result<Option<String>, CommandError> {
    let path = match (
        &output.html_template,
        repo.config().value("plots", "html_template"),
    ) {
        (Some(path), _) => path.clone(),
        (None, Some(configured)) => repo.root().join(".dvc").join(configured),
        (None, None) => return Ok(None),
    };
    std::fs::read_to_string(&path).map(Some).map_err(|e| {
        CommandError::failure(format!(
            "cannot read the HTML template `{}`: {e}",
            path.display()
        ))
    })
}

/// Hands the page to the desktop's opener; where there is none, says so and carries on:
/// the page is written either way.
fn open_in_browser(printer: Printer, page: &Path) -> Result<(), CommandError> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let opened = std::process::Command::new(opener)
        .arg(page)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !opened.is_ok_and(|status| status.success()) {
        writeln!(
            printer.stderr(),
            "warning: could not open the page with `{opener}`; open {} yourself",
            file_uri(page)
        )?;
    }
    Ok(())
}

fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let encoded: String = text
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        format!("file:///{encoded}")
    }
}

/// Writes one revision's image as `<rev>_<path with / as _>` in `out_dir`; returns its path.
fn write_image(
    out_dir: &Path,
    rev: &str,
    path: &str,
    bytes: &[u8],
) -> Result<String, CommandError> {
    let name = format!("{rev}_{path}").replace(['/', '\\'], "_");
    let target = out_dir.join(name);
    std::fs::create_dir_all(out_dir)
        .and_then(|()| kin_format::atomic_write::write_atomic(&target, bytes))
        .map_err(|e| CommandError::failure(format!("cannot write `{}`: {e}", target.display())))?;
    Ok(target.to_string_lossy().into_owned())
}
