//! How kin writes: a reader that goes away early ends kin quietly with exit 0 (as git and
//! ripgrep do), a closed stderr never panics, and an error's source snippet shows the right
//! line wherever kin was started from.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{git, git_repo, kin, pipeline_repo, run, run_ok};

/// A pipeline of `count` stages (one foreach group), each with a one-line command.
fn many_stages(count: usize) -> String {
    let items: Vec<String> = (0..count).map(|n| format!("i{n:04}")).collect();
    format!(
        "stages:\n  build:\n    foreach: [{}]\n    do:\n      cmd: echo ${{item}}\n",
        items.join(", ")
    )
}

/// A `dvc.lock` recording every stage of `many_stages(count)`, as `kin commit` would write it.
fn many_lock_entries(count: usize) -> String {
    let mut lock = String::from("schema: '2.0'\nstages:\n");
    for n in 0..count {
        lock.push_str(&format!("  build@i{n:04}:\n    cmd: echo i{n:04}\n"));
    }
    lock
}

/// Runs `cmd` like `cmd | head -c 5`: reads five bytes of its stdout, closes the pipe and
/// waits. Returns the exit code and what kin wrote to stderr.
fn read_five_bytes_and_close(cmd: &mut Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kin starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut head = [0u8; 5];
    stdout.read_exact(&mut head).expect("kin printed something");
    drop(stdout);
    let output = child.wait_with_output().expect("kin ends");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Each command's output is well over a pipe buffer (64 KiB), so kin is still writing when
/// the reader leaves: it must stop quietly, with exit 0 and nothing on stderr.
#[test]
fn a_reader_that_leaves_early_ends_kin_quietly() {
    let count = 3000;
    let repo = pipeline_repo(&many_stages(count));
    let dir = repo.path();
    std::fs::write(dir.join("dvc.lock"), many_lock_entries(count)).expect("write dvc.lock");
    git(dir, &["add", "-A"]);
    git(
        dir,
        &[
            "-c",
            "user.name=kin",
            "-c",
            "user.email=kin@invalid",
            "commit",
            "-qm",
            "many",
        ],
    );
    run_ok(kin(dir).args(["history", "import", "-q"]));
    std::fs::remove_file(dir.join("dvc.lock")).expect("remove dvc.lock");
    let commands: &[&[&str]] = &[
        &["stages"],
        &["stages", "--json"],
        &["status"],
        &["status", "--json"],
        &["dag"],
        &["dag", "--json"],
        &["runs", "-n", "5000"],
        &["runs", "-n", "5000", "--json"],
    ];
    for args in commands {
        let (code, stderr) = read_five_bytes_and_close(kin(dir).args(*args));
        assert_eq!(
            (code, stderr.as_str()),
            (Some(0), ""),
            "kin {args:?} | head -c 5"
        );
    }
}

/// A stdout whose reader is gone before kin starts: every write to it fails.
fn closed_stdout(cmd: &mut Command) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    cmd.stdout(writer).output().expect("kin runs")
}

/// A repro whose reader left still runs every stage and records it: the reader going away is
/// no reason to stop a stage half-way. Then it ends quietly.
#[test]
fn a_repro_whose_reader_left_finishes_its_stages() {
    let repo = pipeline_repo(
        "stages:\n  a:\n    cmd: echo one > a.txt && echo said a\n    outs: [a.txt]\n  b:\n    cmd: echo two > b.txt && echo said b\n    deps: [a.txt]\n    outs: [b.txt]\n",
    );
    let output = closed_stdout(kin(repo.path()).args(["repro"]));
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ),
        (Some(0), "".into())
    );
    let lock = std::fs::read_to_string(repo.path().join("dvc.lock")).expect("dvc.lock written");
    assert!(lock.contains("  a:\n") && lock.contains("  b:\n"), "{lock}");
    let status = run_ok(kin(repo.path()).args(["status"]));
    assert_eq!(status, "Data and pipelines are up to date.\n");
}

/// A gate that fails still fails when the reader of its report is gone: the exit code is what
/// CI looks at.
#[test]
fn a_failed_gate_fails_even_when_its_reader_left() {
    let drifted = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kin-gates/tests/fixtures/drift/small_num_shift");
    for json in [false, true] {
        let mut cmd = kin(&drifted);
        cmd.args([
            "drift",
            "--reference",
            "reference.csv",
            "--current",
            "current.csv",
        ]);
        if json {
            cmd.arg("--json");
        }
        let output = closed_stdout(&mut cmd);
        assert_eq!(output.status.code(), Some(1), "json: {json}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("dataset drift: 3 of 3 columns drifted"),
            "{stderr}"
        );
    }
}

/// A closed stderr (the reader of `2>&1 | …` gone) must not turn an error into a panic: the
/// exit code still says what went wrong.
#[test]
fn a_closed_stderr_keeps_the_exit_code() {
    let repo = pipeline_repo("stages:\n  train:\n    cmdd: python train.py\n");
    // The read end is closed before kin starts, so its first write to stderr fails.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let status = kin(repo.path())
        .args(["status"])
        .stdout(Stdio::null())
        .stderr(writer)
        .status()
        .expect("kin runs");
    assert_eq!(status.code(), Some(1));
}

/// The snippet of an invalid `dvc.yaml` is read from the repository, not from the directory
/// kin was started in: the same under `-C` from outside and from a subdirectory.
#[test]
fn an_error_snippet_shows_the_right_line_from_anywhere() {
    let outside = tempfile::tempdir().expect("temp dir");
    // A different dvc.yaml where kin is started: its line 3 must not be shown.
    std::fs::write(
        outside.path().join("dvc.yaml"),
        "# not the repository's\n# pipeline\n# wrong line\n",
    )
    .expect("write decoy");
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  train:\n    cmdd: python train.py\n",
    )
    .expect("write dvc.yaml");
    std::fs::create_dir(dir.join("sub")).expect("mkdir sub");
    let stderr_of = |cmd: &mut Command| {
        let output = run(cmd);
        assert_eq!(output.status.code(), Some(1), "{cmd:?}");
        String::from_utf8(output.stderr).expect("utf-8")
    };
    let from_root = stderr_of(kin(dir).args(["repro"]));
    let with_c = stderr_of(kin(outside.path()).arg("-C").arg(dir).arg("repro"));
    let from_sub = stderr_of(kin(&dir.join("sub")).args(["repro"]));
    insta::assert_snapshot!("snippet-with-C-from-outside", with_c);
    assert_eq!(with_c, from_root, "kin -C DIR repro");
    assert_eq!(from_sub, from_root, "kin repro in a subdirectory");
    for args in [["status"], ["stages"]] {
        assert_eq!(
            stderr_of(kin(outside.path()).arg("-C").arg(dir).args(args)),
            from_root,
            "kin -C DIR {args:?}"
        );
        assert_eq!(
            stderr_of(kin(&dir.join("sub")).args(args)),
            from_root,
            "kin {args:?} in a subdirectory"
        );
    }
}
