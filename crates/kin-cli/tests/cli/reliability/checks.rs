//! What must hold after any crash, race or bad input: sound cache objects, readable
//! pipeline, lock and store files, no temporary files left, no stage process left running.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{kin, run};
use crate::processes::group_running;

/// Every object in the cache holds what its name says; returns how many there are. Files
/// whose names start with `.` are a writer's temporaries, not objects, and are left to
/// [`no_leftovers`].
pub fn cache_objects_are_sound(repo: &Path) -> usize {
    let root = repo.join(".dvc/cache/files/md5");
    let mut count = 0;
    for prefix in read_dir(&root) {
        if !prefix.is_dir() {
            continue;
        }
        let prefix_name = file_name(&prefix);
        for object in read_dir(&prefix) {
            let name = file_name(&object);
            if name.starts_with('.') {
                continue;
            }
            let bytes = std::fs::read(&object).expect("readable object");
            let digest = kin_format::md5::Md5::of(&bytes).to_hex();
            let expected = format!("{prefix_name}{}", name.trim_end_matches(".dir"));
            assert_eq!(
                digest,
                expected,
                "corrupt cache object {}",
                object.display()
            );
            if name.ends_with(".dir") {
                let manifest: serde_json::Value =
                    serde_json::from_slice(&bytes).expect("a manifest is JSON");
                assert!(manifest.is_array(), "{}", object.display());
            }
            count += 1;
        }
    }
    count
}

/// No temporary file is left anywhere in the repository (outside `.git`): after a rerun,
/// whatever a killed run left must have been cleaned up.
pub fn no_leftovers(repo: &Path) {
    let mut found = Vec::new();
    walk(repo, &mut |path| {
        let name = file_name(path);
        let in_cache = path.starts_with(repo.join(".dvc/cache"));
        if name.contains(".kin-tmp-")
            || name.contains(".kin-unprotect-")
            || (in_cache && name.starts_with(".tmp-"))
        {
            found.push(path.to_path_buf());
        }
    });
    assert!(found.is_empty(), "left behind: {found:?}");
}

/// The pipeline, lock and `.dvc` files parse and the lineage store opens: `kin status` and
/// `kin runs` both succeed.
pub fn everything_reads(repo: &Path) {
    for args in [&["status", "--json"][..], &["runs", "--json"]] {
        let output = run(kin(repo).args(args));
        assert!(
            output.status.success(),
            "kin {args:?} after a crash: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Every process group listed in `pgids` (one number per line, written by stage commands)
/// is gone within `within`: stage commands die with kin.
pub fn stage_groups_gone(pgids: &Path, within: Duration) {
    let text = std::fs::read_to_string(pgids).unwrap_or_default();
    let deadline = Instant::now() + within;
    for group in text.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
        while group_running(group) {
            assert!(
                Instant::now() < deadline,
                "stage process group {group} outlived the killed kin"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Every file under `dir` (outside `.git`) with its contents, for before/after comparisons.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    walk(dir, &mut |path| {
        files.push((path.to_path_buf(), std::fs::read(path).unwrap_or_default()));
    });
    files.sort();
    files
}

fn walk(dir: &Path, visit: &mut dyn FnMut(&Path)) {
    for entry in read_dir(dir) {
        if file_name(&entry) == ".git" {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&entry) else {
            continue;
        };
        if meta.is_dir() {
            walk(&entry, visit);
        } else {
            visit(&entry);
        }
    }
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|list| list.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
