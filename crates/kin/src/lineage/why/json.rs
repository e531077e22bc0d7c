//! The JSON of a `why` answer, for `kin why --json` and the HTTP API alike.

use serde_json::{Value, json};

use super::{Cause, Difference, EnvChange, Side, WhyReport};

fn cause_json(cause: &Cause) -> Value {
    let mut value = match &cause.difference {
        Difference::Data {
            path,
            old,
            new,
            files,
        } => json!({
            "kind": "data", "path": path,
            "old": old.as_ref().map(|h| h.as_str()), "new": new.as_ref().map(|h| h.as_str()),
            "files": files.as_ref().map(|f| json!({"added": f.added, "removed": f.removed, "modified": f.modified})),
        }),
        Difference::Code { path, old, new } => json!({
            "kind": "code", "path": path,
            "old": old.as_ref().map(|h| h.as_str()), "new": new.as_ref().map(|h| h.as_str()),
        }),
        Difference::Param {
            file,
            key,
            old,
            new,
        } => json!({"kind": "param", "file": file, "key": key, "old": old, "new": new}),
        Difference::Command { old, new } => json!({"kind": "cmd", "old": old, "new": new}),
        Difference::Environment { changes } => json!({
            "kind": "environment",
            "changes": changes.iter().map(|c| match c {
                EnvChange::Package { name, old, new } => json!({"package": name, "old": old, "new": new}),
                EnvChange::Fact { key, old, new } => json!({"fact": key, "old": old, "new": new}),
            }).collect::<Vec<_>>(),
        }),
    };
    value["stage"] = json!(cause.stage);
    value["depth"] = json!(cause.depth);
    value
}

fn side_json(side: &Side) -> Value {
    json!({
        "hash": side.version.hash.as_str(),
        "first_seen": side.version.first_seen.to_string(),
        "run": side.run.as_ref().map(|r| r.id.to_string()),
        "commit": side.run.as_ref().and_then(|r| r.git_commit.clone()),
    })
}

/// `kin why --json`.
pub fn report_json(report: &WhyReport) -> Value {
    json!({
        "path": report.path,
        "old": side_json(&report.old),
        "new": side_json(&report.new),
        "causes": report.causes.iter().map(cause_json).collect::<Vec<_>>(),
        "consequences": report.consequences.iter().map(cause_json).collect::<Vec<_>>(),
        "commits": report.commits.iter().map(|(sha, subject)| json!({"sha": sha, "subject": subject})).collect::<Vec<_>>(),
    })
}
