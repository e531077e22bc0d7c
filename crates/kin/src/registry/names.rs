//! Artifact and stage names as GTO accepts them, and how an artifact name is spelled in a tag.

use std::fmt;

/// Why a name was refused.
#[derive(Debug, thiserror::Error)]
pub enum NameError {
    #[error(
        "`{name}` is not a valid {what} name: use letters, digits, `-`, `_` and `/`, starting and ending with a letter or digit"
    )]
    Invalid { what: &'static str, name: String },
    #[error(
        "`{name}` is not a valid artifact name: the part before `:` may hold only letters, digits, `-`, `_`, `.` and `/`"
    )]
    InvalidDirectory { name: String },
}

/// `:` separates a nested `dvc.yaml`'s directory from the artifact's name; git refuses `:` in
/// a tag name, so GTO writes it as `=` there.
const SEPARATOR_IN_NAME: char = ':';
const SEPARATOR_IN_TAG: char = '=';

/// An artifact's full name: `NAME`, or `DIR:NAME` for one declared in `DIR/dvc.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArtifactName(String);

impl ArtifactName {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let (dir, name) = match text.split_once(SEPARATOR_IN_NAME) {
            Some((dir, name)) => (Some(dir), name),
            None => (None, text),
        };
        if let Some(dir) = dir {
            let dir_char = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
            if dir.is_empty() || !dir.chars().all(dir_char) {
                return Err(NameError::InvalidDirectory {
                    name: text.to_owned(),
                });
            }
        }
        if !is_simple_name(name) {
            return Err(NameError::Invalid {
                what: "artifact",
                name: text.to_owned(),
            });
        }
        Ok(ArtifactName(text.to_owned()))
    }

    /// The name from a tag's artifact part (`DIR=NAME`), checked as a name.
    pub fn from_tag(text: &str) -> Result<Self, NameError> {
        ArtifactName::parse(&text.replace(SEPARATOR_IN_TAG, ":"))
    }

    /// The name as a git tag spells it.
    pub fn in_tag(&self) -> String {
        self.0.replace(SEPARATOR_IN_NAME, "=")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The directory of the `dvc.yaml` that declares it (`""` for the top one) and its name there.
    pub fn split(&self) -> (&str, &str) {
        self.0
            .split_once(SEPARATOR_IN_NAME)
            .unwrap_or(("", &self.0))
    }
}

impl fmt::Display for ArtifactName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stage name (`prod`, `staging`): the same rule as an artifact's own name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StageName(String);

impl StageName {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        if is_simple_name(text) {
            Ok(StageName(text.to_owned()))
        } else {
            Err(NameError::Invalid {
                what: "stage",
                name: text.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// GTO's name rule: letters, digits, `-`, `_` and `/`, starting and ending with a letter or
/// a digit.
pub fn is_simple_name(text: &str) -> bool {
    let inner = |c: char| c.is_ascii_alphanumeric() || "-_/".contains(c);
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    edge(text.chars().next()) && edge(text.chars().last()) && text.chars().all(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_gtos_rule() {
        for good in [
            "churn",
            "a",
            "models/churn",
            "my_model-2",
            "nested/dir:churn",
            "a.b:c",
        ] {
            assert!(ArtifactName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "", "-churn", "churn-", "ch urn", "churn@v1", ":churn", "a:b:c", "dir:", "é",
        ] {
            assert!(ArtifactName::parse(bad).is_err(), "{bad}");
        }
        assert!(StageName::parse("prod").is_ok());
        assert!(StageName::parse("prod!").is_err());
    }

    #[test]
    fn nested_names_use_equals_in_tags() {
        let name = ArtifactName::parse("models/nested:churn").expect("valid");
        assert_eq!(name.in_tag(), "models/nested=churn");
        assert_eq!(name.split(), ("models/nested", "churn"));
        assert_eq!(
            ArtifactName::from_tag("models/nested=churn").expect("valid"),
            name
        );
    }
}
