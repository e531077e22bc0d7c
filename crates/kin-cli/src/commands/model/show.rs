//! `kin model show`: the registry (each artifact's latest version and stages), or one
//! artifact's versions; `--json` as `gto show --json` prints it.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::registry::gto_json::{Selector, ShowOptions, registry_json, versions_json};
use kin::registry::promote::unchecked_assignments;
use kin::registry::resolve::{ModelRef, VersionSelector};
use kin::registry::state::{StageQuery, VersionOrder};
use kin::registry::{ArtifactName, Registry};
use serde_json::Value;

use super::{cell, print_table};
use crate::command_error::{CommandError, model_ref_error};
use crate::lineage_view;
use crate::printer::{JsonStyle, Printer};
use kin::lineage::kin_store::Direction;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// `NAME`, `NAME@vX.Y.Z`, `NAME@latest` or `NAME#STAGE`; the whole registry if omitted.
    pub target: Option<String>,
    /// Only registered versions' assignments (gto's `--ro`).
    #[arg(long = "registered-only", visible_alias = "ro")]
    pub registered_only: bool,
    /// Include deprecated artifacts and inactive versions.
    #[arg(short, long)]
    pub deprecated: bool,
    /// Show the last N assignments of each version; -1 for all (gto's `--av`).
    #[arg(long = "assignments-per-version", visible_alias = "av", default_value_t = -1, allow_negative_numbers = true, value_name = "N")]
    pub assignments_per_version: i64,
    /// Show the last N versions in each stage; -1 for all (gto's `--vs`).
    #[arg(
        long = "versions-per-stage",
        visible_alias = "vs",
        default_value_t = 1,
        allow_negative_numbers = true,
        value_name = "N"
    )]
    pub versions_per_stage: i64,
    /// Order assignments by `timestamp` or `semver`.
    #[arg(long, default_value = "timestamp", value_parser = ["timestamp", "semver"])]
    pub sort: String,
    /// Also show each version's lineage: its content and what produced it (kin only; under a
    /// `kin` key in each version with --json).
    #[arg(long, requires = "target")]
    pub lineage: bool,
    #[arg(long)]
    pub json: bool,
}

/// What `NAME`, `NAME@vX.Y.Z`, `NAME@latest` or `NAME#STAGE` asks for: a model reference as
/// everywhere else (GTO's shortcuts), or a plain name for all its versions.
fn parse_target(text: &str) -> Result<(ArtifactName, Selector), CommandError> {
    if !text.contains(['@', '#']) {
        let name = ArtifactName::parse(text).map_err(|e| CommandError::usage(e.to_string()))?;
        return Ok((name, Selector::All));
    }
    let model = ModelRef::parse(text).map_err(model_ref_error)?;
    let selector = match model.selector {
        VersionSelector::Version(version) => Selector::Version(version),
        VersionSelector::Stage(stage) => Selector::Stage(stage),
        VersionSelector::Latest => Selector::Latest,
    };
    Ok((model.artifact, selector))
}

/// `-1` (all) or a count, as gto takes `--av` and `--vs`.
fn count(flag: &str, n: i64) -> Result<Option<usize>, CommandError> {
    match n {
        -1 => Ok(None),
        n => usize::try_from(n).map(Some).map_err(|_| {
            CommandError::usage(format!("{flag} must be -1 (all) or a count, not {n}"))
        }),
    }
}

fn show_options(args: &ShowArgs) -> Result<ShowOptions, CommandError> {
    Ok(ShowOptions {
        stages: StageQuery {
            registered_only: args.registered_only,
            per_version: count("--assignments-per-version", args.assignments_per_version)?,
            per_stage: count("--versions-per-stage", args.versions_per_stage)?,
            order: if args.sort == "semver" {
                VersionOrder::SemVer
            } else {
                VersionOrder::Timestamp
            },
        },
        deprecated: args.deprecated,
    })
}

pub fn cmd_show(printer: Printer, cwd: &Path, args: &ShowArgs) -> Result<(), CommandError> {
    let options = show_options(args)?;
    let registry = Registry::open(cwd)?;
    warn_unchecked(printer, &registry)?;
    let Some(target) = &args.target else {
        let stages = registry.stages();
        let doc = registry_json(&registry.state, &stages, &options);
        if args.json {
            return Ok(printer.json(&doc, JsonStyle::Gto)?);
        }
        return print_registry(printer, &doc, &stages);
    };
    let (name, selector) = parse_target(target)?;
    let artifact = registry.state.artifact(name.as_str()).ok_or_else(|| {
        CommandError::failure(format!("the registry has no artifact `{name}`"))
            .with_hint("`kin model show` lists the registry; `kin model register NAME` starts one")
    })?;
    let mut versions = versions_json(artifact, &selector, &options);
    let lineages = if args.lineage {
        lineage_of(cwd, &name, &versions)?
    } else {
        Vec::new()
    };
    if args.json {
        for (version, (_, view)) in versions.iter_mut().zip(&lineages) {
            if let Some(entry) = version.as_object_mut() {
                let graph = lineage_view::to_json(view, Direction::Up);
                entry.insert("kin".to_owned(), serde_json::json!({ "lineage": graph }));
            }
        }
        return Ok(printer.json(&Value::Array(versions), JsonStyle::Gto)?);
    }
    print_versions(printer, &versions)?;
    for (label, view) in &lineages {
        writeln!(printer.stdout(), "\n{label}:")?;
        write!(
            printer.stdout(),
            "{}",
            lineage_view::text::render(view, Direction::Up)
        )?;
    }
    Ok(())
}

/// The upstream lineage of each listed version (`model:NAME@VERSION` as a lineage target).
fn lineage_of(
    cwd: &Path,
    name: &ArtifactName,
    versions: &[Value],
) -> Result<Vec<(String, kin::lineage::LineageView)>, CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let mut views = Vec::new();
    for version in versions {
        let Some(label) = version["version"].as_str() else {
            continue;
        };
        let target = format!("model:{name}@{label}");
        let view = kin::lineage::lineage(&repo, cwd, &target, Direction::Up, usize::MAX)?;
        views.push((format!("{name} {label}"), view));
    }
    Ok(views)
}

/// Warns (on stderr, so `--json` stays gto's) of assignments made outside kin that the
/// stage's policy would refuse.
fn warn_unchecked(printer: Printer, registry: &Registry) -> Result<(), CommandError> {
    let Ok(repo) = kin::Repo::discover(&registry.root) else {
        return Ok(());
    };
    let unchecked =
        unchecked_assignments(&repo, registry).map_err(|e| CommandError::failure(e.to_string()))?;
    let mut err = printer.stderr();
    for found in unchecked {
        writeln!(
            err,
            "warning: {} {} is in `{}` by tag `{}` ({}), assigned outside kin; its policy would refuse it:",
            found.artifact, found.version, found.stage, found.tag, found.author
        )?;
        for line in found.unmet {
            writeln!(err, "  - {line}")?;
        }
    }
    Ok(())
}

fn print_registry(printer: Printer, doc: &Value, stages: &[String]) -> Result<(), CommandError> {
    let Some(artifacts) = doc.as_object() else {
        return Ok(());
    };
    let stage_headers: Vec<String> = stages.iter().map(|s| format!("#{s}")).collect();
    let mut headers = vec!["name", "latest"];
    headers.extend(stage_headers.iter().map(String::as_str));
    let mut names: Vec<&String> = artifacts.keys().collect();
    names.sort();
    let rows: Vec<Vec<String>> = names
        .into_iter()
        .map(|name| {
            let entry = &artifacts[name];
            let registered = entry["registered"].as_bool().unwrap_or(true);
            let shown = if registered {
                name.clone()
            } else {
                format!("*{name}")
            };
            let mut row = vec![shown, cell(&entry["version"])];
            row.extend(stages.iter().map(|s| cell(&entry["stage"][s])));
            row
        })
        .collect();
    print_table(printer, &headers, &rows, "The registry is empty.")
}

fn print_versions(printer: Printer, versions: &[Value]) -> Result<(), CommandError> {
    let rows: Vec<Vec<String>> = versions
        .iter()
        .map(|v| {
            let stages: Vec<String> = v["stages"]
                .as_array()
                .map(|s| s.iter().map(|s| cell(&s["stage"])).collect())
                .unwrap_or_default();
            vec![
                cell(&v["artifact"]),
                cell(&v["version"]),
                stages.join(", "),
                cell(&v["created_at"]),
                cell(&v["ref"]),
            ]
        })
        .collect();
    let headers = ["artifact", "version", "stage", "created_at", "ref"];
    print_table(printer, &headers, &rows, "No versions.")
}
