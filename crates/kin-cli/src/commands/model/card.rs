//! `kin model card`: a model card for one version, from recorded facts only.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use kin::registry::Registry;
use kin::registry::card::{gather, to_html, to_markdown};
use kin::registry::resolve::{ModelRef, resolve_version};

use crate::command_error::{CommandError, model_ref_error};
use crate::printer::{JsonStyle, Printer, write_json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CardFormat {
    /// Markdown in the Hugging Face model card layout.
    Md,
    /// One standalone HTML file.
    Html,
    /// The card's facts as JSON (see docs/registry.md).
    Json,
}

#[derive(Debug, Args)]
pub struct CardArgs {
    /// `NAME@vX.Y.Z`, `NAME#STAGE` or `NAME@latest`.
    pub model: String,
    #[arg(long, value_enum, default_value_t = CardFormat::Md)]
    pub format: CardFormat,
    /// Write the card to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn cmd_card(printer: Printer, cwd: &Path, args: &CardArgs) -> Result<(), CommandError> {
    let model = ModelRef::parse(&args.model).map_err(model_ref_error)?;
    let repo = kin::Repo::discover(cwd)?;
    let registry = Registry::open(repo.root())?;
    let version = resolve_version(&registry, &model).map_err(model_ref_error)?;
    let store = kin::lineage::open_store(&repo)?;
    let card = gather(&repo, &store, &registry, &version)
        .map_err(|e| CommandError::failure(e.to_string()))?;
    let json = card.to_json();
    let text = match args.format {
        CardFormat::Md => to_markdown(&json).into_bytes(),
        CardFormat::Html => to_html(&json).into_bytes(),
        CardFormat::Json => {
            let mut bytes = Vec::new();
            write_json(&mut bytes, &json, JsonStyle::Pretty)?;
            bytes
        }
    };
    match &args.output {
        None => printer.stdout().write_all(&text)?,
        Some(path) => {
            let path = cwd.join(path);
            kin_format::atomic_write::write_atomic(&path, &text).map_err(|e| {
                CommandError::failure(format!("cannot write {}: {e}", path.display()))
            })?;
            writeln!(
                printer.status(),
                "wrote the card of {} {} to {}",
                version.artifact,
                version.version,
                args.output.as_deref().unwrap_or(&path).display()
            )?;
        }
    }
    Ok(())
}
