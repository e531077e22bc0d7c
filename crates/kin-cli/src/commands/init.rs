//! `kin init`.

use std::path::Path;

use crate::cli::InitArgs;
use crate::command_error::CommandError;

pub fn run(cwd: &Path, args: &InitArgs, quiet: bool) -> Result<(), CommandError> {
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
