//! Repository-relative paths and the one policy for where kin may write or delete: inside the
//! repository, never into `.git`, `.dvc` or `.kin`, never onto a `dvc.yaml`, `dvc.lock` or
//! `.dvc` file.
//!
//! Paths written by others (`dvc.yaml` outputs and `wdir`, `.dvc` files, a remote's directory
//! manifests) are hostile until checked here. This module judges the text only; whether a
//! symbolic link on disk leads out of the repository is judged where the disk is touched.

use std::fmt;

/// A normalised, `/`-separated path relative to the repository root (`.` is the root).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoPath(String);

/// Why a path is not one kin will write or delete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathRefusal {
    #[error("`{path}` is an absolute path; paths must be relative to the repository")]
    Absolute { path: String },
    #[error("`{path}` leads out of the repository")]
    Escapes { path: String },
    #[error("the path is empty")]
    Empty,
    #[error("`{path}` is inside `{dir}`, which only git, DVC and kin may change")]
    Internal { path: String, dir: &'static str },
    #[error(
        "`{path}` names a pipeline file (`dvc.yaml`, `dvc.lock` or `*.dvc`), which is not data"
    )]
    PipelineFile { path: String },
    #[error("`{path}` has a `{component}` component, which a path inside a directory cannot have")]
    BadComponent { path: String, component: String },
}

/// Directories no output may be in: version control and the tools' own state. (`.git` and
/// `.hg` are what DVC's built-in ignore rules name too, at any depth.)
const INTERNAL_DIRS: &[&str] = &[".git", ".dvc", ".kin", ".hg"];

fn is_absolute(path: &str) -> bool {
    path.starts_with('/')
        || path.starts_with('\\')
        || (path.len() >= 2
            && path.as_bytes()[1] == b':'
            && path.as_bytes()[0].is_ascii_alphabetic())
}

impl RepoPath {
    /// The repository root itself.
    pub fn root() -> RepoPath {
        RepoPath(".".to_owned())
    }

    /// `path`, as written relative to the repository directory `base` (a stage's `wdir`, a
    /// `.dvc` file's directory), made repository-relative: `.` and empty components dropped,
    /// `..` applied, `\` read as `/`. Refused when absolute or when it climbs above the root.
    pub fn join(base: &RepoPath, path: &str) -> Result<RepoPath, PathRefusal> {
        if is_absolute(path) {
            return Err(PathRefusal::Absolute {
                path: path.to_owned(),
            });
        }
        let mut parts: Vec<&str> = base.components().collect();
        for part in path.split(['/', '\\']) {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(PathRefusal::Escapes {
                            path: path.to_owned(),
                        });
                    }
                }
                other => parts.push(other),
            }
        }
        if parts.is_empty() {
            return Ok(RepoPath::root());
        }
        Ok(RepoPath(parts.join("/")))
    }

    /// A repository-relative path given as text (`data/x`), normalised as [`RepoPath::join`]
    /// does from the root.
    pub fn parse(path: &str) -> Result<RepoPath, PathRefusal> {
        RepoPath::join(&RepoPath::root(), path)
    }

    /// `path` relative to `base`, checked to be a place kin may write or delete: what
    /// [`RepoPath::join`] accepts, not the root, not inside `.git`, `.dvc`, `.kin` or `.hg`,
    /// and not a pipeline file.
    pub fn writable(base: &RepoPath, path: &str) -> Result<RepoPath, PathRefusal> {
        let joined = RepoPath::join(base, path)?;
        joined.check_writable()?;
        Ok(joined)
    }

    /// Fails unless this is a place kin may write or delete (see [`RepoPath::writable`]).
    pub fn check_writable(&self) -> Result<(), PathRefusal> {
        if self.is_root() {
            return Err(PathRefusal::Empty);
        }
        if let Some(dir) = self
            .components()
            .find_map(|c| INTERNAL_DIRS.iter().find(|d| **d == c))
        {
            return Err(PathRefusal::Internal {
                path: self.0.clone(),
                dir,
            });
        }
        if is_pipeline_file(self.file_name()) {
            return Err(PathRefusal::PipelineFile {
                path: self.0.clone(),
            });
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0 == "."
    }

    /// The components, none for the root.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0
            .split('/')
            .filter(|c| !self.is_root() && !c.is_empty())
    }

    /// The last component (`.` for the root).
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The directory holding this path (the root for a top-level path).
    pub fn parent(&self) -> RepoPath {
        match self.0.rsplit_once('/') {
            Some((dir, _)) => RepoPath(dir.to_owned()),
            None => RepoPath::root(),
        }
    }

    /// Every directory above this path, outermost first, the root left out.
    pub fn ancestors(&self) -> impl Iterator<Item = &str> {
        self.0.match_indices('/').map(move |(i, _)| &self.0[..i])
    }

    /// `relpath` (a path inside this directory, as a manifest lists it) below this path.
    pub fn child(&self, relpath: &str) -> RepoPath {
        if self.is_root() {
            RepoPath(relpath.to_owned())
        } else {
            RepoPath(format!("{}/{relpath}", self.0))
        }
    }
}

/// `dvc.yaml`, `dvc.lock` or a `*.dvc` file: what DVC refuses as data.
pub fn is_pipeline_file(name: &str) -> bool {
    name == "dvc.yaml" || name == "dvc.lock" || name.ends_with(".dvc")
}

/// A path inside a tracked directory, as a manifest lists it: relative, `/`-separated, with
/// no empty, `.` or `..` component and nothing inside `.git` or `.dvc`. A manifest can come
/// from any remote; one that names `../x` must not make checkout write outside the directory.
pub fn check_relpath_inside(relpath: &str) -> Result<(), PathRefusal> {
    if relpath.is_empty() {
        return Err(PathRefusal::Empty);
    }
    if is_absolute(relpath) {
        return Err(PathRefusal::Absolute {
            path: relpath.to_owned(),
        });
    }
    for component in relpath.split('/') {
        let bad = match component {
            "" | "." | ".." => true,
            _ => component.contains('\\') || component.contains('\0'),
        };
        if bad {
            return Err(PathRefusal::BadComponent {
                path: relpath.to_owned(),
                component: component.to_owned(),
            });
        }
        if let Some(dir) = [".git", ".dvc"].into_iter().find(|d| *d == component) {
            return Err(PathRefusal::Internal {
                path: relpath.to_owned(),
                dir,
            });
        }
    }
    Ok(())
}

impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RepoPath({:?})", self.0)
    }
}

/// Ordered, hashed and compared exactly as its text is, so a map keyed by `RepoPath` can be
/// looked up (and ranged over) with a `&str`.
impl std::borrow::Borrow<str> for RepoPath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for RepoPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Relative to the repository root: `root.join(path)` is where it is on disk.
impl AsRef<std::path::Path> for RepoPath {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&self.0)
    }
}

impl PartialEq<str> for RepoPath {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RepoPath {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<RepoPath> for str {
    fn eq(&self, other: &RepoPath) -> bool {
        self == other.0
    }
}

impl PartialEq<RepoPath> for &str {
    fn eq(&self, other: &RepoPath) -> bool {
        *self == other.0
    }
}

impl From<RepoPath> for String {
    fn from(path: RepoPath) -> String {
        path.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: &str) -> RepoPath {
        RepoPath::parse(base).expect("base")
    }

    #[test]
    fn joins_and_normalises() {
        let root = RepoPath::root();
        assert_eq!(
            RepoPath::join(&root, "a//b/./c/").expect("ok").as_str(),
            "a/b/c"
        );
        assert_eq!(
            RepoPath::join(&at("sub"), "../x").expect("ok").as_str(),
            "x"
        );
        assert_eq!(RepoPath::join(&at("sub"), "..").expect("ok"), root);
        assert_eq!(RepoPath::join(&root, "a\\b").expect("ok").as_str(), "a/b");
        assert_eq!(
            RepoPath::join(&at("a/b"), "c").expect("ok").parent(),
            at("a/b")
        );
        assert_eq!(at("a/b/c").ancestors().collect::<Vec<_>>(), ["a", "a/b"]);
    }

    #[test]
    fn refuses_escapes_and_absolute_paths() {
        for (base, path) in [
            (".", ".."),
            (".", "../victim"),
            ("sub", "../../x"),
            ("a", "b/../../.."),
        ] {
            assert!(
                matches!(
                    RepoPath::join(&at(base), path),
                    Err(PathRefusal::Escapes { .. })
                ),
                "{base} {path}"
            );
        }
        for path in ["/etc/passwd", "\\\\server\\share", "C:\\x", "c:/x"] {
            assert!(
                matches!(RepoPath::parse(path), Err(PathRefusal::Absolute { .. })),
                "{path}"
            );
        }
    }

    #[test]
    fn refuses_internal_directories_and_pipeline_files() {
        for path in [
            ".git",
            ".git/hooks/pre-commit",
            ".dvc",
            ".dvc/cache",
            ".dvc/config",
            ".kin",
            ".kin/lineage.db",
            "sub/.git/config",
            ".hg/x",
        ] {
            assert!(
                matches!(
                    RepoPath::writable(&RepoPath::root(), path),
                    Err(PathRefusal::Internal { .. })
                ),
                "{path}"
            );
        }
        for path in [
            "dvc.yaml",
            "sub/dvc.yaml",
            "dvc.lock",
            "data.dvc",
            "x/y.dvc",
        ] {
            assert!(
                matches!(
                    RepoPath::writable(&RepoPath::root(), path),
                    Err(PathRefusal::PipelineFile { .. })
                ),
                "{path}"
            );
        }
        assert!(matches!(
            RepoPath::writable(&at("sub"), ".."),
            Err(PathRefusal::Empty)
        ));
        for path in [
            "data",
            "model.pkl",
            ".gitignore",
            "a/.github/x",
            "dvc.yaml.bak",
            "x.dvc.txt",
        ] {
            assert!(
                RepoPath::writable(&RepoPath::root(), path).is_ok(),
                "{path}"
            );
        }
    }

    #[test]
    fn manifest_paths_stay_inside_their_directory() {
        for relpath in [
            "a",
            "a/b.txt",
            "dvc.yaml",
            ".gitignore",
            "x.dvc",
            "..a",
            "a..",
        ] {
            assert!(check_relpath_inside(relpath).is_ok(), "{relpath}");
        }
        for relpath in [
            "",
            "../x",
            "a/../../x",
            "./a",
            "a//b",
            "/abs",
            "a/",
            "../.git/hooks/pre-commit",
            ".git/hooks/x",
            "a/.dvc/config",
            "a\\..\\x",
        ] {
            assert!(check_relpath_inside(relpath).is_err(), "{relpath:?}");
        }
    }
}
