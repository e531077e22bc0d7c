//! A stage's command as `dvc.yaml` and `dvc.lock` hold it.

/// A stage's command: one shell string, or a list run in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Single(String),
    List(Vec<String>),
}
