//! Metrics and params as recorded runs hold them, so `run:ID` can stand for one side of a diff.

use serde_json::{Map, Value};

use super::Collected;
use super::diff::flatten;
use crate::Repo;
use crate::lineage::{LineageError, open_store};

/// What a diff compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Metrics,
    Params,
}

/// The prefix that names a recorded run instead of a git revision.
const RUN_PREFIX: &str = "run:";

/// The metrics or params the run `name` (`run:ID-PREFIX`) recorded, in the shape a source
/// collects: `{"<repo-relative path>": content}`. `None` when `name` is not a run.
pub fn run_side(
    repo: &Repo,
    name: &str,
    what: Recorded,
) -> Result<Option<Collected>, LineageError> {
    let Some(prefix) = name.strip_prefix(RUN_PREFIX) else {
        return Ok(None);
    };
    let store = open_store(repo)?;
    let run = kin_store::LineageStore::run_by_prefix(&store, prefix)?;
    let value = match what {
        Recorded::Metrics => run.metrics,
        Recorded::Params => run.params,
    };
    Ok(Some(match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }))
}

/// `other` cut down to the files and dotted keys that `recorded` holds. A run records only
/// its own stage's metrics files and the params keys the stage names, so comparing it with
/// a whole revision would otherwise list everything else as added or removed.
pub fn restrict_to(other: &Collected, recorded: &Collected) -> Collected {
    let mut out = Collected::new();
    for (path, content) in recorded {
        let Some(theirs) = other.get(path) else {
            continue;
        };
        let kept = match (content, theirs) {
            (Value::Object(ours), Value::Object(theirs)) => {
                let wanted: std::collections::HashSet<String> =
                    flatten(ours).into_iter().map(|(key, _)| key).collect();
                let keys: Map<String, Value> = flatten(theirs)
                    .into_iter()
                    .filter(|(key, _)| wanted.contains(key))
                    .collect();
                Value::Object(keys)
            }
            _ => theirs.clone(),
        };
        out.insert(path.clone(), kept);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn collected(v: Value) -> Collected {
        match v {
            Value::Object(map) => map,
            other => panic!("not a mapping: {other}"),
        }
    }

    #[test]
    fn restrict_keeps_only_recorded_files_and_keys() {
        let workspace = collected(json!({
            "params.yaml": {"train": {"lr": 0.2, "epochs": 3}, "prepare": {"split": 0.1}},
            "other.yaml": {"x": 1},
        }));
        let run = collected(json!({"params.yaml": {"train.lr": 0.1}}));
        assert_eq!(
            restrict_to(&workspace, &run),
            collected(json!({"params.yaml": {"train.lr": 0.2}}))
        );
    }

    #[test]
    fn restrict_keeps_scalar_files_and_drops_missing_ones() {
        let workspace = collected(json!({"acc.json": 0.9}));
        let run = collected(json!({"acc.json": 0.8, "gone.json": {"a": 1}}));
        assert_eq!(
            restrict_to(&workspace, &run),
            collected(json!({"acc.json": 0.9}))
        );
    }
}
