//! DVC's `${...}` templating: finding expressions, selecting values, rendering them into strings.

mod expr;
mod render;

pub use expr::{Interpolation, find_interpolations, parse_expression, unescape};
pub use render::{ParsingConfig, render_value, shell_quote};

/// Why an expression could not be evaluated or rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error("invalid expression `${{{expr}}}`: {reason}")]
    Syntax { expr: String, reason: &'static str },
    #[error("could not find `{key}`")]
    NotFound { key: String },
    #[error("`{prefix}` is {kind}, cannot get `{rest}` from it")]
    NotAContainer {
        prefix: String,
        kind: &'static str,
        rest: String,
    },
    #[error("cannot interpolate {kind} into `{field}`")]
    CannotInterpolate { kind: &'static str, field: String },
    #[error("cannot interpolate a nested list in `{key}`")]
    NestedIterable { key: String },
}
