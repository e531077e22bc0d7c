//! Plots grouped by id across revisions, as DVC 3 groups them: one chart per id holding every
//! revision's datapoints, or an image per revision, with what could not be read or drawn.

use std::path::Path;

use serde_json::Value;

use super::chart::Chart;
use super::datapoints::flatten;
use super::definitions::data_sources;
use super::series::Series;
use super::sources::{SourceData, is_image};
use super::templates::Template;
use super::{PlotError, Props, RevisionPlots, vega};

/// One plot as shown: a chart or images, under its id.
#[derive(Debug)]
pub struct Plot {
    /// The plot id (`dvc.yaml::id` where two pipeline files define the same id).
    pub id: String,
    pub content: PlotContent,
    /// Data files that could not be read and revisions whose data could not be drawn.
    pub problems: Vec<Problem>,
}

#[derive(Debug)]
pub enum PlotContent {
    /// A Vega-Lite chart: the revisions with data and the filled chart, `None` when no
    /// revision had data.
    Vega {
        revisions: Vec<String>,
        chart: Option<Chart>,
    },
    /// One image per revision holding it.
    Images(Vec<Image>),
}

#[derive(Debug)]
pub struct Image {
    pub rev: String,
    /// The image file, repo-relative.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Something that kept a revision's data out of a plot.
#[derive(Debug)]
pub struct Problem {
    pub rev: String,
    /// The data file, when the problem is reading it.
    pub source: Option<String>,
    /// kin's words.
    pub message: String,
    /// The exception name and message DVC gives in `--json`.
    pub dvc_type: &'static str,
    pub dvc_message: String,
}

/// One revision's definition of a plot.
struct Member<'a> {
    revision: &'a RevisionPlots,
    /// The id inside its pipeline file.
    inner_id: &'a str,
    props: &'a Props,
}

/// The plot ids of one revision: an id defined in several pipeline files is prefixed by
/// each file's path.
fn ids_of(revision: &RevisionPlots) -> Vec<(String, &str, &Props)> {
    let mut by_id: Vec<(&str, Vec<(&str, &Props)>)> = Vec::new();
    for config in &revision.definitions.configs {
        for (id, props) in &config.plots {
            match by_id.iter_mut().find(|(known, _)| *known == id) {
                Some((_, configs)) => configs.push((&config.config, props)),
                None => by_id.push((id, vec![(&config.config, props)])),
            }
        }
    }
    let mut ids = Vec::new();
    for (id, configs) in by_id {
        if let [(_, props)] = configs.as_slice() {
            ids.push((id.to_owned(), id, *props));
            continue;
        }
        for (config, props) in configs {
            let full = if config.is_empty() {
                id.to_owned()
            } else {
                format!("{config}::{id}")
            };
            ids.push((full, id, props));
        }
    }
    ids
}

/// Every plot of `revisions`, charts filled with templates found in `templates_dir` or
/// under `cwd`, in DVC's order (first revision's definitions first).
pub fn render(
    revisions: &[RevisionPlots],
    templates_dir: Option<&Path>,
    cwd: &Path,
) -> Result<Vec<Plot>, PlotError> {
    let mut groups: Vec<(String, Vec<Member<'_>>)> = Vec::new();
    for revision in revisions {
        for (id, inner_id, props) in ids_of(revision) {
            let member = Member {
                revision,
                inner_id,
                props,
            };
            match groups.iter_mut().find(|(known, _)| *known == id) {
                Some((_, members)) => members.push(member),
                None => groups.push((id, vec![member])),
            }
        }
    }
    groups
        .into_iter()
        .map(|(id, members)| render_group(id, &members, templates_dir, cwd))
        .collect()
}

/// The properties of all revisions' definitions, the first revision's winning.
fn squash(members: &[Member<'_>]) -> Props {
    let mut props = Props::new();
    for member in members.iter().rev() {
        props.extend(member.props.clone());
    }
    props
}

fn render_group(
    id: String,
    members: &[Member<'_>],
    templates_dir: Option<&Path>,
    cwd: &Path,
) -> Result<Plot, PlotError> {
    let props = squash(members);
    let image = members.last().is_some_and(|m| is_image(m.inner_id));
    let mut problems = Vec::new();
    let mut images = Vec::new();
    let mut series: Vec<Series> = Vec::new();
    let mut revs: Vec<String> = Vec::new();
    let mut first_props = Props::new();
    for member in members {
        let rev = &member.revision.rev;
        let mut data: Vec<(String, &SourceData)> = Vec::new();
        for source in data_sources(member.inner_id, member.props) {
            match member.revision.source(&source) {
                Some(Ok(content)) if !content.is_empty() => data.push((source, content)),
                Some(Err(error)) => problems.push(Problem {
                    rev: rev.clone(),
                    source: Some(source),
                    message: error.to_string(),
                    dvc_type: error.dvc_type(),
                    dvc_message: error.dvc_message(),
                }),
                Some(Ok(_)) | None => {}
            }
        }
        if image {
            for (path, content) in data {
                if let SourceData::Image(bytes) = content {
                    images.push(Image {
                        rev: rev.clone(),
                        path,
                        bytes: bytes.clone(),
                    });
                }
            }
            continue;
        }
        let parsed: Vec<(String, std::sync::Arc<super::cells::FileRows>)> = data
            .into_iter()
            .filter_map(|(path, content)| match content {
                SourceData::Rows(rows) => Some((path, rows.clone())),
                SourceData::Image(_) => None,
            })
            .collect();
        match flatten(member.inner_id, &props, &parsed, rev) {
            Ok(flat) => {
                if !flat.series.is_empty() && !revs.contains(rev) {
                    revs.push(rev.clone());
                }
                if first_props.is_empty() && !flat.props.is_empty() {
                    first_props = flat.props;
                }
                series.extend(flat.series);
            }
            Err(error) => problems.push(problem(rev, &error)),
        }
    }
    if image {
        return Ok(Plot {
            id: members.last().map_or(id, |m| m.inner_id.to_owned()),
            content: PlotContent::Images(images),
            problems,
        });
    }
    if !first_props.contains_key("title") {
        first_props.insert("title".to_owned(), Value::from(id.as_str()));
    }
    let chart = if series.is_empty() {
        None
    } else {
        let name = first_props.get("template").and_then(Value::as_str);
        let template = Template::find(name, templates_dir, cwd)?;
        match vega::fill(template, series, &first_props, &revs) {
            Ok(chart) => Some(chart),
            Err(error @ PlotError::NoFieldInData { .. }) => {
                let rev = revs.first().cloned().unwrap_or_default();
                problems.push(problem(&rev, &error));
                None
            }
            Err(other) => return Err(other),
        }
    };
    Ok(Plot {
        id,
        content: PlotContent::Vega {
            revisions: if chart.is_some() { revs } else { Vec::new() },
            chart,
        },
        problems,
    })
}

fn problem(rev: &str, error: &PlotError) -> Problem {
    Problem {
        rev: rev.to_owned(),
        source: None,
        message: error.to_string(),
        dvc_type: error.dvc_type(),
        dvc_message: error.dvc_message(),
    }
}
