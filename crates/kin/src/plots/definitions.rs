//! Which plots one source defines, keyed as DVC 3 keys them: the top-level `plots:` of every
//! `dvc.yaml` under that file's path, stage plot outputs and command-line targets under ``.

use kin_format::yaml::Node;
use kin_pipeline::{OutKind, Project};
use serde_json::Value;

use super::Props;
use crate::Repo;
use crate::metrics::{Tree, cached_dir_files};
use crate::paths::wdir_join;
use crate::tracked::TrackedOut;

/// Where a source's files are listed: its tree, and the cached directory outputs its
/// `dvc.lock` and `.dvc` files record (a revision holds those only in the cache).
pub(crate) struct Files<'a> {
    pub repo: &'a Repo,
    pub tree: &'a Tree,
    pub tracked: &'a [TrackedOut],
    /// The directory kin runs in, repo-relative (`` at the root): plot ids name files from
    /// it, as DVC's do.
    pub cwd: &'a str,
}

impl Files<'_> {
    /// A file's repo-relative `path` as DVC names it in a plot id: the way from the current
    /// directory to `dir` (the pipeline file's directory or the stage's `wdir`), then the
    /// rest of the path.
    fn shown(&self, dir: &str, path: &str) -> String {
        if self.cwd.is_empty() {
            return path.to_owned();
        }
        let dir = if dir == "." { "" } else { dir };
        let rest = if dir.is_empty() {
            Some(path)
        } else {
            path.strip_prefix(dir).and_then(|r| r.strip_prefix('/'))
        };
        match rest {
            Some(rest) => match crate::paths::relative_from(self.cwd, dir).as_str() {
                "." => rest.to_owned(),
                up => format!("{up}/{rest}"),
            },
            None => crate::paths::relative_from(self.cwd, path),
        }
    }

    /// A pipeline file or command-line target as seen from the current directory.
    fn seen(&self, path: &str) -> String {
        if self.cwd.is_empty() {
            path.to_owned()
        } else {
            crate::paths::relative_from(self.cwd, path)
        }
    }

    /// What `path` stands for when the source has it: a directory (in the tree, or a cached
    /// output) every file below it, a file itself; `None` when it has no such path.
    fn existing(&self, path: &str) -> Option<Vec<String>> {
        if self.tree.is_dir(path) {
            return Some(self.tree.files_under(path));
        }
        if self.tree.is_file(path) {
            return Some(vec![path.to_owned()]);
        }
        cached_dir_files(self.repo, self.tracked, path)
    }

    /// A directory stands for every file below it; anything else for itself.
    fn unpack(&self, path: &str) -> Vec<String> {
        self.existing(path).unwrap_or_else(|| vec![path.to_owned()])
    }
}

/// The properties a plot takes (DVC's `PLOT_PROPS`); a stage output's other keys are not.
pub(crate) const PLOT_PROPS: &[&str] = &[
    "template", "x", "y", "x_label", "y_label", "title", "header",
];

/// The plots of one pipeline file, or of stage outputs and targets (`config` ``).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigPlots {
    /// The `dvc.yaml` that defines them, repo-relative; `` for stage outputs and targets.
    pub config: String,
    /// Plot id and properties, in definition order.
    pub plots: Vec<(String, Props)>,
}

/// Every plot definition of a source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Definitions {
    pub configs: Vec<ConfigPlots>,
}

impl Definitions {
    fn config_mut(&mut self, config: &str) -> &mut ConfigPlots {
        let index = match self.configs.iter().position(|c| c.config == config) {
            Some(index) => index,
            None => {
                self.configs.push(ConfigPlots {
                    config: config.to_owned(),
                    plots: Vec::new(),
                });
                self.configs.len() - 1
            }
        };
        &mut self.configs[index]
    }

    /// Adds a plot; one already there keeps its place and takes the new properties over its own.
    fn insert(&mut self, config: &str, id: String, props: Props) {
        let config = self.config_mut(config);
        match config.plots.iter_mut().find(|(known, _)| *known == id) {
            Some((_, known)) => known.extend(props),
            None => config.plots.push((id, props)),
        }
    }

    /// Every data file some plot reads, once each, in definition order.
    pub fn data_sources(&self) -> Vec<String> {
        let mut sources: Vec<String> = Vec::new();
        for config in &self.configs {
            for (id, props) in &config.plots {
                for source in data_sources(id, props) {
                    if !sources.contains(&source) {
                        sources.push(source);
                    }
                }
            }
        }
        sources
    }
}

/// The files one plot reads: the files of a `y` map (and the first of an `x` map), or the
/// plot id itself.
pub fn data_sources(id: &str, props: &Props) -> Vec<String> {
    let mut sources: Vec<String> = match props.get("y") {
        Some(Value::Object(files)) => files.keys().cloned().collect(),
        _ => vec![id.to_owned()],
    };
    if let Some(Value::Object(files)) = props.get("x")
        && let Some(first) = files.keys().next()
    {
        sources.push(first.clone());
    }
    let mut distinct: Vec<String> = Vec::new();
    for source in sources {
        if !distinct.contains(&source) {
            distinct.push(source);
        }
    }
    distinct
}

/// The plots of `tree`: top-level definitions, then stage plot outputs, then `targets`
/// (repo-relative). With targets, only plots whose id (or `config::id`) they match.
pub(crate) fn collect(
    project: &Project,
    files: &Files<'_>,
    targets: &[String],
    overrides: &Props,
) -> Definitions {
    let mut found = Definitions::default();
    for file in project.files.iter().filter(|f| !f.plots.is_empty()) {
        // A file with a `plots:` section is known even when no target matches it, which
        // decides below whether a target that is not a file is still tried.
        found.config_mut(&files.seen(&file.path));
        resolve_top_level(
            &mut found,
            files,
            &file.path,
            &file.plots,
            targets,
            overrides,
        );
    }
    for stage in &project.stages {
        for out in stage.outs_of(OutKind::Plot) {
            let id = wdir_join(&stage.wdir, &out.path);
            if !matches(targets, &stage.dvcfile, &id) {
                continue;
            }
            let mut props: Props = out
                .plot_props
                .iter()
                .filter(|(key, _)| PLOT_PROPS.contains(&key.as_str()))
                .map(|(key, node)| (key.clone(), node.value.to_json()))
                .collect();
            props.extend(overrides.clone());
            for file in files.unpack(&id) {
                found.insert("", files.shown(&stage.wdir, &file), props.clone());
            }
        }
    }
    for target in targets {
        // A target the source does not have is still tried when nothing else is defined.
        let unpacked = match files.existing(target) {
            Some(unpacked) => unpacked,
            None if found.configs.is_empty() => vec![target.clone()],
            None => continue,
        };
        for file in unpacked {
            found.insert("", files.seen(&file), overrides.clone());
        }
    }
    found
}

/// One file's top-level `plots:` list: a path (a file, or a directory standing for the files
/// below it) or `{id: {x, y, ...}}` where `y` maps files to fields.
fn resolve_top_level(
    found: &mut Definitions,
    files: &Files<'_>,
    config: &str,
    entries: &[Node],
    targets: &[String],
    overrides: &Props,
) {
    let dir = config.rsplit_once('/').map_or("", |(dir, _)| dir);
    let shown_config = files.seen(config);
    let definitions: Vec<(String, Props)> = entries
        .iter()
        .filter_map(|entry| match entry.as_str() {
            Some(id) => Some((id.to_owned(), Props::new())),
            None => {
                let first = entry.as_map()?.iter().next()?;
                let props = match first.value.value.to_json() {
                    Value::Object(props) => props,
                    _ => Props::new(),
                };
                Some((first.json_key(), props))
            }
        })
        .collect();
    let parents: Vec<String> = definitions
        .iter()
        .map(|(id, _)| wdir_join(dir, id))
        .collect();
    for (id, props) in definitions {
        if !matches(targets, config, &id) {
            continue;
        }
        if id_is_path(&props) {
            let data_path = wdir_join(dir, &id);
            let mut props = props;
            props.extend(overrides.clone());
            for file in files.unpack(&data_path) {
                // A file under several listed directories belongs to the closest one.
                if closest_parent(&file, &parents) == data_path {
                    found.insert(&shown_config, files.shown(dir, &file), props.clone());
                }
            }
        } else {
            let mut props = relative_to(dir, props, files);
            props.extend(overrides.clone());
            found.insert(&shown_config, id, props);
        }
    }
}

/// A definition names its data file by its id unless `y` maps files to fields.
fn id_is_path(props: &Props) -> bool {
    !matches!(props.get("y"), Some(Value::Object(_)))
}

/// `x` and `y` maps with their files named as plot ids name them (an `x` that is a field
/// stays).
fn relative_to(dir: &str, mut props: Props, files: &Files<'_>) -> Props {
    for axis in ["x", "y"] {
        if let Some(Value::Object(mapped)) = props.get(axis) {
            let rebased = mapped
                .iter()
                .map(|(file, fields)| (files.shown(dir, &wdir_join(dir, file)), fields.clone()))
                .collect();
            props.insert(axis.to_owned(), Value::Object(rebased));
        }
    }
    props
}

/// Of `parents`, the one sharing the longest leading path with `path`.
fn closest_parent(path: &str, parents: &[String]) -> String {
    let mut best = String::new();
    for parent in parents {
        let common = common_path(path, parent);
        if common.len() > best.len() {
            best = common;
        }
    }
    best
}

/// The leading path components two paths share (`a/b/c`, `a/b/d` -> `a/b`).
fn common_path(a: &str, b: &str) -> String {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a plot is selected: every plot without targets; otherwise a target must match the
/// start of its id or of `config::id`, as DVC's `re.match` does for plain paths (`.` matches
/// any character there, so it does here).
pub(crate) fn matches(targets: &[String], config: &str, id: &str) -> bool {
    if targets.is_empty() {
        return true;
    }
    let full = if config.is_empty() {
        id.to_owned()
    } else {
        format!("{config}::{id}")
    };
    targets
        .iter()
        .any(|target| starts_with_pattern(id, target) || starts_with_pattern(&full, target))
}

fn starts_with_pattern(text: &str, pattern: &str) -> bool {
    let mut text = text.chars();
    pattern.chars().all(|p| match text.next() {
        Some(t) => p == '.' || p == t,
        None => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_match_the_start_of_ids() {
        assert!(matches(&[], "dvc.yaml", "anything"));
        let targets = vec!["plots/".to_owned()];
        assert!(matches(&targets, "dvc.yaml", "plots/loss.json"));
        assert!(!matches(&targets, "dvc.yaml", "other/loss.json"));
        let full = vec!["dvc.yaml::loss".to_owned()];
        assert!(matches(&full, "dvc.yaml", "losses"));
        assert!(!matches(&full, "", "losses"));
    }

    #[test]
    fn closest_parent_wins() {
        let parents = vec!["plots".to_owned(), "plots/sub".to_owned()];
        assert_eq!(closest_parent("plots/sub/a.json", &parents), "plots/sub");
        assert_eq!(closest_parent("plots/a.json", &parents), "plots");
    }

    #[test]
    fn sources_follow_the_axes() {
        let props: Props = serde_json::from_str(
            r#"{"x": {"a.json": "step"}, "y": {"b.json": "loss", "c.json": ["acc"]}}"#,
        )
        .expect("json");
        assert_eq!(data_sources("id", &props), ["b.json", "c.json", "a.json"]);
        assert_eq!(data_sources("p.csv", &Props::new()), ["p.csv"]);
    }
}
