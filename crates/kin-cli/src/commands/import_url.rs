//! `kin import-url URL [OUT]` and `kin update TARGET…`: data from outside the repository,
//! tracked with the import `.dvc` files DVC writes (docs/data.md).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use kin::data::Imported;

use crate::command_error::CommandError;
use crate::lineage_view::warnings::LineageWarnings;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct ImportUrlArgs {
    /// Where the data is: `s3://BUCKET/KEY`, `http(s)://…` or an absolute path.
    pub url: String,
    /// Where to put it (a file, or a directory to put it in); default: its name, here.
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Import `.dvc` files, or the data they track.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub targets: Vec<PathBuf>,
    /// Every import `.dvc` file of the repository (what a schedule refreshes before it
    /// decides whether anything changed).
    #[arg(long)]
    pub all: bool,
}

pub fn cmd_import_url(
    printer: Printer,
    cwd: &Path,
    args: &ImportUrlArgs,
) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let warnings = LineageWarnings::new(printer);
    let imported = kin::data::import_url(&repo, cwd, &args.url, args.out.as_deref(), &warnings)?;
    warnings.finish()?;
    report(printer, std::slice::from_ref(&imported))
}

pub fn cmd_update(printer: Printer, cwd: &Path, args: &UpdateArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let warnings = LineageWarnings::new(printer);
    let updated = if args.all {
        let files = kin::data::import_files(&repo)?;
        kin::data::update(&repo, repo.root(), &files, &warnings)?
    } else {
        kin::data::update(&repo, cwd, &args.targets, &warnings)?
    };
    warnings.finish()?;
    report(printer, &updated)
}

fn report(printer: Printer, imports: &[Imported]) -> Result<(), CommandError> {
    let mut out = printer.status();
    for import in imports {
        if import.changed {
            writeln!(out, "imported {} -> {}", import.source, import.path)?;
        } else {
            writeln!(
                out,
                "`{}` did not change: {} is up to date",
                import.source, import.path
            )?;
        }
    }
    super::add::git_add_hint(
        &mut out,
        imports
            .iter()
            .filter(|import| import.changed)
            .map(|import| import.dvc_file.as_str()),
    )?;
    Ok(())
}
