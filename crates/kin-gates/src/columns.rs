//! Column kinds (numerical or categorical) inferred as Evidently does, with user overrides.

use crate::table::{Column, Dtype};

/// Integer columns with at most this many distinct values are categorical.
const MAX_UNIQUE_AS_CATEGORICAL: usize = 5;

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

/// The dtype Evidently reasons with when reference and current differ: current's when both
/// are numbers (an int column that gained NaNs is float), reference's otherwise.
pub fn effective_dtype(reference: Dtype, current: Dtype) -> Dtype {
    if reference.is_numeric() && current.is_numeric() {
        current
    } else {
        reference
    }
}

/// The kind of one column: the override, else floats numerical, integers numerical unless
/// they have at most 5 distinct reference values, booleans and text categorical.
pub fn infer_kind(reference: &Column, current: &Column, overrides: &Overrides) -> ColumnKind {
    if let Some(kind) = overrides.forced(&reference.name) {
        return kind;
    }
    match effective_dtype(reference.dtype, current.dtype) {
        Dtype::Int => {
            let unique = match reference.data.n_unique() {
                0 => current.data.n_unique(),
                n => n,
            };
            if unique <= MAX_UNIQUE_AS_CATEGORICAL {
                ColumnKind::Categorical
            } else {
                ColumnKind::Numerical
            }
        }
        Dtype::Float => ColumnKind::Numerical,
        Dtype::Bool | Dtype::Text => ColumnKind::Categorical,
    }
}
