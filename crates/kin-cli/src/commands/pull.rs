//! `kin pull`: fetch, then check the fetched data out into the workspace.

use std::path::Path;

use super::transfer::{finish, options};
use crate::command_error::CommandError;
use crate::progress::Bar;
use crate::remote_args::PullArgs;

pub fn run(cwd: &Path, pull: &PullArgs, quiet: bool) -> Result<(), CommandError> {
    let args = &pull.transfer;
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("fetch", quiet || args.json);
    let reports = kin::remote::fetch(&repo, cwd, &options(args), &bar);
    bar.finish();
    let reports = reports?;
    let bar = Bar::new("checkout", quiet || args.json);
    let options = kin::data::CheckoutOptions { force: pull.force };
    let checkout = kin::data::checkout(&repo, cwd, &args.targets, options, &bar);
    bar.finish();
    let checkout = checkout?;
    if !quiet && !args.json {
        for path in &checkout.restored {
            println!("restored {path}");
        }
    }
    finish(&reports, "fetched", args, quiet)
}
