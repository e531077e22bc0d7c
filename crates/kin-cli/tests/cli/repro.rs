//! `kin repro` against the real DVC: the same pipelines run by both must leave identical
//! dvc.lock files, .gitignore entries, run-cache entries and outputs; each tool must find the
//! other's result up to date; after each change both must select the same stages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{dvc, dvc_python, git_repo, kin, pipeline_repo, run, run_ok, tests_dir};
use crate::processes::signal;

/// Every file under `dir` that a repro produces or records: the workspace (without `.git`,
/// `.kin` and DVC's tmp/cache internals) plus the names of run-cache entries and cache objects.
fn state_of(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("readable")
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let rel = path
                .strip_prefix(base)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            // `kin init` words .dvcignore its own way (the init tests compare the rest).
            if [".git", ".kin", ".dvc/tmp", ".dvc/config", ".dvcignore"].contains(&rel.as_str()) {
                continue;
            }
            if path.is_dir() {
                walk(base, &path, out);
            } else if rel.starts_with(".dvc/cache/") {
                // Names only: object content is covered by its name.
                out.insert(rel, String::new());
            } else {
                let bytes = std::fs::read(&path).expect("read");
                out.insert(rel, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same_state(case: &str, step: &str, kin_dir: &Path, dvc_dir: &Path) {
    let (ours, theirs) = (state_of(kin_dir), state_of(dvc_dir));
    for (path, content) in &theirs {
        match ours.get(path) {
            Some(mine) => assert_eq!(mine, content, "{case} after {step}: `{path}` differs"),
            None => panic!("{case} after {step}: kin lacks `{path}`"),
        }
    }
    for path in ours.keys() {
        assert!(
            theirs.contains_key(path),
            "{case} after {step}: kin has extra `{path}`"
        );
    }
}

/// Stage names a `dvc repro --dry` would run.
fn dvc_selected(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("Running stage '"))
        .filter_map(|l| l.strip_suffix("':"))
        .map(str::to_owned)
        .collect()
}

fn kin_selected(dir: &Path) -> Vec<String> {
    let text = run_ok(kin(dir).args(["repro", "--dry", "--json"]));
    let report: serde_json::Value = serde_json::from_str(&text).expect("json");
    report["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .filter(|s| s["status"] == "would-run")
        .map(|s| s["stage"].as_str().expect("name").to_owned())
        .collect()
}

/// What a status JSON reports besides stages that always run.
fn stale(status_json: &str) -> serde_json::Value {
    let mut status: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(status_json).expect("status json");
    status.retain(|_, reasons| *reasons != serde_json::json!(["always changed"]));
    serde_json::Value::Object(status)
}

fn assert_each_sees_the_other_up_to_date(
    python: &Path,
    case: &str,
    step: &str,
    kin_dir: &Path,
    dvc_dir: &Path,
) {
    let theirs = stale(&dvc(python, kin_dir, &["status", "--json"]));
    assert_eq!(
        theirs,
        serde_json::json!({}),
        "{case} after {step}: dvc status on kin's repo"
    );
    let ours = stale(&run_ok(kin(dvc_dir).args(["status", "--json"])));
    assert_eq!(
        ours,
        serde_json::json!({}),
        "{case} after {step}: kin status on DVC's repo"
    );
}

fn shell(dir: &Path, line: &str) {
    let status = Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .status()
        .expect("sh runs");
    assert!(status.success(), "`{line}` failed");
}

fn check_case(python: &Path, case: &Path) {
    let name = case
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let kin_repo = git_repo(Some(&case.join("repo")));
    let dvc_repo = git_repo(Some(&case.join("repo")));
    let (kin_dir, dvc_dir) = (kin_repo.path(), dvc_repo.path());
    run_ok(kin(kin_dir).args(["init", "-q"]));
    dvc(python, dvc_dir, &["init", "-q"]);
    run_ok(kin(kin_dir).args(["repro"]));
    dvc(python, dvc_dir, &["repro"]);
    assert_same_state(&name, "the first repro", kin_dir, dvc_dir);
    assert_each_sees_the_other_up_to_date(python, &name, "the first repro", kin_dir, dvc_dir);
    let steps = std::fs::read_to_string(case.join("steps")).unwrap_or_default();
    for step in steps
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        shell(kin_dir, step);
        shell(dvc_dir, step);
        let theirs = dvc_selected(&dvc(python, dvc_dir, &["repro", "--dry"]));
        assert_eq!(
            kin_selected(kin_dir),
            theirs,
            "{name}: stages selected after `{step}`"
        );
        run_ok(kin(kin_dir).args(["repro"]));
        dvc(python, dvc_dir, &["repro"]);
        assert_same_state(&name, step, kin_dir, dvc_dir);
        assert_each_sees_the_other_up_to_date(python, &name, step, kin_dir, dvc_dir);
    }
}

#[test]
fn repro_matches_dvc_on_the_runnable_corpus() {
    let Some(python) = dvc_python() else { return };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(tests_dir().join("repro"))
        .expect("tests/repro")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("repo").is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 4, "the corpus is missing");
    std::thread::scope(|scope| {
        for case in &cases {
            let python = &python;
            scope.spawn(move || check_case(python, case));
        }
    });
}

#[test]
fn a_second_repro_is_a_no_op_and_a_deleted_output_comes_back_from_the_cache() {
    let repo = git_repo(Some(&tests_dir().join("repro/basic/repo")));
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    run_ok(kin(dir).args(["repro"]));
    let lock = std::fs::read(dir.join("dvc.lock")).expect("lock");
    let again = run_ok(kin(dir).args(["repro"]));
    assert!(
        again.contains("Data and pipelines are up to date."),
        "{again}"
    );
    std::fs::remove_file(dir.join("model.bin")).expect("rm");
    let restored = run_ok(kin(dir).args(["repro"]));
    assert!(
        restored.contains("Stage 'train' is cached - skipping run"),
        "{restored}"
    );
    assert_eq!(
        std::fs::read(dir.join("model.bin")).expect("model"),
        b"a\nb\r\n"
    );
    assert_eq!(std::fs::read(dir.join("dvc.lock")).expect("lock"), lock);
}

#[test]
fn a_failing_stage_keeps_its_lock_entry_and_skips_what_depends_on_it() {
    let repo = pipeline_repo(
        "stages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n  b:\n    cmd: echo oops && exit 3\n    deps: [a.txt]\n    outs: [b.txt]\n  c:\n    cmd: cat b.txt > c.txt\n    deps: [b.txt]\n    outs: [c.txt]\n  d:\n    cmd: echo d > d.txt\n    outs: [d.txt]\n",
    );
    let dir = repo.path();
    let output = run(kin(dir).args(["repro", "--keep-going"]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("stage `b` failed: `echo oops && exit 3` exited with code 3"),
        "{stderr}"
    );
    assert!(stderr.contains("failed to reproduce 'b'"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("Stage 'c' skipped: it depends on failed stage 'b'"),
        "{stdout}"
    );
    let lock = std::fs::read_to_string(dir.join("dvc.lock")).expect("lock");
    assert!(lock.contains("  a:") && lock.contains("  d:"), "{lock}");
    assert!(!lock.contains("  b:") && !lock.contains("  c:"), "{lock}");
    let log = std::fs::read_to_string(dir.join(".kin/logs/b.log")).expect("log");
    assert_eq!(log, "oops\n");
    // Without --keep-going, nothing after the failure starts.
    std::fs::remove_file(dir.join("dvc.lock")).expect("rm");
    let output = run(kin(dir).args(["repro"]));
    assert_eq!(output.status.code(), Some(1));
    let lock = std::fs::read_to_string(dir.join("dvc.lock")).expect("lock");
    assert!(lock.contains("  a:") && !lock.contains("  d:"), "{lock}");
}

#[test]
fn a_missing_output_or_dep_is_named() {
    let repo = pipeline_repo("stages:\n  lazy:\n    cmd: echo nothing\n    outs: [never.txt]\n");
    let dir = repo.path();
    let output = run(kin(dir).args(["repro"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("stage `lazy` did not produce `never.txt`"),
        "{stderr}"
    );
    assert!(!dir.join("dvc.lock").exists());
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  needy:\n    cmd: cat in.txt > out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n",
    )
    .expect("write");
    let output = run(kin(dir).args(["repro"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("stage `needy`: dependency `in.txt` does not exist"),
        "{stderr}"
    );
}

#[test]
fn independent_stages_run_in_parallel_with_jobs() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    // Each stage waits until the other has started: they can only finish if run together.
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  left:\n    cmd: touch left.started && while [ ! -e right.started ]; do sleep 0.05; done && echo l > left.txt\n    outs: [left.txt]\n  right:\n    cmd: touch right.started && while [ ! -e left.started ]; do sleep 0.05; done && echo r > right.txt\n    outs: [right.txt]\n",
    )
    .expect("write");
    let output = run_ok(kin(dir).args(["repro", "-j", "2"]));
    assert!(
        output.contains("[left] ") || output.contains("Running stage 'left'"),
        "{output}"
    );
    let lock = std::fs::read_to_string(dir.join("dvc.lock")).expect("lock");
    // Entries land in plan order whichever finished first.
    let (left, right) = (
        lock.find("  left:").expect("left"),
        lock.find("  right:").expect("right"),
    );
    assert!(left < right, "{lock}");
}

#[test]
fn a_second_repro_waits_for_or_refuses_the_repository_lock() {
    let repo = pipeline_repo(
        "stages:\n  slow:\n    cmd: touch started && sleep 6 && echo done > slow.txt\n    outs: [slow.txt]\n",
    );
    let dir = repo.path();
    let mut first = kin(dir)
        .arg("repro")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    while !dir.join("started").exists() {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The repository lock is let go while the command runs (as DVC does), but the stage's
    // outputs stay write-locked: a second run of the same stage is refused, or waits.
    let second = run(kin(dir).args(["repro"]));
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("slow.txt` is busy"), "{stderr}");
    assert!(stderr.contains("kin repro"), "names the holder: {stderr}");
    assert!(stderr.contains("--wait"), "{stderr}");
    let waited = run(kin(dir).args(["repro", "--wait"]));
    assert!(waited.status.success());
    let waited_err = String::from_utf8_lossy(&waited.stderr);
    assert!(waited_err.contains("Waiting for"), "{waited_err}");
    // Once the first run is done, the waiting one finds the stage up to date.
    assert!(
        String::from_utf8_lossy(&waited.stdout).contains("didn't change"),
        "{}",
        String::from_utf8_lossy(&waited.stdout)
    );
    assert!(first.wait().expect("wait").success());
    assert_eq!(
        std::fs::read_to_string(dir.join("slow.txt")).expect("out"),
        "done\n"
    );
}

#[test]
fn a_stage_command_may_run_kin_itself() {
    // DVC lets go of the repository lock while a command runs; so does kin, so a stage can
    // track data with `kin add` (or call `dvc`).
    let kin_bin = env!("CARGO_BIN_EXE_kin");
    let repo = pipeline_repo(&format!(
        "stages:\n  nested:\n    cmd: echo raw > raw.txt && {kin_bin} add raw.txt && echo ok > out.txt\n    outs: [out.txt]\n"
    ));
    let dir = repo.path();
    run_ok(kin(dir).args(["repro"]));
    assert!(dir.join("raw.txt.dvc").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("out.txt")).expect("out"),
        "ok\n"
    );
}

fn wait_for(path: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn sigterm_stops_the_running_command_and_records_nothing() {
    let repo = pipeline_repo(
        "stages:\n  long:\n    cmd: echo $$ > shell.pid && sleep 60 && echo done > long.txt\n    outs: [long.txt]\n",
    );
    let dir = repo.path();
    let child = kin(dir)
        .arg("repro")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_for(&dir.join("shell.pid"));
    let started = std::time::Instant::now();
    signal(child.id(), "TERM");
    let output = child.wait_with_output().expect("wait");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("stage `long` was interrupted while running"),
        "{stderr}"
    );
    assert!(!dir.join("dvc.lock").exists());
    assert!(!dir.join("long.txt").exists());
    // The command's shell is gone too: kin stopped the whole process group.
    let pid = std::fs::read_to_string(dir.join("shell.pid")).expect("pid");
    let alive = Command::new("kill")
        .args(["-0", pid.trim()])
        .stderr(std::process::Stdio::null())
        .status()
        .expect("kill runs");
    assert!(!alive.success(), "the stage's shell {pid} survived");
}

#[test]
fn a_killed_repro_leaves_a_consistent_repo_and_the_rerun_completes() {
    let repo = pipeline_repo(
        "stages:\n  first:\n    cmd: echo one > one.txt\n    outs: [one.txt]\n  second:\n    cmd: touch started && sleep 1 && cat one.txt > two.txt\n    deps: [one.txt]\n    outs: [two.txt]\n",
    );
    let dir = repo.path();
    let mut child = kin(dir).arg("repro").spawn().expect("spawn");
    wait_for(&dir.join("started"));
    signal(child.id(), "KILL");
    child.wait().expect("wait");
    // `first` finished and was recorded; `second` was not.
    let lock = std::fs::read_to_string(dir.join("dvc.lock")).expect("lock");
    assert!(
        lock.contains("  first:") && !lock.contains("  second:"),
        "{lock}"
    );
    let rerun = run_ok(kin(dir).arg("repro"));
    assert!(
        rerun.contains("Stage 'first' didn't change, skipping"),
        "{rerun}"
    );
    assert!(rerun.contains("Running stage 'second'"), "{rerun}");
    assert_eq!(
        std::fs::read_to_string(dir.join("two.txt")).expect("two"),
        "one\n"
    );
    let status = run_ok(kin(dir).args(["status", "--json"]));
    assert_eq!(status.trim(), "{}");
}

#[test]
fn commit_records_hand_edited_outputs_and_data_without_running() {
    let repo =
        pipeline_repo("stages:\n  make:\n    cmd: echo made > made.txt\n    outs: [made.txt]\n");
    let dir = repo.path();
    std::fs::write(dir.join("raw.txt"), "raw\n").expect("write");
    run_ok(kin(dir).args(["add", "-q", "raw.txt"]));
    run_ok(kin(dir).arg("repro"));
    std::fs::write(dir.join("made.txt"), "edited by hand\n").expect("write");
    std::fs::write(dir.join("raw.txt"), "raw, fixed\n").expect("write");
    let before = run_ok(kin(dir).args(["status", "--json"]));
    assert!(
        before.contains("made.txt") && before.contains("raw.txt.dvc"),
        "{before}"
    );
    let said = run_ok(kin(dir).arg("commit"));
    assert!(said.contains("Committed stage 'make'"), "{said}");
    assert!(said.contains("Committed 'raw.txt.dvc'"), "{said}");
    assert_eq!(run_ok(kin(dir).args(["status", "--json"])).trim(), "{}");
    // The command never ran again: the hand edit is what was recorded.
    assert_eq!(
        std::fs::read_to_string(dir.join("made.txt")).expect("read"),
        "edited by hand\n"
    );
    if let Some(python) = dvc_python() {
        let theirs = stale(&dvc(&python, dir, &["status", "--json"]));
        assert_eq!(theirs, serde_json::json!({}));
    }
}

#[test]
fn reverting_a_param_restores_the_earlier_run_from_the_run_cache() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(dir.join("params.yaml"), "n: 1\n").expect("write");
    std::fs::write(dir.join("in.txt"), "in\n").expect("write");
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  count:\n    cmd: cat in.txt > out.txt && echo ${n} >> out.txt && echo ran >> runs.log\n    deps: [in.txt]\n    params: [n]\n    outs: [out.txt]\n",
    )
    .expect("write");
    run_ok(kin(dir).arg("repro"));
    std::fs::write(dir.join("params.yaml"), "n: 2\n").expect("write");
    run_ok(kin(dir).arg("repro"));
    std::fs::write(dir.join("params.yaml"), "n: 1\n").expect("write");
    let third = run_ok(kin(dir).arg("repro"));
    assert!(
        third.contains("Stage 'count' is cached - skipping run"),
        "{third}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out.txt")).expect("out"),
        "in\n1\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("runs.log")).expect("log"),
        "ran\nran\n"
    );
    let forced = run_ok(kin(dir).args(["repro", "-f"]));
    assert!(forced.contains("Running stage 'count'"), "{forced}");
    run_ok(kin(dir).args(["repro", "--no-run-cache", "-f"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("runs.log")).expect("log"),
        "ran\nran\nran\nran\n"
    );
}

#[test]
fn dvc_cannot_start_while_kin_runs_a_pipeline() {
    let Some(python) = dvc_python() else { return };
    let repo = pipeline_repo(
        "stages:\n  slow:\n    cmd: touch started && sleep 8 && echo done > slow.txt\n    outs: [slow.txt]\n",
    );
    let dir = repo.path();
    let mut first = kin(dir)
        .arg("repro")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for(&dir.join("started"));
    let theirs = Command::new(&python)
        .args(["-m", "dvc", "repro"])
        .current_dir(dir)
        .output()
        .expect("dvc runs");
    assert!(
        !theirs.status.success(),
        "dvc repro ran while kin held the lock"
    );
    let stderr = String::from_utf8_lossy(&theirs.stderr);
    assert!(stderr.contains("lock"), "{stderr}");
    assert!(first.wait().expect("wait").success());
}

#[test]
fn an_alias_bomb_in_params_fails_naming_the_file_instead_of_aborting() {
    // Nine levels of nine aliases: 340 bytes that describe 3.5·10⁹ nodes.
    let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
    for (previous, name) in "abcdefghi".chars().zip("bcdefghij".chars()) {
        let items = vec![format!("*{previous}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{items}]\n"));
    }
    let repo = pipeline_repo("stages:\n  s:\n    cmd: echo hi\n    params: [a]\n");
    let dir = repo.path();
    std::fs::write(dir.join("params.yaml"), &bomb).expect("write params");
    for args in [&["repro"][..], &["status"], &["stages"]] {
        let output = run(kin(dir).args(args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "kin {args:?}: {stderr}");
        assert!(
            stderr.contains("`params.yaml`") && stderr.contains("aliases expand"),
            "kin {args:?}: {stderr}"
        );
    }
}

#[test]
fn kin_does_not_run_a_stage_dvc_is_running() {
    let Some(python) = dvc_python() else { return };
    let repo = pipeline_repo(
        "stages:\n  slow:\n    cmd: touch started && sleep 6 && echo done > slow.txt\n    outs: [slow.txt]\n",
    );
    let dir = repo.path();
    // DVC lets go of its repository lock while the command runs, but write-locks the output.
    let mut theirs = Command::new(&python)
        .args(["-m", "dvc", "repro"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dvc runs");
    wait_for(&dir.join("started"));
    let ours = run(kin(dir).arg("repro"));
    let stderr = String::from_utf8_lossy(&ours.stderr);
    assert_eq!(ours.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("slow.txt` is busy"), "{stderr}");
    assert!(theirs.wait().expect("dvc").success());
    // Once DVC is done, the stage is up to date for kin too.
    assert!(run_ok(kin(dir).arg("repro")).contains("didn't change"));
}
