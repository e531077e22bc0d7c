//! A chart's template filled with its datapoints, as DVC 3's Vega renderer fills it: colours by
//! revision, dashes and shapes by file or field when a chart draws several, tooltips and
//! groupings naming the fields the template needs.

use serde_json::{Value, json};

use super::cells::{Cell, Key};
use super::chart::{Chart, DATA_MARKER};
use super::series::{Edit, Series};
use super::templates::{Template, anchor};
use super::{PlotError, Props};

/// Anchors a template may leave out.
const OPTIONAL_ANCHORS: &[&str] = &[
    "color",
    "column",
    "group_by_x",
    "group_by_y",
    "group_by",
    "pivot_field",
    "plot_height",
    "plot_width",
    "row",
    "shape",
    "stroke_dash",
    "tooltip",
    "zoom_and_pan",
];

const COLORS: &[&str] = &[
    "#945dd6", "#13adc7", "#f46837", "#48bb78", "#4299e1", "#ed8936", "#f56565",
];
const SHAPES: &[&str] = &["circle", "square", "triangle", "diamond"];
const DASHES: &[[u8; 2]] = &[[1, 0], [8, 8], [8, 4], [4, 4], [4, 2], [2, 1], [1, 1]];

/// Joins the names of what varies between a chart's series (`filename::field`).
const SEPARATOR: &str = "::";

/// Fills `template` for a chart of `series` (not empty) from `revisions`.
pub fn fill(
    mut template: Template,
    mut series: Vec<Series>,
    props: &Props,
    revisions: &[String],
) -> Result<Chart, PlotError> {
    let text = |key: &str| props.get(key).and_then(Value::as_str).map(str::to_owned);
    let x = text("x");
    let y = text("y");
    for field in [&x, &y].into_iter().flatten() {
        if !series.iter().any(|one| one.has_field(field)) {
            return Err(PlotError::NoFieldInData {
                field: field.clone(),
            });
        }
    }
    let mut optional: Vec<&str> = OPTIONAL_ANCHORS
        .iter()
        .copied()
        .filter(|name| template.has_anchor(name))
        .collect();
    let mut filler = Filler {
        template: &mut template,
        optional: &mut optional,
    };
    let varied = if filler.optional.is_empty() {
        None
    } else {
        Some(filler.fill_optional(props, x.as_deref(), y.as_deref(), revisions))
    };
    if let Some(varied) = varied {
        reshape(&mut series, &varied);
    }
    let field_or = |key: &str, fallback: &Option<String>| match props.get(key) {
        Some(value) => value.clone(),
        None => fallback.clone().map_or(Value::Null, Value::from),
    };
    let named = [
        (
            "title",
            props.get("title").cloned().unwrap_or(Value::from("")),
        ),
        (
            "x",
            x.as_deref().map_or(Value::Null, |x| Value::from(escape(x))),
        ),
        (
            "y",
            y.as_deref().map_or(Value::Null, |y| Value::from(escape(y))),
        ),
        ("x_label", field_or("x_label", &x)),
        ("y_label", field_or("y_label", &y)),
    ];
    for (name, value) in named {
        if !value.is_null() {
            template.fill(name, &value);
        }
    }
    if !template.has_anchor("data") {
        return Err(PlotError::TemplateWithoutData {
            name: template.name.clone(),
            anchor: anchor("data"),
        });
    }
    template.fill("data", &Value::from(DATA_MARKER));
    Ok(Chart {
        spec: Value::Object(template.content),
        series,
    })
}

/// Vega-Lite reads `.`, `[` and `]` in a field name as a path into nested data.
fn escape(field: &str) -> String {
    let mut escaped = String::with_capacity(field.len());
    for c in field.chars() {
        if matches!(c, '.' | '[' | ']') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Drops the `filename` and `field` tags that do not vary between series; when both vary, one
/// `filename::field` tag replaces them.
fn reshape(series: &mut [Series], varied: &[&str]) {
    let both = varied.len() == 2;
    for one in series {
        if both {
            let tag = |key: &str| {
                one.edits
                    .iter()
                    .rev()
                    .find_map(|(k, edit)| match edit {
                        Edit::Const(Cell::Text(text)) if &**k == key => Some(text.to_string()),
                        _ => None,
                    })
                    .unwrap_or_default()
            };
            let joined = format!("{}{SEPARATOR}{}", tag("filename"), tag("field"));
            one.edit(
                &format!("filename{SEPARATOR}field"),
                Edit::Const(Cell::Text(joined.into())),
            );
            one.edit("filename", Edit::Remove);
            one.edit("field", Edit::Remove);
        } else {
            for key in ["filename", "field"] {
                if !varied.contains(&key) {
                    one.edits.push((Key::from(key), Edit::Remove));
                }
            }
        }
    }
}

struct Filler<'a> {
    template: &'a mut Template,
    /// The optional anchors the template has and that are not filled yet.
    optional: &'a mut Vec<&'static str>,
}

impl Filler<'_> {
    /// Fills an optional anchor if the template has it and it is not filled yet.
    fn set(&mut self, name: &str, value: Value) {
        if let Some(index) = self.optional.iter().position(|known| *known == name) {
            self.optional.remove(index);
            self.template.fill(name, &value);
        }
    }

    /// Fills the optional anchors; returns which of `filename` and `field` vary between
    /// the chart's series.
    fn fill_optional(
        &mut self,
        props: &Props,
        x: Option<&str>,
        y: Option<&str>,
        revisions: &[String],
    ) -> Vec<&'static str> {
        self.set("color", mapping("rev", "color", revisions));
        self.set(
            "zoom_and_pan",
            json!({"name": "grid", "select": "interval", "bind": "scales"}),
        );
        self.set("plot_height", json!(300));
        self.set("plot_width", json!(300));
        let definitions: Vec<(String, String)> = props
            .get("anchors_y_definitions")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|d| {
                        let part = |key: &str| {
                            d.get(key)
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned()
                        };
                        (part("filename"), part("field"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if definitions.len() <= 1 {
            self.group_by(&["rev"], x, y);
            self.set("pivot_field", json!("datum.rev"));
            self.tooltip(x, y, &[]);
            for name in std::mem::take(self.optional) {
                self.template.fill(name, &json!({}));
            }
            return Vec::new();
        }
        let (varied, domain) = variations(&definitions);
        let concat = varied.join(SEPARATOR);
        self.group_by(&["rev", &concat], x, y);
        let pivot: Vec<String> = std::iter::once("rev")
            .chain(varied.iter().copied())
            .map(|key| format!("datum.{key}"))
            .collect();
        self.set("pivot_field", Value::from(pivot.join(" + '::' + ")));
        self.set("row", json!({"field": concat, "sort": []}));
        self.set("column", json!({"field": concat, "sort": []}));
        self.tooltip(x, y, &[concat.as_str()]);
        self.set("stroke_dash", mapping(&concat, "stroke_dash", &domain));
        self.set("shape", mapping(&concat, "shape", &domain));
        varied
    }

    fn group_by(&mut self, fields: &[&str], x: Option<&str>, y: Option<&str>) {
        let with = |extra: Option<&str>| {
            let mut list: Vec<Value> = fields.iter().map(|f| Value::from(*f)).collect();
            list.push(extra.map_or(Value::Null, Value::from));
            Value::Array(list)
        };
        self.set(
            "group_by",
            Value::Array(fields.iter().map(|f| Value::from(*f)).collect()),
        );
        self.set("group_by_x", with(x));
        self.set("group_by_y", with(y));
    }

    fn tooltip(&mut self, x: Option<&str>, y: Option<&str>, extra: &[&str]) {
        let field = |name: Option<&str>| json!({"field": name});
        let mut fields = vec![field(Some("rev")), field(x), field(y)];
        fields.extend(extra.iter().map(|name| field(Some(name))));
        self.set("tooltip", Value::Array(fields));
    }
}

/// Which of `filename` and `field` take more than one value among the series, and the sorted
/// values that tell series apart.
fn variations(definitions: &[(String, String)]) -> (Vec<&'static str>, Vec<String>) {
    let distinct = |values: Vec<String>| {
        let mut values = values;
        values.sort();
        values.dedup();
        values
    };
    let files = distinct(definitions.iter().map(|(f, _)| f.clone()).collect());
    let fields = distinct(definitions.iter().map(|(_, f)| f.clone()).collect());
    let mut varied = Vec::new();
    if files.len() > 1 {
        varied.push("filename");
    }
    if fields.len() > 1 {
        varied.push("field");
    }
    let domain = match varied.as_slice() {
        [_, _] => distinct(
            definitions
                .iter()
                .map(|(file, field)| format!("{file}{SEPARATOR}{field}"))
                .collect(),
        ),
        ["filename"] => files,
        ["field"] => fields,
        _ => Vec::new(),
    };
    (varied, domain)
}

/// An encoding mapping each value of `field` to a colour, dash or shape, in turn.
fn mapping(field: &str, name: &str, domain: &[String]) -> Value {
    let range: Vec<Value> = (0..domain.len())
        .map(|i| match name {
            "color" => Value::from(COLORS[i % COLORS.len()]),
            "shape" => Value::from(SHAPES[i % SHAPES.len()]),
            _ => json!(DASHES[i % DASHES.len()]),
        })
        .collect();
    let mut encoding = json!({"field": field, "scale": {"domain": domain, "range": range}});
    if name != "color" {
        encoding["legend"] = json!({"symbolFillColor": "transparent", "symbolStrokeColor": "grey"});
    }
    encoding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::cells::{FileRows, Style};
    use crate::plots::templates::built_in;
    use std::sync::Arc;

    fn tagged(points: Value, file: &str, field: &str) -> Series {
        let mut series = Series::new(Arc::new(FileRows::from_json(&points)));
        series.edit("rev", Edit::Const(Cell::Text("workspace".into())));
        series.edit("filename", Edit::Const(Cell::Text(file.into())));
        series.edit("field", Edit::Const(Cell::Text(field.into())));
        series
    }

    #[test]
    fn one_series_drops_its_file_and_field() {
        let props: Props = json!({"x": "step", "y": "loss", "anchors_y_definitions": [{"filename": "a.json", "field": "loss"}]})
            .as_object()
            .expect("object")
            .clone();
        let series = vec![tagged(json!([{"loss": 1, "step": 0}]), "a.json", "loss")];
        let chart = fill(
            built_in("linear").expect("linear"),
            series,
            &props,
            &["workspace".to_owned()],
        )
        .expect("filled");
        let filled: Value = serde_json::from_str(&chart.to_text(Style::Python)).expect("json");
        assert_eq!(
            filled["data"]["values"],
            json!([{"loss": 1, "step": 0, "rev": "workspace"}])
        );
        assert_eq!(filled["encoding"]["x"]["field"], json!("step"));
        assert_eq!(
            filled["encoding"]["color"]["scale"]["domain"],
            json!(["workspace"])
        );
    }

    #[test]
    fn varied_files_and_fields_join() {
        let definitions = vec![
            ("a".to_owned(), "l".to_owned()),
            ("b".to_owned(), "m".to_owned()),
        ];
        let (varied, domain) = variations(&definitions);
        assert_eq!(varied, ["filename", "field"]);
        assert_eq!(domain, ["a::l", "b::m"]);
        let mut series = vec![tagged(json!([{"l": 1}]), "a", "l")];
        reshape(&mut series, &varied);
        let mut out = String::new();
        crate::plots::series::write_points(&mut out, &series, Style::Python);
        assert_eq!(
            out,
            r#"[{"l": 1, "rev": "workspace", "filename::field": "a::l"}]"#
        );
    }

    #[test]
    fn dotted_fields_are_escaped() {
        assert_eq!(escape("a.b[0]"), "a\\.b\\[0\\]");
    }
}
