//! One plot's data files turned into a chart's series, as DVC 3's Vega converter flattens
//! them: `x` and `y` inferred where not given, several files or fields drawn together, each
//! point tagged with its revision, file and field.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::cells::{Cell, FileRows, Key};
use super::series::{Edit, Series};
use super::{PlotError, Props};

/// The `x` DVC uses when a plot names none: each point's index.
pub const INDEX_FIELD: &str = "step";
/// The field holding `y` values when a plot draws different fields.
const INFERRED_Y: &str = "dvc_inferred_y_value";
/// The field holding `x` values when a plot reads `x` from different fields.
const INFERRED_X: &str = "dvc_inferred_x_value";

/// A plot's series for one revision and its properties with `x`, `y` and their labels
/// filled in. No series when its files hold no points.
#[derive(Debug, Clone, PartialEq)]
pub struct Flattened {
    pub series: Vec<Series>,
    pub props: Props,
}

/// An axis definition: a field, a list of fields, or files mapped to a field or fields.
fn file_fields(axis: &Map<String, Value>) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (file, fields) in axis {
        match fields {
            Value::String(field) => pairs.push((file.clone(), field.clone())),
            Value::Array(list) => pairs.extend(
                list.iter()
                    .filter_map(Value::as_str)
                    .map(|field| (file.clone(), field.to_owned())),
            ),
            _ => {}
        }
    }
    pairs
}

/// `x` and `y` as file maps, inferred as DVC infers them: a field alone applies to the plot's
/// own file (or, for `x`, to each file `y` names); no `y` means the last field of the file's
/// first row.
fn infer_axes(id: &str, props: &Props, data: &[(String, Arc<FileRows>)]) -> Props {
    let mut inferred = Props::new();
    if let Some(Value::String(x)) = props.get("x") {
        let mut files = Map::new();
        match props.get("y") {
            Some(Value::Object(y)) => {
                for (file, fields) in y {
                    let value = match fields {
                        Value::Array(list) => {
                            Value::Array(vec![Value::from(x.as_str()); list.len()])
                        }
                        _ => Value::from(x.as_str()),
                    };
                    files.insert(file.clone(), value);
                }
            }
            _ => {
                files.insert(id.to_owned(), Value::from(x.as_str()));
            }
        }
        inferred.insert("x".to_owned(), Value::Object(files));
    }
    match props.get("y") {
        None | Some(Value::Null) => {
            let last_field = data
                .iter()
                .find(|(file, _)| file == id)
                .and_then(|(_, rows)| rows.last_field.clone());
            let y = last_field.map_or(Value::Null, |field| {
                Value::Object(Map::from_iter([(id.to_owned(), Value::from(&*field))]))
            });
            inferred.insert("y".to_owned(), y);
        }
        Some(Value::Object(_)) => {}
        Some(other) => {
            inferred.insert(
                "y".to_owned(),
                Value::Object(Map::from_iter([(id.to_owned(), other.clone())])),
            );
        }
    }
    inferred
}

/// The one field an axis names, or `plural` when it names several.
fn single_field_or(axis: &Map<String, Value>, plural: &str) -> String {
    let mut fields: Vec<String> = file_fields(axis).into_iter().map(|(_, f)| f).collect();
    fields.dedup();
    fields.sort();
    fields.dedup();
    match fields.as_slice() {
        [one] => one.clone(),
        _ => plural.to_owned(),
    }
}

fn y_label(props: &Props) -> Value {
    if let Some(label) = props.get("y_label") {
        return label.clone();
    }
    match props.get("y") {
        Some(Value::String(y)) => Value::from(y.as_str()),
        Some(Value::Array(_)) => Value::from("y"),
        Some(Value::Object(files)) => Value::from(single_field_or(files, "y")),
        _ => Value::Null,
    }
}

fn x_label(props: &Props) -> Value {
    if let Some(label) = props.get("x_label") {
        return label.clone();
    }
    match props.get("x") {
        Some(Value::Object(files)) => Value::from(single_field_or(files, "x")),
        _ => Value::from(INDEX_FIELD),
    }
}

/// Checks that each `(file, field)` exists in the file's first row, for files that were read.
fn verified(
    pairs: Vec<(String, String)>,
    data: &[(String, Arc<FileRows>)],
) -> Result<Vec<(String, String)>, PlotError> {
    for (file, field) in &pairs {
        let first = data
            .iter()
            .find(|(f, _)| f == file)
            .and_then(|(_, rows)| rows.rows.first());
        if let Some(first) = first
            && super::cells::field(first, field).is_none()
        {
            return Err(PlotError::FieldNotFound {
                field: field.clone(),
                found: first.iter().map(|(k, _)| k.to_string()).collect(),
            });
        }
    }
    Ok(pairs)
}

fn axis_pairs(props: &Props, axis: &str) -> Vec<(String, String)> {
    match props.get(axis) {
        Some(Value::Object(files)) => file_fields(files),
        _ => Vec::new(),
    }
}

/// The path a file is shown by: without the directories all `y` files share.
fn short_name(file: &str, common: usize) -> String {
    file.get(common..)
        .unwrap_or_default()
        .trim_matches(['/', '\\'])
        .to_owned()
}

/// The length of the leading directories every file shares (`os.path.commonpath`).
fn common_prefix_len(files: &[&String]) -> usize {
    let Some((first, rest)) = files.split_first() else {
        return 0;
    };
    let mut common: Vec<&str> = first.split('/').collect();
    for file in rest {
        let parts: Vec<&str> = file.split('/').collect();
        let shared = common
            .iter()
            .zip(&parts)
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(shared);
    }
    common.join("/").len()
}

/// A plot's series for `revision`, from the files it reads (`data`, file and rows, in the
/// order the plot names them; files that could not be read are left out).
pub fn flatten(
    id: &str,
    props: &Props,
    data: &[(String, Arc<FileRows>)],
    revision: &str,
) -> Result<Flattened, PlotError> {
    let mut props = props.clone();
    let inferred = infer_axes(id, &props, data);
    props.extend(inferred);
    let y_label = y_label(&props);
    let x_label = x_label(&props);
    props.insert("y_label".to_owned(), y_label);
    props.insert("x_label".to_owned(), x_label);

    let xs = verified(axis_pairs(&props, "x"), data)?;
    let mut x_fields: Vec<&String> = xs.iter().map(|(_, f)| f).collect();
    x_fields.sort();
    x_fields.dedup();
    let multiple_x_fields = xs.len() > 1 && x_fields.len() > 1;
    let first_x_field = xs.first().map_or(INDEX_FIELD, |(_, f)| f.as_str());
    let x_target = if multiple_x_fields {
        INFERRED_X
    } else {
        first_x_field
    };

    let ys = verified(axis_pairs(&props, "y"), data)?;
    if xs.len() > 1 && xs.len() != ys.len() {
        return Err(PlotError::AxisCount {
            xs: xs.len(),
            ys: ys.len(),
        });
    }
    let mut y_fields: Vec<&String> = ys.iter().map(|(_, f)| f).collect();
    y_fields.sort();
    y_fields.dedup();
    let mut y_files: Vec<&String> = ys.iter().map(|(f, _)| f).collect();
    y_files.sort();
    y_files.dedup();
    let unified_y = y_fields.len() > 1;
    let y_value = match (unified_y, y_fields.first()) {
        (true, _) => Value::from(INFERRED_Y),
        (false, Some(field)) => Value::from(field.as_str()),
        (false, None) => Value::Null,
    };
    let common = if y_files.len() > 1 {
        common_prefix_len(&y_files)
    } else {
        0
    };
    let y_definitions: Vec<Value> = ys
        .iter()
        .map(|(file, field)| {
            serde_json::json!({"filename": short_name(file, common), "field": field})
        })
        .collect();

    let rows_of = |file: &str| data.iter().find(|(f, _)| f == file).map(|(_, r)| r.clone());
    let mut all = Vec::new();
    for (i, (y_file, y_field)) in ys.iter().enumerate() {
        // Series `i` reads `x` from this file and field (the first pair unless each has one).
        let (x_file, x_field) = match xs.get(i) {
            Some(pair) if xs.len() > 1 => (Some(pair.0.as_str()), pair.1.as_str()),
            _ => (xs.first().map(|(f, _)| f.as_str()), first_x_field),
        };
        let rows = rows_of(y_file).unwrap_or_default();
        let mut series = Series::new(rows.clone());
        if unified_y {
            series.edit(INFERRED_Y, Edit::Copy(Key::from(y_field.as_str())));
        }
        match x_file {
            None => series.edit(INDEX_FIELD, Edit::Index),
            // `x` from the series' own points: already there under its own name.
            Some(file) if file == y_file => {
                if x_target != x_field {
                    series.edit(x_target, Edit::Copy(Key::from(x_field)));
                }
            }
            Some(file) => {
                let source = rows_of(file).unwrap_or_default();
                if source.rows.len() != rows.rows.len() {
                    return Err(PlotError::CannotJoin {
                        x_field: x_field.to_owned(),
                        x_file: file.to_owned(),
                        y_field: y_field.clone(),
                        y_file: y_file.clone(),
                    });
                }
                series.edit(
                    x_target,
                    Edit::Join {
                        rows: source,
                        field: Key::from(x_field),
                    },
                );
            }
        }
        let text = |value: &str| Edit::Const(Cell::Text(value.into()));
        series.edit("rev", text(revision));
        series.edit("filename", text(&short_name(y_file, common)));
        series.edit("field", text(y_field));
        if !series.is_empty() {
            all.push(series);
        }
    }
    if all.is_empty() {
        return Ok(Flattened {
            series: Vec::new(),
            props: Props::new(),
        });
    }
    props.insert("x".to_owned(), Value::from(x_target));
    props.insert("y".to_owned(), y_value);
    props.insert(
        "anchors_y_definitions".to_owned(),
        Value::Array(y_definitions),
    );
    Ok(Flattened { series: all, props })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::cells::Style;
    use crate::plots::series::write_points;
    use serde_json::json;

    fn props(value: Value) -> Props {
        value.as_object().expect("object").clone()
    }

    fn rows(value: Value) -> Arc<FileRows> {
        Arc::new(FileRows::from_json(&value))
    }

    fn points(flat: &Flattened) -> Value {
        let mut out = String::new();
        write_points(&mut out, &flat.series, Style::Python);
        serde_json::from_str(&out).expect("json")
    }

    #[test]
    fn index_and_last_field_are_inferred() {
        let data = vec![(
            "loss.json".to_owned(),
            rows(json!([{"loss": 1}, {"loss": 0.5}])),
        )];
        let flat = flatten("loss.json", &Props::new(), &data, "workspace").expect("flat");
        assert_eq!(
            points(&flat)[1],
            json!({"loss": 0.5, "step": 1, "rev": "workspace", "filename": "loss.json", "field": "loss"})
        );
        assert_eq!(flat.props["x"], json!("step"));
        assert_eq!(flat.props["y"], json!("loss"));
        assert_eq!(flat.props["x_label"], json!("step"));
    }

    #[test]
    fn several_files_share_x_and_name_their_file() {
        let data = vec![
            ("p/a.json".to_owned(), rows(json!([{"e": 0, "l": 1}]))),
            ("p/b.json".to_owned(), rows(json!([{"e": 0, "m": 2}]))),
        ];
        let p = props(json!({"x": "e", "y": {"p/a.json": "l", "p/b.json": "m"}}));
        let flat = flatten("id", &p, &data, "HEAD").expect("flat");
        assert_eq!(flat.props["y"], json!(INFERRED_Y));
        assert_eq!(flat.props["y_label"], json!("y"));
        assert_eq!(
            points(&flat)[1],
            json!({"e": 0, "m": 2, INFERRED_Y: 2, "rev": "HEAD", "filename": "b.json", "field": "m"})
        );
    }

    #[test]
    fn x_joins_from_another_file_of_the_same_length() {
        let data = vec![
            ("y.json".to_owned(), rows(json!([{"v": 1}, {"v": 2}]))),
            ("x.json".to_owned(), rows(json!([{"t": 5}, {"t": 6}]))),
            ("short.json".to_owned(), rows(json!([{"t": 5}]))),
        ];
        let p = props(json!({"x": {"x.json": "t"}, "y": {"y.json": "v"}}));
        let flat = flatten("id", &p, &data, "w").expect("flat");
        assert_eq!(points(&flat)[1]["t"], json!(6));
        let p = props(json!({"x": {"short.json": "t"}, "y": {"y.json": "v"}}));
        let error = flatten("id", &p, &data, "w").expect_err("lengths differ");
        assert!(error.to_string().contains("same length"), "{error}");
    }

    #[test]
    fn a_missing_field_is_named() {
        let data = vec![("a.json".to_owned(), rows(json!([{"e": 0}])))];
        let p = props(json!({"x": "epoch", "y": "e"}));
        let error = flatten("a.json", &p, &data, "workspace").expect_err("no epoch");
        assert_eq!(
            error.to_string(),
            "could not find provided field ('epoch') in data fields ('e')"
        );
    }
}
