//! `kin push`: upload tracked data and its lineage that a remote lacks.

use std::path::Path;

use super::transfer::{finish, options};
use crate::command_error::CommandError;
use crate::progress::Bar;
use crate::remote_args::TransferArgs;

pub fn run(cwd: &Path, args: &TransferArgs, quiet: bool) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("push", quiet || args.json);
    let reports = kin::remote::push(&repo, cwd, &options(args), &bar);
    bar.finish();
    finish(&reports?, "pushed", args, quiet)
}
