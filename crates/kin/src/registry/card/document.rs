//! The card laid out once — titled sections of paragraphs, key/value lists and tables —
//! for the Markdown and HTML renderers to write.

use serde_json::Value;

/// One piece of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(String),
    /// `key: value` lines.
    Facts(Vec<(String, String)>),
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// A titled section.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// What a missing fact reads as.
pub const NOT_RECORDED: &str = "not recorded";

/// A JSON value as a cell: strings as they are, null as "not recorded".
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => NOT_RECORDED.to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn size_text(value: &Value) -> String {
    match value.as_u64() {
        Some(bytes) => format!("{bytes} B"),
        None => NOT_RECORDED.to_owned(),
    }
}

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> Block {
    Block::Table {
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    }
}

fn missing_or(blocks: Vec<Block>, what: &str) -> Vec<Block> {
    if blocks.is_empty() {
        vec![Block::Paragraph(format!("No {what} recorded."))]
    } else {
        blocks
    }
}

/// The leaves of `value` as `(a.b, cell text)`.
fn leaf_cells(value: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    super::leaves("", value, &mut found);
    found.into_iter().map(|(key, v)| (key, cell(v))).collect()
}

/// The card's sections, from its JSON.
pub fn sections(card: &Value) -> Vec<Section> {
    let mut sections = Vec::new();
    let declaration = &card["declaration"];
    let content = &card["content"];
    let mut details = vec![
        ("artifact".to_owned(), cell(&card["artifact"])),
        ("version".to_owned(), cell(&card["version"])),
        ("commit".to_owned(), cell(&card["commit"])),
    ];
    if let Some(problem) = declaration.get("missing") {
        details.push((
            "declaration".to_owned(),
            format!("{NOT_RECORDED}: {}", cell(problem)),
        ));
    } else {
        details.push(("type".to_owned(), cell(&declaration["type"])));
        details.push(("path".to_owned(), cell(&declaration["path"])));
        let labels: Vec<String> = declaration["labels"]
            .as_array()
            .map(|l| l.iter().map(cell).collect())
            .unwrap_or_default();
        details.push((
            "labels".to_owned(),
            if labels.is_empty() {
                "none".to_owned()
            } else {
                labels.join(", ")
            },
        ));
        let meta = leaf_cells(&declaration["meta"]);
        details.extend(
            meta.into_iter()
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (format!("meta.{k}"), v)),
        );
    }
    if let Some(problem) = content.get("missing") {
        details.push((
            "content".to_owned(),
            format!("{NOT_RECORDED}: {}", cell(problem)),
        ));
    } else {
        details.push(("content hash".to_owned(), cell(&content["hash"])));
        details.push(("size".to_owned(), size_text(&content["size"])));
        if !content["files"].is_null() {
            details.push(("files".to_owned(), cell(&content["files"])));
        }
    }
    sections.push(Section {
        title: "Model details".to_owned(),
        blocks: vec![Block::Facts(details)],
    });

    let history: Vec<Vec<String>> = card["registry"]["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            vec![
                cell(&e["at"]),
                cell(&e["event"]),
                e["stage"].as_str().unwrap_or("").to_owned(),
                cell(&e["by"]),
                cell(&e["tag"]),
            ]
        })
        .collect();
    let approvals: Vec<Vec<String>> = card["registry"]["approvals"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            vec![
                cell(&p["stage"]),
                cell(&p["at"]),
                cell(&p["by"]),
                cell(&p["approver"]),
                cell(&p["reason"]),
                match (p["override"].as_bool(), p["policy_checked"].as_bool()) {
                    (Some(true), _) => "policy overridden",
                    (_, Some(true)) => "policy met",
                    _ => "no policy for the stage",
                }
                .to_owned(),
            ]
        })
        .collect();
    let mut registry = vec![table(&["when", "event", "stage", "by", "tag"], history)];
    registry.push(if approvals.is_empty() {
        Block::Paragraph("No promotion through kin recorded (no approvals).".to_owned())
    } else {
        table(
            &["stage", "when", "by", "approver", "reason", "decision"],
            approvals,
        )
    });
    sections.push(Section {
        title: "Versions and stages".to_owned(),
        blocks: registry,
    });

    let rows_of = |list: &Value| -> Vec<Vec<String>> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                vec![
                    cell(&d["path"]),
                    cell(&d["hash"]),
                    size_text(&d["size"]),
                    cell(&d["files"]),
                    cell(&d["commit"]),
                    cell(&d["entered_by"]),
                ]
            })
            .collect()
    };
    let data = rows_of(&card["training"]["data"]);
    sections.push(Section {
        title: "Training data".to_owned(),
        blocks: missing_or(
            if data.is_empty() {
                vec![]
            } else {
                vec![table(
                    &["path", "hash", "size", "files", "commit", "entered by"],
                    data,
                )]
            },
            "upstream data versions",
        ),
    });

    let run = &card["training"]["run"];
    let mut code_blocks = Vec::new();
    if run.is_null() {
        code_blocks.push(Block::Paragraph(format!("Training run: {NOT_RECORDED}.")));
    } else {
        code_blocks.push(Block::Facts(vec![
            ("training stage".to_owned(), cell(&run["stage"])),
            ("run".to_owned(), cell(&run["id"])),
            ("git commit".to_owned(), cell(&run["git_commit"])),
            ("uncommitted changes".to_owned(), cell(&run["git_dirty"])),
        ]));
    }
    let code: Vec<Vec<String>> = card["training"]["code"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| vec![cell(&d["path"]), cell(&d["hash"]), size_text(&d["size"])])
        .collect();
    if !code.is_empty() {
        code_blocks.push(table(&["code dependency", "hash", "size"], code));
    }
    sections.push(Section {
        title: "Code".to_owned(),
        blocks: code_blocks,
    });

    let mut params = Vec::new();
    if let Some(stages) = card["training"]["params"].as_object() {
        for (stage, values) in stages {
            let flat = leaf_cells(values);
            params.push(table(
                &["stage", "param", "value"],
                flat.into_iter()
                    .map(|(k, v)| vec![stage.clone(), k, v])
                    .collect(),
            ));
        }
    }
    sections.push(Section {
        title: "Parameters".to_owned(),
        blocks: missing_or(params, "params"),
    });

    let mut metrics = Vec::new();
    if let Some(stages) = card["metrics"].as_object() {
        for (stage, values) in stages {
            let flat = leaf_cells(values);
            metrics.push(table(
                &["stage", "metric", "value"],
                flat.into_iter()
                    .map(|(k, v)| vec![stage.clone(), k, v])
                    .collect(),
            ));
        }
    }
    sections.push(Section {
        title: "Metrics".to_owned(),
        blocks: missing_or(metrics, "metrics"),
    });

    let mut gates = Vec::new();
    for gate in card["gates"].as_array().into_iter().flatten() {
        gates.push(Block::Paragraph(format!(
            "Gate `{}`: {} (run {}).",
            cell(&gate["stage"]),
            if gate["passed"].as_bool() == Some(true) {
                "passed"
            } else {
                "FAILED"
            },
            cell(&gate["run"])
        )));
        for drift in gate["drift"].as_array().into_iter().flatten() {
            gates.push(Block::Facts(vec![
                ("report".to_owned(), cell(&drift["file"])),
                ("dataset drift".to_owned(), cell(&drift["dataset_drift"])),
                (
                    "drifted columns".to_owned(),
                    format!(
                        "{} of {}",
                        cell(&drift["drifted_columns"]),
                        cell(&drift["columns_total"])
                    ),
                ),
                ("drift share bound".to_owned(), cell(&drift["drift_share"])),
            ]));
            let columns = drift["columns"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    vec![
                        cell(&c["column"]),
                        cell(&c["type"]),
                        cell(&c["test"]),
                        cell(&c["score"]),
                        cell(&c["threshold"]),
                        cell(&c["drift"]),
                    ]
                })
                .collect();
            gates.push(table(
                &["column", "type", "test", "score", "threshold", "drift"],
                columns,
            ));
        }
        for fairness in gate["fairness"].as_array().into_iter().flatten() {
            let flat = leaf_cells(&fairness["metrics"]);
            gates.push(table(
                &["fairness metric", "value"],
                flat.into_iter().map(|(k, v)| vec![k, v]).collect(),
            ));
            let checks = fairness["checks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    vec![
                        cell(&c["metric"]),
                        cell(&c["bound"]),
                        cell(&c["limit"]),
                        cell(&c["value"]),
                        cell(&c["passed"]),
                    ]
                })
                .collect();
            gates.push(table(
                &["check", "bound", "limit", "value", "passed"],
                checks,
            ));
        }
    }
    sections.push(Section {
        title: "Gates".to_owned(),
        blocks: missing_or(gates, "gate verdicts"),
    });

    let env = &card["environment"];
    let env_blocks = if env.is_null() {
        vec![Block::Paragraph(format!("Environment: {NOT_RECORDED}."))]
    } else {
        let mut facts = vec![
            ("os".to_owned(), cell(&env["os"])),
            ("kernel".to_owned(), cell(&env["kernel"])),
            ("cpu".to_owned(), cell(&env["cpu"])),
            ("python".to_owned(), cell(&env["python"]["version"])),
        ];
        if let Some(tools) = env["tools"].as_object() {
            facts.extend(tools.iter().map(|(k, v)| (k.clone(), cell(v))));
        }
        let mut blocks = vec![Block::Facts(facts)];
        let packages: Vec<Vec<String>> = env["python"]["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| vec![cell(p)])
            .collect();
        if !packages.is_empty() {
            blocks.push(table(&["package"], packages));
        }
        blocks
    };
    sections.push(Section {
        title: "Environment".to_owned(),
        blocks: env_blocks,
    });

    let runs: Vec<Vec<String>> = card["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            vec![
                cell(&r["stage"]),
                cell(&r["status"]),
                cell(&r["started"]),
                cell(&r["duration_seconds"]),
                cell(&r["user"]),
                cell(&r["host"]),
            ]
        })
        .collect();
    sections.push(Section {
        title: "Runs upstream".to_owned(),
        blocks: missing_or(
            if runs.is_empty() {
                vec![]
            } else {
                vec![table(
                    &["stage", "status", "started", "seconds", "user", "host"],
                    runs,
                )]
            },
            "runs",
        ),
    });
    sections
}
