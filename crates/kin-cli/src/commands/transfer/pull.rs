//! `kin pull`: fetch, then check the fetched data out into the workspace.

use std::path::Path;

use super::{PullArgs, finish, options};
use crate::command_error::CommandError;
use crate::progress::Bar;

pub fn cmd_pull(cwd: &Path, args: &PullArgs, quiet: bool) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("fetch", quiet || args.json);
    let reports = kin::remote::fetch(&repo, cwd, &options(args), &bar);
    bar.finish();
    let reports = reports?;
    let bar = Bar::new("checkout", quiet || args.json);
    let checkout = kin::data::checkout(&repo, cwd, &args.targets, &bar);
    bar.finish();
    let checkout = checkout?;
    if !quiet && !args.json {
        for path in &checkout.restored {
            println!("restored {path}");
        }
    }
    finish(&reports, "fetched", args, quiet)
}
