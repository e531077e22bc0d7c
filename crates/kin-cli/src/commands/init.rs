//! `kin init`.

use std::path::Path;

use clap::Args;

use crate::command_error::CommandError;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Initialise without git (DVC's `core.no_scm`).
    #[arg(long)]
    pub no_scm: bool,
}

pub fn cmd_init(cwd: &Path, args: &InitArgs, quiet: bool) -> Result<(), CommandError> {
    let report = kin::init(
        cwd,
        kin::InitOptions {
            no_scm: args.no_scm,
        },
    )?;
    if quiet {
        return Ok(());
    }
    if report.created.is_empty() {
        println!("kin is already initialised in {}", cwd.display());
    } else {
        println!("Initialised kin in {}", cwd.display());
        for path in &report.created {
            println!("  created {}", path.display());
        }
    }
    Ok(())
}
