//! `kin model assign`: put a version in a stage, as `gto assign` does.

use std::path::Path;

use clap::Args;
use kin::registry::actions::{AssignTarget, plan_assign, write_tags};
use kin::registry::{Registry, StageName};

use super::{artifact_name, report_created};
use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// The artifact.
    pub name: String,
    /// The commit whose version to assign (registered first if it has none). Default: HEAD,
    /// unless --version names a registered version.
    pub rev: Option<String>,
    /// With REV: the version to register it as. Without: the registered version to assign.
    #[arg(long = "version", id = "version_name", value_name = "VERSION")]
    pub version: Option<String>,
    /// The stage, e.g. prod.
    #[arg(long)]
    pub stage: String,
    /// The tag's message (default: GTO's).
    #[arg(short, long)]
    pub message: Option<String>,
    /// Assign even if the version is in the stage already.
    #[arg(long)]
    pub force: bool,
}

pub fn cmd_assign(printer: Printer, cwd: &Path, args: &AssignArgs) -> Result<(), CommandError> {
    let name = artifact_name(&args.name)?;
    let stage = StageName::parse(&args.stage).map_err(|e| CommandError::usage(e.to_string()))?;
    let registry = Registry::open(cwd)?;
    let target = match (&args.rev, &args.version) {
        (Some(rev), name_version) => AssignTarget::Ref {
            rev: rev.clone(),
            name_version: name_version.clone(),
        },
        (None, Some(version)) => AssignTarget::Version(version.clone()),
        (None, None) => AssignTarget::Ref {
            rev: "HEAD".to_owned(),
            name_version: None,
        },
    };
    let tags = plan_assign(
        &registry,
        &name,
        &stage,
        &target,
        args.message.as_deref(),
        args.force,
    )?;
    write_tags(&registry, &tags)?;
    report_created(printer, &registry, &tags)
}
