//! The card as Markdown in the Hugging Face model card layout: YAML front matter (tags and a
//! `model-index` of the recorded metrics) for hubs to read, then the sections.

use serde_json::Value;

use super::document::{Block, NOT_RECORDED, sections};
use super::metric_rows;

/// A YAML scalar: JSON's string syntax is YAML's double-quoted style.
fn yaml_str(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// A cell with Markdown's table syntax (`|`, line breaks) escaped.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn front_matter(card: &Value) -> String {
    let declaration = &card["declaration"];
    let mut out = String::from("---\n");
    if let Some(framework) = declaration["meta"]["framework"].as_str() {
        out.push_str(&format!("library_name: {}\n", yaml_str(framework)));
    }
    let labels: Vec<&str> = declaration["labels"]
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !labels.is_empty() {
        out.push_str("tags:\n");
        for label in labels {
            out.push_str(&format!("- {}\n", yaml_str(label)));
        }
    }
    let name = card["artifact"].as_str().unwrap_or_default();
    let task = declaration["meta"]["task"].as_str();
    let data = card["training"]["data"]
        .as_array()
        .and_then(|d| d.first())
        .and_then(|d| d["path"].as_str());
    out.push_str("model-index:\n");
    out.push_str(&format!(
        "- name: {}\n  results:\n  - task:\n",
        yaml_str(name)
    ));
    match task {
        Some(task) => out.push_str(&format!("      type: {}\n", yaml_str(task))),
        None => out.push_str(&format!(
            "      type: \"unknown\"\n      name: {}\n",
            yaml_str("not recorded (declare meta.task in artifacts:)")
        )),
    }
    out.push_str("    dataset:\n");
    let dataset = data.unwrap_or(NOT_RECORDED);
    out.push_str(&format!(
        "      name: {}\n      type: {}\n",
        yaml_str(dataset),
        yaml_str(dataset)
    ));
    let metrics = metric_rows(card);
    if metrics.is_empty() {
        out.push_str("    metrics: []\n");
    } else {
        out.push_str("    metrics:\n");
        for (stage, key, value) in metrics {
            out.push_str(&format!(
                "    - type: {}\n      value: {value}\n      name: {}\n",
                yaml_str(&key),
                yaml_str(&format!("{key} ({stage})"))
            ));
        }
    }
    out.push_str("---\n");
    out
}

/// The card as one Markdown document.
pub fn to_markdown(card: &Value) -> String {
    let mut out = front_matter(card);
    out.push_str(&format!(
        "\n# Model card: {} {}\n\n",
        card["artifact"].as_str().unwrap_or_default(),
        card["version"].as_str().unwrap_or_default()
    ));
    out.push_str(&format!(
        "{}\n\nEvery fact below was read from the lineage kin recorded and the git registry; \"{NOT_RECORDED}\" marks what was not.\n",
        card["description"].as_str().unwrap_or("No description was declared.")
    ));
    for section in sections(card) {
        out.push_str(&format!("\n## {}\n", section.title));
        for block in section.blocks {
            out.push('\n');
            match block {
                Block::Paragraph(text) => out.push_str(&format!("{text}\n")),
                Block::Facts(facts) => {
                    for (key, value) in facts {
                        out.push_str(&format!("- **{key}**: {}\n", md_cell(&value)));
                    }
                }
                Block::Table { headers, rows } => {
                    out.push_str(&format!("| {} |\n", headers.join(" | ")));
                    out.push_str(&format!("|{}\n", " --- |".repeat(headers.len())));
                    for row in rows {
                        let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
                        out.push_str(&format!("| {} |\n", cells.join(" | ")));
                    }
                }
            }
        }
    }
    out
}
