//! The comparison itself, as DVC's data-index diff walks it: each root (an output, or a
//! target inside a tracked directory) compared by hash and by being a directory; a
//! directory's files compared one by one unless either side's manifest is unknown; then each
//! addition whose content a deletion had becomes a rename.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use kin_format::md5::{HashName, Md5, ObjectId};

use super::side::{Out, Side};
use super::{DataDiff, DiffEntry, Modified, Renamed};
use crate::Repo;

/// What one side has at a path.
#[derive(Debug, Clone)]
enum Node {
    File {
        id: ObjectId,
        hash_name: HashName,
    },
    /// A directory: an output (with its hash) or a directory inside one (without).
    Dir {
        id: Option<ObjectId>,
        hash_name: HashName,
        /// Its files by path inside it; `None` when the manifest is unknown.
        files: Option<BTreeMap<String, Md5>>,
    },
}

/// One side's version of a path in a change.
#[derive(Debug, Clone)]
struct Version {
    /// The path as DVC prints it: repo-relative, a directory ending in `/`.
    path: String,
    id: ObjectId,
    hash_name: HashName,
}

impl Version {
    fn hash(&self) -> String {
        self.id.to_string()
    }

    /// The path's parts, which DVC's keys are and sort by.
    fn key(&self) -> Vec<&str> {
        self.path.trim_end_matches('/').split('/').collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Added,
    Deleted,
    Modified,
    Unchanged,
}

#[derive(Debug)]
struct Change {
    kind: Kind,
    old: Option<Version>,
    new: Option<Version>,
}

fn node_of(out: &Out) -> Node {
    if out.id.is_dir {
        Node::Dir {
            id: Some(out.id),
            hash_name: out.hash_name,
            files: out.files.clone(),
        }
    } else {
        Node::File {
            id: out.id,
            hash_name: out.hash_name,
        }
    }
}

/// What `side` has at `key`: an output, or a file or directory inside a tracked directory.
fn node_at(side: &Side, key: &str) -> Option<Node> {
    if let Some(out) = side.outs.get(key) {
        return Some(node_of(out));
    }
    let (dir, out) = side
        .outs
        .iter()
        .find(|(path, out)| out.id.is_dir && key.starts_with(&format!("{path}/")))?;
    let inside = &key[dir.len() + 1..];
    let files = out.files.as_ref()?;
    if let Some(md5) = files.get(inside) {
        return Some(Node::File {
            id: ObjectId::file(*md5),
            hash_name: out.hash_name,
        });
    }
    let prefix = format!("{inside}/");
    let below: BTreeMap<String, Md5> = files
        .iter()
        .filter_map(|(path, md5)| path.strip_prefix(&prefix).map(|p| (p.to_owned(), *md5)))
        .collect();
    (!below.is_empty()).then_some(Node::Dir {
        id: None,
        hash_name: out.hash_name,
        files: Some(below),
    })
}

/// The roots to compare: every output of either side, or what the targets name. A target
/// neither side tracks is returned as the error.
pub(super) fn roots(old: &Side, new: &Side, targets: &[String]) -> Result<Vec<String>, String> {
    let all: BTreeSet<&String> = old.outs.keys().chain(new.outs.keys()).collect();
    if targets.is_empty() {
        return Ok(all.into_iter().cloned().collect());
    }
    let mut roots = BTreeSet::new();
    for target in targets {
        let target = target.trim_end_matches('/');
        let whole = target.is_empty() || target == ".";
        let below: Vec<&String> = all
            .iter()
            .copied()
            .filter(|out| whole || out.as_str() == target || out.starts_with(&format!("{target}/")))
            .collect();
        if !below.is_empty() {
            roots.extend(below.into_iter().cloned());
        } else if node_at(old, target).is_some() || node_at(new, target).is_some() {
            roots.insert(target.to_owned());
        } else {
            return Err(target.to_owned());
        }
    }
    Ok(roots.into_iter().collect())
}

fn classify<T>(old: Option<&T>, new: Option<&T>, same: impl Fn(&T, &T) -> bool) -> Kind {
    match (old, new) {
        (None, Some(_)) => Kind::Added,
        (Some(_), None) => Kind::Deleted,
        (Some(a), Some(b)) if !same(a, b) => Kind::Modified,
        _ => Kind::Unchanged,
    }
}

/// A directory's hash name and files (`None`: its manifest is unknown).
type DirFiles<'a> = Option<(HashName, Option<&'a BTreeMap<String, Md5>>)>;

/// The root's own version (a directory inside an output has none) and its files.
fn split<'a>(key: &str, node: Option<&'a Node>) -> (Option<Version>, DirFiles<'a>) {
    match node {
        None => (None, None),
        Some(Node::File { id, hash_name }) => (
            Some(Version {
                path: key.to_owned(),
                id: *id,
                hash_name: *hash_name,
            }),
            None,
        ),
        Some(Node::Dir {
            id,
            hash_name,
            files,
        }) => (
            id.map(|id| Version {
                path: format!("{key}/"),
                id,
                hash_name: *hash_name,
            }),
            Some((*hash_name, files.as_ref())),
        ),
    }
}

/// Every change below and at each root, in DVC's terms.
fn changes(old: &Side, new: &Side, roots: &[String]) -> Vec<Change> {
    let mut found = Vec::new();
    for key in roots {
        let old_node = node_at(old, key);
        let new_node = node_at(new, key);
        let (old_version, old_dir) = split(key, old_node.as_ref());
        let (new_version, new_dir) = split(key, new_node.as_ref());
        if old_dir.is_some() || new_dir.is_some() {
            // Either side's manifest unknown: its files cannot be told apart, and DVC
            // reports none of them.
            let unknown = [old_dir, new_dir]
                .iter()
                .any(|d| matches!(d, Some((_, None))));
            if !unknown {
                let empty = BTreeMap::new();
                let old_files = old_dir.and_then(|(_, f)| f).unwrap_or(&empty);
                let new_files = new_dir.and_then(|(_, f)| f).unwrap_or(&empty);
                let names: BTreeSet<&String> = old_files.keys().chain(new_files.keys()).collect();
                let version = |dir: DirFiles<'_>, name: &str, files: &BTreeMap<String, Md5>| {
                    files.get(name).map(|md5| Version {
                        path: format!("{key}/{name}"),
                        id: ObjectId::file(*md5),
                        hash_name: dir.map_or(HashName::Md5, |(h, _)| h),
                    })
                };
                for name in names {
                    let old_file = version(old_dir, name, old_files);
                    let new_file = version(new_dir, name, new_files);
                    found.push(Change {
                        kind: classify(old_file.as_ref(), new_file.as_ref(), |a, b| a.id == b.id),
                        old: old_file,
                        new: new_file,
                    });
                }
            }
        }
        // A directory inside an output has no hash of its own: DVC leaves it out.
        let hashless_dir = |node: &Option<Node>| matches!(node, Some(Node::Dir { id: None, .. }));
        if hashless_dir(&old_node) || hashless_dir(&new_node) {
            continue;
        }
        if old_version.is_none() && new_version.is_none() {
            continue;
        }
        found.push(Change {
            kind: classify(old_version.as_ref(), new_version.as_ref(), |a, b| {
                a.id == b.id && a.hash_name == b.hash_name
            }),
            old: old_version,
            new: new_version,
        });
    }
    found
}

/// An addition of content a deletion had becomes a rename: additions in key order, each
/// taking the first (in key order) unpaired deletion of the same hash.
fn pair_renames(changes: Vec<Change>) -> (Vec<Change>, Vec<(Version, Version)>) {
    let (mut added, mut deleted, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    for change in changes {
        match (change.kind, change.old, change.new) {
            (Kind::Added, _, Some(new)) => added.push(new),
            (Kind::Deleted, Some(old), _) => deleted.push(old),
            (kind, old, new) => rest.push(Change { kind, old, new }),
        }
    }
    added.sort_by(|a, b| a.key().cmp(&b.key()));
    deleted.sort_by(|a, b| a.key().cmp(&b.key()));
    let mut by_hash: HashMap<(ObjectId, HashName), VecDeque<Version>> = HashMap::new();
    for old in deleted {
        by_hash
            .entry((old.id, old.hash_name))
            .or_default()
            .push_back(old);
    }
    let mut renamed = Vec::new();
    for new in added {
        match by_hash
            .get_mut(&(new.id, new.hash_name))
            .and_then(VecDeque::pop_front)
        {
            Some(old) => renamed.push((old, new)),
            None => rest.push(Change {
                kind: Kind::Added,
                old: None,
                new: Some(new),
            }),
        }
    }
    for old in by_hash.into_values().flatten() {
        rest.push(Change {
            kind: Kind::Deleted,
            old: Some(old),
            new: None,
        });
    }
    (rest, renamed)
}

fn entry(version: &Version) -> DiffEntry {
    DiffEntry {
        path: version.path.clone(),
        hash: version.hash(),
    }
}

pub(super) fn compare(
    repo: &Repo,
    old: &Side,
    new: &Side,
    roots: &[String],
    with_missing: bool,
) -> DataDiff {
    let (changes, renamed) = pair_renames(changes(old, new, roots));
    let caches = repo.caches();
    let mut diff = DataDiff {
        not_in_cache: with_missing.then(Vec::new),
        ..DataDiff::default()
    };
    let olds = changes
        .iter()
        .filter_map(|c| c.old.as_ref())
        .chain(renamed.iter().map(|(old, _)| old));
    if let Some(missing) = &mut diff.not_in_cache {
        for old in olds {
            if !caches.for_hash(old.hash_name).contains(&old.id) {
                missing.push(entry(old));
            }
        }
    }
    for change in changes {
        match (change.kind, change.old, change.new) {
            (Kind::Added, _, Some(new)) => diff.added.push(entry(&new)),
            (Kind::Deleted, Some(old), _) => diff.deleted.push(entry(&old)),
            (Kind::Modified, Some(old), Some(new)) => diff.modified.push(Modified {
                path: old.path.clone(),
                old_hash: old.hash(),
                new_hash: new.hash(),
            }),
            _ => {}
        }
    }
    diff.renamed = renamed
        .into_iter()
        .map(|(old, new)| Renamed {
            hash: old.hash(),
            old_path: old.path,
            new_path: new.path,
        })
        .collect();
    diff.added.sort_by(|a, b| a.path.cmp(&b.path));
    diff.deleted.sort_by(|a, b| a.path.cmp(&b.path));
    diff.modified.sort_by(|a, b| a.path.cmp(&b.path));
    diff.renamed.sort_by(|a, b| a.old_path.cmp(&b.old_path));
    if let Some(missing) = &mut diff.not_in_cache {
        missing.sort_by(|a, b| a.path.cmp(&b.path));
    }
    diff
}
