//! `kin model`: the model registry, in GTO's git tags (what `gto` and DVC Studio read).

mod assign;
mod card;
mod check_ref;
mod deprecate;
mod history;
mod list;
mod register;
mod show;
mod stages;

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use kin::registry::actions::NewTag;
use kin::registry::{ArtifactName, EventKind};
use serde_json::Value;

use crate::command_error::CommandError;
use crate::printer::Printer;
use crate::tabulate::print_table;

#[derive(Debug, Args)]
pub struct ModelArgs {
    #[command(subcommand)]
    pub command: ModelCommand,
}

/// `--version` names a model version here, so the subcommands that take it give up clap's
/// version flag (`kin --version` still prints kin's).
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// List the artifacts the `dvc.yaml` files declare.
    List(list::ListArgs),
    /// Register a version of an artifact (a git tag `NAME@vX.Y.Z`).
    #[command(disable_version_flag = true)]
    Register(register::RegisterArgs),
    /// Assign a stage to a version (a git tag `NAME#STAGE#N`).
    #[command(disable_version_flag = true)]
    Assign(assign::AssignArgs),
    /// Deprecate an artifact, deregister a version, or unassign a stage.
    #[command(disable_version_flag = true)]
    Deprecate(deprecate::DeprecateArgs),
    /// Show the registry, or one artifact's versions (`NAME`, `NAME@vX.Y.Z`, `NAME#STAGE`).
    Show(show::ShowArgs),
    /// Show the journal of registry actions, newest first.
    History(history::HistoryArgs),
    /// List the stages in use (or those `.gto` allows).
    Stages(stages::StagesArgs),
    /// Say what a registry tag did.
    CheckRef(check_ref::CheckRefArgs),
    /// Write a model card for a version from recorded facts (Markdown, HTML or JSON).
    Card(card::CardArgs),
}

pub fn cmd_model(printer: Printer, cwd: &Path, args: &ModelArgs) -> Result<(), CommandError> {
    match &args.command {
        ModelCommand::List(args) => list::cmd_list(printer, cwd, args),
        ModelCommand::Register(args) => register::cmd_register(printer, cwd, args),
        ModelCommand::Assign(args) => assign::cmd_assign(printer, cwd, args),
        ModelCommand::Deprecate(args) => deprecate::cmd_deprecate(printer, cwd, args),
        ModelCommand::Show(args) => show::cmd_show(printer, cwd, args),
        ModelCommand::History(args) => history::cmd_history(printer, cwd, args),
        ModelCommand::Stages(args) => stages::cmd_stages(printer, cwd, args),
        ModelCommand::CheckRef(args) => check_ref::cmd_check_ref(printer, cwd, args),
        ModelCommand::Card(args) => card::cmd_card(printer, cwd, args),
    }
}

/// A JSON value as a table cell: text as it is, a missing value as `-`.
fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

/// An optional argument as gto reads it: an empty string is not given.
fn given(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.is_empty())
}

/// An artifact name from the command line.
fn artifact_name(text: &str) -> Result<ArtifactName, CommandError> {
    ArtifactName::parse(text).map_err(|e| CommandError::usage(e.to_string()))
}

/// Records the tags an action created in the audit log of the kin repository holding them
/// (a plain git repository keeps no log).
fn audit_created(root: &Path, tags: &[NewTag]) -> Result<(), CommandError> {
    let Ok(repo) = kin::Repo::discover(root) else {
        return Ok(());
    };
    let author =
        kin::registry::git_tags::tagger(root).map_err(|e| CommandError::failure(e.to_string()))?;
    let mut store = kin::lineage::open_store(&repo)?;
    kin::registry::promote::audit_tags(&mut store, tags, &author).map_err(|e| {
        CommandError::failure(format!(
            "the tags were written, but recording them in the audit log failed: {e}"
        ))
    })
}

/// Reports the tags an action created, and how to share them.
fn report_created(printer: Printer, tags: &[NewTag]) -> Result<(), CommandError> {
    let mut out = printer.status();
    for tag in tags {
        let short = tag.commit.get(..7).unwrap_or(&tag.commit);
        let stage = tag.stage.as_deref().unwrap_or("?");
        let (artifact, version) = (&tag.artifact, &tag.version);
        let what = match tag.kind {
            EventKind::Registration => format!("registered {artifact} {version}"),
            EventKind::Deregistration => format!("deregistered {artifact} {version}"),
            EventKind::Assignment => format!("assigned {stage} to {artifact} {version}"),
            EventKind::Unassignment => format!("unassigned {stage} from {artifact} {version}"),
            EventKind::Deprecation => format!("deprecated {artifact}"),
            EventKind::Commit => format!("tagged {artifact}"),
        };
        writeln!(out, "{what} at {short} (tag {})", tag.name)?;
    }
    if let Some(last) = tags.last() {
        writeln!(
            out,
            "hint: share it with `git push origin {}`",
            shell_quote(&last.name)
        )?;
    }
    Ok(())
}

/// `text` quoted for a POSIX shell when it needs it (`#` and `!` do).
fn shell_quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
