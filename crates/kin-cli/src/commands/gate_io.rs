//! What `kin drift` and `kin fairness` share: `KEY=VALUE` flags, JSON numbers, result files.

use std::path::{Path, PathBuf};

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

/// Writes through a temporary file in the same directory, then renames.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CommandError> {
    let fail = |e: std::io::Error| {
        CommandError::failure(format!("cannot write `{}`: {e}", path.display()))
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut tmp: PathBuf = path.to_path_buf();
    tmp.set_file_name(format!(
        ".{}.kin-tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}
