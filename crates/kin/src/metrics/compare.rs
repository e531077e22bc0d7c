//! Two sides compared: git revisions, the workspace or recorded runs (`run:ID`), for
//! `kin metrics diff`, `kin params diff` and the HTTP API alike.

use super::{
    Collected, Collection, Diff, MetricsError, Recorded, Source, diff_tables, restrict_to, run_side,
};
use crate::Repo;
use crate::lineage::LineageError;

/// Why two sides could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error(transparent)]
    Lineage(#[from] LineageError),
}

/// A comparison, with what could not be read (shown empty, as DVC shows it).
#[derive(Debug, Default)]
pub struct Comparison {
    pub diff: Diff,
    /// `REV: reason` for each file or pipeline that could not be read.
    pub warnings: Vec<String>,
}

/// Collects `a_rev` and `b_rev` and compares them. Without any commit there is nothing to
/// compare (DVC prints an empty result); a revision whose pipelines cannot be read counts as
/// empty, with a warning, as in DVC.
///
/// `run:ID` names a recorded run: its side is what the run recorded, and the other side is
/// cut down to the same files and keys (a run holds only its own stage's).
pub fn compare(
    repo: &Repo,
    (a_rev, b_rev): (&str, &str),
    what: Recorded,
    all: bool,
    collect: impl Fn(&Source) -> Result<Collection, MetricsError>,
) -> Result<Comparison, CompareError> {
    let a_run = run_side(repo, a_rev, what)?;
    let b_run = run_side(repo, b_rev, what)?;
    if a_run.is_none() && b_run.is_none() && !super::has_commits(repo) {
        return Ok(Comparison::default());
    }
    let mut warnings = Vec::new();
    let mut side = |rev: &str| -> Result<Collected, CompareError> {
        match collect(&Source::named(rev)) {
            Ok(collection) => {
                for (_, error) in collection.errors() {
                    warnings.push(format!("{rev}: {error}"));
                }
                Ok(collection.data())
            }
            Err(error @ (MetricsError::Pipeline { .. } | MetricsError::Config(_))) => {
                warnings.push(error.to_string());
                Ok(Collected::new())
            }
            Err(error) => Err(error.into()),
        }
    };
    let (old, new) = match (a_run, b_run) {
        (Some(old), Some(new)) => (old, new),
        (Some(old), None) => {
            let new = restrict_to(&side(b_rev)?, &old);
            (old, new)
        }
        (None, Some(new)) => (restrict_to(&side(a_rev)?, &new), new),
        (None, None) => (side(a_rev)?, side(b_rev)?),
    };
    Ok(Comparison {
        diff: diff_tables(&old, &new, all),
        warnings,
    })
}
