//! A YAML tree that remembers the line and column of every node, read with DVC's scalar rules.

pub mod emit;
mod parse;
mod resolve;

pub use parse::{YamlError, parse_yaml};

use std::fmt;

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
    Float(f64),
    Str(String),
    /// A YAML timestamp (`2024-01-31`), kept as written. DVC's loader makes it a date, which
    /// its template context refuses; kin keeps that distinction so it refuses the same input.
    Timestamp(String),
    List(Vec<Node>),
    Map(Map),
}

/// An insertion-ordered mapping with string keys (non-string YAML keys are rendered as DVC renders them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    entries: Vec<MapEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub key: String,
    pub key_at: Location,
    pub value: Node,
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

    /// Inserts or replaces, keeping the original position of a replaced key.
    pub fn insert(&mut self, key: String, key_at: Location, value: Node) {
        match self.entries.iter_mut().find(|e| e.key == key) {
            Some(entry) => entry.value = value,
            None => self.entries.push(MapEntry { key, key_at, value }),
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
            Value::Int(_) => "an integer",
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
    /// become `null`; dates become strings.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::Str(s) | Value::Timestamp(s) => Json::String(s.clone()),
            Value::List(items) => items.iter().map(|n| n.value.to_json()).collect(),
            Value::Map(map) => Json::Object(map.to_json_object()),
        }
    }
}

impl Map {
    /// The mapping as a JSON object, keys in document order.
    pub fn to_json_object(&self) -> serde_json::Map<String, serde_json::Value> {
        self.iter()
            .map(|e| (e.key.clone(), e.value.value.to_json()))
            .collect()
    }
}
