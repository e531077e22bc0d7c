//! `kin model register`: a new version of an artifact, as `gto register` creates it.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::lineage::kin_store::LineageStore;
use kin::registry::actions::{NewTag, VersionChoice, plan_register, write_tags};
use kin::registry::promotion::version_content;
use kin::registry::resolve::ResolvedVersion;
use kin::registry::{ArtifactName, Bump, Registry};

use super::{artifact_name, report_created};
use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The artifact (`NAME`, or `DIR:NAME` for one in `DIR/dvc.yaml`).
    pub name: String,
    /// The commit to register (a branch, tag or commit id).
    #[arg(default_value = "HEAD")]
    pub rev: String,
    /// The version to register, e.g. v1.2.0 (default: the next patch version).
    #[arg(
        long = "version",
        id = "version_name",
        value_name = "VERSION",
        conflicts_with_all = ["bump_major", "bump_minor", "bump_patch"]
    )]
    pub version: Option<String>,
    #[arg(long, conflicts_with_all = ["bump_minor", "bump_patch"])]
    pub bump_major: bool,
    #[arg(long, conflicts_with = "bump_patch")]
    pub bump_minor: bool,
    #[arg(long)]
    pub bump_patch: bool,
    /// The tag's message (default: GTO's).
    #[arg(short, long)]
    pub message: Option<String>,
    /// Register even if this commit already has a registered version.
    #[arg(long)]
    pub force: bool,
}

pub fn cmd_register(printer: Printer, cwd: &Path, args: &RegisterArgs) -> Result<(), CommandError> {
    let name = artifact_name(&args.name)?;
    let registry = Registry::open(cwd)?;
    let version = super::given(args.version.as_deref());
    let choice = match (version, args.bump_major, args.bump_minor, args.bump_patch) {
        (Some(version), ..) => VersionChoice::Exactly(version.to_owned()),
        (None, true, _, _) => VersionChoice::Bump(Bump::Major),
        (None, _, true, _) => VersionChoice::Bump(Bump::Minor),
        (None, _, _, true) => VersionChoice::Bump(Bump::Patch),
        (None, false, false, false) => VersionChoice::Next,
    };
    let tag = plan_register(
        &registry,
        &name,
        &args.rev,
        &choice,
        super::given(args.message.as_deref()),
        args.force,
    )?;
    if args.rev == "HEAD" && registry.worktree_dirty()? {
        writeln!(
            printer.stderr(),
            "warning: the worktree has uncommitted changes; the version is the commit {}, not what is on disk",
            tag.commit.get(..7).unwrap_or(&tag.commit)
        )?;
    }
    let tags = [tag];
    write_tags(&registry, &tags)?;
    super::audit_created(&registry.root, &tags)?;
    report_created(printer, &tags)?;
    note_lineage(printer, &registry, &tags[0])
}

/// Says when the new version's artifact has no recorded run: its lineage (and any gate on
/// it) is unknown until one is recorded.
fn note_lineage(printer: Printer, registry: &Registry, tag: &NewTag) -> Result<(), CommandError> {
    let Ok(repo) = kin::Repo::discover(&registry.root) else {
        return Ok(());
    };
    let Ok(artifact) = ArtifactName::parse(&tag.artifact) else {
        return Ok(());
    };
    let version = ResolvedVersion {
        artifact,
        version: tag.version.clone(),
        commit: tag.commit.clone(),
    };
    let store = kin::lineage::open_store(&repo)?;
    let problem = match version_content(&repo, &store, &version) {
        Err(problem) => problem,
        Ok(content) => match store.generators(content.id) {
            Ok(runs) if runs.is_empty() => format!(
                "no recorded run generated {}@{}",
                content.path,
                content
                    .hash
                    .as_str()
                    .get(..8)
                    .unwrap_or(content.hash.as_str())
            ),
            Ok(_) => return Ok(()),
            Err(e) => e.to_string(),
        },
    };
    writeln!(
        printer.stderr(),
        "note: {} {} has no recorded lineage: {problem}\nhint: `kin history import` records the runs of past commits; then `kin model show {}@{} --lineage`",
        tag.artifact,
        tag.version,
        tag.artifact,
        tag.version
    )?;
    Ok(())
}
