//! Turns a resolved stage mapping into a typed `Stage`, checking every key and type.

use std::path::Path;

use crate::error::PipelineError;
use crate::stage::{Dep, Out, OutKind, ParamsDep, Stage};
use kin_format::Command;
use kin_format::yaml::{Location, Map, Node, Value};

pub(crate) const STAGE_KEYS: &[&str] = &[
    "cmd",
    "wdir",
    "deps",
    "params",
    "outs",
    "metrics",
    "plots",
    "frozen",
    "always_changed",
    "desc",
    "meta",
    "vars",
    "matrix",
];
pub(crate) const FOREACH_KEYS: &[&str] = &["foreach", "do"];
/// Output flags, then the properties only plots take: one list so the two cannot drift apart.
const OUT_FLAGS_THEN_PLOT_PROPS: &[&str] = &[
    "cache",
    "persist",
    "checkpoint",
    "remote",
    "push",
    "desc",
    "type",
    "labels",
    "meta",
    "template",
    "x",
    "y",
    "x_label",
    "y_label",
    "title",
    "header",
];
pub(crate) const OUT_FLAGS: &[&str] = OUT_FLAGS_THEN_PLOT_PROPS.split_at(9).0;
pub(crate) const PLOT_FLAGS: &[&str] = OUT_FLAGS_THEN_PLOT_PROPS;
/// Fields DVC's schema types as booleans before templating, so `${...}` is not accepted there.
pub(crate) const BOOL_FIELDS: &[&str] = &["frozen", "always_changed"];
pub(crate) const BOOL_FLAGS: &[&str] = &["cache", "persist", "checkpoint", "push", "header"];

/// Error construction for one stage of one file.
pub(crate) struct Checker<'a> {
    pub file: &'a Path,
    pub stage: &'a str,
}

impl Checker<'_> {
    pub fn context(&self) -> String {
        format!("stage `{}`", self.stage)
    }

    pub fn wrong_type(&self, node: &Node, what: &str, expected: &'static str) -> PipelineError {
        PipelineError::WrongType {
            file: self.file.to_path_buf(),
            at: node.at,
            what: what.to_owned(),
            expected,
            found: node.value.kind_name(),
        }
    }

    pub fn known_keys(
        &self,
        map: &Map,
        allowed: &'static [&'static str],
        context: impl Fn() -> String,
    ) -> Result<(), PipelineError> {
        match map.iter().find(|e| !allowed.contains(&e.key.as_str())) {
            Some(entry) => Err(PipelineError::UnknownKey {
                file: self.file.to_path_buf(),
                at: entry.key_at,
                key: entry.key.clone(),
                context: context(),
                allowed,
            }),
            None => Ok(()),
        }
    }

    pub fn map<'n>(&self, node: &'n Node, what: &str) -> Result<&'n Map, PipelineError> {
        node.as_map()
            .ok_or_else(|| self.wrong_type(node, what, "a mapping"))
    }

    fn list<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Node], PipelineError> {
        node.as_list()
            .ok_or_else(|| self.wrong_type(node, what, "a list"))
    }

    fn string(&self, node: &Node, what: &str) -> Result<String, PipelineError> {
        node.as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.wrong_type(node, what, "a string"))
    }

    fn bool(&self, node: &Node, what: &str) -> Result<bool, PipelineError> {
        match node.value {
            Value::Bool(b) => Ok(b),
            _ => Err(self.wrong_type(node, what, "true or false")),
        }
    }

    /// `null` stands for an empty list, as DVC's schema allows for deps and outs.
    fn optional_list<'n>(
        &self,
        node: Option<&'n Node>,
        what: &str,
    ) -> Result<&'n [Node], PipelineError> {
        match node {
            None => Ok(&[]),
            Some(n) if n.is_null() => Ok(&[]),
            Some(n) => self.list(n, what),
        }
    }
}

/// Builds the typed stage from its resolved mapping. `wdir` is relative to the repo root.
pub(crate) fn build_stage(
    check: &Checker<'_>,
    dvcfile: &str,
    wdir: String,
    body: &Map,
    at: Location,
) -> Result<Stage, PipelineError> {
    let stage = check.stage;
    check.known_keys(body, STAGE_KEYS, || check.context())?;
    let cmd_node = body.get("cmd").ok_or_else(|| PipelineError::MissingKey {
        file: check.file.to_path_buf(),
        at,
        key: "cmd",
        context: check.context(),
    })?;
    let cmd = match &cmd_node.value {
        Value::Str(s) => Command::Single(s.clone()),
        Value::List(items) => Command::List(
            items
                .iter()
                .map(|n| check.string(n, &format!("each command of stage `{stage}`")))
                .collect::<Result<_, _>>()?,
        ),
        _ => {
            return Err(check.wrong_type(
                cmd_node,
                &format!("`cmd` of stage `{stage}`"),
                "a string or a list of strings",
            ));
        }
    };
    let deps = check
        .optional_list(body.get("deps"), &format!("`deps` of stage `{stage}`"))?
        .iter()
        .map(|n| {
            Ok(Dep {
                path: check.string(n, &format!("each dep of stage `{stage}`"))?,
                at: n.at,
            })
        })
        .collect::<Result<Vec<_>, PipelineError>>()?;
    let params = build_params(check, body.get("params"))?;
    let mut outs = Vec::new();
    for (key, kind) in [
        ("outs", OutKind::Out),
        ("metrics", OutKind::Metric),
        ("plots", OutKind::Plot),
    ] {
        build_outs(check, body.get(key), key, kind, &mut outs)?;
    }
    let flag = |key: &str| -> Result<bool, PipelineError> {
        body.get(key)
            .map(|n| check.bool(n, &format!("`{key}` of stage `{stage}`")))
            .transpose()
            .map(|b| b.unwrap_or(false))
    };
    Ok(Stage {
        name: stage.to_owned(),
        dvcfile: dvcfile.to_owned(),
        cmd,
        wdir,
        deps,
        params,
        outs,
        frozen: flag("frozen")?,
        always_changed: flag("always_changed")?,
        desc: body
            .get("desc")
            .map(|n| check.string(n, &format!("`desc` of stage `{stage}`")))
            .transpose()?,
        meta: body.get("meta").cloned(),
        at,
        tracked_vars: Vec::new(),
    })
}

/// DVC's params grouping: bare keys go to `params.yaml`, `{file: [keys]}` to their file,
/// `{file: null}` or `{file: []}` tracks the whole file (and then wins over its keys).
fn build_params(check: &Checker<'_>, node: Option<&Node>) -> Result<Vec<ParamsDep>, PipelineError> {
    let stage = check.stage;
    let items = check.optional_list(node, &format!("`params` of stage `{stage}`"))?;
    let mut whole: Vec<&str> = Vec::new();
    for item in items {
        if let Value::Map(map) = &item.value {
            for entry in map.iter() {
                let empty = match &entry.value.value {
                    Value::Null => true,
                    Value::List(l) => l.is_empty(),
                    _ => false,
                };
                if empty {
                    whole.push(&entry.key);
                }
            }
        }
    }
    let mut groups: Vec<ParamsDep> = Vec::new();
    let mut group = |file: &str, at: Location| -> usize {
        match groups.iter().position(|g| g.file == file) {
            Some(i) => i,
            None => {
                let keys = if whole.contains(&file) {
                    None
                } else {
                    Some(Vec::new())
                };
                groups.push(ParamsDep {
                    file: file.to_owned(),
                    keys,
                    at,
                });
                groups.len() - 1
            }
        }
    };
    let mut pending: Vec<(usize, String)> = Vec::new();
    for item in items {
        match &item.value {
            Value::Str(key) => {
                if !whole.contains(&"params.yaml") {
                    pending.push((group("params.yaml", item.at), key.clone()));
                }
            }
            Value::Map(map) => {
                for entry in map.iter() {
                    let index = group(&entry.key, entry.key_at);
                    if whole.contains(&entry.key.as_str()) {
                        continue;
                    }
                    let what = format!("params of `{}` in stage `{stage}`", entry.key);
                    for key in check.list(&entry.value, &what)? {
                        pending.push((index, check.string(key, &what)?));
                    }
                }
            }
            _ => {
                return Err(check.wrong_type(
                    item,
                    &format!("each params entry of stage `{stage}`"),
                    "a key or a `file: [keys]` mapping",
                ));
            }
        }
    }
    for (index, key) in pending {
        if let Some(keys) = groups[index].keys.as_mut() {
            keys.push(key);
        }
    }
    Ok(groups)
}

/// Outputs of one kind; a path listed twice merges its flags, as DVC does.
fn build_outs(
    check: &Checker<'_>,
    node: Option<&Node>,
    key: &str,
    kind: OutKind,
    outs: &mut Vec<Out>,
) -> Result<(), PipelineError> {
    let stage = check.stage;
    let what = format!("`{key}` of stage `{stage}`");
    let start = outs.len();
    for item in check.optional_list(node, &what)? {
        match &item.value {
            Value::Str(path) => {
                if !outs[start..].iter().any(|o| o.path == *path) {
                    outs.push(Out::new(path.clone(), kind, item.at));
                }
            }
            Value::Map(map) => {
                for entry in map.iter() {
                    let index = match outs[start..].iter().position(|o| o.path == entry.key) {
                        Some(i) => start + i,
                        None => {
                            outs.push(Out::new(entry.key.clone(), kind, entry.key_at));
                            outs.len() - 1
                        }
                    };
                    apply_flags(check, &mut outs[index], &entry.value)?;
                }
            }
            _ => {
                return Err(check.wrong_type(
                    item,
                    &format!("each entry of {what}"),
                    "a path or a `path: {flags}` mapping",
                ));
            }
        }
    }
    Ok(())
}

fn apply_flags(check: &Checker<'_>, out: &mut Out, node: &Node) -> Result<(), PipelineError> {
    // DVC's loader wants one mapping of flags per path (its schema's list form fails to load).
    let flags: &[&Node] = &match &node.value {
        Value::Null => Vec::new(),
        _ => vec![node],
    };
    let allowed = if out.kind == OutKind::Plot {
        PLOT_FLAGS
    } else {
        OUT_FLAGS
    };
    for flags in flags {
        let what = format!("flags of output `{}`", out.path);
        let map = check.map(flags, &what)?;
        check.known_keys(map, allowed, || {
            format!("output `{}` of stage `{}`", out.path, check.stage)
        })?;
        for entry in map.iter() {
            let value = &entry.value;
            let what = format!("`{}` of output `{}`", entry.key, out.path);
            match entry.key.as_str() {
                "cache" => out.cache = check.bool(value, &what)?,
                "persist" => out.persist = check.bool(value, &what)?,
                "push" => out.push = check.bool(value, &what)?,
                "checkpoint" | "header" => {
                    check.bool(value, &what)?;
                    if entry.key == "header" {
                        out.plot_props.push((entry.key.clone(), value.clone()));
                    }
                }
                "remote" => out.remote = Some(check.string(value, &what)?),
                "desc" => out.desc = Some(check.string(value, &what)?),
                "type" => out.type_ = Some(check.string(value, &what)?),
                "labels" => {
                    out.labels = check
                        .list(value, &what)?
                        .iter()
                        .map(|l| check.string(l, &what))
                        .collect::<Result<_, _>>()?;
                }
                "meta" => out.meta = Some(value.clone()),
                _ => {
                    check.string(value, &what)?;
                    out.plot_props.push((entry.key.clone(), value.clone()));
                }
            }
        }
    }
    Ok(())
}
