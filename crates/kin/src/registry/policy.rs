//! The promotion policy a repository commits in `.kin/config.toml`: per stage, the gate
//! stages that must have passed for a version, whether an approver is required, and the
//! remote that must hold the version's bytes.
//!
//! ```toml
//! [registry.stages.prod]
//! gates = ["data_drift_check", "assess_model_risk"]
//! approval = true
//! remote = "storage"
//! ```

use std::path::Path;

use crate::kin_config::{self, CONFIG_FILE, KinConfigError};

/// What assigning one stage requires.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagePolicy {
    /// Pipeline stages that must have a passing run connected to the version.
    pub gates: Vec<String>,
    /// Whether someone other than the assigner must approve.
    pub approval: bool,
    /// A remote that must hold every object of the version.
    pub remote: Option<String>,
}

/// Why the policy could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error(transparent)]
    Config(#[from] KinConfigError),
    #[error("{CONFIG_FILE}: [registry.stages.{stage}] {problem}")]
    Invalid { stage: String, problem: String },
}

/// The policy for `stage`, if `.kin/config.toml` sets one.
pub fn stage_policy(root: &Path, stage: &str) -> Result<Option<StagePolicy>, PolicyError> {
    let config = kin_config::load(root)?;
    let invalid = |problem: &str| PolicyError::Invalid {
        stage: stage.to_owned(),
        problem: problem.to_owned(),
    };
    let Some(table) = config
        .get("registry")
        .and_then(|r| r.get("stages"))
        .and_then(|s| s.get(stage))
    else {
        return Ok(None);
    };
    let table = table.as_table().ok_or_else(|| invalid("must be a table"))?;
    let mut policy = StagePolicy::default();
    for (key, value) in table {
        match key.as_str() {
            "gates" => {
                let list = value
                    .as_array()
                    .ok_or_else(|| invalid("`gates` must be a list of stage names"))?;
                for gate in list {
                    let gate = gate
                        .as_str()
                        .ok_or_else(|| invalid("`gates` must be a list of stage names"))?;
                    policy.gates.push(gate.to_owned());
                }
            }
            "approval" => {
                policy.approval = value
                    .as_bool()
                    .ok_or_else(|| invalid("`approval` must be true or false"))?;
            }
            "remote" => {
                let remote = value
                    .as_str()
                    .ok_or_else(|| invalid("`remote` must be a remote's name"))?;
                policy.remote = Some(remote.to_owned());
            }
            other => {
                return Err(invalid(&format!(
                    "has an unknown key `{other}` (known: gates, approval, remote)"
                )));
            }
        }
    }
    Ok(Some(policy))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str, stage: &str) -> Result<Option<StagePolicy>, PolicyError> {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join(".kin")).expect("mkdir");
        std::fs::write(dir.path().join(CONFIG_FILE), text).expect("write");
        stage_policy(dir.path(), stage)
    }

    #[test]
    fn reads_each_requirement_and_refuses_typos() {
        let text = "[registry.stages.prod]\ngates = [\"drift\", \"fairness\"]\napproval = true\nremote = \"storage\"\n";
        assert_eq!(
            policy(text, "prod").expect("valid"),
            Some(StagePolicy {
                gates: vec!["drift".into(), "fairness".into()],
                approval: true,
                remote: Some("storage".into()),
            })
        );
        assert_eq!(policy(text, "staging").expect("valid"), None);
        let typo = policy("[registry.stages.prod]\ngate = [\"drift\"]\n", "prod");
        assert!(typo.is_err_and(|e| e.to_string().contains("unknown key `gate`")));
    }
}
