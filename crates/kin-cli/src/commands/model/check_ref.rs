//! `kin model check-ref`: what a registry tag registered, assigned or deprecated.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::registry::gto_json::event_json;
use kin::registry::tag_name::RegistryTag;
use kin::registry::{Event, EventKind, Registry};

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct CheckRefArgs {
    /// A tag (`churn@v1.0.0`, `refs/tags/churn#prod#2`).
    pub reference: String,
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_check_ref(
    printer: Printer,
    cwd: &Path,
    args: &CheckRefArgs,
) -> Result<(), CommandError> {
    let registry = Registry::open(cwd)?;
    let tag = args
        .reference
        .strip_prefix("refs/tags/")
        .unwrap_or(&args.reference);
    let Some(meaning) =
        RegistryTag::parse(tag).filter(|_| registry.tag_names.iter().any(|t| t == tag))
    else {
        // As gto: a ref that is not a registry tag says nothing.
        return Ok(());
    };
    let events: Vec<&Event> = registry
        .state
        .artifact(meaning.artifact.as_str())
        .map(|a| a.events(true, true, false))
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.tag.as_deref() == Some(tag))
        .collect();
    let [event] = events.as_slice() else {
        return Ok(());
    };
    if args.json {
        return Ok(printer.json(&event_json(event, true, true), JsonStyle::Gto)?);
    }
    let version = event.version.as_deref().unwrap_or("-");
    let stage = event.stage.as_deref().unwrap_or("-");
    let artifact = &event.artifact;
    let sentence = match event.kind {
        EventKind::Registration => format!("version {version} of {artifact} was registered"),
        EventKind::Deregistration => format!("version {version} of {artifact} was deregistered"),
        EventKind::Assignment => {
            format!("stage {stage} was assigned to version {version} of {artifact}")
        }
        EventKind::Unassignment => {
            format!("stage {stage} was unassigned from version {version} of {artifact}")
        }
        EventKind::Deprecation => format!("artifact {artifact} was deprecated"),
        EventKind::Commit => format!("commit of {artifact}"),
    };
    writeln!(printer.stdout(), "{sentence}")?;
    Ok(())
}
