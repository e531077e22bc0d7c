//! Column kinds (numerical or categorical) inferred as Evidently does, with user overrides.

use crate::table::{Column, Dtype};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Numerical,
    Categorical,
}

impl ColumnKind {
    pub fn name(self) -> &'static str {
        match self {
            ColumnKind::Numerical => "numerical",
            ColumnKind::Categorical => "categorical",
        }
    }
}

/// Columns the user typed or excluded by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub numerical: Vec<String>,
    pub categorical: Vec<String>,
    pub ignore: Vec<String>,
}

impl Overrides {
    /// Every name the overrides mention.
    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.numerical
            .iter()
            .chain(&self.categorical)
            .chain(&self.ignore)
    }

    pub fn ignores(&self, name: &str) -> bool {
        self.ignore.iter().any(|n| n == name)
    }

    fn forced(&self, name: &str) -> Option<ColumnKind> {
        if self.categorical.iter().any(|n| n == name) {
            Some(ColumnKind::Categorical)
        } else if self.numerical.iter().any(|n| n == name) {
            Some(ColumnKind::Numerical)
        } else {
            None
        }
    }
}

/// The kind of one column: the override, else numerical when the reference holds numbers
/// (integers or floats), categorical for booleans and text — the rule of Evidently's
/// `DataDriftTable`/`DataDriftPreset` without a column mapping. (Drift leaves datetime
/// columns out before asking; they count as numerical here.)
pub fn infer_kind(reference: &Column, overrides: &Overrides) -> ColumnKind {
    if let Some(kind) = overrides.forced(&reference.name) {
        return kind;
    }
    match reference.dtype {
        Dtype::Int | Dtype::Float | Dtype::Datetime => ColumnKind::Numerical,
        Dtype::Bool | Dtype::Text => ColumnKind::Categorical,
    }
}
