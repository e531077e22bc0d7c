//! Vega-Lite templates with DVC's `<DVC_METRIC_…>` anchors: kin's built-in ones under DVC's
//! names, or a user's JSON file found as DVC finds it (in `.dvc/plots/`, then as a path).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::PlotError;

/// The template a plot without `template:` uses.
pub const DEFAULT_TEMPLATE: &str = "linear";

/// kin's built-in templates, by the names DVC gives its own.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "simple",
        include_str!("../../assets/plot-templates/simple.json"),
    ),
    (
        "linear",
        include_str!("../../assets/plot-templates/linear.json"),
    ),
    (
        "confusion",
        include_str!("../../assets/plot-templates/confusion.json"),
    ),
    (
        "confusion_normalized",
        include_str!("../../assets/plot-templates/confusion_normalized.json"),
    ),
    (
        "scatter",
        include_str!("../../assets/plot-templates/scatter.json"),
    ),
    (
        "scatter_jitter",
        include_str!("../../assets/plot-templates/scatter_jitter.json"),
    ),
    (
        "smooth",
        include_str!("../../assets/plot-templates/smooth.json"),
    ),
    (
        "bar_horizontal_sorted",
        include_str!("../../assets/plot-templates/bar_horizontal_sorted.json"),
    ),
    (
        "bar_horizontal",
        include_str!("../../assets/plot-templates/bar_horizontal.json"),
    ),
];

/// A Vega-Lite specification with anchors still to fill.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    pub content: Map<String, Value>,
}

/// `<DVC_METRIC_NAME>` for anchor `name`.
pub fn anchor(name: &str) -> String {
    format!("<DVC_METRIC_{}>", name.to_ascii_uppercase())
}

impl Template {
    /// The template `name` (the default when `None`): a file `name` or `name.json` in
    /// `templates_dir`, a file at path `name` (relative to `cwd`), or a built-in one.
    pub fn find(
        name: Option<&str>,
        templates_dir: Option<&Path>,
        cwd: &Path,
    ) -> Result<Template, PlotError> {
        let name = name.unwrap_or(DEFAULT_TEMPLATE);
        if let Some(path) = find_file(name, templates_dir, cwd) {
            return Template::read(name, &path);
        }
        built_in(name).ok_or_else(|| PlotError::TemplateNotFound {
            name: name.to_owned(),
        })
    }

    fn read(name: &str, path: &Path) -> Result<Template, PlotError> {
        let bad = |reason: String| PlotError::BadTemplate {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        match serde_json::from_str::<Value>(&text).map_err(|e| bad(e.to_string()))? {
            Value::Object(content) => Ok(Template {
                name: name.to_owned(),
                content,
            }),
            _ => Err(bad("a template is a JSON object".to_owned())),
        }
    }

    /// Whether the anchor appears as a whole string value anywhere (DVC's `find_value`).
    pub fn has_anchor(&self, name: &str) -> bool {
        let anchor = anchor(name);
        self.content.values().any(|v| holds(v, &anchor))
    }

    /// Puts `value` where the anchor stands as a whole string; inside longer strings of a
    /// mapping a text value replaces the anchor text (DVC's `dict_replace_value`).
    pub fn fill(&mut self, name: &str, value: &Value) {
        let anchor = anchor(name);
        replace_in_map(&mut self.content, &anchor, value);
    }
}

/// The built-in template `name`.
pub fn built_in(name: &str) -> Option<Template> {
    let (_, text) = BUILT_IN.iter().find(|(known, _)| *known == name)?;
    match serde_json::from_str(text) {
        Ok(Value::Object(content)) => Some(Template {
            name: name.to_owned(),
            content,
        }),
        _ => None,
    }
}

fn find_file(name: &str, templates_dir: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
    if let Some(dir) = templates_dir {
        let path = dir.join(name);
        if path.exists() {
            return Some(path);
        }
        let with_json = path.with_extension("json");
        if with_json.exists() {
            return Some(with_json);
        }
    }
    let path = cwd.join(name);
    path.is_file().then_some(path)
}

fn holds(value: &Value, anchor: &str) -> bool {
    match value {
        Value::String(text) => text == anchor,
        Value::Object(map) => map.values().any(|v| holds(v, anchor)),
        Value::Array(items) => items.iter().any(|item| match item {
            Value::Array(_) => false,
            other => holds(other, anchor),
        }),
        _ => false,
    }
}

fn replace_in_map(map: &mut Map<String, Value>, anchor: &str, value: &Value) {
    for slot in map.values_mut() {
        match slot {
            Value::Object(inner) => replace_in_map(inner, anchor, value),
            Value::Array(items) => replace_in_list(items, anchor, value),
            Value::String(text) if text == anchor => *slot = value.clone(),
            Value::String(text) => {
                if let Value::String(with) = value
                    && text.contains(anchor)
                {
                    *text = text.replace(anchor, with);
                }
            }
            _ => {}
        }
    }
}

fn replace_in_list(items: &mut [Value], anchor: &str, value: &Value) {
    for item in items {
        match item {
            Value::Array(inner) => replace_in_list(inner, anchor, value),
            Value::Object(inner) => replace_in_map(inner, anchor, value),
            Value::String(text) if text == anchor => *item = value.clone(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_built_in_template_parses_and_takes_data() {
        for (name, _) in BUILT_IN {
            let template = built_in(name).expect(name);
            assert!(template.has_anchor("data"), "{name}");
            assert!(template.has_anchor("x"), "{name}");
        }
    }

    #[test]
    fn anchors_fill_whole_values_and_text() {
        let mut template = Template {
            name: "t".to_owned(),
            content: json!({"a": "<DVC_METRIC_X>", "b": "x is <DVC_METRIC_X>", "c": ["<DVC_METRIC_X>", "n <DVC_METRIC_X>"]})
                .as_object()
                .expect("object")
                .clone(),
        };
        template.fill("x", &json!("epoch"));
        assert_eq!(
            Value::Object(template.content),
            json!({"a": "epoch", "b": "x is epoch", "c": ["epoch", "n <DVC_METRIC_X>"]})
        );
    }
}
