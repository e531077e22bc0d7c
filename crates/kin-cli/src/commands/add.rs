//! `kin add`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::command_error::CommandError;
use crate::lineage_view::warnings::LineageWarnings;
use crate::printer::Printer;
use crate::progress::Bar;

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Files or directories to track.
    #[arg(required = true)]
    pub targets: Vec<PathBuf>,
}

pub fn cmd_add(printer: Printer, cwd: &Path, args: &AddArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let bar = Bar::new("hashing", printer.is_quiet());
    let warnings = LineageWarnings::new(printer);
    let added = kin::data::add(
        &repo,
        cwd,
        &args.targets,
        &kin::data::AddOptions::default(),
        &bar,
        &warnings,
    );
    bar.finish();
    let added = added?;
    warnings.finish()?;
    let mut out = printer.status();
    for entry in &added {
        let what = match entry.nfiles {
            Some(n) => format!("{n} files"),
            None => "1 file".to_owned(),
        };
        writeln!(
            out,
            "added {} ({what}, {} bytes) -> {}",
            entry.path, entry.size, entry.dvc_file
        )?;
    }
    git_add_hint(&mut out, added.iter().map(|entry| entry.dvc_file.as_str()))?;
    Ok(())
}

/// DVC's hint after writing `.dvc` files: `git add` each and the `.gitignore` beside it
/// (where the entry was written). Nothing when no file was written.
pub(crate) fn git_add_hint<'a>(
    out: &mut impl Write,
    dvc_files: impl IntoIterator<Item = &'a str>,
) -> std::io::Result<()> {
    let mut files: Vec<String> = Vec::new();
    for dvc_file in dvc_files {
        let gitignore = match dvc_file.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/.gitignore"),
            None => ".gitignore".to_owned(),
        };
        for file in [dvc_file.to_owned(), gitignore] {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    if !files.is_empty() {
        writeln!(
            out,
            "\nTo track the changes with git, run:\n\n\tgit add {}",
            files.join(" ")
        )?;
    }
    Ok(())
}
