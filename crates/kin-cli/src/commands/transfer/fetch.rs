//! `kin fetch`: download tracked data and its lineage into the cache, verified.

use std::path::Path;

use super::{FetchArgs, finish, options};
use crate::command_error::CommandError;
use crate::printer::Printer;
use crate::progress::Bar;

pub fn cmd_fetch(printer: Printer, cwd: &Path, args: &FetchArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("fetch", printer.is_quiet() || args.json);
    let reports = kin::remote::fetch(&repo, cwd, &options(args), &bar);
    bar.finish();
    finish(printer, &reports?, "fetched", args)
}
