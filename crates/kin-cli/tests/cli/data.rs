//! `kin add`, `kin checkout`, `kin status` against the real DVC on the same trees.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{dvc, dvc_python, git_repo, kin, run, run_ok};

/// A tree with the shapes that trip up hashing: nesting, empty dirs and files, non-ASCII
/// names, CRLF text, executables, a symlinked file.
fn make_tree(root: &Path) {
    let data = root.join("data");
    for dir in ["nested/deeper/deepest", "empty", "sub"] {
        std::fs::create_dir_all(data.join(dir)).expect("mkdir");
    }
    let files: &[(&str, &[u8])] = &[
        ("a.txt", b"a\n"),
        ("empty.txt", b""),
        ("crlf.txt", b"line one\r\nline two\r\n"),
        ("nested/deeper/deepest/x.bin", &[0, 1, 2, 255]),
        ("sub/ünïcødé name.txt", "héllo wörld\n".as_bytes()),
        ("sub/日本.csv", b"a,b\n1,2\n"),
        ("run.sh", b"#!/bin/sh\necho hi\n"),
    ];
    for (name, bytes) in files {
        std::fs::write(data.join(name), bytes).expect("write");
    }
    std::fs::set_permissions(data.join("run.sh"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    std::os::unix::fs::symlink("a.txt", data.join("link-to-a.txt")).expect("symlink");
    std::fs::write(root.join("model.pkl"), b"weights").expect("write");
    std::fs::write(root.join("tool.sh"), b"#!/bin/sh\n").expect("write");
    std::fs::set_permissions(root.join("tool.sh"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
}

/// Relative path → content for every file under `dir` (symlinks read through).
fn snapshot_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Two DVC-initialised git repositories, one for kin and one for dvc, each filled by `fill`.
fn twin_repos(python: &Path, fill: impl Fn(&Path)) -> (tempfile::TempDir, tempfile::TempDir) {
    let (with_kin, with_dvc) = (git_repo(None), git_repo(None));
    for repo in [&with_kin, &with_dvc] {
        dvc(python, repo.path(), &["init", "-q"]);
        fill(repo.path());
    }
    (with_kin, with_dvc)
}

/// Relative path → content of every file in a repository's cache.
fn cache_files(repo: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot_files(&repo.join(".dvc/cache/files"))
}

const TARGETS: [&str; 3] = ["data", "model.pkl", "tool.sh"];

#[test]
fn add_writes_what_dvc_add_writes_and_each_reads_the_others() {
    let Some(python) = dvc_python() else { return };
    let (with_kin, with_dvc) = twin_repos(&python, make_tree);
    run_ok(kin(with_kin.path()).arg("add").args(TARGETS));
    dvc(
        &python,
        with_dvc.path(),
        &["add", "-q", "data", "model.pkl", "tool.sh"],
    );

    for file in ["data.dvc", "model.pkl.dvc", "tool.sh.dvc", ".gitignore"] {
        assert_eq!(
            read(with_kin.path().join(file)),
            read(with_dvc.path().join(file)),
            "{file} differs"
        );
    }
    assert_eq!(
        cache_files(with_kin.path()),
        cache_files(with_dvc.path()),
        "cache trees differ"
    );

    // Each tool sees the other's work as up to date.
    let dvc_status = dvc(&python, with_kin.path(), &["status"]);
    assert!(
        dvc_status.contains("up to date"),
        "dvc status after kin add:\n{dvc_status}"
    );
    let kin_status = run_ok(kin(with_dvc.path()).arg("status"));
    assert_eq!(kin_status, "Data and pipelines are up to date.\n");
    assert_eq!(
        run_ok(kin(with_dvc.path()).args(["status", "--json"])).trim(),
        "{}"
    );

    // Checkout restores what the other tool cached.
    let original = snapshot_files(&with_dvc.path().join("data"));
    for repo in [&with_kin, &with_dvc] {
        std::fs::remove_dir_all(repo.path().join("data")).expect("rm data");
        std::fs::remove_file(repo.path().join("model.pkl")).expect("rm model");
    }
    run_ok(kin(with_dvc.path()).arg("checkout"));
    dvc(&python, with_kin.path(), &["checkout", "-q"]);
    for repo in [&with_kin, &with_dvc] {
        assert_eq!(snapshot_files(&repo.path().join("data")), original);
        assert_eq!(
            std::fs::read(repo.path().join("model.pkl")).expect("model"),
            b"weights"
        );
        let mode = std::fs::metadata(repo.path().join("tool.sh"))
            .expect("tool")
            .permissions()
            .mode();
        assert_ne!(mode & 0o111, 0, "executable bit restored");
    }
    assert!(dvc(&python, with_dvc.path(), &["status"]).contains("up to date"));
    assert_eq!(
        run_ok(kin(with_kin.path()).arg("status")),
        "Data and pipelines are up to date.\n"
    );
}

/// A kin repository holding `make_tree`, with `targets` added.
fn added_tree(targets: &[&str]) -> tempfile::TempDir {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    make_tree(dir);
    run_ok(kin(dir).args(["add", "-q"]).args(targets));
    repo
}

/// `kin status` as JSON.
fn status_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&run_ok(kin(dir).args(["status", "--json"]))).expect("json")
}

#[test]
fn status_names_modified_deleted_and_checkout_repairs_them() {
    let repo = added_tree(&TARGETS);
    let dir = repo.path();
    std::fs::write(dir.join("data/a.txt"), b"changed\n").expect("write");
    std::fs::write(dir.join("data/extra.txt"), b"new file\n").expect("write");
    std::fs::remove_file(dir.join("model.pkl")).expect("rm");
    assert_eq!(
        status_json(dir),
        serde_json::json!({
            "data.dvc": [{"changed outs": {"data": "modified"}}],
            "model.pkl.dvc": [{"changed outs": {"model.pkl": "deleted"}}]
        })
    );
    // The edits are in no cache: as DVC, checkout keeps them unless forced.
    assert_eq!(run(kin(dir).arg("checkout")).status.code(), Some(1));
    let restored = run_ok(kin(dir).args(["checkout", "--force"]));
    assert!(
        restored.contains("restored data") && restored.contains("restored model.pkl"),
        "{restored}"
    );
    assert_eq!(std::fs::read(dir.join("data/a.txt")).expect("a"), b"a\n");
    assert!(
        !dir.join("data/extra.txt").exists(),
        "files the manifest lacks are removed"
    );
    assert_eq!(
        run_ok(kin(dir).arg("status")),
        "Data and pipelines are up to date.\n"
    );
}

#[test]
fn status_sees_what_an_unchanged_looking_directory_could_hide() {
    let repo = added_tree(&["data"]);
    let dir = repo.path();
    let clean = serde_json::json!({});
    let modified = serde_json::json!({"data.dvc": [{"changed outs": {"data": "modified"}}]});
    // Twice: the second answer comes from the remembered directory hash.
    assert_eq!(status_json(dir), clean);
    assert_eq!(status_json(dir), clean);
    // Same files and stats, different listing: an ignore rule, then a rename.
    std::fs::write(dir.join(".dvcignore"), "data/crlf.txt\n").expect("write");
    assert_eq!(status_json(dir), modified);
    std::fs::remove_file(dir.join(".dvcignore")).expect("rm");
    assert_eq!(status_json(dir), clean);
    let (from, to) = (dir.join("data/crlf.txt"), dir.join("data/crlf2.txt"));
    std::fs::rename(&from, &to).expect("rename");
    assert_eq!(status_json(dir), modified);
    std::fs::rename(&to, &from).expect("rename");
    assert_eq!(status_json(dir), clean);
    // A file whose mtime is not older than the record may be rewritten without its stat
    // changing: same size, same (future) mtime, new bytes must still show.
    let future = (std::time::SystemTime::now() + std::time::Duration::from_secs(3600))
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    let touch = |path: &Path| {
        let status = Command::new("touch")
            .arg("-d")
            .arg(format!("@{future}"))
            .arg(path)
            .status()
            .expect("touch");
        assert!(status.success());
    };
    let file = dir.join("data/a.txt");
    touch(&file);
    assert_eq!(status_json(dir), clean);
    std::fs::write(&file, b"b\n").expect("write");
    touch(&file);
    assert_eq!(status_json(dir), modified);
}

#[test]
fn add_refuses_bad_targets_with_hints() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  train:\n    cmd: echo\n    outs: [model.pkl]\n",
    )
    .expect("write");
    std::fs::write(dir.join("model.pkl"), b"m").expect("write");
    let cases: [(&[&str], &str); 4] = [
        (&["../outside"], "is outside the repository"),
        (&["missing.csv"], "does not exist"),
        (&["model.pkl"], "is already an output of stage `train`"),
        (&[".dvc/config"], "which kin and DVC manage themselves"),
    ];
    for (args, expected) in cases {
        let output = run(kin(dir).arg("add").args(args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    std::fs::create_dir_all(dir.join("raw")).expect("mkdir");
    std::fs::write(dir.join("raw/a.csv"), b"1").expect("write");
    run_ok(kin(dir).args(["add", "-q", "raw"]));
    let output = run(kin(dir).args(["add", "raw/a.csv"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("overlaps `raw`, already tracked by `raw.dvc`"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}

/// Temp files of cache writers, wherever in the cache they are.
fn is_temp(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with(".tmp-"))
}

#[test]
fn killed_add_leaves_no_partial_object_and_a_rerun_completes() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    let data = dir.join("big");
    std::fs::create_dir_all(&data).expect("mkdir");
    // Enough bytes that the add is still running when it is killed.
    let chunk: Vec<u8> = (0..(4 << 20)).map(|i: u32| (i % 251) as u8).collect();
    for i in 0..64 {
        let mut bytes = chunk.clone();
        bytes[0] = i as u8;
        std::fs::write(data.join(format!("part-{i:03}.bin")), bytes).expect("write");
    }
    let objects = dir.join(".dvc/cache/files/md5");
    let mut child = kin(dir).args(["add", "-q", "big"]).spawn().expect("spawn");
    // Kill (SIGKILL) as soon as the cache is being written, so the add is caught mid-way.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while snapshot_files(&objects).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !dir.join("big.dvc").exists(),
        "the add was killed before it finished"
    );

    for (rel, bytes) in snapshot_files(&objects) {
        if is_temp(&rel) || rel.ends_with(".dir") {
            continue;
        }
        let name = rel.replace('/', "");
        assert_eq!(
            kin_format::md5::Md5::of(&bytes).to_string(),
            name,
            "object {rel} is not what its name says"
        );
    }
    run_ok(kin(dir).args(["add", "-q", "big"]));
    assert_eq!(
        run_ok(kin(dir).arg("status")),
        "Data and pipelines are up to date.\n"
    );
    let leftovers: Vec<String> = snapshot_files(&objects)
        .into_keys()
        .filter(|k| is_temp(k))
        .collect();
    assert!(leftovers.is_empty(), "stale temp files left: {leftovers:?}");
    assert_eq!(
        snapshot_files(&objects).len(),
        65,
        "64 files and one manifest"
    );
}

#[test]
fn three_gib_sparse_file_hashes_as_dvc_hashes_it() {
    let Some(python) = dvc_python() else { return };
    let (with_kin, with_dvc) = twin_repos(&python, |root| {
        let file = std::fs::File::create(root.join("sparse.bin")).expect("create");
        file.set_len(3 << 30).expect("sparse 3 GiB");
    });
    run_ok(kin(with_kin.path()).args(["add", "-q", "sparse.bin"]));
    dvc(&python, with_dvc.path(), &["add", "-q", "sparse.bin"]);
    let dvc_file = |repo: &Path| read(repo.join("sparse.bin.dvc"));
    assert_eq!(dvc_file(with_kin.path()), dvc_file(with_dvc.path()));
    assert!(dvc_file(with_kin.path()).contains("size: 3221225472"));
    assert!(dvc(&python, with_kin.path(), &["status"]).contains("up to date"));
}

#[test]
fn gc_keeps_what_workspace_or_history_references() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("git");
        assert!(status.success(), "git {args:?}");
    };
    let version = |text: &str| {
        std::fs::write(dir.join("model.pkl"), text).expect("write");
        run_ok(kin(dir).args(["add", "-q", "model.pkl"]));
        kin_format::md5::Md5::of(text.as_bytes()).to_string()
    };
    let v1 = version("one");
    git(&["add", "-A"]);
    git(&["commit", "-qm", "v1"]);
    let v2 = version("two");
    git(&["add", "-A"]);
    git(&["commit", "-qm", "v2"]);
    let orphan = version("never committed");
    let v3 = version("three");

    let usage = run(kin(dir).arg("gc"));
    assert_eq!(usage.status.code(), Some(2), "a scope is required");
    let unforced = run(kin(dir).args(["gc", "--workspace"]));
    assert_eq!(
        unforced.status.code(),
        Some(2),
        "--force or --dry is required"
    );

    let dry: serde_json::Value = serde_json::from_str(&run_ok(kin(dir).args([
        "gc",
        "--workspace",
        "--dry",
        "--json",
    ])))
    .expect("json");
    let mut would: Vec<&str> = dry["removed"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    would.sort();
    let mut expected = vec![v1.as_str(), v2.as_str(), orphan.as_str()];
    expected.sort();
    assert_eq!(would, expected);
    assert_eq!(dry["dry_run"], true);
    let cache_file = |md5: &str| {
        dir.join(".dvc/cache/files/md5")
            .join(&md5[..2])
            .join(&md5[2..])
    };
    assert!(cache_file(&v1).exists(), "a dry run removes nothing");

    let history: serde_json::Value = serde_json::from_str(&run_ok(kin(dir).args([
        "gc",
        "--all-commits",
        "--force",
        "--json",
    ])))
    .expect("json");
    assert_eq!(history["removed"], serde_json::json!([orphan]));
    assert!(cache_file(&v1).exists() && cache_file(&v2).exists() && cache_file(&v3).exists());

    run_ok(kin(dir).args(["gc", "--workspace", "--force", "-q"]));
    assert!(!cache_file(&v1).exists() && !cache_file(&v2).exists());
    std::fs::remove_file(dir.join("model.pkl")).expect("rm");
    run_ok(kin(dir).args(["checkout", "-q"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("model.pkl")).expect("read"),
        "three"
    );
}

#[test]
fn add_names_the_gitignore_it_wrote_to() {
    let repo = crate::common::git_repo(None);
    let dir = repo.path();
    crate::common::run_ok(crate::common::kin(dir).args(["init", "-q"]));
    std::fs::create_dir_all(dir.join("data/raw")).expect("mkdir");
    std::fs::write(dir.join("data/raw/f.csv"), "a,b\n").expect("write");
    let out = crate::common::run_ok(crate::common::kin(dir).args(["add", "data/raw/f.csv"]));
    assert!(
        out.contains("\tgit add data/raw/f.csv.dvc data/raw/.gitignore\n"),
        "{out}"
    );
    assert!(dir.join("data/raw/.gitignore").is_file());
}

/// Every file under `dir`, as paths relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(entry.path());
            } else if let Ok(rel) = entry.path().strip_prefix(dir) {
                found.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_full_disk_fails_add_clearly_and_leaves_nothing_half_written() {
    let Some(disk) = crate::common::SmallDisk::mount("6m") else {
        return;
    };
    let dir = disk.path();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .expect("git");
    assert!(git.success());
    run_ok(kin(dir).args(["init", "-q"]));
    // 4 MiB in the workspace leaves no room for its copy in the cache.
    let data: Vec<u8> = (0..4u32 << 20).map(|i| (i % 253) as u8).collect();
    std::fs::write(dir.join("big.bin"), &data).expect("write");
    let output = run(kin(dir).args(["add", "big.bin"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains("cache"),
        "names where it was writing: {stderr}"
    );
    assert!(
        !dir.join("big.bin.dvc").exists(),
        "a .dvc file for data not cached"
    );
    let cached = files_under(&dir.join(".dvc/cache"));
    assert!(cached.is_empty(), "left in the cache: {cached:?}");
    // The data itself is untouched, and once there is room the same add completes.
    assert_eq!(std::fs::read(dir.join("big.bin")).expect("read"), data);
    std::fs::remove_file(dir.join("big.bin")).expect("rm");
    std::fs::write(dir.join("big.bin"), &data[..1 << 20]).expect("write");
    run_ok(kin(dir).args(["add", "-q", "big.bin"]));
    assert!(dir.join("big.bin.dvc").is_file());
}

#[test]
fn re_add_keeps_what_the_dvc_file_holds_besides_hashes_as_dvc_does() {
    let Some(python) = dvc_python() else { return };
    let extra = "# owned by the pricing team\ndesc: raw invoices\nmeta:\n  owner: ana\nouts:\n- md5: 60b725f10c9c85c70d97880dfe8191b3\n  size: 2\n  hash: md5\n  path: f.txt\n  desc: the data\n  remote: other\n  push: false\n  type: dataset\n  labels: [x, y]\n  meta: {k: v}\n";
    let mut results = Vec::new();
    for use_kin in [true, false] {
        let repo = git_repo(None);
        let dir = repo.path();
        let add = |args: &[&str]| {
            if use_kin {
                run_ok(kin(dir).args(args));
            } else {
                dvc(&python, dir, args);
            }
        };
        add(&["init", "-q"]);
        std::fs::write(dir.join("f.txt"), "a\n").expect("write");
        add(&["add", "-q", "f.txt"]);
        std::fs::write(dir.join("f.txt.dvc"), extra).expect("write");
        std::fs::write(dir.join("f.txt"), "bb\n").expect("write");
        add(&["add", "-q", "f.txt"]);
        results.push(read(dir.join("f.txt.dvc")));
    }
    assert_eq!(results[0], results[1]);
    assert!(results[0].contains("desc: the data") && !results[0].contains("60b725f1"));
}

#[test]
fn dvcignore_rules_select_the_files_dvc_selects() {
    let Some(python) = dvc_python() else { return };
    let (with_kin, with_dvc) = twin_repos(&python, |root| {
        let work = root.join("work");
        make_tree(&work);
        let data = work.join("data");
        for dir in ["logs/old", "sub/scratch", "nested/scratch", "sub/deep"] {
            std::fs::create_dir_all(data.join(dir)).expect("mkdir");
        }
        for file in [
            "x.tmp",
            "keep.tmp",
            "logs/run.log",
            "logs/old/run.log",
            "sub/important.tmp",
            "sub/other.tmp",
            "sub/scratch/s.txt",
            "nested/scratch/n.txt",
            "sub/deep/scratch",
            "sub/deep/kept.txt",
        ] {
            std::fs::write(data.join(file), file).expect("write");
        }
        // The repo root's rules: a glob, a re-include, an anchored directory.
        std::fs::write(
            root.join(".dvcignore"),
            "*.tmp\n!work/data/keep.tmp\n/work/data/logs/\n",
        )
        .expect("write");
        // A deeper file overrides the root's rules below it.
        std::fs::write(
            work.join(".dvcignore"),
            "!data/sub/important.tmp\ndata/sub/**/scratch\n",
        )
        .expect("write");
        std::os::unix::fs::symlink("nested", data.join("link-to-dir")).expect("symlink");
    });
    run_ok(kin(with_kin.path()).args(["add", "-q", "work/data"]));
    dvc(&python, with_dvc.path(), &["add", "-q", "work/data"]);
    assert_eq!(
        read(with_kin.path().join("work/data.dvc")),
        read(with_dvc.path().join("work/data.dvc")),
        "data.dvc differs"
    );
    assert_eq!(cache_files(with_kin.path()), cache_files(with_dvc.path()));
    let manifest = cache_files(with_kin.path())
        .into_iter()
        .find(|(name, _)| name.ends_with(".dir"))
        .map(|(_, bytes)| String::from_utf8(bytes).expect("utf-8"))
        .expect("a .dir manifest");
    for listed in [
        "keep.tmp",
        "sub/important.tmp",
        "nested/scratch/n.txt",
        "sub/deep/kept.txt",
    ] {
        assert!(
            manifest.contains(&format!("\"{listed}\"")),
            "{listed} missing: {manifest}"
        );
    }
    for ignored in [
        "x.tmp",
        "logs/",
        "sub/other.tmp",
        "sub/scratch/",
        "sub/deep/scratch",
        "link-to-dir",
    ] {
        assert!(!manifest.contains(ignored), "{ignored} listed: {manifest}");
    }

    // A .dvcignore inside the tracked directory: DVC refuses to hash it, and so does kin,
    // naming the file and changing nothing.
    for repo in [&with_kin, &with_dvc] {
        std::fs::write(repo.path().join("work/data/sub/.dvcignore"), "*.csv\n").expect("write");
    }
    let before = read(with_kin.path().join("work/data.dvc"));
    let out = run(kin(with_kin.path()).args(["add", "-q", "work/data"]));
    assert!(
        !out.status.success(),
        "kin add accepted a nested .dvcignore"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("work/data/sub/.dvcignore") && stderr.contains("above"),
        "{stderr}"
    );
    assert_eq!(read(with_kin.path().join("work/data.dvc")), before);
    let dvc_out = Command::new(&python)
        .args(["-m", "dvc", "add", "-q", "work/data"])
        .current_dir(with_dvc.path())
        .output()
        .expect("dvc");
    assert!(
        !dvc_out.status.success(),
        "dvc add accepted a nested .dvcignore"
    );
}
