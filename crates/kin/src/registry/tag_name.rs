//! GTO's tag names: `NAME@vX.Y.Z` registers a version, `NAME@vX.Y.Z!` deregisters it,
//! `NAME#STAGE#N` assigns a stage, `NAME#STAGE!#N` unassigns it, `NAME@deprecated` deprecates
//! the artifact; `#N` numbers an artifact's tags so a stage can be assigned again.

use super::names::{ArtifactName, StageName, is_simple_name};
use super::semver::SemVer;

/// What a registry tag does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagAction {
    Deprecate,
    Register(String),
    Deregister(String),
    Assign(String),
    Unassign(String),
}

/// A tag name GTO would read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryTag {
    pub artifact: ArtifactName,
    pub action: TagAction,
    /// `#N`; `None` without one, or when N is beyond what kin counts (2^128).
    pub counter: Option<u128>,
}

impl RegistryTag {
    /// The meaning of a tag name, or `None` for a tag that is not the registry's.
    pub fn parse(tag: &str) -> Option<RegistryTag> {
        let split = tag.find(['@', '#'])?;
        let artifact = ArtifactName::from_tag(&tag[..split]).ok()?;
        let rest = &tag[split..];
        // `#N` ends any registry tag; a stage or version holds no `#`.
        let (body, counter) = match rest[1..].rfind('#') {
            Some(at) => {
                let digits = &rest[at + 2..];
                if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                (&rest[..at + 1], digits.parse().ok())
            }
            None => (rest, None),
        };
        let (body, cancel) = match body.strip_suffix('!') {
            Some(body) => (body, true),
            None => (body, false),
        };
        let action = if let Some(stage) = body.strip_prefix('#') {
            if !is_simple_name(stage) {
                return None;
            }
            let stage = stage.to_owned();
            if cancel {
                TagAction::Unassign(stage)
            } else {
                TagAction::Assign(stage)
            }
        } else {
            let word = body.strip_prefix('@')?;
            match word {
                "deprecated" if !cancel => TagAction::Deprecate,
                version if version.starts_with('v') => {
                    SemVer::parse(version).ok()?;
                    let version = version.to_owned();
                    if cancel {
                        TagAction::Deregister(version)
                    } else {
                        TagAction::Register(version)
                    }
                }
                _ => return None,
            }
        };
        Some(RegistryTag {
            artifact,
            action,
            counter,
        })
    }
}

/// `NAME@VERSION`: GTO registers without a counter.
pub fn register_tag(artifact: &ArtifactName, version: &SemVer) -> String {
    format!("{}@{version}", artifact.in_tag())
}

/// `NAME@VERSION!`.
pub fn deregister_tag(artifact: &ArtifactName, version: &str) -> String {
    format!("{}@{version}!", artifact.in_tag())
}

/// `NAME@deprecated`.
pub fn deprecate_tag(artifact: &ArtifactName) -> String {
    format!("{}@deprecated", artifact.in_tag())
}

/// `NAME#STAGE#N` (`NAME#STAGE!#N` to unassign), `N` one more than the artifact's highest.
pub fn stage_tag(
    artifact: &ArtifactName,
    stage: &StageName,
    unassign: bool,
    counter: u128,
) -> String {
    let cancel = if unassign { "!" } else { "" };
    format!("{}#{stage}{cancel}#{counter}", artifact.in_tag())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(tag: &str) -> (String, TagAction, Option<u128>) {
        let t = RegistryTag::parse(tag).unwrap_or_else(|| panic!("{tag} should parse"));
        (t.artifact.to_string(), t.action, t.counter)
    }

    #[test]
    fn every_action_reads_back() {
        use TagAction::*;
        assert_eq!(
            parsed("churn@v1.2.0"),
            ("churn".into(), Register("v1.2.0".into()), None)
        );
        assert_eq!(
            parsed("churn@v1.2.0!"),
            ("churn".into(), Deregister("v1.2.0".into()), None)
        );
        assert_eq!(
            parsed("churn#prod#3"),
            ("churn".into(), Assign("prod".into()), Some(3))
        );
        assert_eq!(
            parsed("churn#prod!#4"),
            ("churn".into(), Unassign("prod".into()), Some(4))
        );
        assert_eq!(
            parsed("churn#prod"),
            ("churn".into(), Assign("prod".into()), None)
        );
        assert_eq!(
            parsed("churn@deprecated"),
            ("churn".into(), Deprecate, None)
        );
        assert_eq!(parsed("dir/sub=churn@v1.0.0-rc.1+b.2#7").0, "dir/sub:churn");
    }

    #[test]
    fn other_tags_are_not_the_registrys() {
        for tag in [
            "v1.0.0",
            "release-1",
            "churn@1.0.0",
            "churn@v1",
            "churn#",
            "churn#prod#",
            "churn#prod#x",
            "churn@created!",
            "@v1.0.0",
            "churn#pr od",
        ] {
            assert_eq!(RegistryTag::parse(tag), None, "{tag}");
        }
    }
}
