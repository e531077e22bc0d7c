//! `kin checkout`.

use std::path::Path;

use crate::cli::CheckoutArgs;
use crate::command_error::CommandError;
use crate::progress::Bar;

pub fn run(cwd: &Path, args: &CheckoutArgs, quiet: bool) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("checkout", quiet);
    let options = kin::data::CheckoutOptions { force: args.force };
    let report = kin::data::checkout(&repo, cwd, &args.targets, options, &bar);
    bar.finish();
    let report = report?;
    if !quiet {
        for path in &report.restored {
            println!("restored {path}");
        }
    }
    if !report.missing.is_empty() {
        return Err(CommandError::failure(format!(
            "{} not in the cache: {}",
            if report.missing.len() == 1 {
                "this object is"
            } else {
                "these objects are"
            },
            report.missing.join(", ")
        ))
        .with_hint("fetch them from a remote, or re-create them with `kin repro`"));
    }
    Ok(())
}
