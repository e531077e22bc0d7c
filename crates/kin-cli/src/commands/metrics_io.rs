//! What `kin metrics` and `kin params` share: paths shown as DVC shows them, comparing two
//! revisions (or recorded runs), and DVC's tables.

use std::io::{self, Write};

use kin::metrics::table::{DiffLayout, Table, diff_table};
use kin::metrics::{
    Collected, Collection, Diff, MetricsError, Recorded, Source, diff_tables, restrict_to, run_side,
};

use crate::command_error::CommandError;
use crate::paths::Paths;
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

/// The diff with paths as seen from the current directory, files sorted by that path.
pub fn display_diff(paths: &Paths, mut diff: Diff) -> Diff {
    for file in &mut diff.files {
        file.path = paths.display(&file.path);
    }
    diff.files.sort_by(|a, b| a.path.cmp(&b.path));
    diff
}
