//! kill -9 at random points of `add`, `repro` and `checkout`: afterwards every cache object
//! is sound, every file parses, no stage process survives, and a rerun completes and leaves
//! both kin and DVC seeing an up-to-date repository with nothing left behind.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use super::checks::{cache_objects_are_sound, everything_reads, no_leftovers, stage_groups_gone};
use super::{Rng, trials};
use crate::common::{dvc, dvc_python, git_repo, kin, run_ok};
use crate::processes::kill9;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Operation {
    Add,
    Repro,
    Checkout,
}

/// A repository with data to add and a three-stage pipeline whose commands note their
/// process group in `pgids` (outside the repository).
fn project(pgids: &Path) -> tempfile::TempDir {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::create_dir_all(dir.join("data")).expect("mkdir");
    for i in 0..150 {
        std::fs::write(
            dir.join(format!("data/f{i:03}.txt")),
            format!("{i}\n").repeat(300),
        )
        .expect("write");
    }
    let big: Vec<u8> = (0..6_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("big.bin"), big).expect("write");
    std::fs::write(dir.join("metrics.src"), "{\"size\": 1}\n").expect("write");
    // The process group (field 5 of /proc/PID/stat; the command name `sh` has no spaces).
    let note = format!("cut -d' ' -f5 /proc/$$/stat >> {}", pgids.display());
    std::fs::write(
        dir.join("dvc.yaml"),
        format!(
            "stages:\n  prep:\n    cmd: {note}; mkdir -p prepared && cp data/* prepared/\n    deps: [data]\n    outs: [prepared]\n  train:\n    cmd: {note}; sleep 0.3; cat prepared/* big.bin > model.bin\n    deps: [prepared, big.bin]\n    outs: [model.bin]\n  eval:\n    cmd: {note}; cp metrics.src metrics.json\n    deps: [model.bin]\n    metrics: [metrics.json]\n"
        ),
    )
    .expect("write");
    repo
}

/// Runs `kin args` and kills it with SIGKILL after `delay`; returns whether it was still
/// running then.
fn kill_after(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = kin(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(delay);
    let running = child.try_wait().expect("wait").is_none();
    if running {
        kill9(&mut child);
    } else {
        let _ = child.wait();
    }
    running
}

fn args_of(operation: Operation) -> &'static [&'static str] {
    match operation {
        Operation::Add => &["add", "data", "big.bin"],
        Operation::Repro => &["repro"],
        Operation::Checkout => &["checkout"],
    }
}

#[test]
fn kill_nine_at_random_points_loses_nothing() {
    let python = dvc_python();
    let mut rng = Rng::from_env("kill_nine_at_random_points_loses_nothing");
    let mut killed = 0;
    let trials = trials();
    for trial in 0..trials {
        let scratch = tempfile::tempdir().expect("temp dir");
        let pgids = scratch.path().join("pgids");
        let repo = project(&pgids);
        let dir = repo.path();
        let operation = *rng.pick(&[Operation::Add, Operation::Repro, Operation::Checkout]);
        if operation == Operation::Checkout {
            // Something to restore: everything recorded, then the workspace emptied.
            run_ok(kin(dir).args(["add", "data", "big.bin"]));
            run_ok(kin(dir).arg("repro"));
            for path in ["data", "prepared"] {
                std::fs::remove_dir_all(dir.join(path)).expect("rm");
            }
            for path in ["big.bin", "model.bin", "metrics.json"] {
                std::fs::remove_file(dir.join(path)).expect("rm");
            }
        }
        let delay = Duration::from_millis(rng.below(900));
        let context = format!("trial {trial}: {operation:?} killed after {delay:?}");
        if kill_after(dir, args_of(operation), delay) {
            killed += 1;
        }
        cache_objects_are_sound(dir);
        stage_groups_gone(&pgids, Duration::from_secs(20));
        everything_reads(dir);
        // The rerun completes what the killed run began; after it the pipeline is run to
        // the end (a no-op unless the killed command was `add`).
        run_ok(kin(dir).args(args_of(operation)));
        run_ok(kin(dir).arg("repro"));
        no_leftovers(dir);
        let status = run_ok(kin(dir).arg("status"));
        assert_eq!(status, "Data and pipelines are up to date.\n", "{context}");
        if let Some(python) = &python {
            let theirs = dvc(python, dir, &["status"]);
            assert!(
                theirs.contains("up to date"),
                "{context}: dvc status after the rerun:\n{theirs}"
            );
        }
        cache_objects_are_sound(dir);
    }
    eprintln!("{trials} trials, {killed} killed while running");
}
