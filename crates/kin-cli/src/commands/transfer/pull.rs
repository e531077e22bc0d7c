//! `kin pull`: fetch, then check the fetched data out into the workspace.

use std::io::{self, Write};
use std::path::Path;

use super::{PullArgs, TransferArgs, finish, options};
use crate::command_error::CommandError;
use crate::printer::Printer;
use crate::progress::Bar;

pub fn cmd_pull(printer: Printer, cwd: &Path, pull: &PullArgs) -> Result<(), CommandError> {
    let args = &pull.transfer;
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("fetch", printer.is_quiet() || args.json);
    let reports = kin::remote::fetch(&repo, cwd, &options(args), &bar);
    bar.finish();
    let reports = reports?;
    let bar = Bar::new("checkout", printer.is_quiet() || args.json);
    let options = kin::data::CheckoutOptions { force: pull.force };
    let checkout = kin::data::checkout(&repo, cwd, &args.targets, options, &bar);
    bar.finish();
    let checkout = checkout?;
    // What could not be restored fails the pull (as it fails DVC's) even when the reader of
    // this list went away; what the remote lacked was already warned about.
    let printed = print_restored(printer, &checkout.restored, args);
    finish(printer, &reports, "fetched", args)?;
    if !checkout.missing.is_empty() {
        return Err(CommandError::not_in_cache(&checkout.missing));
    }
    Ok(printed?)
}

fn print_restored(printer: Printer, restored: &[String], args: &TransferArgs) -> io::Result<()> {
    if args.json {
        return Ok(());
    }
    let mut out = printer.status();
    for path in restored {
        writeln!(out, "restored {path}")?;
    }
    Ok(())
}
