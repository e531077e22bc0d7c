//! `kin fetch`: download tracked data and its lineage into the cache, verified.

use std::path::Path;

use super::{FetchArgs, finish, options};
use crate::command_error::CommandError;
use crate::progress::Bar;

pub fn cmd_fetch(cwd: &Path, args: &FetchArgs, quiet: bool) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("fetch", quiet || args.json);
    let reports = kin::remote::fetch(&repo, cwd, &options(args), &bar);
    bar.finish();
    finish(&reports?, "fetched", args, quiet)
}
