//! The value model shared by dvc.yaml, params files, `dvc.lock` and the template context:
//! Python's data types (with integers of any size) plus where each node was written.

use std::fmt;

use super::{BigInt, integer};
use crate::python::{py_str, scalar_to_string};

/// Where a node starts in its source file; both numbers are 1-based.
/// Values that did not come from a YAML file (JSON or TOML params) carry `Location::UNKNOWN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub const UNKNOWN: Location = Location { line: 0, column: 0 };

    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One value with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub at: Location,
}

/// The data model shared by dvc.yaml, params files and the template context.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer outside `i64`'s range (never one that fits: see [`BigInt`]).
    BigInt(BigInt),
    Float(f64),
    Str(String),
    /// A YAML timestamp (`2024-01-31`), kept as written. DVC's loader makes it a date, which
    /// its template context refuses; kin keeps that distinction so it refuses the same input.
    Timestamp(String),
    List(Vec<Node>),
    Map(Map),
}

/// An insertion-ordered mapping. Keys are looked up by their text; a key that YAML read as
/// another scalar (`1`, `0.5`, `null`, `true`) also keeps that scalar, because Python (so
/// DVC) tells `{1: x}` from `{'1': x}` when it compares, prints or writes the mapping.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    entries: Vec<MapEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    /// The key as text: a string key as written, another scalar as DVC's `to_str` writes it
    /// into templates (`1`, `0.5`, `None`, `true`).
    pub key: String,
    /// The scalar of a key that is not a string; `None` for a string key.
    pub key_scalar: Option<Value>,
    pub key_at: Location,
    pub value: Node,
}

impl MapEntry {
    /// The key as a JSON object key: a string as is, another scalar as Python's `str()` of it
    /// (`1`, `None`, `True`), as DVC's params diff names a flattened key.
    pub fn json_key(&self) -> String {
        match &self.key_scalar {
            Some(scalar) => py_str(scalar),
            None => self.key.clone(),
        }
    }

    /// The key as the value it was read as: the string, or the other scalar.
    pub fn key_value(&self) -> Value {
        match &self.key_scalar {
            Some(scalar) => scalar.clone(),
            None => Value::Str(self.key.clone()),
        }
    }
}

impl Map {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&MapEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .find(|e| e.key == key)
            .map(|e| &mut e.value)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// Inserts or replaces a string key, keeping the original position of a replaced key.
    pub fn insert(&mut self, key: String, key_at: Location, value: Node) {
        self.insert_entry(MapEntry {
            key,
            key_scalar: None,
            key_at,
            value,
        });
    }

    /// Inserts or replaces the key `key` of any scalar type (a string key when it is a string).
    pub fn insert_scalar_key(&mut self, key: Value, key_at: Location, value: Node) {
        let (key, key_scalar) = match key {
            Value::Str(text) => (text, None),
            other => (scalar_to_string(&other), Some(other)),
        };
        self.insert_entry(MapEntry {
            key,
            key_scalar,
            key_at,
            value,
        });
    }

    /// Inserts `entry`, or replaces in place the value of the entry with the same key (the
    /// same text and type: `1` and `'1'` are two keys).
    pub fn insert_entry(&mut self, entry: MapEntry) {
        let same = |e: &&mut MapEntry| e.key == entry.key && e.key_scalar == entry.key_scalar;
        match self.entries.iter_mut().find(same) {
            Some(existing) => existing.value = entry.value,
            None => self.entries.push(entry),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let index = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(index).value)
    }

    pub fn iter(&self) -> impl Iterator<Item = &MapEntry> {
        self.entries.iter()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.key.as_str())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Node {
    pub fn new(value: Value, at: Location) -> Self {
        Self { value, at }
    }

    pub fn unlocated(value: Value) -> Self {
        Self::new(value, Location::UNKNOWN)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Node]> {
        match &self.value {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
}

impl Value {
    /// The name used in error messages, in the vocabulary of a YAML user.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::BigInt(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Timestamp(_) => "a date",
            Value::List(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    pub fn is_composite(&self) -> bool {
        matches!(self, Value::List(_) | Value::Map(_))
    }
    /// The value as JSON, keys in document order. Non-finite floats, which JSON cannot hold,
    /// become `null`; dates become strings; integers keep every digit.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            // serde_json's `arbitrary_precision` holds any number as its text.
            Value::BigInt(n) => n
                .as_str()
                .parse::<serde_json::Number>()
                .map_or(Json::Null, Json::Number),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::Str(s) | Value::Timestamp(s) => Json::String(s.clone()),
            Value::List(items) => items.iter().map(|n| n.value.to_json()).collect(),
            Value::Map(map) => Json::Object(map.to_json_object()),
        }
    }
}

impl Map {
    /// The mapping as a JSON object, keys in document order (see [`MapEntry::json_key`]).
    pub fn to_json_object(&self) -> serde_json::Map<String, serde_json::Value> {
        self.iter()
            .map(|e| (e.json_key(), e.value.value.to_json()))
            .collect()
    }
}

impl Value {
    /// A JSON value as Python's `json.loads` reads it: integers of any size stay exact
    /// integers, other numbers are floats (the nearest double; `1e400` is infinity).
    pub fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as Json;
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => json_number(n),
            Json::String(s) => Value::Str(s.clone()),
            Json::Array(items) => Value::List(
                items
                    .iter()
                    .map(|item| Node::unlocated(Value::from_json(item)))
                    .collect(),
            ),
            Json::Object(object) => {
                let mut map = Map::new();
                for (key, item) in object {
                    map.insert(
                        key.clone(),
                        Location::UNKNOWN,
                        Node::unlocated(Value::from_json(item)),
                    );
                }
                Value::Map(map)
            }
        }
    }
}

/// A JSON number as Python reads it: text without `.`, `e` or `E` is an `int`.
fn json_number(n: &serde_json::Number) -> Value {
    if let Some(i) = n.as_i64() {
        return Value::Int(i);
    }
    let text = n.to_string();
    if !text.contains(['.', 'e', 'E']) {
        let (negative, digits) = super::bigint::split_sign(&text);
        if let Some(value) = integer(negative, digits, 10) {
            return value;
        }
    }
    Value::Float(text.parse().unwrap_or(f64::NAN))
}
