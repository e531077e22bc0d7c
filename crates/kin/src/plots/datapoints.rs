//! One plot's data files turned into flat datapoints, as DVC 3's Vega converter makes them:
//! `x` and `y` inferred where not given, several files or fields joined into one series list,
//! each point tagged with its revision, file and field.

use serde_json::{Map, Value};

use super::{PlotError, Props};

/// One row of a chart's data.
pub type Datapoint = Map<String, Value>;

/// The `x` DVC uses when a plot names none: each point's index.
pub const INDEX_FIELD: &str = "step";
/// The field holding `y` values when a plot draws different fields.
const INFERRED_Y: &str = "dvc_inferred_y_value";
/// The field holding `x` values when a plot reads `x` from different fields.
const INFERRED_X: &str = "dvc_inferred_x_value";

/// A plot's datapoints for one revision and its properties with `x`, `y` and their labels
/// filled in. No datapoints when its files hold none.
#[derive(Debug, Clone, PartialEq)]
pub struct Flattened {
    pub datapoints: Vec<Datapoint>,
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

/// Every list in a document that may hold rows: the document itself if it is a list,
/// otherwise the lists among its values, nested mappings searched too.
fn lists(blob: &Value) -> Vec<&Vec<Value>> {
    match blob {
        Value::Array(items) => vec![items],
        Value::Object(map) => {
            let mut found = Vec::new();
            for value in map.values() {
                match value {
                    Value::Object(_) => found.extend(lists(value)),
                    Value::Array(items) => found.push(items),
                    _ => {}
                }
            }
            found
        }
        _ => Vec::new(),
    }
}

/// A list of mappings that all have the same keys.
fn rows_of(list: &[Value]) -> Option<Vec<&Datapoint>> {
    let rows: Vec<&Datapoint> = list.iter().map(Value::as_object).collect::<Option<_>>()?;
    let first = rows.first()?;
    let same = rows
        .iter()
        .all(|row| row.keys().all(|k| first.contains_key(k)));
    same.then_some(rows)
}

/// A file's rows: every list of like rows in it, merged position by position.
pub fn file_datapoints(content: &Value) -> Vec<Datapoint> {
    let mut merged: Vec<Datapoint> = Vec::new();
    for list in lists(content) {
        let Some(rows) = rows_of(list) else { continue };
        for (index, row) in rows.into_iter().enumerate() {
            if merged.len() <= index {
                merged.push(Map::new());
            }
            for (key, value) in row {
                merged[index].insert(key.clone(), value.clone());
            }
        }
    }
    merged
}

/// `x` and `y` as file maps, inferred as DVC infers them: a field alone applies to the plot's
/// own file (or, for `x`, to each file `y` names); no `y` means the last field of the file's
/// first row.
fn infer_axes(id: &str, props: &Props, data: &[(String, Value)]) -> Props {
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
                .and_then(|(_, content)| {
                    lists(content)
                        .into_iter()
                        .find(|list| list.iter().all(Value::is_object))
                        .and_then(|list| list.first()?.as_object()?.keys().next_back().cloned())
                });
            let y = last_field.map_or(Value::Null, |field| {
                Value::Object(Map::from_iter([(id.to_owned(), Value::from(field))]))
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
    rows: &[(String, Vec<Datapoint>)],
) -> Result<Vec<(String, String)>, PlotError> {
    for (file, field) in &pairs {
        let first = rows
            .iter()
            .find(|(f, _)| f == file)
            .and_then(|(_, points)| points.first());
        if let Some(first) = first
            && !first.contains_key(field)
        {
            return Err(PlotError::FieldNotFound {
                field: field.clone(),
                found: first.keys().cloned().collect(),
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

/// A plot's datapoints for `revision`, from the files it reads (`data`, file and content, in
/// the order the plot names them; files that could not be read are left out).
pub fn flatten(
    id: &str,
    props: &Props,
    data: &[(String, Value)],
    revision: &str,
) -> Result<Flattened, PlotError> {
    let mut props = props.clone();
    let inferred = infer_axes(id, &props, data);
    props.extend(inferred);
    let y_label = y_label(&props);
    let x_label = x_label(&props);
    props.insert("y_label".to_owned(), y_label);
    props.insert("x_label".to_owned(), x_label);

    let rows: Vec<(String, Vec<Datapoint>)> = data
        .iter()
        .map(|(file, content)| (file.clone(), file_datapoints(content)))
        .collect();
    let xs = verified(axis_pairs(&props, "x"), &rows)?;
    let (mut x_file, mut x_field) = match xs.first() {
        Some((file, field)) => (Some(file.clone()), field.clone()),
        None => (None, INDEX_FIELD.to_owned()),
    };
    let mut x_fields: Vec<&String> = xs.iter().map(|(_, f)| f).collect();
    x_fields.sort();
    x_fields.dedup();
    let multiple_x_fields = xs.len() > 1 && x_fields.len() > 1;
    let x_target = if multiple_x_fields {
        INFERRED_X.to_owned()
    } else {
        x_field.clone()
    };

    let ys = verified(axis_pairs(&props, "y"), &rows)?;
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

    let mut all = Vec::new();
    for (i, (y_file, y_field)) in ys.iter().enumerate() {
        if xs.len() > 1 {
            (x_file, x_field) = (Some(xs[i].0.clone()), xs[i].1.clone());
        }
        let points_of = |file: &str| {
            rows.iter()
                .find(|(f, _)| f == file)
                .map(|(_, points)| points.clone())
                .unwrap_or_default()
        };
        let mut points = points_of(y_file);
        if unified_y {
            for point in &mut points {
                if let Some(value) = point.get(y_field).cloned() {
                    point.insert(INFERRED_Y.to_owned(), value);
                }
            }
        }
        match &x_file {
            None if x_field == INDEX_FIELD => {
                for (index, point) in points.iter_mut().enumerate() {
                    point.insert(INDEX_FIELD.to_owned(), Value::from(index));
                }
            }
            _ => {
                let source = points_of(x_file.as_deref().unwrap_or_default());
                if source.len() != points.len() {
                    return Err(PlotError::CannotJoin {
                        x_field: x_field.clone(),
                        x_file: x_file.clone().unwrap_or_default(),
                        y_field: y_field.clone(),
                        y_file: y_file.clone(),
                    });
                }
                for (point, from) in points.iter_mut().zip(&source) {
                    if let Some(value) = from.get(&x_field) {
                        point.insert(x_target.clone(), value.clone());
                    }
                }
            }
        }
        for point in &mut points {
            point.insert("rev".to_owned(), Value::from(revision));
            point.insert(
                "filename".to_owned(),
                Value::from(short_name(y_file, common)),
            );
            point.insert("field".to_owned(), Value::from(y_field.as_str()));
        }
        all.extend(points);
    }
    if all.is_empty() {
        return Ok(Flattened {
            datapoints: Vec::new(),
            props: Props::new(),
        });
    }
    props.insert("x".to_owned(), Value::from(x_target));
    props.insert("y".to_owned(), y_value);
    props.insert(
        "anchors_y_definitions".to_owned(),
        Value::Array(y_definitions),
    );
    Ok(Flattened {
        datapoints: all,
        props,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(value: Value) -> Props {
        value.as_object().expect("object").clone()
    }

    #[test]
    fn rows_merge_across_lists() {
        let content = json!({"train": [{"a": 1}, {"a": 2}], "meta": {"b": [{"b": 3}]}, "x": 1});
        assert_eq!(
            file_datapoints(&content),
            vec![props(json!({"a": 1, "b": 3})), props(json!({"a": 2}))]
        );
        assert!(file_datapoints(&json!([{"a": 1}, {"b": 2}])).is_empty());
    }

    #[test]
    fn index_and_last_field_are_inferred() {
        let data = vec![("loss.json".to_owned(), json!([{"loss": 1}, {"loss": 0.5}]))];
        let flat = flatten("loss.json", &Props::new(), &data, "workspace").expect("flat");
        assert_eq!(flat.datapoints[1]["step"], json!(1));
        assert_eq!(flat.datapoints[1]["rev"], json!("workspace"));
        assert_eq!(flat.props["x"], json!("step"));
        assert_eq!(flat.props["y"], json!("loss"));
        assert_eq!(flat.props["x_label"], json!("step"));
    }

    #[test]
    fn several_files_share_x_and_name_their_file() {
        let data = vec![
            ("p/a.json".to_owned(), json!([{"e": 0, "l": 1}])),
            ("p/b.json".to_owned(), json!([{"e": 0, "m": 2}])),
        ];
        let p = props(json!({"x": "e", "y": {"p/a.json": "l", "p/b.json": "m"}}));
        let flat = flatten("id", &p, &data, "HEAD").expect("flat");
        assert_eq!(flat.props["y"], json!(INFERRED_Y));
        assert_eq!(flat.props["y_label"], json!("y"));
        assert_eq!(flat.datapoints[1]["filename"], json!("b.json"));
        assert_eq!(flat.datapoints[1][INFERRED_Y], json!(2));
    }

    #[test]
    fn a_missing_field_is_named() {
        let data = vec![("a.json".to_owned(), json!([{"e": 0}]))];
        let p = props(json!({"x": "epoch", "y": "e"}));
        let error = flatten("a.json", &p, &data, "workspace").expect_err("no epoch");
        assert_eq!(
            error.to_string(),
            "could not find provided field ('epoch') in data fields ('e')"
        );
    }
}
