//! A chart's template filled with its datapoints, as DVC 3's Vega renderer fills it: colours by
//! revision, dashes and shapes by file or field when a chart draws several, tooltips and
//! groupings naming the fields the template needs.

use serde_json::{Value, json};

use super::datapoints::Datapoint;
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

/// Fills `template` for a chart with `datapoints` (not empty) from `revisions`.
pub fn fill(
    mut template: Template,
    mut datapoints: Vec<Datapoint>,
    props: &Props,
    revisions: &[String],
) -> Result<Value, PlotError> {
    let text = |key: &str| props.get(key).and_then(Value::as_str).map(str::to_owned);
    let x = text("x");
    let y = text("y");
    for field in [&x, &y].into_iter().flatten() {
        if !datapoints.iter().any(|point| point.contains_key(field)) {
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
        reshape(&mut datapoints, &varied);
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
    template.fill(
        "data",
        &Value::Array(datapoints.into_iter().map(Value::Object).collect()),
    );
    Ok(Value::Object(template.content))
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
fn reshape(datapoints: &mut [Datapoint], varied: &[&str]) {
    let both = varied.len() == 2;
    for point in datapoints {
        if both {
            let joined = ["filename", "field"]
                .iter()
                .map(|key| point.get(*key).and_then(Value::as_str).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(SEPARATOR);
            point.insert(format!("filename{SEPARATOR}field"), Value::from(joined));
            point.shift_remove("filename");
            point.shift_remove("field");
        } else {
            for key in ["filename", "field"] {
                if !varied.contains(&key) {
                    point.shift_remove(key);
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
    use crate::plots::templates::built_in;

    fn point(value: Value) -> Datapoint {
        value.as_object().expect("object").clone()
    }

    #[test]
    fn one_series_drops_its_file_and_field() {
        let props: Props = json!({"x": "step", "y": "loss", "anchors_y_definitions": [{"filename": "a.json", "field": "loss"}]})
            .as_object()
            .expect("object")
            .clone();
        let points = vec![point(
            json!({"loss": 1, "step": 0, "rev": "workspace", "filename": "a.json", "field": "loss"}),
        )];
        let filled = fill(
            built_in("linear").expect("linear"),
            points,
            &props,
            &["workspace".to_owned()],
        )
        .expect("filled");
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
        let mut points = vec![point(json!({"filename": "a", "field": "l"}))];
        reshape(&mut points, &varied);
        assert_eq!(points[0], point(json!({"filename::field": "a::l"})));
    }

    #[test]
    fn dotted_fields_are_escaped() {
        assert_eq!(escape("a.b[0]"), "a\\.b\\[0\\]");
    }
}
