//! `kin status`: tracked data that differs from its recorded version.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::cli::StatusArgs;
use crate::command_error::CommandError;

pub fn run(cwd: &Path, args: &StatusArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let changed = kin::data::status(&repo)?;
    // Group by owner, keeping first-seen order.
    let mut groups: Vec<(String, Vec<(String, &'static str)>)> = Vec::new();
    for entry in &changed {
        let item = (entry.path.clone(), entry.status.as_str());
        match groups.iter_mut().find(|(owner, _)| *owner == entry.owner) {
            Some((_, items)) => items.push(item),
            None => groups.push((entry.owner.clone(), vec![item])),
        }
    }
    if args.json {
        let mut document = Map::new();
        for (owner, items) in &groups {
            let outs: Map<String, Value> =
                items.iter().map(|(p, s)| (p.clone(), json!(s))).collect();
            document.insert(owner.clone(), json!([{ "changed outs": outs }]));
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&Value::Object(document))
                .expect("JSON values always serialize")
        );
        return Ok(());
    }
    if groups.is_empty() {
        println!("Data and pipelines are up to date.");
    }
    for (owner, items) in &groups {
        println!("{owner}:\n\tchanged outs:");
        for (path, status) in items {
            println!("\t\t{:<20}{path}", format!("{status}:"));
        }
    }
    Ok(())
}
