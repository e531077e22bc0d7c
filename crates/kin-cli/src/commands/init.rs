//! `kin init`.

use std::io::Write;
use std::path::Path;

use clap::Args;

use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Initialise without git (DVC's `core.no_scm`).
    #[arg(long)]
    pub no_scm: bool,
}

pub fn cmd_init(printer: Printer, cwd: &Path, args: &InitArgs) -> Result<(), CommandError> {
    let report = kin::init(
        cwd,
        kin::InitOptions {
            no_scm: args.no_scm,
        },
    )?;
    let mut out = printer.status();
    if report.created.is_empty() {
        writeln!(out, "kin is already initialised in {}", cwd.display())?;
    } else {
        writeln!(out, "Initialised kin in {}", cwd.display())?;
        for path in &report.created {
            writeln!(out, "  created {}", path.display())?;
        }
    }
    Ok(())
}
