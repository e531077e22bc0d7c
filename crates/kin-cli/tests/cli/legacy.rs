//! DVC 2 era `.dvc` and `dvc.lock` entries (no `hash: md5`: their md5 is DVC 2's
//! md5-dos2unix) handled as DVC 3 handles them. Each test builds a DVC 2 style repo with
//! DVC's own hashing code, then compares kin's status, written files, cache and remote
//! layouts with the real DVC's.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{
    both_json, copy_tree, dvc, dvc_python, git_repo, kin, run, run_ok, write_file,
};

/// Hashes paths with DVC's md5-dos2unix (`build`, as DVC 3 does for DVC 2 entries) and, with
/// `store`, commits their objects to DVC 2's cache (`.dvc/cache/xx/…`) as DVC 2 did. Prints
/// `path hash size nfiles` per path.
const DVC2_HASH: &str = r#"
import os, sys
from dvc_objects.fs.local import LocalFileSystem
from dvc_data.hashfile.db.local import LocalHashFileDB
from dvc_data.hashfile.build import build
from dvc_data.hashfile.transfer import transfer

fs = LocalFileSystem()
odb = LocalHashFileDB(fs, os.path.abspath(".dvc/cache"), hash_name="md5-dos2unix")
for path in sys.argv[2:]:
    staging, meta, obj = build(odb, os.path.abspath(path), fs, "md5-dos2unix")
    if sys.argv[1] == "store":
        transfer(staging, odb, {obj.hash_info}, shallow=False, hardlink=False)
    print(path, obj.hash_info.value, meta.size, meta.nfiles or "")
"#;

/// What DVC 2 recorded for one path.
struct Dvc2Entry {
    md5: String,
    size: u64,
    nfiles: Option<u64>,
}

/// DVC 2's entries for `paths` in repo `dir`; with `store`, their objects in DVC 2's cache.
fn dvc2_entries(python: &Path, dir: &Path, store: bool, paths: &[&str]) -> Vec<Dvc2Entry> {
    let mode = if store { "store" } else { "hash" };
    let output = Command::new(python)
        .args(["-c", DVC2_HASH, mode])
        .args(paths)
        .current_dir(dir)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            Dvc2Entry {
                md5: fields[1].to_owned(),
                size: fields[2].parse().expect("size"),
                nfiles: fields.get(3).and_then(|n| n.parse().ok()),
            }
        })
        .collect()
}

/// A `.dvc` file as DVC 2 wrote it for `path`: no `hash:` key.
fn write_dvc2_file(dir: &Path, path: &str, entry: &Dvc2Entry) {
    let nfiles = entry
        .nfiles
        .map(|n| format!("  nfiles: {n}\n"))
        .unwrap_or_default();
    let text = format!(
        "outs:\n- md5: {}\n  size: {}\n{nfiles}  path: {path}\n",
        entry.md5, entry.size
    );
    write_file(dir, &format!("{path}.dvc"), text.as_bytes());
}

/// A DVC-initialised git repo whose `paths` (written by `files`) are tracked by DVC 2 `.dvc`
/// files, with their objects in DVC 2's cache.
fn dvc2_repo(python: &Path, files: &[(&str, Vec<u8>)], paths: &[&str]) -> tempfile::TempDir {
    let repo = git_repo(None);
    let dir = repo.path();
    dvc(python, dir, &["init", "-q"]);
    for (rel, bytes) in files {
        write_file(dir, rel, bytes);
    }
    let entries = dvc2_entries(python, dir, true, paths);
    let mut ignored = String::new();
    for (path, entry) in paths.iter().zip(&entries) {
        write_dvc2_file(dir, path, entry);
        ignored.push_str(&format!("/{path}\n"));
    }
    write_file(dir, ".gitignore", ignored.as_bytes());
    repo
}

fn read(dir: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every file under `dir` (relative, sorted) with its bytes, leaving out kin's own records.
fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("inside");
                let rel = rel.to_string_lossy().into_owned();
                if !rel.starts_with(".kin/") {
                    found.insert(rel, std::fs::read(&path).expect("read"));
                }
            }
        }
    }
    found
}

/// The cache's objects, by path under `.dvc/cache` (run-cache entries left out).
fn cache_objects(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut objects = files_under(&dir.join(".dvc/cache"));
    objects.retain(|path, _| !path.starts_with("runs/"));
    objects
}

/// A copy of a repo, for running the other tool on the same start.
fn copy(dir: &Path) -> tempfile::TempDir {
    let other = tempfile::tempdir().expect("temp dir");
    copy_tree(dir, other.path());
    other
}

/// `kin status --json` and `dvc status --json` (with `extra` arguments), parsed.
fn both_status(python: &Path, dir: &Path, extra: &[&str]) -> (Value, Value) {
    let mut args = vec!["status", "--json"];
    args.extend(extra);
    both_json(python, dir, &args)
}

fn assert_same_status(python: &Path, dir: &Path, step: &str) -> Value {
    let (ours, theirs) = both_status(python, dir, &[]);
    assert_eq!(ours, theirs, "{step}");
    ours
}

/// Text of `len` bytes in CRLF lines.
fn crlf_text(len: usize) -> Vec<u8> {
    b"some text\r\n".iter().copied().cycle().take(len).collect()
}

const MIB: usize = 1 << 20;

/// The cases DVC 3 judges chunk by chunk (research: DVC 2 legacy hashes).
fn hashing_cases() -> Vec<(&'static str, Vec<u8>)> {
    let mut binary_then_text = vec![0u8; MIB];
    binary_then_text.extend(crlf_text(5000));
    let mut text_then_binary = crlf_text(MIB);
    text_then_binary.extend(b"\0\r\nrest\r\n");
    let mut crlf_at_boundary = vec![b'a'; MIB - 1];
    crlf_at_boundary.extend(b"\r\nnext\r\n");
    let with_nontext = |nontext: usize| {
        let mut bytes = vec![0xe9u8; nontext];
        bytes.extend(crlf_text(100 - nontext));
        bytes
    };
    vec![
        ("binary_then_text.bin", binary_then_text),
        ("text_then_binary.bin", text_then_binary),
        ("crlf_at_boundary.txt", crlf_at_boundary),
        ("utf8.txt", "déjà vu, ça été\r\n".repeat(20).into_bytes()),
        ("thirty.txt", with_nontext(30)),
        ("thirty_one.txt", with_nontext(31)),
        ("lone_cr.txt", b"a\rb\r\r\nc\r\n".to_vec()),
        ("empty.txt", Vec::new()),
        ("crlf.txt", b"a\r\nb\r\n".to_vec()),
    ]
}

#[test]
fn dvc2_files_and_directories_have_dvc_s_status() {
    let Some(python) = dvc_python() else { return };
    let mut files = hashing_cases();
    files.push(("mixed/crlf.txt", b"x\r\ny\r\n".to_vec()));
    files.push(("mixed/binary.bin", b"\0\x01\r\n".to_vec()));
    files.push(("mixed/sub/plain.txt", b"plain\n".to_vec()));
    let mut paths: Vec<&str> = hashing_cases().iter().map(|(p, _)| *p).collect();
    paths.push("mixed");
    let repo = dvc2_repo(&python, &files, &paths);
    let dir = repo.path();
    // The CRLF text was recorded by its dos2unix hash, not its bytes' md5.
    let text = std::fs::read_to_string(dir.join("lone_cr.txt.dvc")).expect("dvc file");
    let raw = kin_format::md5::Md5::of(&read(dir, "lone_cr.txt")).to_string();
    assert!(!text.contains(&raw), "{text}");

    assert_eq!(assert_same_status(&python, dir, "as recorded"), json!({}));
    // An LF rewrite of CRLF text is the same content to DVC 2's hash.
    write_file(dir, "crlf.txt", b"a\nb\n");
    write_file(dir, "mixed/crlf.txt", b"x\ny\n");
    assert_eq!(assert_same_status(&python, dir, "LF rewrite"), json!({}));
    write_file(dir, "thirty.txt", b"changed\r\n");
    write_file(dir, "mixed/sub/plain.txt", b"changed\n");
    assert_same_status(&python, dir, "modified");
    // DVC 3 looks for DVC 2 objects in DVC 2's cache only.
    let md5 = dvc2_entries(&python, dir, false, &["utf8.txt"])
        .remove(0)
        .md5;
    let legacy = dir.join(".dvc/cache").join(&md5[..2]).join(&md5[2..]);
    let new = dir.join(".dvc/cache/files/md5").join(&md5[..2]);
    std::fs::create_dir_all(&new).expect("mkdir");
    std::fs::rename(&legacy, new.join(&md5[2..])).expect("move");
    let status = assert_same_status(&python, dir, "object in DVC 3's cache only");
    assert_eq!(
        status["utf8.txt.dvc"],
        json!([{"changed outs": {"utf8.txt": "not in cache"}}])
    );
}

/// DVC 2 `.dvc` files for an unchanged text file `t.txt`, a text file `u.txt` and a directory
/// `d` that will change, and a directory `e` that will not.
fn add_repo(python: &Path) -> tempfile::TempDir {
    let files = [
        ("t.txt", b"a\r\nb\r\n".to_vec()),
        ("u.txt", b"u\r\n".to_vec()),
        ("d/1", b"x\r\ny\r\n".to_vec()),
        ("d/2", b"\0\r\n".to_vec()),
        ("d/s/3", b"plain\n".to_vec()),
        ("e/1", b"e\r\n".to_vec()),
    ];
    let repo = dvc2_repo(python, &files, &["t.txt", "u.txt", "d", "e"]);
    // A key DVC keeps where it was, after which it appends `hash: md5`.
    let dir = repo.path();
    let text = std::fs::read_to_string(dir.join("u.txt.dvc")).expect("dvc file");
    write_file(
        dir,
        "u.txt.dvc",
        format!("{text}  desc: the data\n").as_bytes(),
    );
    write_file(dir, "u.txt", b"changed\r\n");
    write_file(dir, "d/1", b"changed\r\n");
    repo
}

#[test]
fn adding_dvc2_data_again_writes_what_dvc_writes() {
    let Some(python) = dvc_python() else { return };
    let ours = add_repo(&python);
    let theirs = copy(ours.path());
    // Each tool on its own copy: DVC's status leaves objects behind (see data.md).
    let our_status = run_ok(kin(ours.path()).args(["status", "--json"]));
    let their_status = dvc(&python, theirs.path(), &["status", "--json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&our_status).expect("json"),
        serde_json::from_str::<Value>(&their_status).expect("json")
    );
    let targets = ["t.txt", "u.txt", "d", "e"];
    run_ok(kin(ours.path()).arg("add").arg("-q").args(targets));
    let mut args = vec!["add", "-q"];
    args.extend(targets);
    dvc(&python, theirs.path(), &args);
    for target in targets {
        let file = format!("{target}.dvc");
        assert_eq!(
            String::from_utf8_lossy(&read(ours.path(), &file)),
            String::from_utf8_lossy(&read(theirs.path(), &file)),
            "{file}"
        );
    }
    // Unchanged entries keep DVC 2's hash; changed ones get DVC 3's, appended last.
    assert!(!String::from_utf8_lossy(&read(ours.path(), "t.txt.dvc")).contains("hash:"));
    assert!(String::from_utf8_lossy(&read(ours.path(), "u.txt.dvc")).ends_with("hash: md5\n"));
    assert_eq!(cache_objects(ours.path()), cache_objects(theirs.path()));
    assert_eq!(
        assert_same_status(&python, ours.path(), "after add"),
        json!({})
    );
}

#[test]
fn committing_dvc2_data_writes_what_dvc_writes() {
    let Some(python) = dvc_python() else { return };
    let ours = add_repo(&python);
    let theirs = copy(ours.path());
    run_ok(kin(ours.path()).args(["commit", "-q"]));
    dvc(&python, theirs.path(), &["commit", "-q", "-f"]);
    assert_eq!(files_under_dvc(ours.path()), files_under_dvc(theirs.path()));
    assert_eq!(cache_objects(ours.path()), cache_objects(theirs.path()));
}

/// The `.dvc` files of a repo, by path.
fn files_under_dvc(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = files_under(dir);
    files.retain(|path, _| path.ends_with(".dvc") && !path.starts_with(".dvc/"));
    files
}

/// A stage DVC 2 recorded: deps `in.txt` (to change), `k.txt` and `dd/`; outs `out.txt`,
/// `same.txt` and `od/`, all CRLF text except `k.txt`, with its outs in DVC 2's cache.
fn stage_repo(python: &Path) -> tempfile::TempDir {
    let repo = git_repo(None);
    let dir = repo.path();
    dvc(python, dir, &["init", "-q"]);
    let cmd = "cp in.txt out.txt && cp k.txt same.txt && rm -rf od && cp -r dd od";
    write_file(
        dir,
        "dvc.yaml",
        format!(
            "stages:\n  s:\n    cmd: {cmd}\n    deps:\n    - in.txt\n    - k.txt\n    - dd\n    outs:\n    - out.txt\n    - same.txt\n    - od\n"
        )
        .as_bytes(),
    );
    write_file(dir, "in.txt", b"one\r\ntwo\r\n");
    write_file(dir, "k.txt", b"k\n");
    write_file(dir, "dd/p", b"p\r\n");
    write_file(dir, "dd/q.bin", b"\0\r\n");
    write_file(dir, "out.txt", b"one\r\ntwo\r\n");
    write_file(dir, "same.txt", b"k\n");
    write_file(dir, "od/p", b"p\r\n");
    write_file(dir, "od/q.bin", b"\0\r\n");
    let deps = dvc2_entries(python, dir, false, &["dd", "in.txt", "k.txt"]);
    let outs = dvc2_entries(python, dir, true, &["od", "out.txt", "same.txt"]);
    let entry = |path: &str, e: &Dvc2Entry| {
        let nfiles = e
            .nfiles
            .map(|n| format!("      nfiles: {n}\n"))
            .unwrap_or_default();
        format!(
            "    - path: {path}\n      md5: {}\n      size: {}\n{nfiles}",
            e.md5, e.size
        )
    };
    let mut lock = format!("schema: '2.0'\nstages:\n  s:\n    cmd: {cmd}\n    deps:\n");
    for (path, e) in ["dd", "in.txt", "k.txt"].iter().zip(&deps) {
        lock.push_str(&entry(path, e));
    }
    lock.push_str("    outs:\n");
    for (path, e) in ["od", "out.txt", "same.txt"].iter().zip(&outs) {
        lock.push_str(&entry(path, e));
    }
    write_file(dir, "dvc.lock", lock.as_bytes());
    write_file(dir, ".gitignore", b"/out.txt\n/same.txt\n/od\n");
    repo
}

#[test]
fn repro_keeps_unchanged_dvc2_entries_and_caches_as_dvc_does() {
    let Some(python) = dvc_python() else { return };
    let ours = stage_repo(&python);
    let dir = ours.path();
    assert_eq!(assert_same_status(&python, dir, "as recorded"), json!({}));
    // LF rewrites of recorded CRLF text change nothing.
    write_file(dir, "out.txt", b"one\ntwo\n");
    write_file(dir, "dd/p", b"p\n");
    assert_eq!(assert_same_status(&python, dir, "LF rewrite"), json!({}));
    write_file(dir, "in.txt", b"one\r\nthree\r\n");
    assert_same_status(&python, dir, "one dep changed");
    let theirs = copy(dir);
    run_ok(kin(dir).args(["repro", "-q"]));
    dvc(&python, theirs.path(), &["repro", "-q"]);
    assert_eq!(
        String::from_utf8_lossy(&read(dir, "dvc.lock")),
        String::from_utf8_lossy(&read(theirs.path(), "dvc.lock"))
    );
    let lock = String::from_utf8_lossy(&read(dir, "dvc.lock")).into_owned();
    assert_eq!(lock.matches("hash: md5").count(), 2, "{lock}");
    assert_eq!(cache_objects(dir), cache_objects(theirs.path()));
    assert_eq!(assert_same_status(&python, dir, "after repro"), json!({}));
}

#[test]
fn checkout_restores_dvc2_objects_from_dvc2_s_cache_only() {
    let Some(python) = dvc_python() else { return };
    let files = [
        ("t.txt", b"a\r\nb\r\n".to_vec()),
        ("d/1", b"x\r\ny\r\n".to_vec()),
        ("d/s/2", b"\0\r\n".to_vec()),
    ];
    let ours = dvc2_repo(&python, &files, &["t.txt", "d"]);
    let dir = ours.path();
    std::fs::remove_file(dir.join("t.txt")).expect("rm");
    std::fs::remove_dir_all(dir.join("d")).expect("rm");
    let theirs = copy(dir);
    run_ok(kin(dir).args(["checkout", "-q"]));
    dvc(&python, theirs.path(), &["checkout", "-q"]);
    // The bytes DVC 2 stored, CRLF and all.
    assert_eq!(read(dir, "t.txt"), b"a\r\nb\r\n");
    assert_eq!(read(dir, "d/1"), b"x\r\ny\r\n");
    for path in ["t.txt", "d/1", "d/s/2"] {
        assert_eq!(read(dir, path), read(theirs.path(), path), "{path}");
    }
    assert_eq!(assert_same_status(&python, dir, "checked out"), json!({}));
    // An object in DVC 3's cache does not stand in for DVC 2's.
    let md5 = dvc2_entries(&python, dir, false, &["t.txt"]).remove(0).md5;
    let new = dir.join(".dvc/cache/files/md5").join(&md5[..2]);
    std::fs::create_dir_all(&new).expect("mkdir");
    std::fs::rename(
        dir.join(".dvc/cache").join(&md5[..2]).join(&md5[2..]),
        new.join(&md5[2..]),
    )
    .expect("move");
    std::fs::remove_file(dir.join("t.txt")).expect("rm");
    let _ = run(kin(dir).args(["checkout", "-q"]));
    assert!(!dir.join("t.txt").exists());
}

/// DVC 2 data (`t.txt`, `d/`) beside DVC 3 data (`n.txt`), for the remote and gc tests.
fn mixed_repo(python: &Path) -> tempfile::TempDir {
    let files = [
        ("t.txt", b"a\r\nb\r\n".to_vec()),
        ("d/1", b"x\r\ny\r\n".to_vec()),
        ("d/s/2", b"\0\r\n".to_vec()),
    ];
    let repo = dvc2_repo(python, &files, &["t.txt", "d"]);
    write_file(repo.path(), "n.txt", b"new\r\n");
    run_ok(kin(repo.path()).args(["add", "-q", "n.txt"]));
    repo
}

/// Points the repo's default remote at `url`.
fn set_remote(python: &Path, dir: &Path, url: &Path) {
    let url = url.display().to_string();
    dvc(python, dir, &["remote", "add", "-q", "-f", "-d", "r", &url]);
}

/// Removes the cache and the tracked data, as a fresh clone has neither.
fn forget_data(dir: &Path) {
    for path in [".dvc/cache", "t.txt", "d", "n.txt"] {
        let path = dir.join(path);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).expect("rm");
        } else {
            std::fs::remove_file(&path).expect("rm");
        }
    }
}

fn both_cloud_status(python: &Path, dir: &Path, step: &str) -> Value {
    let (ours, theirs) = both_status(python, dir, &["-c"]);
    assert_eq!(ours, theirs, "{step}");
    ours
}

#[test]
fn push_and_pull_move_dvc2_objects_in_dvc2_s_remote_layout() {
    let Some(python) = dvc_python() else { return };
    let ours = mixed_repo(&python);
    let theirs = copy(ours.path());
    let (our_remote, their_remote) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    set_remote(&python, ours.path(), our_remote.path());
    set_remote(&python, theirs.path(), their_remote.path());
    both_cloud_status(&python, ours.path(), "before push");
    run_ok(kin(ours.path()).args(["push", "-q"]));
    dvc(&python, theirs.path(), &["push", "-q"]);
    let pushed = files_under(our_remote.path());
    assert_eq!(pushed, files_under(their_remote.path()));
    let t = dvc2_entries(&python, ours.path(), false, &["t.txt"])
        .remove(0)
        .md5;
    assert!(
        pushed.contains_key(&format!("{}/{}", &t[..2], &t[2..])),
        "{:?}",
        pushed.keys()
    );
    assert_eq!(both_cloud_status(&python, ours.path(), "pushed"), json!({}));

    forget_data(ours.path());
    forget_data(theirs.path());
    run_ok(kin(ours.path()).args(["pull", "-q"]));
    dvc(&python, theirs.path(), &["pull", "-q"]);
    assert_eq!(cache_objects(ours.path()), cache_objects(theirs.path()));
    assert_eq!(read(ours.path(), "t.txt"), b"a\r\nb\r\n");
    assert_eq!(
        assert_same_status(&python, ours.path(), "pulled"),
        json!({})
    );

    // kin reads what DVC pushed.
    forget_data(ours.path());
    set_remote(&python, ours.path(), their_remote.path());
    run_ok(kin(ours.path()).args(["pull", "-q"]));
    assert_eq!(cache_objects(ours.path()), cache_objects(theirs.path()));

    // An object in DVC 3's layout does not stand in for a DVC 2 one. (Only that object
    // leaves the cache: DVC's `status -c` also fetches remote-only manifests, which kin
    // does not do yet for any entry.)
    let moved = their_remote.path().join("files/md5").join(&t[..2]);
    std::fs::create_dir_all(&moved).expect("mkdir");
    std::fs::rename(
        their_remote.path().join(&t[..2]).join(&t[2..]),
        moved.join(&t[2..]),
    )
    .expect("move");
    std::fs::remove_file(ours.path().join(".dvc/cache").join(&t[..2]).join(&t[2..]))
        .expect("rm object");
    std::fs::remove_file(ours.path().join("t.txt")).expect("rm");
    let status = both_cloud_status(&python, ours.path(), "moved on the remote");
    assert_eq!(status, json!({"t.txt": "missing"}));
    let _ = run(kin(ours.path()).args(["pull", "-q"]));
    assert!(!ours.path().join("t.txt").exists());
}

#[test]
fn gc_keeps_the_dvc2_objects_in_use_as_dvc_does() {
    let Some(python) = dvc_python() else { return };
    let ours = mixed_repo(&python);
    let dir = ours.path();
    // An unreferenced DVC 2 object, and a DVC 3 one left by a second add.
    write_file(dir, "junk.txt", b"junk\r\n");
    dvc2_entries(&python, dir, true, &["junk.txt"]);
    std::fs::remove_file(dir.join("junk.txt")).expect("rm");
    write_file(dir, "n.txt", b"newer\r\n");
    run_ok(kin(dir).args(["add", "-q", "n.txt"]));
    let theirs = copy(dir);
    let before = cache_objects(dir).len();
    run_ok(kin(dir).args(["gc", "-w", "-f", "-q"]));
    dvc(&python, theirs.path(), &["gc", "-w", "-f", "-q"]);
    assert_eq!(cache_objects(dir), cache_objects(theirs.path()));
    assert_eq!(cache_objects(dir).len(), before - 2);
    assert_eq!(assert_same_status(&python, dir, "after gc"), json!({}));
}

#[test]
fn repro_re_records_only_the_changed_dvc2_data_source_as_dvc_does() {
    let Some(python) = dvc_python() else { return };
    let files = [
        ("t.txt", b"a\r\nb\r\n".to_vec()),
        ("u.txt", b"u\r\n".to_vec()),
    ];
    let ours = dvc2_repo(&python, &files, &["t.txt", "u.txt"]);
    let dir = ours.path();
    write_file(
        dir,
        "dvc.yaml",
        b"stages:\n  s:\n    cmd: cat t.txt u.txt > out.txt\n    deps: [t.txt, u.txt]\n    outs: [out.txt]\n",
    );
    // An LF rewrite is no change to DVC 2's hash; new content is.
    write_file(dir, "t.txt", b"a\nb\n");
    write_file(dir, "u.txt", b"changed\r\n");
    let theirs = copy(dir);
    run_ok(kin(dir).args(["repro", "-q"]));
    dvc(&python, theirs.path(), &["repro", "-q"]);
    for file in ["t.txt.dvc", "u.txt.dvc", "dvc.lock"] {
        assert_eq!(
            String::from_utf8_lossy(&read(dir, file)),
            String::from_utf8_lossy(&read(theirs.path(), file)),
            "{file}"
        );
    }
    assert!(!String::from_utf8_lossy(&read(dir, "t.txt.dvc")).contains("hash:"));
    assert_eq!(cache_objects(dir), cache_objects(theirs.path()));
}
