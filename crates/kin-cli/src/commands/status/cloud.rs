//! `kin status -c`: the cache against a remote, in DVC's text and JSON layout.

use std::path::Path;

use serde_json::{Map, Value};

use super::StatusArgs;
use crate::command_error::CommandError;

pub fn cloud_status(cwd: &Path, args: &StatusArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let options = kin::remote::TransferOptions {
        targets: args.targets.clone(),
        remote: args.remote.clone(),
        jobs: args.jobs.map(usize::from),
    };
    let statuses = kin::remote::cloud_status(&repo, cwd, &options)?;
    if args.json {
        let mut all = Map::new();
        for status in &statuses {
            for (path, state) in &status.entries {
                all.insert(path.clone(), Value::String(state.as_str().to_owned()));
            }
        }
        println!("{}", kin::metrics::python::py_json(&Value::Object(all)));
        return Ok(());
    }
    for status in &statuses {
        if status.entries.is_empty() {
            println!("Cache and remote '{}' are in sync.", status.remote);
            continue;
        }
        for (path, state) in &status.entries {
            println!("\t{:<20}{path}", format!("{}:", state.as_str()));
        }
    }
    Ok(())
}
