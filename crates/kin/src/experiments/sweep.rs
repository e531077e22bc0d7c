//! `-S [FILE:]KEY=VALUE` as DVC (through Hydra's override grammar) reads it: a value, or a
//! sweep — a comma list `1,2,3`, `range(START, STOP[, STEP])` or `choice(A, B, …)` — whose
//! values each make an experiment; several sweeps make one experiment per combination.

use serde_json::Value;

use super::ExpError;

/// One `-S`: where the key lives and the values it takes (one unless swept).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSet {
    /// The params file (`params.yaml` unless `FILE:` names another).
    pub file: String,
    /// The dotted key, `train.lr`.
    pub key: String,
    pub values: Vec<Value>,
}

/// One experiment's assignments: `(file, key, value)`.
pub type Assignment = Vec<(String, String, Value)>;

/// Reads one `-S` argument.
pub fn parse_set(spec: &str) -> Result<ParamSet, ExpError> {
    let bad = |reason: &str| ExpError::BadSet {
        spec: spec.to_owned(),
        reason: reason.to_owned(),
    };
    let (target, raw) = spec
        .split_once('=')
        .ok_or_else(|| bad("expected `[FILE:]KEY=VALUE`"))?;
    let (file, key) = match target.rsplit_once(':') {
        Some((file, key)) => (file.trim(), key.trim()),
        None => ("params.yaml", target.trim()),
    };
    if key.is_empty() || file.is_empty() || key.split('.').any(str::is_empty) {
        return Err(bad("the key is empty or has an empty part"));
    }
    let raw = raw.trim();
    let values = if let Some(inner) = call(raw, "range") {
        range(&split_top(inner).map_err(|r| bad(&r))?).map_err(|r| bad(&r))?
    } else if let Some(inner) = call(raw, "choice") {
        let items = split_top(inner).map_err(|r| bad(&r))?;
        if items.iter().all(String::is_empty) {
            return Err(bad("`choice()` needs at least one value"));
        }
        items.iter().map(|item| scalar(item)).collect()
    } else {
        let items = split_top(raw).map_err(|r| bad(&r))?;
        items.iter().map(|item| scalar(item)).collect()
    };
    if values.is_empty() {
        return Err(bad("no value"));
    }
    Ok(ParamSet {
        file: file.to_owned(),
        key: key.to_owned(),
        values,
    })
}

/// The arguments of `name(…)` when `text` is such a call.
fn call<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.strip_prefix(name)?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')
}

/// Splits on commas outside brackets and quotes.
fn split_top(text: &str) -> Result<Vec<String>, String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, '[' | '{' | '(') => {
                depth += 1;
                current.push(c);
            }
            (None, ']' | '}' | ')') => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("unbalanced `{c}`"));
                }
                current.push(c);
            }
            (None, ',') if depth == 0 => items.push(std::mem::take(&mut current)),
            (None, c) => current.push(c),
        }
    }
    if quote.is_some() {
        return Err("an unclosed quote".to_owned());
    }
    if depth != 0 {
        return Err("an unclosed bracket".to_owned());
    }
    items.push(current);
    let items: Vec<String> = items.into_iter().map(|i| i.trim().to_owned()).collect();
    if items.len() > 1 && items.iter().any(String::is_empty) {
        return Err("an empty value in a comma list".to_owned());
    }
    Ok(items)
}

/// A value as YAML reads it: a number, `true`/`false`, `null`, a quoted or plain string, or
/// a flow list.
pub fn scalar(text: &str) -> Value {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return match split_top(inner) {
            Ok(items) if items.len() == 1 && items[0].is_empty() => Value::Array(Vec::new()),
            Ok(items) => Value::Array(items.iter().map(|i| scalar(i)).collect()),
            Err(_) => Value::String(text.to_owned()),
        };
    }
    for q in ['\'', '"'] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return Value::String(text[1..text.len() - 1].to_owned());
        }
    }
    match text {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        "null" | "Null" | "NULL" | "~" | "" => return Value::Null,
        _ => {}
    }
    if let Ok(n) = text.parse::<i64>() {
        return Value::from(n);
    }
    if text.chars().any(|c| c.is_ascii_digit())
        && let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return Value::from(f);
    }
    Value::String(text.to_owned())
}

/// Hydra's `range(start, stop[, step])`: from start up to (not including) stop.
fn range(args: &[String]) -> Result<Vec<Value>, String> {
    let numbers: Vec<Value> = args.iter().map(|a| scalar(a)).collect();
    let (start, stop, step) = match numbers.as_slice() {
        [stop] => (Value::from(0), stop.clone(), Value::from(1)),
        [start, stop] => (start.clone(), stop.clone(), Value::from(1)),
        [start, stop, step] => (start.clone(), stop.clone(), step.clone()),
        _ => return Err("`range()` takes a stop, or start and stop, and a step".to_owned()),
    };
    let all_ints = [&start, &stop, &step].iter().all(|v| v.is_i64());
    let as_f64 = |v: &Value| v.as_f64().ok_or("`range()` takes numbers".to_owned());
    let (a, b, s) = (as_f64(&start)?, as_f64(&stop)?, as_f64(&step)?);
    if s == 0.0 {
        return Err("the step of `range()` is 0".to_owned());
    }
    let mut values = Vec::new();
    let mut i = 0u32;
    loop {
        let x = a + f64::from(i) * s;
        if (s > 0.0 && x >= b) || (s < 0.0 && x <= b) {
            break;
        }
        values.push(if all_ints {
            Value::from(x as i64)
        } else {
            Value::from(x)
        });
        i += 1;
        if i > 100_000 {
            return Err("`range()` makes more than 100,000 values".to_owned());
        }
    }
    Ok(values)
}

/// Every combination of the sets' values, the first set varying slowest (as Hydra's grid).
pub fn combinations(sets: &[ParamSet]) -> Vec<Assignment> {
    let mut all: Vec<Assignment> = vec![Vec::new()];
    for set in sets {
        all = all
            .into_iter()
            .flat_map(|partial| {
                set.values.iter().map(move |value| {
                    let mut next = partial.clone();
                    next.push((set.file.clone(), set.key.clone(), value.clone()));
                    next
                })
            })
            .collect();
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_sweeps_and_files() {
        let one = parse_set("train.lr=0.01").expect("set");
        assert_eq!(
            (one.file.as_str(), one.key.as_str()),
            ("params.yaml", "train.lr")
        );
        assert_eq!(one.values, vec![json!(0.01)]);
        let list = parse_set("other.yaml:model.layers=[8, 4]").expect("set");
        assert_eq!(list.file, "other.yaml");
        assert_eq!(list.values, vec![json!([8, 4])]);
        let swept = parse_set("train.lr=0.1,0.2,'x,y'").expect("set");
        assert_eq!(swept.values, vec![json!(0.1), json!(0.2), json!("x,y")]);
        assert_eq!(
            parse_set("e=range(1, 7, 2)").expect("set").values,
            vec![json!(1), json!(3), json!(5)]
        );
        assert_eq!(
            parse_set("e=range(0, 0.3, 0.1)").expect("set").values.len(),
            3
        );
        assert_eq!(
            parse_set("opt=choice(adam, sgd)").expect("set").values,
            vec![json!("adam"), json!("sgd")]
        );
        assert_eq!(
            combinations(&[
                parse_set("a=1,2").expect("set"),
                parse_set("b=x,y").expect("set")
            ])
            .len(),
            4
        );
    }

    #[test]
    fn bad_sets_say_why() {
        for spec in [
            "lr",
            "=1",
            "a..b=1",
            "a=range(1, 2, 0)",
            "a=[1, 2",
            "a=1,,2",
            "a=choice()",
        ] {
            assert!(parse_set(spec).is_err(), "{spec}");
        }
    }
}
