//! Lineage as an indented tree from the target; nodes reached twice are shown once.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use kin::lineage::kin_store::{ArtifactVersion, Direction, EdgeKind, Run, RunKey, VersionId};
use kin::lineage::{LineageView, Target};

use super::{prefix, short_hash};

/// One line for a version: `path@hash (size, files)`.
pub fn version_line(version: &ArtifactVersion) -> String {
    let mut line = format!("{}@{}", version.path, short_hash(version.hash.as_str()));
    let mut facts = Vec::new();
    if let Some(size) = version.size {
        facts.push(human_size(size));
    }
    if let Some(nfiles) = version.nfiles {
        facts.push(format!("{nfiles} files"));
    }
    if !facts.is_empty() {
        let _ = write!(line, " ({})", facts.join(", "));
    }
    line
}

/// One line for a run: `train succeeded 2026-11-22T10:00:00Z run:<id> @abc1234+dirty`.
pub fn run_line(run: &Run) -> String {
    let mut line = format!(
        "{} {} {} run:{}",
        run.stage, run.status, run.started, run.id
    );
    if let Some(commit) = &run.git_commit {
        let _ = write!(line, " @{}", prefix(commit, 7));
        if run.git_dirty == Some(true) {
            line.push_str("+dirty");
        }
    }
    line
}

pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The params of a run on one line: `params.yaml: lr=0.1, epochs=3`.
fn params_line(params: &serde_json::Value) -> Option<String> {
    let files = params.as_object()?;
    let parts: Vec<String> = files
        .iter()
        .filter_map(|(file, keys)| {
            let keys = keys.as_object()?;
            let pairs: Vec<String> = keys.iter().map(|(k, v)| format!("{k}={v}")).collect();
            (!pairs.is_empty()).then(|| format!("{file}: {}", pairs.join(", ")))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

struct Tree<'a> {
    direction: Direction,
    versions: HashMap<VersionId, &'a ArtifactVersion>,
    runs: HashMap<RunKey, &'a Run>,
    /// Version -> runs one step further from the target; run -> versions one step further.
    from_version: HashMap<VersionId, Vec<RunKey>>,
    from_run: HashMap<RunKey, Vec<VersionId>>,
    /// Version -> the same content under another path, one step further from the target.
    twins: HashMap<VersionId, Vec<VersionId>>,
    shown: HashSet<(bool, i64)>,
    out: String,
}

impl Tree<'_> {
    fn version(&mut self, id: VersionId, indent: &str) {
        let Some(version) = self.versions.get(&id).copied() else {
            return;
        };
        let first = self.shown.insert((true, id.0));
        let suffix = if first { "" } else { "  (see above)" };
        let _ = writeln!(self.out, "{}{}", version_line(version), suffix);
        if !first {
            return;
        }
        let twins = self.twins.get(&id).cloned().unwrap_or_default();
        let runs = self.from_version.get(&id).cloned().unwrap_or_default();
        self.children(
            indent,
            twins.len() + runs.len(),
            |tree, i, child_indent| match twins.get(i) {
                Some(twin) => {
                    tree.out.push_str("same content: ");
                    tree.version(*twin, child_indent);
                }
                None => tree.run(runs[i - twins.len()], child_indent),
            },
        );
    }

    fn run(&mut self, key: RunKey, indent: &str) {
        let Some(run) = self.runs.get(&key).copied() else {
            return;
        };
        let first = self.shown.insert((false, key.0));
        let suffix = if first { "" } else { "  (see above)" };
        let _ = writeln!(self.out, "{}{}", run_line(run), suffix);
        if !first {
            return;
        }
        if self.direction == Direction::Up {
            let detail_indent = format!("{indent}  ");
            if !run.cmd.is_empty() {
                let cmd = run.cmd.replace('\n', " && ");
                let _ = writeln!(self.out, "{detail_indent}cmd: {cmd}");
            }
            if let Some(params) = params_line(&run.params) {
                let _ = writeln!(self.out, "{detail_indent}params: {params}");
            }
            if let Some(env) = &run.environment {
                let _ = writeln!(self.out, "{detail_indent}environment: {}", prefix(env, 12));
            }
        }
        let versions = self.from_run.get(&key).cloned().unwrap_or_default();
        self.children(indent, versions.len(), |tree, i, child_indent| {
            tree.version(versions[i], child_indent);
        });
    }

    fn children(
        &mut self,
        indent: &str,
        count: usize,
        mut each: impl FnMut(&mut Self, usize, &str),
    ) {
        for i in 0..count {
            let last = i + 1 == count;
            let _ = write!(self.out, "{indent}{}", if last { "└─ " } else { "├─ " });
            let child_indent = format!("{indent}{}", if last { "   " } else { "│  " });
            each(self, i, &child_indent);
        }
    }
}

pub fn render(view: &LineageView, direction: Direction) -> String {
    let graph = &view.graph;
    let mut tree = Tree {
        direction,
        versions: graph.versions.iter().map(|(v, _)| (v.id, v)).collect(),
        runs: graph.runs.iter().map(|(r, _)| (r.key, r)).collect(),
        from_version: HashMap::new(),
        from_run: HashMap::new(),
        twins: HashMap::new(),
        shown: HashSet::new(),
        out: String::new(),
    };
    let (toward_run, from_run) = match direction {
        Direction::Up => (EdgeKind::Generated, EdgeKind::Used),
        Direction::Down => (EdgeKind::Used, EdgeKind::Generated),
    };
    // Edges lead away from the target: toward_run from a version to the runs beyond it,
    // from_run from a run to the versions beyond it.
    for edge in &graph.edges {
        if edge.kind == toward_run {
            tree.from_version
                .entry(edge.version)
                .or_default()
                .push(edge.run);
        } else if edge.kind == from_run {
            tree.from_run
                .entry(edge.run)
                .or_default()
                .push(edge.version);
        }
    }
    for &(origin, twin) in &graph.same_content {
        let (near, far) = match direction {
            Direction::Up => (twin, origin),
            Direction::Down => (origin, twin),
        };
        tree.twins.entry(near).or_default().push(far);
    }
    match &view.target {
        Target::Version(version) => tree.version(version.id, ""),
        Target::Run(run) => tree.run(run.key, ""),
    }
    tree.out
}
