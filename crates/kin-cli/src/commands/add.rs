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
    if !added.is_empty() {
        // Each `.dvc` file and the `.gitignore` beside it (where the entry was written).
        let mut files: Vec<String> = Vec::new();
        for entry in &added {
            let gitignore = match entry.dvc_file.rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/.gitignore"),
                None => ".gitignore".to_owned(),
            };
            for file in [entry.dvc_file.clone(), gitignore] {
                if !files.contains(&file) {
                    files.push(file);
                }
            }
        }
        writeln!(
            out,
            "\nTo track the changes with git, run:\n\n\tgit add {}",
            files.join(" ")
        )?;
    }
    Ok(())
}
