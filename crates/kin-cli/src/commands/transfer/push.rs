//! `kin push`: upload tracked data and its lineage that a remote lacks.

use std::path::Path;

use super::{PushArgs, finish, options};
use crate::command_error::CommandError;
use crate::progress::Bar;

pub fn cmd_push(cwd: &Path, args: &PushArgs, quiet: bool) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("push", quiet || args.json);
    let reports = kin::remote::push(&repo, cwd, &options(args), &bar);
    bar.finish();
    finish(&reports?, "pushed", args, quiet)
}
