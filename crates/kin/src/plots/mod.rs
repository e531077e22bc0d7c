//! Plots as DVC 3 makes them: definitions from `dvc.yaml` (top-level `plots:` and stage plot
//! outputs), data files read from the workspace or any revision, charts filled into Vega-Lite
//! templates with DVC's anchors, and images; collected for `kin plots show` and `kin plots diff`.
//!
//! [`collect`] reads what each revision defines and holds; [`render`] groups the plots by id
//! across revisions and fills each chart's template; [`html::write_page`] writes them into one page.

mod cells;
mod chart;
mod datapoints;
mod definitions;
mod error;
pub mod html;
mod json_output;
mod json_reader;
mod render;
mod series;
mod sources;
pub mod templates;
mod vega;

use serde_json::Value;

pub use cells::Style;
pub use chart::Chart;
pub use definitions::{ConfigPlots, Definitions, data_sources};
pub use error::{PlotError, SourceError};
pub use json_output::json_document;
pub use render::{Image, Plot, PlotContent, Problem, render};
pub use sources::{SourceData, is_image};

use crate::Repo;
use crate::metrics::{MetricsError, Source, Tree};

/// Plot properties as written: `x`, `y`, `template`, `title`, `x_label`, `y_label`, `header`.
pub type Props = serde_json::Map<String, Value>;

/// What one revision (or the workspace) defines and the data files it holds.
#[derive(Debug)]
pub struct RevisionPlots {
    /// `workspace` or the revision as named.
    pub rev: String,
    pub definitions: Definitions,
    /// Every data file a definition reads, in definition order, read or not.
    pub sources: Vec<(String, Result<SourceData, SourceError>)>,
}

impl RevisionPlots {
    fn source(&self, path: &str) -> Option<&Result<SourceData, SourceError>> {
        self.sources.iter().find(|(p, _)| p == path).map(|(_, s)| s)
    }
}

/// What [`collect`] collects.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `workspace` or git revisions (experiment names included).
    pub revisions: Vec<String>,
    /// Plot ids or data files, repo-relative.
    pub targets: Vec<String>,
    /// Properties from the command line, over every definition's.
    pub overrides: Props,
    /// The directory kin runs in, repo-relative: paths in ids are named from it, as DVC
    /// names them.
    pub cwd: String,
}

/// The plots of each revision `request` names.
pub fn collect(repo: &Repo, request: &Request) -> Result<Vec<RevisionPlots>, MetricsError> {
    request
        .revisions
        .iter()
        .map(|rev| collect_one(repo, rev, request))
        .collect()
}

fn collect_one(repo: &Repo, rev: &str, request: &Request) -> Result<RevisionPlots, MetricsError> {
    let (targets, overrides) = (&request.targets, &request.overrides);
    let tree = Tree::open(repo, &Source::named(rev))?;
    let project = tree.project(repo)?;
    let tracked = tree.tracked(&project);
    let files = definitions::Files {
        repo,
        tree: &tree,
        tracked: &tracked,
        cwd: &request.cwd,
    };
    let definitions = definitions::collect(&project, &files, targets, overrides);
    let paths = definitions.data_sources();
    let load = |path: &String| {
        let in_repo = crate::paths::wdir_join(&request.cwd, path);
        let header = header_for(&project, &in_repo, overrides);
        sources::load(repo, &tree, &tracked, &in_repo, header)
    };
    // Reading and parsing data files is most of the work.
    let sources = paths
        .iter()
        .cloned()
        .zip(crate::parallel::map_in_order(&paths, load))
        .collect();
    Ok(RevisionPlots {
        rev: rev.to_owned(),
        definitions,
        sources,
    })
}

/// Whether a CSV or TSV file's first row names its columns: as the command line says, else as
/// the stage plot output holding the file says (`header: false`), else yes.
fn header_for(project: &kin_pipeline::Project, path: &str, overrides: &Props) -> bool {
    if let Some(Value::Bool(header)) = overrides.get("header") {
        return *header;
    }
    for stage in &project.stages {
        for out in stage.outs_of(kin_pipeline::OutKind::Plot) {
            let out_path = crate::paths::wdir_join(&stage.wdir, &out.path);
            let holds = path == out_path
                || path
                    .strip_prefix(out_path.as_str())
                    .is_some_and(|rest| rest.starts_with('/'));
            if !holds {
                continue;
            }
            let header = out.plot_props.iter().find(|(key, _)| key == "header");
            if let Some((_, node)) = header
                && let Value::Bool(header) = node.value.to_json()
            {
                return header;
            }
        }
    }
    true
}

/// The revisions `kin plots diff` compares, as DVC chooses them: those given, with the
/// workspace added when fewer than two are; with none, `HEAD` (if tracked files changed)
/// and the workspace. With `experiment`, one given experiment is compared with its baseline
/// instead. Empty without git history.
pub fn diff_revisions(repo: &Repo, given: &[String], experiment: bool) -> Vec<String> {
    if !crate::metrics::has_commits(repo) {
        return Vec::new();
    }
    let mut revisions = given.to_vec();
    if experiment
        && let [name] = given
        && let Ok(found) = crate::experiments::refs::find(repo.root(), name, None)
    {
        revisions.push(found.baseline.chars().take(7).collect());
    }
    if revisions.len() <= 1 {
        if revisions.is_empty() && crate::git::is_dirty(repo.root()).unwrap_or(false) {
            revisions.push("HEAD".to_owned());
        }
        revisions.push("workspace".to_owned());
    }
    // The workspace comes first, as DVC reads it first.
    if let Some(index) = revisions.iter().position(|r| r == "workspace") {
        let workspace = revisions.remove(index);
        revisions.insert(0, workspace);
    }
    revisions
}

/// Where DVC keeps a repository's own templates.
pub fn templates_dir(repo: &Repo) -> std::path::PathBuf {
    repo.root().join(".dvc").join("plots")
}

/// The properties the command line sets for every plot.
pub fn overrides(
    template: Option<&str>,
    x: Option<&str>,
    y: Option<&str>,
    no_header: bool,
    labels: [(&str, Option<&str>); 3],
) -> Props {
    let mut props = Props::new();
    for (key, value) in [("template", template), ("x", x), ("y", y)]
        .into_iter()
        .chain(labels)
    {
        if let Some(value) = value {
            props.insert(key.to_owned(), Value::from(value));
        }
    }
    if no_header {
        props.insert("header".to_owned(), Value::Bool(false));
    }
    props
}
