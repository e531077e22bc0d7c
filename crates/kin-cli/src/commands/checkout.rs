//! `kin checkout`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use crate::command_error::CommandError;
use crate::printer::Printer;
use crate::progress::Bar;

#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// `.dvc` files, tracked paths or stage addresses (default: everything).
    pub targets: Vec<PathBuf>,
    /// Replace or remove workspace files even when their content is in no cache.
    #[arg(short, long)]
    pub force: bool,
}

pub fn cmd_checkout(printer: Printer, cwd: &Path, args: &CheckoutArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("checkout", printer.is_quiet());
    let options = kin::data::CheckoutOptions { force: args.force };
    let report = kin::data::checkout(&repo, cwd, &args.targets, options, &bar);
    bar.finish();
    let report = report?;
    // Missing objects fail the checkout even when the reader of this list went away.
    let printed = print_restored(printer, &report.restored);
    if !report.missing.is_empty() {
        return Err(CommandError::not_in_cache(&report.missing));
    }
    Ok(printed?)
}

fn print_restored(printer: Printer, restored: &[String]) -> io::Result<()> {
    let mut out = printer.status();
    for path in restored {
        writeln!(out, "restored {path}")?;
    }
    Ok(())
}
