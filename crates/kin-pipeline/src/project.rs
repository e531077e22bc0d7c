//! Finds every `dvc.yaml` and `.dvc` file in a repository and loads them into one graph.

use std::path::{Path, PathBuf};

use std::collections::HashSet;

use ignore::gitignore::Gitignore;

use crate::context::normalize_display;
use crate::dvcfile::{DataFile, load_dvc_file};
use crate::dvcyaml::{PipelineFile, load_dvc_yaml};
use crate::error::PipelineError;
use crate::graph::{Graph, build_graph};
use crate::stage::Stage;
use crate::template::ParsingConfig;

/// Every pipeline of a repository.
#[derive(Debug, Clone)]
pub struct Project {
    pub files: Vec<PipelineFile>,
    pub data_files: Vec<DataFile>,
    /// All stages of all files, in file order then definition order.
    pub stages: Vec<Stage>,
    pub graph: Graph,
}

impl Project {
    /// What DVC checks when it builds its graph, for the commands that need a sound one
    /// (`repro`, `dag`, `add`): no output produced twice or inside another, no pipeline file
    /// inside an output, no cycle. Loading the project does not fail on these.
    pub fn check_graph(&self) -> Result<(), PipelineError> {
        crate::graph::check_graph(&self.graph, &self.stages)
    }
}

/// Directories never searched for pipeline files.
const SKIPPED_DIRS: &[&str] = &[".git", ".dvc", ".kin", ".hg", "node_modules", "__pycache__"];

/// Loads all pipelines under `root`.
pub fn load_project(root: &Path, parsing: ParsingConfig) -> Result<Project, PipelineError> {
    let mut files: Vec<PipelineFile> = Vec::new();
    let mut data_files: Vec<DataFile> = Vec::new();
    // Breadth-first, so a directory declared as an output is known before we would enter it:
    // DVC does not look for pipeline files inside outputs.
    let uses_git = root.join(".git").exists();
    let mut root_ignores = Vec::new();
    if uses_git {
        let (exclude, _) = Gitignore::new(root.join(".git/info/exclude"));
        root_ignores.push(exclude);
    }
    let mut level = vec![(PathBuf::new(), root_ignores)];
    while !level.is_empty() {
        let mut next = Vec::new();
        for (rel_dir, mut ignores) in level {
            let dir = root.join(&rel_dir);
            // DVC skips what `.dvcignore` lists and, in a git repo, what git ignores.
            let ignore_files: &[&str] = if uses_git {
                &[".dvcignore", ".gitignore"]
            } else {
                &[".dvcignore"]
            };
            for name in ignore_files {
                let file = dir.join(name);
                if file.is_file() {
                    let (matcher, _) = Gitignore::new(&file);
                    ignores.push(matcher);
                }
            }
            let listing = list_dir(root, &rel_dir, &ignores)?;
            if listing.has_pipeline {
                files.push(load_dvc_yaml(root, &rel_dir.join("dvc.yaml"), parsing)?);
            }
            for data in &listing.data_files {
                data_files.push(load_dvc_file(root, data)?);
            }
            next.extend(listing.subdirs.into_iter().map(|d| (d, ignores.clone())));
        }
        let outs = declared_outs(&files, &data_files);
        next.retain(|(d, _)| !outs.contains(&slash_path(d)));
        level = next;
    }
    let stages: Vec<Stage> = files
        .iter()
        .flat_map(|f| f.stages.iter().cloned())
        .collect();
    let graph = build_graph(&stages, &data_files)?;
    Ok(Project {
        files,
        data_files,
        stages,
        graph,
    })
}

struct Listing {
    has_pipeline: bool,
    data_files: Vec<PathBuf>,
    subdirs: Vec<PathBuf>,
}

/// One directory's pipeline files and the subdirectories still to visit, sorted by name.
fn list_dir(root: &Path, rel_dir: &Path, ignores: &[Gitignore]) -> Result<Listing, PipelineError> {
    let read_error = |source| PipelineError::Read {
        file: rel_dir.to_path_buf(),
        source,
    };
    // Only directories and pipeline files matter; in a directory of 20,000 data files the
    // others are passed over without a path, an ignore match or a place in the sort.
    let mut relevant = Vec::new();
    for entry in std::fs::read_dir(root.join(rel_dir)).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let is_pipeline_file = name == "dvc.yaml" || (name.ends_with(".dvc") && name.len() > 4);
        if kind.is_dir() || (kind.is_file() && is_pipeline_file) {
            relevant.push((name, kind, entry));
        }
    }
    relevant.sort_by(|a, b| a.0.cmp(&b.0));
    let mut listing = Listing {
        has_pipeline: false,
        data_files: Vec::new(),
        subdirs: Vec::new(),
    };
    for (name, kind, entry) in relevant {
        let path = entry.path();
        if ignores
            .iter()
            .any(|m| m.matched(&path, kind.is_dir()).is_ignore())
        {
            continue;
        }
        let rel = rel_dir.join(&name);
        if kind.is_dir() {
            let nested_repo = path.join(".dvc").is_dir();
            if !SKIPPED_DIRS.contains(&name.as_str()) && !nested_repo {
                listing.subdirs.push(rel);
            }
        } else if name == "dvc.yaml" {
            listing.has_pipeline = true;
        } else {
            listing.data_files.push(rel);
        }
    }
    Ok(listing)
}

/// Repo-relative paths of every output declared so far.
fn declared_outs(files: &[PipelineFile], data_files: &[DataFile]) -> HashSet<String> {
    let mut outs = HashSet::new();
    for stage in files.iter().flat_map(|f| &f.stages) {
        for out in &stage.outs {
            outs.insert(slash_path(&normalize_display(
                &Path::new(&stage.wdir).join(&out.path),
            )));
        }
    }
    for data in data_files {
        let dir = Path::new(&data.path).parent().unwrap_or(Path::new(""));
        for (out, _) in &data.outs {
            outs.insert(slash_path(&normalize_display(&dir.join(out))));
        }
    }
    outs
}

fn slash_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
