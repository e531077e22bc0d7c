//! `kin model assign`: put a version in a stage, as `gto assign` does — after checking the
//! stage's promotion policy against recorded evidence, and recording who approved it.

use std::io::Write;
use std::path::Path;

use clap::Args;
use kin::registry::actions::{AssignTarget, plan_assign, write_tags};
use kin::registry::git_tags::tagger;
use kin::registry::promote::{Approval, Decision, decide, message_trailers, record_promotion};
use kin::registry::resolve::ResolvedVersion;
use kin::registry::{EventKind, Registry, StageName};

use super::{artifact_name, report_created};
use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// The artifact.
    pub name: String,
    /// The commit whose version to assign (registered first if it has none). Default: HEAD,
    /// unless --version names a registered version.
    pub rev: Option<String>,
    /// With REV: the version to register it as. Without: the registered version to assign.
    #[arg(long = "version", id = "version_name", value_name = "VERSION")]
    pub version: Option<String>,
    /// The stage, e.g. prod.
    #[arg(long)]
    pub stage: String,
    /// The tag's message (default: GTO's).
    #[arg(short, long)]
    pub message: Option<String>,
    /// Who approves the promotion (the policy may require someone other than you).
    #[arg(long, value_name = "NAME")]
    pub approver: Option<String>,
    /// Why: recorded with the promotion (required with --force over a policy).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Assign even if the version is in the stage already; with --reason, also over the
    /// stage's unmet promotion policy (recorded as an override).
    #[arg(long)]
    pub force: bool,
}

pub fn cmd_assign(printer: Printer, cwd: &Path, args: &AssignArgs) -> Result<(), CommandError> {
    let name = artifact_name(&args.name)?;
    let stage = StageName::parse(&args.stage).map_err(|e| CommandError::usage(e.to_string()))?;
    let registry = Registry::open(cwd)?;
    let version = super::given(args.version.as_deref()).map(str::to_owned);
    let target = match (super::given(args.rev.as_deref()), version) {
        (Some(rev), name_version) => AssignTarget::Ref {
            rev: rev.to_owned(),
            name_version,
        },
        (None, Some(version)) => AssignTarget::Version(version),
        (None, None) => AssignTarget::Ref {
            rev: "HEAD".to_owned(),
            name_version: None,
        },
    };
    let mut tags = plan_assign(
        &registry,
        &name,
        &stage,
        &target,
        super::given(args.message.as_deref()),
        args.force,
    )?;
    let Some(assignment) = tags.iter().rposition(|t| t.kind == EventKind::Assignment) else {
        return Err(CommandError::failure("nothing to assign"));
    };
    let version = ResolvedVersion {
        artifact: name.clone(),
        version: tags[assignment].version.clone(),
        commit: tags[assignment].commit.clone(),
    };
    let repo = kin::Repo::discover(&registry.root).ok();
    let author = tagger(&registry.root).map_err(|e| CommandError::failure(e.to_string()))?;
    let approval = Approval {
        approver: args.approver.clone(),
        reason: args.reason.clone(),
    };
    let decision = decide(
        repo.as_ref(),
        &registry.root,
        &version,
        stage.as_str(),
        &approval,
        args.force,
        &author,
    )
    .map_err(promote_error)?;
    if let Decision::Refused(check) = &decision {
        let unmet = check.unmet();
        let mut message = format!(
            "promotion of {name} {} to `{stage}` refused: {} requirement(s) unmet",
            version.version,
            unmet.len()
        );
        for line in &unmet {
            message.push_str(&format!("\n  - {line}"));
        }
        return Err(CommandError::failure(message).with_hint(
            "meet them and run again, or override with --force --reason TEXT (recorded as an override)",
        ));
    }
    tags[assignment]
        .message
        .push_str(&message_trailers(&approval, &decision));
    write_tags(&registry, &tags)?;
    super::audit_created(&registry.root, &tags)?;
    if let Some(repo) = &repo {
        let mut store = kin::lineage::open_store(repo)?;
        record_promotion(&mut store, &tags[assignment], &author, &approval, &decision).map_err(
            |e| {
                CommandError::failure(format!(
                    "the tag was written, but recording the promotion failed: {e}"
                ))
            },
        )?;
    }
    if let Decision::Overridden(check) = &decision {
        let mut err = printer.stderr();
        writeln!(
            err,
            "warning: promotion policy overridden ({}):",
            args.reason.as_deref().unwrap_or("")
        )?;
        for line in check.unmet() {
            writeln!(err, "  - {line}")?;
        }
    }
    report_created(printer, &tags)
}

fn promote_error(error: kin::registry::promote::PromoteError) -> CommandError {
    use kin::registry::promote::PromoteError as E;
    match error {
        E::ForceWithoutReason => CommandError::usage(error.to_string()),
        E::NoRepository { .. } => CommandError::failure(error.to_string()).with_hint(
            "run `kin init` in the repository, or remove the stage's [registry.stages] policy",
        ),
        E::Lineage(e) => e.into(),
        E::Policy(_) | E::Check(_) => CommandError::failure(error.to_string()),
    }
}
