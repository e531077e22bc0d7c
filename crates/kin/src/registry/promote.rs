//! The decision on a stage assignment made through kin: the stage's policy checked (or
//! overridden with a reason), what the tag message adds for it, and the record kept in the
//! lineage store.

use kin_store::{LineageStore, Promotion};

use super::actions::NewTag;
use super::policy::{PolicyError, stage_policy};
use super::promotion::{GateVerdict, PromotionCheck, PromotionError, check_promotion};
use super::resolve::ResolvedVersion;
use crate::Repo;
use crate::lineage::LineageError;

/// Who approves an assignment and why (both optional unless the policy asks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approval {
    pub approver: Option<String>,
    pub reason: Option<String>,
}

/// Why an assignment could not be decided.
#[derive(Debug, thiserror::Error)]
pub enum PromoteError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Check(#[from] PromotionError),
    #[error(transparent)]
    Lineage(#[from] LineageError),
    #[error("stage `{stage}` has a promotion policy, and checking it needs a kin repository")]
    NoRepository { stage: String },
    #[error("--force overrides the promotion policy only with --reason saying why")]
    ForceWithoutReason,
}

/// What the policy says of an assignment.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// No policy for the stage.
    Unchecked,
    /// Every requirement is met.
    Allowed(PromotionCheck),
    /// Requirements are unmet and `--force --reason` overrides them.
    Overridden(PromotionCheck),
    /// Requirements are unmet: nothing may be written.
    Refused(PromotionCheck),
}

impl Decision {
    pub fn check(&self) -> Option<&PromotionCheck> {
        match self {
            Decision::Unchecked => None,
            Decision::Allowed(c) | Decision::Overridden(c) | Decision::Refused(c) => Some(c),
        }
    }
}

/// Decides whether `author` may put `version` in `stage`.
pub fn decide(
    repo: Option<&Repo>,
    root: &std::path::Path,
    version: &ResolvedVersion,
    stage: &str,
    approval: &Approval,
    force: bool,
    author: &str,
) -> Result<Decision, PromoteError> {
    let Some(policy) = stage_policy(root, stage)? else {
        return Ok(Decision::Unchecked);
    };
    let repo = repo.ok_or_else(|| PromoteError::NoRepository {
        stage: stage.to_owned(),
    })?;
    let store = crate::lineage::open_store(repo)?;
    let check = check_promotion(
        repo,
        &store,
        version,
        &policy,
        approval.approver.as_deref(),
        author,
    )?;
    if check.unmet().is_empty() {
        return Ok(Decision::Allowed(check));
    }
    if !force {
        return Ok(Decision::Refused(check));
    }
    if approval.reason.is_none() {
        return Err(PromoteError::ForceWithoutReason);
    }
    Ok(Decision::Overridden(check))
}

/// Lines appended to the assignment tag's message (after a blank line) recording the
/// approval, the reason, an override and the gates' verdicts. GTO reads a message as free
/// text, so the tag stays GTO's.
pub fn message_trailers(approval: &Approval, decision: &Decision) -> String {
    let mut lines = Vec::new();
    if let Some(approver) = &approval.approver {
        lines.push(format!("kin-approver: {approver}"));
    }
    if let Some(reason) = &approval.reason {
        lines.push(format!("kin-reason: {}", reason.replace('\n', " ")));
    }
    if matches!(decision, Decision::Overridden(_)) {
        lines.push("kin-override: true".to_owned());
    }
    if let Some(check) = decision.check() {
        for gate in &check.gates {
            let verdict = match &gate.verdict {
                GateVerdict::Passed { run } => format!("passed (run {})", run.id),
                GateVerdict::Failed { run } => format!("failed (run {})", run.id),
                GateVerdict::NoRun => "no run".to_owned(),
            };
            lines.push(format!("kin-gate: {} {verdict}", gate.gate));
        }
    }
    if lines.is_empty() {
        String::new()
    } else {
        format!("\n\n{}", lines.join("\n"))
    }
}

/// Records the assignment `tag` in the lineage store.
pub fn record_promotion(
    store: &mut dyn LineageStore,
    tag: &NewTag,
    author: &str,
    approval: &Approval,
    decision: &Decision,
) -> Result<(), kin_store::StoreError> {
    store.record_promotion(&Promotion {
        artifact: tag.artifact.clone(),
        version: tag.version.clone(),
        stage: tag.stage.clone().unwrap_or_default(),
        tag: tag.name.clone(),
        git_commit: tag.commit.clone(),
        author: author.to_owned(),
        approver: approval.approver.clone(),
        reason: approval.reason.clone(),
        overridden: matches!(decision, Decision::Overridden(_)),
        evidence: decision
            .check()
            .map_or(serde_json::Value::Null, PromotionCheck::to_json),
        at: crate::lineage::now(),
    })
}

/// A stage assignment the store has no promotion record of (made by `gto`, Studio or by
/// hand) that the stage's policy would refuse now.
#[derive(Debug, Clone, PartialEq)]
pub struct UncheckedAssignment {
    pub artifact: String,
    pub version: String,
    pub stage: String,
    pub tag: String,
    pub author: String,
    pub unmet: Vec<String>,
}

/// The active assignments made outside kin that their stage's policy would refuse.
pub fn unchecked_assignments(
    repo: &Repo,
    registry: &super::Registry,
) -> Result<Vec<UncheckedAssignment>, PromoteError> {
    let mut policies: std::collections::HashMap<String, Option<super::policy::StagePolicy>> =
        std::collections::HashMap::new();
    for stage in registry.state.used_stages() {
        let policy = stage_policy(repo.root(), &stage)?;
        policies.insert(stage, policy);
    }
    if policies.values().all(Option::is_none) {
        return Ok(Vec::new());
    }
    let store = crate::lineage::open_store(repo)?;
    let recorded: std::collections::HashSet<String> = store
        .promotions(None)
        .map_err(LineageError::from)?
        .into_iter()
        .map(|p| p.tag)
        .collect();
    let mut found = Vec::new();
    for artifact in &registry.state.artifacts {
        if !artifact.is_active() {
            continue;
        }
        for (stage, held) in artifact.stages(&super::state::StageQuery::DEFAULT) {
            let Some(Some(policy)) = policies.get(&stage) else {
                continue;
            };
            for assignment in held {
                let Some(event) = assignment.authoring_event() else {
                    continue;
                };
                let Some(tag) = event.tag.clone().filter(|t| !recorded.contains(t)) else {
                    continue;
                };
                let Ok(name) = super::names::ArtifactName::parse(&artifact.name) else {
                    continue;
                };
                let version = ResolvedVersion {
                    artifact: name,
                    version: assignment.version.clone(),
                    commit: assignment.commit.clone(),
                };
                let author = format!("{} <{}>", event.author, event.author_email);
                let check = check_promotion(repo, &store, &version, policy, None, &author)?;
                let unmet = check.unmet();
                if !unmet.is_empty() {
                    found.push(UncheckedAssignment {
                        artifact: artifact.name.clone(),
                        version: assignment.version.clone(),
                        stage: stage.clone(),
                        tag,
                        author,
                        unmet,
                    });
                }
            }
        }
    }
    Ok(found)
}

/// Records registry tags written through kin in the audit log, so that `kin audit verify`
/// notices a tag deleted or moved afterwards.
pub fn audit_tags(
    store: &mut kin_store::Store,
    tags: &[NewTag],
    author: &str,
) -> Result<(), kin_store::StoreError> {
    let actor = kin_store::audit::Actor {
        user: Some(author.to_owned()),
        host: None,
    };
    for tag in tags {
        let payload = serde_json::json!({
            "tag": tag.name,
            "commit": tag.commit,
            "message": tag.message,
            "event": tag.kind.as_str(),
            "artifact": tag.artifact,
            "version": tag.version,
            "stage": tag.stage,
        });
        store.audit_note(&actor, "registry", &tag.name, &payload)?;
    }
    Ok(())
}
