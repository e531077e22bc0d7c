//! `kin dag`: the stage graph as text, dot, Mermaid, Markdown or JSON.

use std::collections::BTreeSet;
use std::path::Path;

use crate::cli::{DagArgs, DagFormat};
use crate::command_error::CommandError;
use crate::dag::{self, render_ascii, render_dot, render_json, render_mermaid};

pub fn run(cwd: &Path, args: &DagArgs) -> Result<(), CommandError> {
    let (repo, project) = super::load_project(cwd)?;
    // Overlapping outputs and cycles do not stop other commands, but the graph is wrong.
    project
        .check_graph()
        .map_err(|e| crate::diagnostic::pipeline_error(&e, Some(repo.root())))?;
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
        DagFormat::Json => render_json(&view),
    };
    print!("{text}");
    Ok(())
}
