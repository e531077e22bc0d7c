//! Errors from reading a pipeline, each naming the file and position it is about.

use std::path::PathBuf;

use crate::context::ContextError;
use crate::template::TemplateError;
use kin_format::yaml::{Location, YamlError};

/// Why a pipeline could not be read. Every variant names a file (relative to the repo root).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("cannot read `{}`: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{source}")]
    Yaml { file: PathBuf, source: YamlError },
    #[error("unknown key `{key}` in {context}")]
    UnknownKey {
        file: PathBuf,
        at: Location,
        key: String,
        context: String,
        allowed: &'static [&'static str],
    },
    #[error("{what} must be {expected}, found {found}")]
    WrongType {
        file: PathBuf,
        at: Location,
        what: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{context} is missing the required key `{key}`")]
    MissingKey {
        file: PathBuf,
        at: Location,
        key: &'static str,
        context: String,
    },
    #[error("{context}: {source}")]
    Template {
        file: PathBuf,
        at: Location,
        context: String,
        source: TemplateError,
        /// Top-level names in scope, for a "did you mean" hint.
        available: Vec<String>,
    },
    #[error("{context}: {source}")]
    Context {
        file: PathBuf,
        at: Location,
        context: String,
        source: ContextError,
    },
    #[error("{context} cannot use `${{...}}` templating")]
    InterpolationNotAllowed {
        file: PathBuf,
        at: Location,
        context: String,
    },
    #[error("invalid stage name `{name}`: {reason}")]
    InvalidStageName {
        file: PathBuf,
        at: Location,
        name: String,
        reason: &'static str,
    },
    #[error("stage `{stage}` uses both `foreach` and `matrix`")]
    ForeachAndMatrix {
        file: PathBuf,
        at: Location,
        stage: String,
    },
    #[error("path `{path}` in stage `{stage}` is outside the repository")]
    PathEscapesRepo {
        file: PathBuf,
        at: Location,
        stage: String,
        path: String,
    },
    #[error("output `{path}` of `{stage}` is refused: {reason}")]
    UnsafeOutput {
        file: PathBuf,
        at: Location,
        stage: String,
        path: String,
        reason: kin_format::repo_path::PathRefusal,
    },
    #[error("output `{path}` of stage `{stage}` is also an output of stage `{other}`")]
    DuplicateOutput {
        file: PathBuf,
        at: Location,
        path: String,
        stage: String,
        other: String,
    },
    #[error("output `{path}` of stage `{stage}` is inside output `{parent}` of stage `{other}`")]
    NestedOutput {
        file: PathBuf,
        at: Location,
        path: String,
        stage: String,
        parent: String,
        other: String,
    },
    #[error("`{}` is inside output `{output}` of stage `{stage}`", file.display())]
    DvcfileInsideOutput {
        file: PathBuf,
        at: Location,
        output: String,
        stage: String,
    },
    #[error("the pipeline has a cycle: {}", cycle.join(" -> "))]
    Cycle {
        file: PathBuf,
        at: Location,
        /// Stage addresses along the cycle, the first repeated at the end.
        cycle: Vec<String>,
    },
    #[error("stage `{name}` is defined twice")]
    DuplicateStage {
        file: PathBuf,
        at: Location,
        name: String,
    },
}

impl PipelineError {
    /// The file and position the error is about, when it has one.
    pub fn location(&self) -> (&PathBuf, Option<Location>) {
        use PipelineError as E;
        let (file, at) = match self {
            E::Read { file, .. } => (file, None),
            E::Yaml { file, source } => (file, Some(source.location())),
            E::UnknownKey { file, at, .. }
            | E::WrongType { file, at, .. }
            | E::MissingKey { file, at, .. }
            | E::Template { file, at, .. }
            | E::Context { file, at, .. }
            | E::InterpolationNotAllowed { file, at, .. }
            | E::InvalidStageName { file, at, .. }
            | E::ForeachAndMatrix { file, at, .. }
            | E::PathEscapesRepo { file, at, .. }
            | E::UnsafeOutput { file, at, .. }
            | E::DuplicateOutput { file, at, .. }
            | E::NestedOutput { file, at, .. }
            | E::DvcfileInsideOutput { file, at, .. }
            | E::Cycle { file, at, .. }
            | E::DuplicateStage { file, at, .. } => (file, Some(*at)),
        };
        (file, at.filter(Location::is_known))
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        use PipelineError as E;
        match self {
            E::Read { .. } => None,
            E::Yaml { source, .. } => match source {
                YamlError::DuplicateKey { key, .. } => {
                    Some(format!("remove or rename one of the `{key}` keys"))
                }
                YamlError::Syntax { .. } => Some(
                    "check indentation (spaces, not tabs) and that quotes and brackets are closed"
                        .to_owned(),
                ),
                YamlError::UnknownAlias { .. } => Some("define the anchor (`&name`) before using it".to_owned()),
                YamlError::BadMerge { .. } => None,
                YamlError::AliasExpansion { .. } => Some(
                    "write the repeated values out, or use fewer levels of aliases to aliases"
                        .to_owned(),
                ),
            },
            E::UnknownKey { key, allowed, .. } => Some(match closest(key, allowed.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("allowed keys: {}", allowed.join(", ")),
            }),
            E::WrongType { .. } | E::MissingKey { .. } => {
                Some("see the dvc.yaml reference in docs/pipelines.md".to_owned())
            }
            E::Template { source, available, .. } => match source {
                TemplateError::NotFound { key } => {
                    let head = key.split('.').next().unwrap_or(key);
                    match closest(head, available.iter().map(String::as_str)) {
                        Some(best) if best != head => Some(format!("did you mean `{best}`?")),
                        _ => Some(
                            "define it in params.yaml, a `vars` file or a `vars` dict".to_owned(),
                        ),
                    }
                }
                TemplateError::CannotInterpolate { .. } => Some(
                    "only `cmd` can take a whole dict; lists and dicts elsewhere need one element, e.g. `${x[0]}` or `${x.key}`"
                        .to_owned(),
                ),
                TemplateError::Syntax { .. } => {
                    Some("write `\\${` for a literal `${`".to_owned())
                }
                TemplateError::NotAContainer { .. } | TemplateError::NestedIterable { .. } => None,
            },
            E::Context { source, .. } => match source {
                ContextError::UnsupportedValue { .. } => {
                    Some("quote it (e.g. `'2024-01-31'`) so it stays a string".to_owned())
                }
                ContextError::Redefined { .. } => Some(
                    "each key may come from one source only: rename it or load only some keys with `file.yaml:key1,key2`"
                        .to_owned(),
                ),
                _ => None,
            },
            E::InterpolationNotAllowed { .. } => Some("write the value literally".to_owned()),
            E::InvalidStageName { .. } => Some(
                "stage names may not contain `:`, `/`, `\\` or `@` (they separate addresses)"
                    .to_owned(),
            ),
            E::ForeachAndMatrix { .. } => Some("use one of them per stage".to_owned()),
            E::PathEscapesRepo { .. } => {
                Some("keep pipeline paths inside the repository".to_owned())
            }
            E::UnsafeOutput { .. } => Some(
                "outputs are data inside the repository: never in .git, .dvc or .kin, never a dvc.yaml, dvc.lock or .dvc file"
                    .to_owned(),
            ),
            E::DuplicateOutput { .. } | E::NestedOutput { .. } => Some(
                "each path may be produced by one stage only: rename one output or merge the stages"
                    .to_owned(),
            ),
            E::DvcfileInsideOutput { .. } => {
                Some("move the pipeline file out of the output directory".to_owned())
            }
            E::Cycle { .. } => Some("a stage cannot depend, directly or not, on its own outputs".to_owned()),
            E::DuplicateStage { .. } => Some("rename one of the stages".to_owned()),
        }
    }
}

/// The candidate with the smallest edit distance, if it is close enough to be a likely typo.
fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        assert_eq!(
            closest("cmdd", ["cmd", "deps", "outs"].into_iter()),
            Some("cmd")
        );
        assert_eq!(closest("zzzzzz", ["cmd", "deps"].into_iter()), None);
    }
}
