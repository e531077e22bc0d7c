//! DVC 3 pipelines read exactly as DVC reads them: `dvc.yaml`, params files, templating,
//! foreach/matrix expansion, and the stage graph.

mod build;
pub mod context;
mod dvcfile;
mod dvcyaml;
mod error;
mod graph;
mod project;
mod resolve;
mod stage;
pub mod template;

pub use dvcfile::{DataFile, load_dvc_file};
pub use dvcyaml::{PipelineFile, load_dvc_yaml, parse_dvc_yaml};
pub use error::PipelineError;
pub use graph::{Graph, GraphNode, build_graph, paths_overlap, topological_sort};
pub use project::{Project, load_project};
pub use stage::{Dep, Out, OutKind, ParamsDep, Stage};
pub use template::ParsingConfig;
