//! `kin model deprecate`: deprecate an artifact, deregister a version, or unassign a stage.

use std::path::Path;

use clap::Args;
use kin::registry::actions::{plan_deprecate, plan_deregister, plan_unassign, write_tags};
use kin::registry::{Registry, StageName};

use super::{artifact_name, report_created};
use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct DeprecateArgs {
    /// The artifact: deprecated when no VERSION is given.
    pub name: String,
    /// A version: deregistered when no STAGE is given.
    #[arg(id = "version_name", value_name = "VERSION")]
    pub version: Option<String>,
    /// A stage to take away from VERSION.
    pub stage: Option<String>,
    /// The tag's message (default: GTO's).
    #[arg(short, long)]
    pub message: Option<String>,
    /// Act even where GTO's checks would refuse (an unknown or already deprecated artifact,
    /// a version not registered, a stage never assigned).
    #[arg(long)]
    pub force: bool,
}

pub fn cmd_deprecate(
    printer: Printer,
    cwd: &Path,
    args: &DeprecateArgs,
) -> Result<(), CommandError> {
    let name = artifact_name(&args.name)?;
    let registry = Registry::open(cwd)?;
    let message = super::given(args.message.as_deref());
    let version = super::given(args.version.as_deref()).map(str::to_owned);
    let stage = super::given(args.stage.as_deref()).map(str::to_owned);
    let tag = match (&version, &stage) {
        (Some(version), Some(stage)) => {
            let stage = StageName::parse(stage).map_err(|e| CommandError::usage(e.to_string()))?;
            plan_unassign(&registry, &name, version, &stage, message, args.force)?
        }
        (Some(version), None) => plan_deregister(&registry, &name, version, message, args.force)?,
        (None, _) => plan_deprecate(&registry, &name, message, args.force)?,
    };
    let tags = [tag];
    write_tags(&registry, &tags)?;
    super::audit_created(&registry.root, &tags)?;
    report_created(printer, &tags)
}
