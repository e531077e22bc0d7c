//! What `kin drift` and `kin fairness` share: `KEY=VALUE` flags, JSON numbers, result files.

use std::path::Path;

use serde_json::{Value, json};

use crate::command_error::CommandError;

/// A number, or `null` for NaN and infinities (JSON has neither).
pub fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Splits `KEY=VALUE`.
pub fn split_pair<'a>(
    pair: &'a str,
    flag: &str,
    shape: &str,
) -> Result<(&'a str, &'a str), CommandError> {
    pair.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| CommandError::usage(format!("{flag} expects {shape}, got `{pair}`")))
}

pub fn parse_number(value: &str, pair: &str) -> Result<f64, CommandError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| CommandError::usage(format!("`{value}` in `{pair}` is not a number")))
}

/// Writes the report or metrics file atomically, creating its directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CommandError> {
    let fail = |e: std::io::Error| {
        CommandError::failure(format!("cannot write `{}`: {e}", path.display()))
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    kin_format::atomic_write::write_atomic(path, bytes).map_err(fail)
}
