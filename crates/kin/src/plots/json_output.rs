//! DVC's `plots show --json` document: what could not be read or drawn, then each plot's
//! charts or images, in Python's `json.dumps` layout with every chart's data written in.

use serde_json::{Map, Value, json};

use super::cells::Style;
use super::render::{Image, Plot, PlotContent, Problem};

/// The document for `plots`; `image_url` names where each image was written (DVC writes
/// images to the output directory and gives their paths).
pub fn json_document<E>(
    plots: &[Plot],
    mut image_url: impl FnMut(&Image) -> Result<String, E>,
) -> Result<String, E> {
    let mut errors = Vec::new();
    let mut data = Map::new();
    let mut charts = Vec::new();
    for plot in plots {
        // Data files that could not be read first, then plots that could not be drawn.
        let (sources, definitions): (Vec<&Problem>, Vec<&Problem>) =
            plot.problems.iter().partition(|p| p.source.is_some());
        for problem in sources.into_iter().chain(definitions) {
            let mut entry = Map::new();
            entry.insert("name".to_owned(), json!(plot.id));
            entry.insert("rev".to_owned(), json!(problem.rev));
            if let Some(source) = &problem.source {
                entry.insert("source".to_owned(), json!(source));
            }
            entry.insert("type".to_owned(), json!(problem.dvc_type));
            entry.insert("msg".to_owned(), json!(problem.dvc_message));
            errors.push(Value::Object(entry));
        }
        let entries = match &plot.content {
            PlotContent::Vega {
                revisions,
                chart: Some(chart),
            } => {
                let marker = chart_marker(charts.len());
                charts.push(chart);
                vec![json!({"type": "vega", "revisions": revisions, "content": marker})]
            }
            PlotContent::Vega { chart: None, .. } => Vec::new(),
            PlotContent::Images(images) => {
                let mut entries = Vec::new();
                for image in images {
                    let url = image_url(image)?;
                    entries.push(json!({"type": "image", "revisions": [image.rev], "url": url}));
                }
                entries
            }
        };
        data.insert(plot.id.clone(), Value::Array(entries));
    }
    let mut document = Map::new();
    if !errors.is_empty() {
        document.insert("errors".to_owned(), Value::Array(errors));
    }
    if !data.is_empty() {
        document.insert("data".to_owned(), Value::Object(data));
    }
    let text = kin_format::python::dumps_json(
        &Value::Object(document),
        kin_format::python::DumpOptions::default(),
    );
    // Each chart's text where its marker stands, in order.
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    for (index, chart) in charts.into_iter().enumerate() {
        let mut marker = String::new();
        kin_format::python::push_json_string(&mut marker, &chart_marker(index));
        if let Some((before, after)) = rest.split_once(&marker) {
            out.push_str(before);
            chart.write(&mut out, Style::Python);
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn chart_marker(index: usize) -> String {
    format!("\u{0}kin:chart:{index}\u{0}")
}
