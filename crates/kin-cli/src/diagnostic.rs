//! Renders pipeline errors with the offending source line, like a compiler.

use std::fmt::Write as _;
use std::path::Path;

use kin_format::yaml::Location;
use kin_pipeline::PipelineError;

use crate::command_error::CommandError;

/// Turns a pipeline error into a command error; `root` is where the named file is read from.
pub fn pipeline_error(error: &PipelineError, root: Option<&Path>) -> CommandError {
    let (file, at) = error.location();
    let snippet = match at {
        Some(at) => {
            let text = root.map_or_else(
                || std::fs::read_to_string(file),
                |r| std::fs::read_to_string(r.join(file)),
            );
            Some(snippet(
                &file.display().to_string(),
                at,
                text.ok().as_deref(),
            ))
        }
        None => Some(format!("  --> {}\n", file.display())),
    };
    let error_out = CommandError::failure(error.to_string()).with_snippet(snippet);
    match error.hint() {
        Some(hint) => error_out.with_hint(hint),
        None => error_out,
    }
}

/// `--> file:line:col` and, when the file is readable, the line with a caret under the column.
fn snippet(file: &str, at: Location, text: Option<&str>) -> String {
    let mut out = format!("  --> {file}:{at}\n");
    let Some(line) = text.and_then(|t| t.lines().nth(at.line - 1)) else {
        return out;
    };
    let number = at.line.to_string();
    let pad = " ".repeat(number.len());
    let caret_pad: String = line
        .chars()
        .take(at.column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{number} | {line}");
    let _ = writeln!(out, "{pad} | {caret_pad}^");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_column() {
        let text = "stages:\n  train:\n    cmdd: x\n";
        let rendered = snippet("dvc.yaml", Location { line: 3, column: 5 }, Some(text));
        assert_eq!(
            rendered,
            "  --> dvc.yaml:3:5\n  |\n3 |     cmdd: x\n  |     ^\n"
        );
    }
}
