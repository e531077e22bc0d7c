//! `kin dag`: the stage graph as text, dot, Mermaid, Markdown or JSON.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use clap::Args;

use crate::command_error::CommandError;
use crate::dag::{self, render_ascii, render_dot, render_mermaid};
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct DagArgs {
    /// Show only this stage (address, e.g. `train` or `sub/dvc.yaml:train`) and what it depends on.
    pub target: Option<String>,
    /// Show outputs instead of stages.
    #[arg(long)]
    pub outs: bool,
    /// With a target: show the whole connected pipeline it belongs to.
    #[arg(long)]
    pub full: bool,
    /// Draw each foreach/matrix group as one node.
    #[arg(long)]
    pub collapse_foreach_matrix: bool,
    /// Graphviz dot.
    #[arg(long, conflicts_with_all = ["mermaid", "md", "json"])]
    pub dot: bool,
    /// Mermaid flowchart.
    #[arg(long, conflicts_with_all = ["md", "json"])]
    pub mermaid: bool,
    /// Mermaid inside a Markdown code fence.
    #[arg(long, conflicts_with = "json")]
    pub md: bool,
    /// JSON: `{"nodes": [...], "edges": [...]}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagFormat {
    Ascii,
    Dot,
    Mermaid,
    Md,
    Json,
}

impl DagArgs {
    pub fn chosen_format(&self) -> DagFormat {
        if self.dot {
            DagFormat::Dot
        } else if self.mermaid {
            DagFormat::Mermaid
        } else if self.md {
            DagFormat::Md
        } else if self.json {
            DagFormat::Json
        } else {
            DagFormat::Ascii
        }
    }
}

pub fn cmd_dag(printer: Printer, cwd: &Path, args: &DagArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    let project = repo.project()?;
    // Overlapping outputs and cycles do not stop other commands, but they make the graph wrong.
    repo.check_graph(&project)?;
    let graph = &project.graph;
    let keep: BTreeSet<usize> = match &args.target {
        None => (0..graph.nodes.len()).collect(),
        Some(target) => {
            let wanted = target.strip_prefix("dvc.yaml:").unwrap_or(target);
            let found: Vec<usize> = (0..graph.nodes.len())
                .filter(|&n| {
                    let address = &graph.nodes[n].address;
                    address == wanted
                        || address
                            .split_once('@')
                            .is_some_and(|(group, _)| group == wanted)
                })
                .collect();
            if found.is_empty() {
                let known: Vec<&str> = graph
                    .nodes
                    .iter()
                    .map(|n| n.address.as_str())
                    .take(10)
                    .collect();
                return Err(
                    CommandError::usage(format!("no stage `{target}` in this repository"))
                        .with_hint(format!("stages include: {}", known.join(", "))),
                );
            }
            found
                .into_iter()
                .flat_map(|n| dag::select(graph, n, args.full))
                .collect()
        }
    };
    let view = if args.outs {
        dag::outs_view(graph, &keep)
    } else {
        dag::stage_view(graph, &keep, args.collapse_foreach_matrix)
    };
    let text = match args.chosen_format() {
        DagFormat::Ascii => render_ascii(&view),
        DagFormat::Dot => render_dot(&view),
        DagFormat::Mermaid => render_mermaid(&view),
        DagFormat::Md => format!("```mermaid\n{}```\n", render_mermaid(&view)),
        DagFormat::Json => return Ok(printer.json(&dag::to_json(&view), JsonStyle::Pretty)?),
    };
    printer.stdout().write_all(text.as_bytes())?;
    Ok(())
}
