//! `kin lineage up|down TARGET`.

use std::path::Path;

use kin::lineage::kin_store::Direction;

use crate::command_error::CommandError;
use crate::lineage_args::{LineageArgs, LineageDirection};
use crate::lineage_view;

pub fn run(cwd: &Path, args: &LineageArgs) -> Result<(), CommandError> {
    let (direction, query) = match &args.direction {
        LineageDirection::Up(query) => (Direction::Up, query),
        LineageDirection::Down(query) => (Direction::Down, query),
    };
    let repo = kin::Repo::discover(cwd)?;
    let depth = query.depth.unwrap_or(usize::MAX);
    let view = kin::lineage::lineage(&repo, cwd, &query.target, direction, depth)?;
    if query.json {
        let json = lineage_view::to_json(&view, direction);
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    } else if query.dot {
        print!("{}", lineage_view::dot::render(&view));
    } else {
        print!("{}", lineage_view::text::render(&view, direction));
    }
    Ok(())
}
