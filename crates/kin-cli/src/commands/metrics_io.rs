//! What `kin metrics` and `kin params` share: paths shown as DVC shows them, comparing two
//! revisions (or recorded runs), and DVC's tables.

use std::io::{self, Write};

use kin::metrics::table::{DiffLayout, Table, diff_table};
use kin::metrics::{Collection, Diff, MetricsError, Recorded, Source};

use crate::command_error::CommandError;
use crate::paths::Paths;
use crate::printer::{JsonStyle, Printer};

/// Compares `a_rev` and `b_rev` (see [`kin::metrics::compare`]), warning on stderr of what
/// could not be read.
pub fn compare(
    printer: Printer,
    repo: &kin::Repo,
    revs: (&str, &str),
    what: Recorded,
    all: bool,
    collect: impl Fn(&Source) -> Result<Collection, MetricsError>,
) -> Result<Diff, CommandError> {
    let comparison = kin::metrics::compare(repo, revs, what, all, collect)?;
    for warning in &comparison.warnings {
        writeln!(printer.stderr(), "warning: {warning}")?;
    }
    Ok(comparison.diff)
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
