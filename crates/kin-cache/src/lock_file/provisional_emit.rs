//! TEMPORARY stand-in until kin_pipeline::yaml::emit lands.
use kin_pipeline::yaml::Value;

pub fn to_yaml_document(value: &Value) -> String {
    let mut out = String::new();
    if let Value::Map(map) = value {
        for e in map.iter() {
            write_entry(&e.key, &e.value.value, 0, &mut out);
        }
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => kin_pipeline::python_str::float_repr(*f),
        Value::Str(s) | Value::Timestamp(s) => crate::yaml_emit::scalar(s),
        Value::List(l) if l.is_empty() => "[]".into(),
        Value::Map(m) if m.is_empty() => "{}".into(),
        _ => String::new(),
    }
}

fn write_entry(key: &str, v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Map(m) if !m.is_empty() => {
            out.push_str(&format!("{pad}{}:\n", crate::yaml_emit::scalar(key)));
            for e in m.iter() {
                write_entry(&e.key, &e.value.value, indent + 2, out);
            }
        }
        Value::List(l) if !l.is_empty() => {
            out.push_str(&format!("{pad}{}:\n", crate::yaml_emit::scalar(key)));
            for item in l {
                write_item(&item.value, indent, out);
            }
        }
        other => out.push_str(&format!(
            "{pad}{}: {}\n",
            crate::yaml_emit::scalar(key),
            scalar(other)
        )),
    }
}

fn write_item(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Map(m) if !m.is_empty() => {
            let mut first = true;
            for e in m.iter() {
                let mut s = String::new();
                write_entry(&e.key, &e.value.value, indent + 2, &mut s);
                if first {
                    out.push_str(&format!("{pad}- {}", &s[indent + 2..]));
                    first = false;
                } else {
                    out.push_str(&s);
                }
            }
        }
        other => out.push_str(&format!("{pad}- {}\n", scalar(other))),
    }
}
