//! Whether a model version may enter a stage: the policy's requirements checked against
//! recorded evidence — passing runs of the gate stages connected to exactly this version in
//! the lineage graph, an approver other than the assigner, the version's objects on a remote.

use std::collections::BTreeSet;

use kin_format::md5::ObjectId;
use kin_format::repo_path::RepoPath;
use kin_store::{
    ArtifactVersion, Direction, LineageStore, Run, RunFilter, RunStatus, Start, traverse,
};
use serde_json::{Value, json};

use super::policy::StagePolicy;
use super::resolve::ResolvedVersion;
use super::verdict::verdict_summary;
use crate::Repo;
use crate::lineage::LineageError;
use crate::lineage::target::registered_content;

/// Why the requirements could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum PromotionError {
    #[error(transparent)]
    Lineage(#[from] LineageError),
    #[error(transparent)]
    Store(#[from] kin_store::StoreError),
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteOpError),
}

/// How one gate stage stands for the version.
#[derive(Debug, Clone, PartialEq)]
pub enum GateVerdict {
    /// A run of the gate connected to the version passed, and no run of it on the same
    /// inputs failed.
    Passed { run: Run },
    /// Its connected run failed (or a run on the same inputs as its passing one did).
    Failed { run: Run },
    /// No run of it is connected to the version.
    NoRun,
}

/// A gate and its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct GateCheck {
    pub gate: String,
    pub verdict: GateVerdict,
}

/// Every requirement of the policy, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PromotionCheck {
    /// The version's recorded content, or why it could not be found.
    pub content: Result<ArtifactVersion, String>,
    pub gates: Vec<GateCheck>,
    /// With `approval = true`: the approver given, if any, and whether they may approve.
    pub approval: Option<(Option<String>, bool)>,
    /// With `remote = NAME`: the remote, and the objects it lacks (by path).
    pub remote: Option<(String, Vec<String>)>,
    /// The person assigning (the git identity that writes the tag).
    pub author: String,
}

impl PromotionCheck {
    /// Each unmet requirement, in words.
    pub fn unmet(&self) -> Vec<String> {
        let mut unmet = Vec::new();
        if let Err(problem) = &self.content
            && !self.gates.is_empty()
        {
            unmet.push(format!("the version's lineage is unknown: {problem}"));
        }
        for gate in &self.gates {
            match &gate.verdict {
                GateVerdict::Passed { .. } => {}
                GateVerdict::Failed { run } => unmet.push(format!(
                    "gate `{}` failed on this version: run {} exited {}; recorded verdict {}",
                    gate.gate,
                    run.id,
                    run.exit_code
                        .map_or_else(|| "-".to_owned(), |c| c.to_string()),
                    verdict_summary(&run.metrics)
                )),
                GateVerdict::NoRun => unmet.push(format!(
                    "gate `{}` has no recorded run connected to this version",
                    gate.gate
                )),
            }
        }
        match &self.approval {
            Some((None, _)) => unmet.push(format!(
                "an approver other than {} is required, and none was given (--approver NAME)",
                self.author
            )),
            Some((Some(approver), false)) => unmet.push(format!(
                "the approver `{approver}` is the assigner ({}): approval must come from someone else",
                self.author
            )),
            Some((Some(_), true)) | None => {}
        }
        if let Some((remote, missing)) = &self.remote
            && !missing.is_empty()
        {
            unmet.push(format!(
                "remote `{remote}` lacks {} object(s) of this version: {}",
                missing.len(),
                missing.join(", ")
            ));
        }
        unmet
    }

    /// The evidence as kin records it with the promotion.
    pub fn to_json(&self) -> Value {
        let gates: Vec<Value> = self
            .gates
            .iter()
            .map(|g| match &g.verdict {
                GateVerdict::Passed { run } => {
                    json!({"gate": g.gate, "verdict": "passed", "run": run.id.to_string()})
                }
                GateVerdict::Failed { run } => json!({
                    "gate": g.gate,
                    "verdict": "failed",
                    "run": run.id.to_string(),
                    "exit_code": run.exit_code,
                    "metrics": run.metrics,
                }),
                GateVerdict::NoRun => json!({"gate": g.gate, "verdict": "no_run"}),
            })
            .collect();
        json!({
            "content": match &self.content {
                Ok(v) => json!({"path": v.path, "hash": v.hash.to_string()}),
                Err(problem) => json!({"error": problem}),
            },
            "gates": gates,
            "approval": self.approval.as_ref().map(|(who, ok)| json!({"approver": who, "valid": ok})),
            "remote": self.remote.as_ref().map(|(name, missing)| json!({"name": name, "missing": missing})),
        })
    }
}

/// The version's recorded content: its artifact's path at the version's commit and the
/// version `dvc.lock` or a `.dvc` file records there.
pub fn version_content(
    repo: &Repo,
    store: &dyn LineageStore,
    version: &ResolvedVersion,
) -> Result<ArtifactVersion, String> {
    registered_content(repo, store, version).map_err(|e| e.to_string())
}

/// Checks `policy` for `version`, assigned by `author` with `approver`.
pub fn check_promotion(
    repo: &Repo,
    store: &dyn LineageStore,
    version: &ResolvedVersion,
    policy: &StagePolicy,
    approver: Option<&str>,
    author: &str,
) -> Result<PromotionCheck, PromotionError> {
    let content = version_content(repo, store, version);
    let gates = match &content {
        Ok(recorded) if !policy.gates.is_empty() => gate_checks(store, recorded, &policy.gates)?,
        _ => policy
            .gates
            .iter()
            .map(|gate| GateCheck {
                gate: gate.clone(),
                verdict: GateVerdict::NoRun,
            })
            .collect(),
    };
    let approval = policy.approval.then(|| {
        let valid = approver.is_some_and(|a| !same_person(a, author));
        (approver.map(str::to_owned), valid)
    });
    let remote = match (&policy.remote, &content) {
        (None, _) => None,
        (Some(name), Ok(recorded)) => {
            let id: ObjectId =
                recorded
                    .hash
                    .as_str()
                    .parse()
                    .map_err(|_| LineageError::Tracked {
                        reason: format!("`{}` is not an object id", recorded.hash),
                    })?;
            let path = RepoPath::parse(&recorded.path).map_err(|e| LineageError::Tracked {
                reason: e.to_string(),
            })?;
            let missing = crate::remote::missing_on_remote(repo, name, &path, &id)?;
            Some((
                name.clone(),
                missing
                    .into_iter()
                    .map(|(p, id)| format!("{p} ({id})"))
                    .collect(),
            ))
        }
        (Some(name), Err(_)) => Some((
            name.clone(),
            vec!["the version's objects (unknown)".to_owned()],
        )),
    };
    Ok(PromotionCheck {
        content,
        gates,
        approval,
        remote,
        author: author.to_owned(),
    })
}

/// Whether `approver` names the `author` (`Name <email>`): by the whole, the name or the email.
fn same_person(approver: &str, author: &str) -> bool {
    let approver = approver.trim().to_lowercase();
    let author = author.to_lowercase();
    let (name, email) = match author.split_once(" <") {
        Some((name, email)) => (
            name.trim().to_owned(),
            email.trim_end_matches('>').to_owned(),
        ),
        None => (author.clone(), String::new()),
    };
    approver == author || approver == name || (!email.is_empty() && approver == email)
}

/// Whether `run` is a run of the stage `gate` (`gate`, `dir/dvc.yaml:gate`, or a foreach
/// instance `gate@key`).
fn is_run_of(run: &Run, gate: &str) -> bool {
    let own = run
        .stage
        .rsplit_once(':')
        .map_or(run.stage.as_str(), |(_, s)| s);
    own == gate || own.split_once('@').is_some_and(|(base, _)| base == gate) || run.stage == gate
}

fn passes(status: RunStatus) -> bool {
    match status {
        RunStatus::Succeeded | RunStatus::Restored | RunStatus::Imported => true,
        RunStatus::Failed | RunStatus::Committed => false,
    }
}

fn gate_checks(
    store: &dyn LineageStore,
    version: &ArtifactVersion,
    gates: &[String],
) -> Result<Vec<GateCheck>, PromotionError> {
    let start = Start::Versions(vec![version.id]);
    let mut connected: Vec<Run> = Vec::new();
    for direction in [Direction::Up, Direction::Down] {
        let graph = traverse(store, &start, direction, usize::MAX)?;
        for (run, _) in graph.runs {
            if !connected.iter().any(|r| r.key == run.key) {
                connected.push(run);
            }
        }
    }
    let mut checks = Vec::new();
    for gate in gates {
        let runs: Vec<&Run> = connected.iter().filter(|r| is_run_of(r, gate)).collect();
        let mut passed: Option<&Run> = None;
        let mut failed: Option<Run> = None;
        // Newest first: the latest evidence decides.
        let mut ordered = runs.clone();
        ordered.sort_by_key(|r| std::cmp::Reverse(r.started));
        for run in ordered {
            if passes(run.status) {
                match failed_on_same_inputs(store, run)? {
                    Some(contradiction) => {
                        failed.get_or_insert(contradiction);
                    }
                    None => {
                        passed.get_or_insert(run);
                    }
                }
            } else if run.status == RunStatus::Failed {
                failed.get_or_insert_with(|| run.clone());
            }
        }
        let verdict = match (passed, failed) {
            (Some(run), _) => GateVerdict::Passed { run: run.clone() },
            (None, Some(run)) => GateVerdict::Failed { run },
            (None, None) => GateVerdict::NoRun,
        };
        checks.push(GateCheck {
            gate: gate.clone(),
            verdict,
        });
    }
    Ok(checks)
}

/// A failed run of the same stage on exactly the inputs `run` used, if one was recorded.
fn failed_on_same_inputs(
    store: &dyn LineageStore,
    run: &Run,
) -> Result<Option<Run>, PromotionError> {
    let inputs: BTreeSet<_> = store.inputs(run.key)?.into_iter().collect();
    let failures = store.runs(&RunFilter {
        stage: Some(run.stage.clone()),
        status: Some(RunStatus::Failed),
        ..RunFilter::default()
    })?;
    for failure in failures {
        let theirs: BTreeSet<_> = store.inputs(failure.key)?.into_iter().collect();
        if theirs == inputs {
            return Ok(Some(failure));
        }
    }
    Ok(None)
}
