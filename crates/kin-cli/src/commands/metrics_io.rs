//! What `kin metrics` and `kin params` share: paths shown as DVC shows them, comparing two
//! revisions (or recorded runs), and DVC's tables.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use kin::metrics::table::{DiffLayout, Table, diff_table};
use kin::metrics::{
    Collected, Collection, Diff, MetricsError, Recorded, Source, diff_tables, restrict_to, run_side,
};

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

/// Collects `a_rev` and `b_rev` and compares them. Without any commit there is nothing to
/// compare (DVC prints an empty result); a revision whose pipelines cannot be read counts as
/// empty, with a warning, as in DVC.
///
/// `run:ID` names a recorded run: its side is what the run recorded, and the other side is
/// cut down to the same files and keys (a run holds only its own stage's).
pub fn compare(
    printer: Printer,
    repo: &kin::Repo,
    (a_rev, b_rev): (&str, &str),
    what: Recorded,
    all: bool,
    collect: impl Fn(&Source) -> Result<Collection, MetricsError>,
) -> Result<Diff, CommandError> {
    let a_run = run_side(repo, a_rev, what)?;
    let b_run = run_side(repo, b_rev, what)?;
    if a_run.is_none() && b_run.is_none() && !kin::metrics::has_commits(repo) {
        return Ok(Diff::default());
    }
    let side = |rev: &str| -> Result<Collected, CommandError> {
        match collect(&Source::named(rev)) {
            Ok(collection) => {
                warn_unreadable(printer, &collection, rev)?;
                Ok(collection.data())
            }
            Err(error @ (MetricsError::Pipeline { .. } | MetricsError::Config(_))) => {
                writeln!(printer.stderr(), "warning: {error}")?;
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
    Ok(diff_tables(&old, &new, all))
}

/// A file that could not be read shows as empty, as in DVC; say why on stderr.
pub fn warn_unreadable(printer: Printer, collection: &Collection, rev: &str) -> io::Result<()> {
    for (_, error) in collection.errors() {
        writeln!(printer.stderr(), "warning: {rev}: {error}")?;
    }
    Ok(())
}

/// Prints a diff as JSON, a Markdown table or a plain table.
pub fn print_diff(
    printer: Printer,
    diff: &Diff,
    layout: &DiffLayout<'_>,
    json: bool,
    md: bool,
) -> io::Result<()> {
    if json {
        printer.json(&diff.to_json(), JsonStyle::Dvc)
    } else {
        print_table(printer, &diff_table(diff, layout), md)
    }
}

/// DVC prints nothing for an empty plain table, and a blank line after a Markdown one.
pub fn print_table(printer: Printer, table: &Table, md: bool) -> io::Result<()> {
    let text = crate::tabulate::render(&table.headers, &table.rows, md);
    if md {
        writeln!(printer.stdout(), "{text}\n")
    } else if !text.is_empty() {
        writeln!(printer.stdout(), "{text}")
    } else {
        Ok(())
    }
}

/// Repo-relative paths and the paths shown to the user (relative to the current directory).
pub struct Paths {
    root: PathBuf,
    /// The current directory relative to the root, as components.
    cwd_parts: Vec<String>,
    cwd: PathBuf,
}

impl Paths {
    pub fn new(repo: &kin::Repo, cwd: &Path) -> Paths {
        let cwd = std::path::absolute(cwd).unwrap_or_else(|_| cwd.to_path_buf());
        let cwd = normalize(&cwd);
        let cwd_parts = cwd
            .strip_prefix(repo.root())
            .map(|rel| {
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        Paths {
            root: repo.root().to_path_buf(),
            cwd_parts,
            cwd,
        }
    }

    /// A target given on the command line (relative to the current directory) as a
    /// repo-relative path.
    pub fn target(&self, target: &Path) -> Result<String, CommandError> {
        let full = normalize(&self.cwd.join(target));
        let rel = full.strip_prefix(&self.root).map_err(|_| {
            CommandError::usage(format!(
                "`{}` is outside the repository `{}`",
                target.display(),
                self.root.display()
            ))
            .with_hint("give paths inside the repository")
        })?;
        Ok(rel.to_string_lossy().replace('\\', "/"))
    }

    /// A repo-relative path as seen from the current directory (`../m.json` from `sub/`).
    pub fn display(&self, path: &str) -> String {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let common = self
            .cwd_parts
            .iter()
            .zip(&parts)
            .take_while(|(a, b)| a.as_str() == **b)
            .count();
        let mut out: Vec<&str> = vec![".."; self.cwd_parts.len() - common];
        out.extend(&parts[common..]);
        if out.is_empty() {
            ".".to_owned()
        } else {
            out.join("/")
        }
    }

    /// The diff with paths as seen from the current directory, files sorted by that path.
    pub fn display_diff(&self, mut diff: Diff) -> Diff {
        for file in &mut diff.files {
            file.path = self.display(&file.path);
        }
        diff.files.sort_by(|a, b| a.path.cmp(&b.path));
        diff
    }
}

/// Removes `.` and resolves `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
