//! `kin verify`: a flipped byte in a cache object, a deleted object and a file missing from a
//! directory are each named with the artifact path, its hash, and the runs and registered
//! models that depend on it; objects a remote holds count with `--remote`.

use std::path::{Path, PathBuf};

use crate::common::{commit_all, kin, pipeline_repo, run, run_ok, stderr_text, tagging_as_ana};

const PIPELINE: &str = "stages:\n  split:\n    cmd: mkdir -p parts && echo a > parts/a.txt && echo b > parts/b.txt\n    outs: [parts]\n  train:\n    cmd: cat parts/a.txt parts/b.txt raw.csv > model.bin\n    deps: [parts, raw.csv]\n    outs: [model.bin]\n  score:\n    cmd: >-\n      echo '{\"auc\": 1}' > score.json\n    deps: [model.bin]\n    metrics:\n      - score.json:\n          cache: false\nartifacts:\n  churn:\n    path: model.bin\n";

fn trained() -> tempfile::TempDir {
    let repo = pipeline_repo(PIPELINE);
    let dir = repo.path();
    std::fs::write(dir.join("raw.csv"), "id\n1\n").expect("write");
    run_ok(kin(dir).args(["add", "-q", "raw.csv"]));
    run_ok(kin(dir).args(["repro", "-q"]));
    commit_all(dir, "trained");
    run_ok(tagging_as_ana(
        kin(dir).args(["model", "register", "churn"]),
    ));
    repo
}

/// The cache file of the object whose md5 is `hash` (DVC 3's layout).
fn object(dir: &Path, hash: &str) -> PathBuf {
    dir.join(".dvc/cache/files/md5")
        .join(&hash[..2])
        .join(&hash[2..])
}

fn md5_of(path: &Path) -> String {
    kin_format::md5::Md5::of(&std::fs::read(path).expect("read")).to_hex()
}

fn fails_with(dir: &Path, args: &[&str], expected: &[&str]) {
    let out = run(kin(dir).arg("verify").args(args));
    let text = stderr_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for line in expected {
        assert!(text.contains(line), "expected `{line}` in:\n{text}");
    }
}

/// Makes a cache object writable (DVC leaves them read-only) and writes `bytes` into it.
fn overwrite(path: &Path, bytes: &[u8]) {
    let mut permissions = std::fs::metadata(path).expect("object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(path, permissions).expect("chmod");
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn intact_objects_verify_and_not_cached_ones_are_counted_apart() {
    let repo = trained();
    let out = run_ok(kin(repo.path()).args(["verify"]));
    // raw.csv, parts (manifest + 2 files), model.bin; score.json is `cache: false`.
    assert!(
        out.starts_with("verified 3 cached versions: 5 objects"),
        "{out}"
    );
    assert!(out.contains("(1 more are not cached by design)"), "{out}");
}

#[test]
fn a_flipped_byte_a_deleted_object_and_a_missing_file_are_named_with_what_depends_on_them() {
    let repo = trained();
    let dir = repo.path();
    let model = md5_of(&dir.join("model.bin"));
    overwrite(&object(dir, &model), b"tampered");
    fails_with(
        dir,
        &[],
        &[
            &format!("model.bin@{}", &model[..8]),
            &format!(
                "corrupt: model.bin should hash to {model}, hashes to {}",
                md5_of(&object(dir, &model))
            ),
            "of train depends on it",
            "of score depends on it",
            "model churn@v0.0.1 depends on it",
        ],
    );

    let repo = trained();
    let dir = repo.path();
    let raw = md5_of(&dir.join("raw.csv"));
    std::fs::remove_file(object(dir, &raw)).expect("delete");
    fails_with(
        dir,
        &[],
        &[
            &format!("missing: raw.csv ({raw})"),
            "model churn@v0.0.1 depends on it",
        ],
    );

    let repo = trained();
    let dir = repo.path();
    let b = md5_of(&dir.join("parts/b.txt"));
    std::fs::remove_file(object(dir, &b)).expect("delete");
    fails_with(
        dir,
        &["model.bin"],
        &[&format!("missing: parts/b.txt ({b})")],
    );
}

#[test]
fn objects_a_remote_holds_count_with_remote() {
    let repo = trained();
    let dir = repo.path();
    let storage = tempfile::tempdir().expect("tmp");
    run_ok(kin(dir).args([
        "remote",
        "add",
        "-d",
        "storage",
        &storage.path().to_string_lossy(),
    ]));
    run_ok(kin(dir).args(["push", "-q"]));
    let model = md5_of(&dir.join("model.bin"));
    std::fs::remove_file(object(dir, &model)).expect("delete");
    fails_with(dir, &[], &[&format!("missing: model.bin ({model})")]);
    let out = run_ok(kin(dir).args(["verify", "--remote", "storage"]));
    assert!(
        out.contains("1 version(s) re-hash on the remote only"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&run_ok(
        kin(dir).args(["verify", "-r", "storage", "--json"]),
    ))
    .expect("json");
    assert_eq!(json["ok"], true);
    assert_eq!(json["on_remote"], 1);
    // The remote's copy is read back: a flipped byte there is caught too.
    let on_remote = storage
        .path()
        .join("files/md5")
        .join(&model[..2])
        .join(&model[2..]);
    overwrite(&on_remote, b"rotted");
    fails_with(
        dir,
        &["--remote", "storage"],
        &[&format!(
            "corrupt on remote storage: model.bin should hash to {model}"
        )],
    );
}
