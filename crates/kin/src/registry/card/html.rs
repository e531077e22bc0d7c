//! The card as one standalone HTML file: no scripts, no external assets.

use serde_json::Value;

use super::document::{Block, sections};
use crate::html_text::escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d232a}\
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f3f5f7}dt{font-weight:600}dd{margin:0 0 .4rem 1rem}code{background:#f3f5f7;padding:0 .2rem}";

/// The card as one HTML document.
pub fn to_html(card: &Value) -> String {
    let name = escape(card["artifact"].as_str().unwrap_or_default());
    let version = escape(card["version"].as_str().unwrap_or_default());
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Model card: {name} {version}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>Model card: {name} {version}</h1>\n<p>{}</p>\n",
        escape(
            card["description"]
                .as_str()
                .unwrap_or("No description was declared.")
        )
    );
    for section in sections(card) {
        out.push_str(&format!("<h2>{}</h2>\n", escape(&section.title)));
        for block in section.blocks {
            match block {
                Block::Paragraph(text) => out.push_str(&format!("<p>{}</p>\n", escape(&text))),
                Block::Facts(facts) => {
                    out.push_str("<dl>\n");
                    for (key, value) in facts {
                        out.push_str(&format!(
                            "<dt>{}</dt><dd>{}</dd>\n",
                            escape(&key),
                            escape(&value)
                        ));
                    }
                    out.push_str("</dl>\n");
                }
                Block::Table { headers, rows } => {
                    out.push_str("<table>\n<tr>");
                    for header in headers {
                        out.push_str(&format!("<th>{}</th>", escape(&header)));
                    }
                    out.push_str("</tr>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for cell in row {
                            out.push_str(&format!("<td>{}</td>", escape(&cell)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</table>\n");
                }
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}
