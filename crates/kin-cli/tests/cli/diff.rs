//! `kin diff` against the real `dvc diff` on the same repository: files and directories
//! added, deleted, modified and renamed, between revisions and against the workspace, with
//! targets, hashes and what the cache lacks — the same text, Markdown and JSON.

use std::path::Path;
use std::process::Command;

use crate::common::{
    commit_all, dvc_python, fails_saying, git, kin, run_ok, stderr_text, write_file,
};

/// Runs `dvc diff ARGS` and `kin diff ARGS` in `dir`: the same standard output.
fn same_as_dvc(python: &Path, dir: &Path, args: &[&str]) -> String {
    let theirs = Command::new(python)
        .args(["-m", "dvc", "diff"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("dvc runs");
    assert!(
        theirs.status.success(),
        "dvc diff {args:?}: {}",
        stderr_text(&theirs)
    );
    let ours = run_ok(kin(dir).arg("diff").args(args));
    assert_eq!(
        ours,
        String::from_utf8_lossy(&theirs.stdout),
        "kin diff {args:?}"
    );
    ours
}

const PIPELINE: &str = "stages:\n  copy:\n    cmd: cp data/a.txt out.txt && echo 1 > m.json\n    deps: [data/a.txt]\n    outs: [out.txt]\n    metrics:\n    - m.json:\n        cache: false\n";

/// A repository with three commits: tracked files and a directory; then a file modified, one
/// renamed, one no longer tracked and the directory changed; then the directory renamed.
fn history() -> tempfile::TempDir {
    let repo = crate::common::git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    for (path, text) in [
        ("data/a.txt", "a\n"),
        ("data/b.txt", "b\n"),
        ("data/imgs/1.png", "1\n"),
        ("data/imgs/2.png", "2\n"),
        ("data/imgs/deep/x.png", "x\n"),
        ("model.bin", "m\n"),
    ] {
        write_file(dir, path, text);
    }
    run_ok(kin(dir).args([
        "add",
        "-q",
        "data/a.txt",
        "data/b.txt",
        "data/imgs",
        "model.bin",
    ]));
    std::fs::write(dir.join("dvc.yaml"), PIPELINE).expect("dvc.yaml");
    run_ok(kin(dir).args(["repro", "-q"]));
    commit_all(dir, "one");

    write_file(dir, "data/a.txt", "A2\n");
    write_file(dir, "data/imgs/3.png", "3\n");
    write_file(dir, "data/imgs/2.png", "2b\n");
    std::fs::remove_file(dir.join("data/imgs/1.png")).expect("rm");
    run_ok(kin(dir).args(["add", "-q", "data/a.txt", "data/imgs"]));
    let moved = std::fs::read_to_string(dir.join("data/b.txt.dvc")).expect("dvc file");
    std::fs::write(
        dir.join("data/c.txt.dvc"),
        moved.replace("path: b.txt", "path: c.txt"),
    )
    .expect("write");
    std::fs::remove_file(dir.join("data/b.txt.dvc")).expect("rm");
    std::fs::rename(dir.join("data/b.txt"), dir.join("data/c.txt")).expect("mv");
    // No longer tracked: its .dvc file goes (and the data with it).
    std::fs::remove_file(dir.join("model.bin.dvc")).expect("rm");
    std::fs::remove_file(dir.join("model.bin")).expect("rm");
    repo
}

#[test]
fn diff_answers_as_dvc_does() {
    let Some(python) = dvc_python() else { return };
    let repo = history();
    let dir = repo.path();

    // The workspace against HEAD, in every form.
    for args in [
        &["--json"][..],
        &["--json", "--show-hash"],
        &[],
        &["--show-hash"],
        &["--md"],
        &["--md", "--show-hash"],
        &["--hide-missing"],
    ] {
        same_as_dvc(&python, dir, args);
    }
    let text = same_as_dvc(&python, dir, &[]);
    assert!(
        text.contains("Renamed:\n    data/b.txt -> data/c.txt\n"),
        "{text}"
    );
    assert!(
        text.contains("files summary: 1 added, 2 deleted, 1 renamed, 2 modified"),
        "{text}"
    );

    commit_all(dir, "two");
    run_ok(kin(dir).args(["repro", "-q"]));
    let moved = std::fs::read_to_string(dir.join("data/imgs.dvc")).expect("dvc file");
    std::fs::write(
        dir.join("data/pics.dvc"),
        moved.replace("path: imgs", "path: pics"),
    )
    .expect("write");
    std::fs::remove_file(dir.join("data/imgs.dvc")).expect("rm");
    std::fs::rename(dir.join("data/imgs"), dir.join("data/pics")).expect("mv");
    commit_all(dir, "three");

    // Between revisions (never "not in cache"), the same commit twice, and targets: an
    // output, a file inside a tracked directory.
    for args in [
        &["HEAD~2", "HEAD", "--json", "--show-hash"][..],
        &["HEAD~1", "HEAD"],
        &["HEAD~2", "HEAD~1", "--show-hash"],
        &["HEAD", "HEAD", "--json"],
        &["HEAD~2", "--targets", "data/pics", "--json"],
        &[
            "HEAD~2",
            "--targets",
            "data/imgs/2.png",
            "--json",
            "--show-hash",
        ],
    ] {
        same_as_dvc(&python, dir, args);
    }
    let renamed = same_as_dvc(&python, dir, &["HEAD~1", "HEAD", "--json"]);
    assert!(
        renamed.contains("\"renamed\": [{\"path\": {\"old\": \"data/imgs/\""),
        "{renamed}"
    );

    // An object the cache lost is "not in cache" against the workspace.
    let lost = dir.join(".dvc/cache/files/md5/b0/26324c6904b2a9cb4b88d6d61c81d1");
    std::fs::remove_file(&lost).expect("the cached copy of `1`");
    let missing = same_as_dvc(&python, dir, &["HEAD~2", "--json", "--show-hash"]);
    assert!(
        missing.contains("\"not in cache\": [{\"path\": \"data/imgs/1.png\""),
        "{missing}"
    );
    same_as_dvc(&python, dir, &["HEAD~2"]);
    // The workspace named as the new side: compared, without "not in cache", as DVC does.
    same_as_dvc(
        &python,
        dir,
        &["HEAD~2", "workspace", "--json", "--show-hash"],
    );
}

#[test]
fn diff_json_keeps_its_shape_and_bad_input_is_refused() {
    let repo = history();
    let dir = repo.path();
    let json = run_ok(kin(dir).args(["diff", "--json", "--show-hash"]));
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    insta::assert_snapshot!(
        "diff-json",
        serde_json::to_string_pretty(&value).expect("json")
    );

    // Nothing changed: DVC's empty answer.
    commit_all(dir, "two");
    assert_eq!(run_ok(kin(dir).args(["diff", "--json"])).trim(), "{}");
    assert_eq!(run_ok(kin(dir).args(["diff"])), "");

    for (args, expected) in [
        (
            &["diff", "no-such-rev"][..],
            "unknown git revision `no-such-rev`",
        ),
        (
            &["diff", "--targets", "nothing.txt"],
            "`nothing.txt` is not tracked data",
        ),
    ] {
        fails_saying(kin(dir).args(args), 2, expected);
    }

    // Without any commit there is nothing to compare with.
    let fresh = crate::common::git_repo(None);
    run_ok(kin(fresh.path()).args(["init", "-q"]));
    git(fresh.path(), &["status"]);
    assert_eq!(
        run_ok(kin(fresh.path()).args(["diff", "--json"])).trim(),
        "{}"
    );
}
