//! Source snippets for errors, like a compiler's: `--> file:line:col`, the line, a caret.
//! Pure rendering: the caller reads the file (see `command_error.rs`).

use std::fmt::Write as _;

use kin_format::yaml::Location;

/// `--> file`, for an error about a whole file.
pub fn pointer(file: &str) -> String {
    format!("  --> {file}\n")
}

/// `--> file:line:col` and, when the file is readable, the line with a caret under the column.
pub fn snippet(file: &str, at: Location, text: Option<&str>) -> String {
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
