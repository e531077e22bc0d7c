//! Expands one dvc.yaml's stage definitions (plain, foreach, matrix) into templated stage mappings.

use std::path::Path;

use crate::build::{BOOL_FIELDS, BOOL_FLAGS, Checker, FOREACH_KEYS, STAGE_KEYS};
use crate::context::{Context, TrackedVar, normalize_display};
use crate::error::PipelineError;
use crate::template::{
    ParsingConfig, TemplateError, find_interpolations, parse_expression, render_value, unescape,
};
use kin_format::python::scalar_to_string;
use kin_format::yaml::{Location, Map, Node, Value};

/// One stage mapping after expansion and templating.
pub(crate) struct ResolvedStage {
    pub name: String,
    pub at: Location,
    /// Working directory relative to the repo root.
    pub wdir: String,
    pub body: Map,
    /// Params-file values the stage interpolated, for `params diff`.
    pub tracked_vars: Vec<TrackedVar>,
}

/// What the resolver needs to know about the file it works on.
pub(crate) struct FileScope<'a> {
    pub root: &'a Path,
    /// The dvc.yaml relative to the repo root.
    pub file: &'a Path,
    /// Its directory relative to the repo root (`.` at the root).
    pub dir: &'a Path,
    pub parsing: ParsingConfig,
}

impl FileScope<'_> {
    fn template_error(
        &self,
        at: Location,
        context: String,
        source: TemplateError,
        ctx: &Context,
    ) -> PipelineError {
        PipelineError::Template {
            file: self.file.to_path_buf(),
            at,
            context,
            source,
            available: ctx.top_level_keys(),
        }
    }

    fn context_error(
        &self,
        at: Location,
        context: String,
        source: crate::context::ContextError,
    ) -> PipelineError {
        PipelineError::Context {
            file: self.file.to_path_buf(),
            at,
            context,
            source,
        }
    }
}

/// Builds the file-level context: `params.yaml` beside the dvc.yaml, then top-level `vars`.
pub(crate) fn file_context(
    scope: &FileScope<'_>,
    vars: Option<&Node>,
) -> Result<Context, PipelineError> {
    let mut ctx = Context::new();
    let abs_dir = scope.root.join(scope.dir);
    if abs_dir.join("params.yaml").is_file() {
        ctx.merge_file(&abs_dir, scope.dir, "params.yaml")
            .map_err(|e| scope.context_error(Location::UNKNOWN, "default params".to_owned(), e))?;
    }
    load_vars(scope, &mut ctx, vars, scope.dir, "")?;
    Ok(ctx)
}

fn load_vars(
    scope: &FileScope<'_>,
    ctx: &mut Context,
    vars: Option<&Node>,
    base: &Path,
    stage: &str,
) -> Result<(), PipelineError> {
    let Some(vars) = vars else { return Ok(()) };
    let what = if stage.is_empty() {
        "`vars`".to_owned()
    } else {
        format!("`vars` of stage `{stage}`")
    };
    let checker = Checker {
        file: scope.file,
        stage,
    };
    let items = match &vars.value {
        Value::Null => return Ok(()),
        Value::List(items) => items,
        _ => return Err(checker.wrong_type(vars, &what, "a list of files and mappings")),
    };
    reject_interpolation(scope, vars, &what)?;
    let abs_base = scope.root.join(base);
    for (index, item) in items.iter().enumerate() {
        match &item.value {
            Value::Str(file) => ctx
                .merge_file(&abs_base, base, file)
                .map_err(|e| scope.context_error(item.at, what.clone(), e))?,
            Value::Map(map) => {
                let source = if stage.is_empty() {
                    format!("vars[{index}]")
                } else {
                    format!("{stage}.vars[{index}]")
                };
                ctx.merge(&source, map.clone())
                    .map_err(|e| scope.context_error(item.at, what.clone(), e))?;
            }
            _ => {
                return Err(checker.wrong_type(
                    item,
                    &format!("each entry of {what}"),
                    "a file name or a mapping",
                ));
            }
        }
    }
    Ok(())
}

fn reject_interpolation(
    scope: &FileScope<'_>,
    node: &Node,
    what: &str,
) -> Result<(), PipelineError> {
    match &node.value {
        Value::Str(s) if !find_interpolations(s).is_empty() => {
            Err(PipelineError::InterpolationNotAllowed {
                file: scope.file.to_path_buf(),
                at: node.at,
                context: what.to_owned(),
            })
        }
        Value::List(items) => items
            .iter()
            .try_for_each(|n| reject_interpolation(scope, n, what)),
        Value::Map(map) => map
            .iter()
            .try_for_each(|e| reject_interpolation(scope, &e.value, what)),
        _ => Ok(()),
    }
}

/// Expands every definition under `stages`, in order.
pub(crate) fn resolve_stages(
    scope: &FileScope<'_>,
    ctx: &mut Context,
    stages: &Map,
) -> Result<Vec<ResolvedStage>, PipelineError> {
    let mut resolved = Vec::new();
    for entry in stages.iter() {
        let name = entry.key.as_str();
        check_stage_name(scope, name, entry.key_at)?;
        let checker = Checker {
            file: scope.file,
            stage: name,
        };
        let definition = checker.map(&entry.value, &format!("stage `{name}`"))?;
        check_raw_definition(&checker, definition)?;
        if definition.contains_key("foreach") || definition.contains_key("do") {
            expand_foreach(scope, ctx, name, entry.key_at, definition, &mut resolved)?;
        } else if let Some(matrix) = definition.get("matrix") {
            expand_matrix(
                scope,
                ctx,
                name,
                entry.key_at,
                definition,
                matrix,
                &mut resolved,
            )?;
        } else {
            resolved.push(resolve_entry(scope, ctx, name, entry.key_at, definition)?);
        }
    }
    Ok(resolved)
}

fn check_stage_name(scope: &FileScope<'_>, name: &str, at: Location) -> Result<(), PipelineError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.contains(['@', ':', '/', '\\']) {
        Some("it contains `@`, `:`, `/` or `\\`")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(PipelineError::InvalidStageName {
            file: scope.file.to_path_buf(),
            at,
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// The checks DVC's schema makes before any templating: shape of foreach/matrix and literal booleans.
fn check_raw_definition(check: &Checker<'_>, definition: &Map) -> Result<(), PipelineError> {
    let stage = check.stage;
    if definition.contains_key("foreach") || definition.contains_key("do") {
        if let Some(matrix) = definition.entry("matrix") {
            return Err(PipelineError::ForeachAndMatrix {
                file: check.file.to_path_buf(),
                at: matrix.key_at,
                stage: stage.to_owned(),
            });
        }
        check.known_keys(definition, FOREACH_KEYS, || check.context())?;
        for key in ["foreach", "do"] {
            if !definition.contains_key(key) {
                return Err(PipelineError::MissingKey {
                    file: check.file.to_path_buf(),
                    at: definition
                        .iter()
                        .next()
                        .map(|e| e.key_at)
                        .unwrap_or_default(),
                    key: if key == "do" { "do" } else { "foreach" },
                    context: check.context(),
                });
            }
        }
        let body = definition.get("do").expect("presence checked above");
        let body = check.map(body, &format!("`do` of stage `{stage}`"))?;
        return check_raw_definition(check, body);
    }
    check.known_keys(definition, STAGE_KEYS, || check.context())?;
    for entry in definition.iter() {
        if BOOL_FIELDS.contains(&entry.key.as_str()) && !matches!(entry.value.value, Value::Bool(_))
        {
            return Err(check.wrong_type(
                &entry.value,
                &format!("`{}` of stage `{stage}`", entry.key),
                "true or false",
            ));
        }
    }
    for key in ["outs", "metrics", "plots"] {
        let Some(list) = definition.get(key).and_then(Node::as_list) else {
            continue;
        };
        for out in list.iter().filter_map(Node::as_map) {
            for flags in out.iter().filter_map(|e| e.value.as_map()) {
                for flag in flags.iter() {
                    if BOOL_FLAGS.contains(&flag.key.as_str())
                        && !matches!(flag.value.value, Value::Bool(_))
                    {
                        return Err(check.wrong_type(
                            &flag.value,
                            &format!("`{}` of an output of stage `{stage}`", flag.key),
                            "true or false",
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Resolves one concrete stage: its wdir, its own `vars`, then every field.
fn resolve_entry(
    scope: &FileScope<'_>,
    ctx: &mut Context,
    name: &str,
    at: Location,
    definition: &Map,
) -> Result<ResolvedStage, PipelineError> {
    let context = || format!("stage `{name}`");
    // What the stage interpolates from params files is tracked, as DVC tracks it.
    ctx.start_tracking();
    let wdir_rel = match definition.get("wdir") {
        Some(node) if !node.is_null() && node.as_str() != Some("") => {
            let value =
                resolve_node(ctx, node, Some("wdir"), scope.parsing).map_err(|(e, at)| {
                    scope.template_error(at, format!("`wdir` of stage `{name}`"), e, ctx)
                })?;
            render_value(&value.value, scope.parsing)
                .map_err(|e| scope.template_error(node.at, context(), e, ctx))?
        }
        _ => String::new(),
    };
    let mut tracked_vars = ctx.finish_tracking();
    let wdir = normalize_display(&scope.dir.join(&wdir_rel));
    let vars = definition.get("vars");
    let mut local;
    let ctx: &Context = match vars {
        Some(vars) if vars.as_list().is_some_and(|l| !l.is_empty()) => {
            local = ctx.clone();
            load_vars(scope, &mut local, Some(vars), &wdir, name)?;
            &local
        }
        _ => ctx,
    };
    let mut body = Map::new();
    ctx.start_tracking();
    for entry in definition.iter().filter(|e| e.key != "vars") {
        let value = resolve_node(ctx, &entry.value, Some(&entry.key), scope.parsing).map_err(
            |(e, at)| {
                scope.template_error(at, format!("`{}` of stage `{name}`", entry.key), e, ctx)
            },
        )?;
        body.insert(entry.key.clone(), entry.key_at, value);
    }
    tracked_vars.extend(ctx.finish_tracking());
    Ok(ResolvedStage {
        name: name.to_owned(),
        at,
        wdir: wdir.to_string_lossy().replace('\\', "/"),
        body,
        tracked_vars,
    })
}

fn expand_foreach(
    scope: &FileScope<'_>,
    ctx: &mut Context,
    name: &str,
    at: Location,
    definition: &Map,
    out: &mut Vec<ResolvedStage>,
) -> Result<(), PipelineError> {
    let data = definition
        .get("foreach")
        .expect("checked by check_raw_definition");
    let template = definition
        .get("do")
        .and_then(Node::as_map)
        .expect("checked by check_raw_definition");
    let iterable = resolve_node(ctx, data, None, scope.parsing).map_err(|(e, at)| {
        scope.template_error(at, format!("`foreach` of stage `{name}`"), e, ctx)
    })?;
    let (items, with_key) = match &iterable.value {
        Value::Map(map) => (map.clone(), true),
        Value::List(list) => {
            let composite = list.iter().any(|n| n.value.is_composite());
            let mut items = Map::new();
            for (index, node) in list.iter().enumerate() {
                let key = if composite {
                    index.to_string()
                } else {
                    scalar_to_string(&node.value)
                };
                items.insert(key, node.at, node.clone());
            }
            (items, false)
        }
        other => {
            return Err(PipelineError::WrongType {
                file: scope.file.to_path_buf(),
                at: data.at,
                what: format!("`foreach` of stage `{name}`"),
                expected: "a list or a mapping",
                found: other.kind_name(),
            });
        }
    };
    let origin = iterated_file_value(ctx, data);
    for (index, entry) in items.iter().enumerate() {
        let mut reserved = vec![("item", entry.value.clone())];
        if with_key {
            reserved.push((
                "key",
                Node::new(Value::Str(entry.key.clone()), entry.key_at),
            ));
        }
        let saved = ctx.set_reserved(reserved);
        let item_key = if with_key {
            entry.key.clone()
        } else {
            index.to_string()
        };
        ctx.set_origin(
            "item",
            origin
                .as_ref()
                .map(|(file, base)| (file.clone(), format!("{base}.{item_key}"))),
        );
        let generated = format!("{name}@{}", entry.key);
        let result = resolve_entry(scope, ctx, &generated, at, template);
        ctx.restore(saved);
        out.push(result?);
    }
    Ok(())
}

fn expand_matrix(
    scope: &FileScope<'_>,
    ctx: &mut Context,
    name: &str,
    at: Location,
    definition: &Map,
    matrix: &Node,
    out: &mut Vec<ResolvedStage>,
) -> Result<(), PipelineError> {
    let checker = Checker {
        file: scope.file,
        stage: name,
    };
    let axes_node = resolve_node(ctx, matrix, None, scope.parsing).map_err(|(e, at)| {
        scope.template_error(at, format!("`matrix` of stage `{name}`"), e, ctx)
    })?;
    let axes = checker.map(&axes_node, &format!("`matrix` of stage `{name}`"))?;
    let mut axis_values: Vec<(&str, Location, &[Node])> = Vec::new();
    for axis in axes.iter() {
        let values = axis.value.as_list().ok_or_else(|| {
            checker.wrong_type(
                &axis.value,
                &format!("matrix axis `{}` of stage `{name}`", axis.key),
                "a list",
            )
        })?;
        axis_values.push((&axis.key, axis.key_at, values));
    }
    let mut template = definition.clone();
    template.remove("matrix");
    // Odometer over the axes, last axis fastest, like itertools.product.
    let mut indices = vec![0usize; axis_values.len()];
    if axis_values.iter().any(|(_, _, v)| v.is_empty()) {
        return Ok(());
    }
    loop {
        let mut item = Map::new();
        let mut fragments = Vec::new();
        for ((axis, axis_at, values), &i) in axis_values.iter().zip(&indices) {
            let value = &values[i];
            fragments.push(if value.value.is_composite() {
                format!("{axis}{i}")
            } else {
                scalar_to_string(&value.value)
            });
            item.insert((*axis).to_owned(), *axis_at, value.clone());
        }
        let key = fragments.join("-");
        let saved = ctx.set_reserved(vec![
            ("key", Node::new(Value::Str(key.clone()), at)),
            ("item", Node::new(Value::Map(item), at)),
        ]);
        let result = resolve_entry(scope, ctx, &format!("{name}@{key}"), at, &template);
        ctx.restore(saved);
        out.push(result?);
        let mut axis = indices.len();
        loop {
            if axis == 0 {
                return Ok(());
            }
            axis -= 1;
            indices[axis] += 1;
            if indices[axis] < axis_values[axis].2.len() {
                break;
            }
            indices[axis] = 0;
        }
    }
}

/// When `foreach` iterates over a params-file value (`${models}`): that file and the value's
/// dotted path, so what stages read through `item` is tracked under it (`models.a.lr`).
fn iterated_file_value(ctx: &Context, data: &Node) -> Option<(String, String)> {
    let text = data.as_str()?;
    let found = find_interpolations(text);
    let [only] = found.as_slice() else {
        return None;
    };
    if only.start != 0 || only.end != text.len() {
        return None;
    }
    let dotted = parse_expression(only.inner).ok()?.join(".");
    Some((ctx.file_of(&dotted)?, dotted))
}

/// Resolves templates inside a node. `field` is the stage key it belongs to (`None` for
/// foreach/matrix data), which decides whether lists and dicts may be interpolated.
pub(crate) fn resolve_node(
    ctx: &Context,
    node: &Node,
    field: Option<&str>,
    parsing: ParsingConfig,
) -> Result<Node, (TemplateError, Location)> {
    let value = match &node.value {
        Value::Str(s) => return resolve_str(ctx, s, node.at, field, parsing),
        Value::List(items) => Value::List(
            items
                .iter()
                .map(|n| resolve_node(ctx, n, field, parsing))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(map) => {
            let mut resolved = Map::new();
            for entry in map.iter() {
                let value = resolve_node(ctx, &entry.value, field, parsing)?;
                if let Some(scalar) = &entry.key_scalar {
                    // Only string keys are templates; a number or null key stays what it is.
                    resolved.insert_scalar_key(scalar.clone(), entry.key_at, value);
                    continue;
                }
                let key = resolve_str(ctx, &entry.key, entry.key_at, field, parsing)?;
                resolved.insert(scalar_to_string(&key.value), entry.key_at, value);
            }
            Value::Map(resolved)
        }
        other => other.clone(),
    };
    Ok(Node::new(value, node.at))
}

fn resolve_str(
    ctx: &Context,
    text: &str,
    at: Location,
    field: Option<&str>,
    parsing: ParsingConfig,
) -> Result<Node, (TemplateError, Location)> {
    let found = find_interpolations(text);
    let lookup = |inner: &str| -> Result<&Node, (TemplateError, Location)> {
        let segments = parse_expression(inner).map_err(|e| (e, at))?;
        let value = ctx.select(&segments).map_err(|e| (e, at))?;
        check_interpolable(&value.value, field).map_err(|e| (e, at))?;
        Ok(value)
    };
    if let [only] = found.as_slice()
        && only.start == 0
        && only.end == text.len()
    {
        // A whole-string `${x}` keeps the value's own type (bool, number, list, dict).
        let value = lookup(only.inner)?;
        return Ok(Node::new(value.value.clone(), at));
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for interpolation in &found {
        let value = lookup(interpolation.inner)?;
        out.push_str(&text[last..interpolation.start]);
        out.push_str(&render_value(&value.value, parsing).map_err(|e| (e, at))?);
        last = interpolation.end;
    }
    out.push_str(&text[last..]);
    Ok(Node::new(Value::Str(unescape(&out)), at))
}

/// DVC refuses lists and dicts inside stage fields, except a dict in `cmd` (unpacked to flags).
fn check_interpolable(value: &Value, field: Option<&str>) -> Result<(), TemplateError> {
    let Some(field) = field else { return Ok(()) };
    match value {
        Value::Map(_) if field == "cmd" => Ok(()),
        Value::List(_) | Value::Map(_) if !field.contains("foreach") => {
            Err(TemplateError::CannotInterpolate {
                kind: value.kind_name(),
                field: field.to_owned(),
            })
        }
        _ => Ok(()),
    }
}
