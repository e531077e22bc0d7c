//! Values rendered and compared as Python does, because that is what DVC does: `str()`,
//! `repr()`, DVC's `to_str`, `json.dumps` and `==`.

mod eq;
mod json;
mod repr;

pub use eq::{key_order, py_eq};
pub use json::{DumpOptions, dumps, dumps_json, push_json_string};
pub use repr::{float_repr, push_float_repr, py_str, repr, scalar_to_string};

/// The value of a YAML document, which the tests of these modules render and compare.
#[cfg(test)]
fn parsed(yaml: &str) -> crate::yaml::Value {
    crate::yaml::parse_yaml(yaml).expect("valid yaml").value
}
