//! Experiments as DVC keeps them in git: a commit on top of its baseline commit, under
//! `refs/exps/<first two hex digits of the baseline>/<the other 38>/<name>`.

use std::path::Path;

use super::ExpError;
use crate::git::git_output;

/// One experiment's ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpRef {
    pub baseline: String,
    pub name: String,
    /// The experiment's commit.
    pub commit: String,
}

impl ExpRef {
    pub fn refname(&self) -> String {
        refname(&self.baseline, &self.name)
    }
}

/// The ref of experiment `name` on `baseline`.
pub fn refname(baseline: &str, name: &str) -> String {
    format!("refs/exps/{}/{}/{name}", &baseline[..2], &baseline[2..])
}

/// Whether `name` can be an experiment's name (a git ref component without `/`).
pub fn check_name(name: &str) -> Result<(), ExpError> {
    let bad = name.is_empty()
        || name.starts_with(['.', '-'])
        || name.ends_with(".lock")
        || name.contains("..")
        || name
            .chars()
            .any(|c| c.is_control() || " ~^:?*[\\/@{".contains(c));
    if bad {
        return Err(ExpError::BadName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// The experiment a ref names: `refs/exps/ab/<38 hex>/<name>`; DVC's own bookkeeping refs
/// (`exec/`, `celery/`) are none.
pub fn parse_refname(refname: &str, commit: &str) -> Option<ExpRef> {
    let parts: Vec<&str> = refname.split('/').collect();
    match parts.as_slice() {
        ["refs", "exps", head, tail, name]
            if head.len() == 2
                && tail.len() == 38
                && head
                    .chars()
                    .chain(tail.chars())
                    .all(|c| c.is_ascii_hexdigit()) =>
        {
            Some(ExpRef {
                baseline: format!("{head}{tail}"),
                name: (*name).to_owned(),
                commit: commit.to_owned(),
            })
        }
        _ => None,
    }
}

/// Every experiment in the repository, by baseline then name.
pub fn list(root: &Path) -> Result<Vec<ExpRef>, ExpError> {
    let out = git_output(
        root,
        &[
            "for-each-ref",
            "--format=%(objectname) %(refname)",
            "refs/exps/",
        ],
    )?;
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out).lines() {
        let Some((commit, refname)) = line.split_once(' ') else {
            continue;
        };
        found.extend(parse_refname(refname, commit));
    }
    found.sort_by(|a, b| (&a.baseline, &a.name).cmp(&(&b.baseline, &b.name)));
    Ok(found)
}

/// The experiment `name` names: an experiment name (of HEAD's baseline first, then any), or
/// its full ref.
pub fn find(root: &Path, name: &str, head: Option<&str>) -> Result<ExpRef, ExpError> {
    let all = list(root)?;
    let matching: Vec<&ExpRef> = all
        .iter()
        .filter(|e| e.name == name || e.refname() == name)
        .collect();
    if let Some(found) = matching
        .iter()
        .find(|e| Some(e.baseline.as_str()) == head)
        .or(matching.first())
    {
        return Ok((*found).clone());
    }
    Err(ExpError::UnknownExperiment {
        name: name.to_owned(),
    })
}
