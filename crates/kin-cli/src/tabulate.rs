//! Tables laid out as DVC prints them through `tabulate`: `plain` (columns two spaces apart,
//! trailing blanks trimmed) or GitHub Markdown; every cell left-aligned and stripped.

/// `tabulate`'s minimum gap between a header and its column's edge.
const MIN_PADDING: usize = 2;

/// The table text without a final newline (empty when there are no rows and no Markdown,
/// where DVC prints nothing).
pub fn render(headers: &[String], rows: &[Vec<String>], markdown: bool) -> String {
    if rows.is_empty() && !markdown {
        return String::new();
    }
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|row| row.iter().map(|c| c.trim()).collect())
        .collect();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            rows.iter()
                .filter_map(|row| row.get(i))
                .map(|c| width(c))
                .fold(width(header) + MIN_PADDING, usize::max)
        })
        .collect();
    let pad = |text: &str, w: usize| format!("{text}{}", " ".repeat(w.saturating_sub(width(text))));
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, w)| pad(cell, *w))
            .collect();
        if markdown {
            format!("| {} |", padded.join(" | "))
        } else {
            padded.join("  ").trim_end().to_owned()
        }
    };
    let mut lines = vec![line(headers.iter().map(String::as_str).collect())];
    if markdown {
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
        lines.push(format!("|{}|", rule.join("|")));
    }
    for row in rows {
        let mut cells = row;
        cells.resize(headers.len(), "");
        lines.push(line(cells));
    }
    lines.join("\n")
}

/// Columns a terminal gives `text` (wcwidth's rule: East Asian wide characters take two,
/// combining marks none).
fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let code = u32::from(c);
    let combining = matches!(code, 0x0300..=0x036f | 0x1ab0..=0x1aff | 0x1dc0..=0x1dff
        | 0x20d0..=0x20ff | 0xfe20..=0xfe2f | 0x200b..=0x200f);
    let wide = matches!(code, 0x1100..=0x115f | 0x2e80..=0x303e | 0x3041..=0x33ff
        | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xa000..=0xa4cf | 0xac00..=0xd7a3
        | 0xf900..=0xfaff | 0xfe30..=0xfe4f | 0xff00..=0xff60 | 0xffe0..=0xffe6
        | 0x1f300..=0x1f64f | 0x1f900..=0x1f9ff | 0x20000..=0x3fffd);
    if combining {
        0
    } else if wide {
        2
    } else {
        1
    }
}

/// Prints a table, or the status line `empty` when it has no rows.
pub fn print_table(
    printer: crate::printer::Printer,
    headers: &[&str],
    rows: &[Vec<String>],
    empty: &str,
) -> Result<(), crate::command_error::CommandError> {
    use std::io::Write;
    if rows.is_empty() {
        writeln!(printer.status(), "{empty}")?;
        return Ok(());
    }
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    writeln!(printer.stdout(), "{}", render(&headers, rows, false))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn plain_and_markdown_as_tabulate() {
        let headers = strings(&["Path", "n", "ok"]);
        let rows = vec![
            strings(&["m.json", "10", "True"]),
            strings(&["sub/m.yaml", "-", "-"]),
        ];
        assert_eq!(
            render(&headers, &rows, false),
            "Path        n    ok\nm.json      10   True\nsub/m.yaml  -    -"
        );
        assert_eq!(
            render(&headers, &rows, true),
            "| Path       | n   | ok   |\n|------------|-----|------|\n| m.json     | 10  | True |\n| sub/m.yaml | -   | -    |"
        );
        assert_eq!(render(&headers, &[], false), "");
        assert_eq!(
            render(&headers, &[], true),
            "| Path   | n   | ok   |\n|--------|-----|------|"
        );
    }
}
