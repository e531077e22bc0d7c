//! kin never loses data or works outside its lane: concurrent commands, killed runs, hostile
//! paths. Each test builds the failure it guards against from a fresh repository.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{kin, pipeline_repo, run, run_ok};

fn wait_for(path: &Path, within: Duration) {
    let deadline = Instant::now() + within;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether any process of the group `pgid` still runs (zombies, which nothing may reap in a
/// container, do not count).
fn group_alive(pgid: i32) -> bool {
    std::fs::read_dir("/proc")
        .expect("procfs")
        .flatten()
        .any(|entry| {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                return false;
            };
            let after = &stat[stat.rfind(')').expect("comm") + 1..];
            let fields: Vec<&str> = after.split_whitespace().collect();
            fields[0] != "Z" && fields[2] == pgid.to_string()
        })
}

fn kill9(child: &mut std::process::Child) {
    let status = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let _ = child.wait();
}

#[test]
fn concurrent_adds_in_a_fresh_repository_lose_no_gitignore_line() {
    for trial in 0..6 {
        let repo = crate::common::git_repo(None);
        let dir = repo.path();
        run_ok(kin(dir).args(["init", "-q"]));
        for name in ["a", "b", "c"] {
            std::fs::write(dir.join(name), format!("{name} {trial}\n")).expect("write");
        }
        let children: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|name| {
                kin(dir)
                    .args(["add", name])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().expect("wait");
            assert!(
                output.status.success(),
                "trial {trial}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let gitignore = std::fs::read_to_string(dir.join(".gitignore")).expect("gitignore");
        let mut lines: Vec<&str> = gitignore.lines().collect();
        lines.sort_unstable();
        assert_eq!(lines, ["/a", "/b", "/c"], "trial {trial}");
        for name in ["a", "b", "c"] {
            assert!(dir.join(format!("{name}.dvc")).exists());
        }
    }
}

#[test]
fn readding_in_hardlink_mode_leaves_no_temp_files_in_the_directory() {
    let repo = pipeline_repo("stages: {}\n");
    let dir = repo.path();
    std::fs::write(dir.join(".dvc/config"), "[cache]\n    type = hardlink\n").expect("config");
    std::fs::create_dir_all(dir.join("data/sub")).expect("mkdir");
    for i in 0..5 {
        std::fs::write(dir.join(format!("data/sub/f{i}")), format!("{i}\n")).expect("write");
    }
    run_ok(kin(dir).args(["add", "data"]));
    let first = std::fs::read_to_string(dir.join("data.dvc")).expect("dvc file");
    run_ok(kin(dir).args(["add", "data"]));
    run_ok(kin(dir).args(["add", "data"]));
    let mut names: Vec<String> = std::fs::read_dir(dir.join("data/sub"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["f0", "f1", "f2", "f3", "f4"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("data.dvc")).expect("dvc file"),
        first,
        "the tracked directory must not grow"
    );
}

#[test]
fn a_killed_repro_takes_its_stage_command_with_it() {
    let repo = pipeline_repo(
        "stages:\n  slow:\n    cmd: sh -c 'echo $$ > pgid; sleep 30; echo late > out.txt'\n    outs: [out.txt]\n",
    );
    let dir = repo.path();
    // `sh -c` inside the stage's shell: the group, not only the direct child, must go.
    let mut child = kin(dir)
        .arg("repro")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for(&dir.join("pgid"), Duration::from_secs(30));
    let pid: i32 = std::fs::read_to_string(dir.join("pgid"))
        .expect("pgid")
        .trim()
        .parse()
        .expect("number");
    let pgid = pgid_of(pid);
    kill9(&mut child);
    let deadline = Instant::now() + Duration::from_secs(3);
    while group_alive(pgid) {
        assert!(
            Instant::now() < deadline,
            "the stage command outlived kin by 3 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!dir.join("out.txt").exists());
    // The rerun is not troubled by anything the killed one left.
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  slow:\n    cmd: echo done > out.txt\n    outs: [out.txt]\n",
    )
    .expect("write");
    run_ok(kin(dir).arg("repro"));
    assert_eq!(
        std::fs::read_to_string(dir.join("out.txt")).expect("out"),
        "done\n"
    );
}

/// The process group of `pid`, from /proc.
fn pgid_of(pid: i32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the parenthesised command name: state ppid pgrp ...
    let after = &stat[stat.rfind(')').expect("comm") + 1..];
    after
        .split_whitespace()
        .nth(2)
        .expect("pgrp")
        .parse()
        .expect("number")
}

#[test]
fn a_rerun_refuses_to_collide_with_a_command_that_outlived_kin() {
    // The command ignores TERM, so it outlives a killed kin for the watchdog's grace period.
    let repo = pipeline_repo(
        "stages:\n  stubborn:\n    cmd: trap '' TERM; echo $$ > pid; sleep 4; echo late > out.txt\n    outs: [out.txt]\n",
    );
    let dir = repo.path();
    let mut child = kin(dir)
        .arg("repro")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for(&dir.join("pid"), Duration::from_secs(30));
    kill9(&mut child);
    let rerun = run(kin(dir).arg("repro"));
    assert_eq!(rerun.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert!(
        stderr.contains("is still running as process group"),
        "{stderr}"
    );
    // Once it is gone, the stage runs again.
    wait_for(&dir.join("out.txt"), Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    run_ok(kin(dir).arg("repro"));
}

#[test]
fn checkout_keeps_unsaved_edits_unless_forced() {
    let repo = pipeline_repo("stages: {}\n");
    let dir = repo.path();
    std::fs::write(dir.join("foo"), "v1\n").expect("write");
    std::fs::create_dir_all(dir.join("d")).expect("mkdir");
    std::fs::write(dir.join("d/a"), "a\n").expect("write");
    std::fs::write(dir.join("d/b"), "b\n").expect("write");
    run_ok(kin(dir).args(["add", "foo", "d"]));
    std::fs::write(dir.join("foo"), "local edit\n").expect("write");
    std::fs::write(dir.join("d/a"), "edited\n").expect("write");
    std::fs::write(dir.join("d/c"), "new file\n").expect("write");
    let refused = run(kin(dir).arg("checkout"));
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    for path in ["foo", "d/a", "d/c"] {
        assert!(
            stderr.contains(&format!("  {path}\n")),
            "{path} in {stderr}"
        );
    }
    assert!(stderr.contains("--force"), "{stderr}");
    // Nothing was touched, not even the outputs that had nothing unsaved.
    assert_eq!(
        std::fs::read_to_string(dir.join("foo")).expect("foo"),
        "local edit\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("d/a")).expect("a"),
        "edited\n"
    );
    assert!(dir.join("d/c").exists());
    run_ok(kin(dir).args(["checkout", "--force"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("foo")).expect("foo"),
        "v1\n"
    );
    assert_eq!(std::fs::read_to_string(dir.join("d/a")).expect("a"), "a\n");
    assert!(!dir.join("d/c").exists());
    // A version that is in the cache is not unsaved: it is replaced without asking.
    let v1_record = std::fs::read_to_string(dir.join("foo.dvc")).expect("foo.dvc");
    std::fs::write(dir.join("foo"), "v2\n").expect("write");
    run_ok(kin(dir).args(["add", "foo"]));
    std::fs::write(dir.join("foo.dvc"), v1_record).expect("write");
    run_ok(kin(dir).arg("checkout"));
    assert_eq!(
        std::fs::read_to_string(dir.join("foo")).expect("foo"),
        "v1\n"
    );
}
