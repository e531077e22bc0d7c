//! `kin push`: upload tracked data and its lineage that a remote lacks.

use std::path::Path;

use super::{PushArgs, finish, options};
use crate::command_error::CommandError;
use crate::printer::Printer;
use crate::progress::Bar;

pub fn cmd_push(printer: Printer, cwd: &Path, args: &PushArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("push", printer.is_quiet() || args.json);
    let reports = kin::remote::push(&repo, cwd, &options(args), &bar);
    bar.finish();
    finish(printer, &reports?, "pushed", args)
}
