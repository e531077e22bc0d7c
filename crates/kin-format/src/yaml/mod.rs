//! YAML as DVC reads and writes it: a tree that remembers the line and column of every node,
//! one resolver for what a plain scalar means (ruamel's YAML 1.2 rules, which DVC loads and
//! dumps with), the parser built on it, and an emitter that writes what ruamel writes.

mod bigint;
pub mod emit;
mod parse;
mod resolve;
mod value;

pub use bigint::{BigInt, int_equals_float, integer, split_sign};
pub use parse::{YamlError, parse_yaml};
pub use resolve::reads_back_as_string;
pub use value::{Location, Map, MapEntry, Node, Value};
