//! The typed pipeline stage, as DVC 3 understands a resolved `dvc.yaml` entry.

use crate::context::TrackedVar;
use kin_format::Command;
use kin_format::yaml::{Location, Node};

/// A dependency path as written in dvc.yaml (after templating), relative to the stage's wdir.
#[derive(Debug, Clone, PartialEq)]
pub struct Dep {
    pub path: String,
    pub at: Location,
}

/// A params dependency on one file: selected keys, or the whole file (`keys: None`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsDep {
    /// Relative to the stage's wdir.
    pub file: String,
    pub keys: Option<Vec<String>>,
    pub at: Location,
}

/// What kind of output a path was declared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutKind {
    Out,
    Metric,
    Plot,
}

/// One declared output with its flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Out {
    pub path: String,
    pub kind: OutKind,
    pub cache: bool,
    pub persist: bool,
    pub push: bool,
    pub remote: Option<String>,
    pub desc: Option<String>,
    pub type_: Option<String>,
    pub labels: Vec<String>,
    pub meta: Option<Node>,
    /// Plot properties (`x`, `y`, `template`, ...) for plot outputs, as written.
    pub plot_props: Vec<(String, Node)>,
    pub at: Location,
}

impl Out {
    pub fn new(path: String, kind: OutKind, at: Location) -> Self {
        Out {
            path,
            kind,
            cache: true,
            persist: false,
            push: true,
            remote: None,
            desc: None,
            type_: None,
            labels: Vec::new(),
            meta: None,
            plot_props: Vec::new(),
            at,
        }
    }
}

/// One stage of a pipeline after foreach/matrix expansion and templating.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The name inside its dvc.yaml, e.g. `train` or `train@cnn-0.1`.
    pub name: String,
    /// The dvc.yaml it comes from, relative to the repo root (`dvc.yaml`, `sub/dvc.yaml`).
    pub dvcfile: String,
    pub cmd: Command,
    /// Working directory relative to the repo root (`.` for the root).
    pub wdir: String,
    pub deps: Vec<Dep>,
    pub params: Vec<ParamsDep>,
    /// Outputs in declaration order: outs, then metrics, then plots (DVC's order).
    pub outs: Vec<Out>,
    pub frozen: bool,
    pub always_changed: bool,
    pub desc: Option<String>,
    pub meta: Option<Node>,
    pub at: Location,
    /// Values the stage interpolated from params files, in the order it read them: what
    /// `dvc params diff` lists for files no stage names in `params:`.
    pub tracked_vars: Vec<TrackedVar>,
}

impl Stage {
    /// How DVC names the stage from the repo root: `train` or `sub/dvc.yaml:train`.
    pub fn address(&self) -> String {
        if self.dvcfile == "dvc.yaml" {
            self.name.clone()
        } else {
            format!("{}:{}", self.dvcfile, self.name)
        }
    }

    /// The foreach/matrix group this stage was generated from, if any (`train` for `train@a`).
    pub fn group(&self) -> Option<&str> {
        self.name.rsplit_once('@').map(|(group, _)| group)
    }

    pub fn outs_of(&self, kind: OutKind) -> impl Iterator<Item = &Out> {
        self.outs.iter().filter(move |o| o.kind == kind)
    }
}
