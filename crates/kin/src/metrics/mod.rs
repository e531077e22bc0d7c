//! Metrics and params across git revisions and the workspace, collected and compared as
//! DVC 3's `metrics show`, `metrics diff` and `params diff` do.
//!
//! A source yields a plain `{"<repo-relative path>": <parsed content>}` map ([`Collected`]);
//! [`diff_tables`] compares two such maps whatever their source, and [`table`] turns results
//! into DVC's table cells.

mod collect;
mod compare;
mod diff;
mod error;
pub mod python;
mod recorded;
pub mod table;
mod tree;

pub use collect::{
    Collection, FileEntry, collect_metrics, collect_params, extract_metrics, parse, select_keys,
};
pub(crate) use collect::{cached_dir_files, collect_metrics_in, collect_params_in, read_bytes};
pub use compare::{CompareError, Comparison, compare};
pub use diff::{Change, Diff, FileDiff, diff_tables};
pub use error::{FileFormat, MetricsError};
pub use recorded::{Recorded, restrict_to, run_side};
pub(crate) use tree::{Tree, resolve};

use crate::Repo;

/// One source's files: repo-relative, `/`-separated path to parsed content, in collection
/// order. Runs recorded in the lineage store hold their `metrics` and `params` in this shape.
pub type Collected = serde_json::Map<String, serde_json::Value>;

/// Where files are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The files on disk.
    Workspace,
    /// A git revision (branch, tag, commit, `HEAD~1`, ...), dvc.yaml included.
    Rev(String),
}

impl Source {
    /// `workspace` names the workspace, as in DVC; anything else is a git revision.
    pub fn named(name: &str) -> Source {
        if name == "workspace" {
            Source::Workspace
        } else {
            Source::Rev(name.to_owned())
        }
    }
}

/// Whether the repository has git history to compare with (DVC's diffs are empty without).
pub fn has_commits(repo: &Repo) -> bool {
    tree::has_commits(repo.root())
}
