//! Two kin commands at once on one repository: each succeeds or refuses cleanly (the lock),
//! and afterwards nothing recorded is lost: cache objects are sound, `.gitignore` lines and
//! `.dvc` files of every successful `add` are there, and nothing recorded is missing from
//! the cache.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use super::checks::{cache_objects_are_sound, everything_reads};
use super::{Rng, trials};
use crate::common::{git_repo, kin, run_ok};

const COMMANDS: &[&[&str]] = &[
    &["add", "a"],
    &["add", "b"],
    &["add", "dir"],
    &["repro"],
    &["checkout"],
    &["gc", "--workspace", "--force"],
    &["status", "--json"],
    &["commit"],
];

fn project() -> tempfile::TempDir {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(dir.join("a"), "a\n").expect("write");
    std::fs::write(dir.join("b"), "b\n").expect("write");
    std::fs::create_dir_all(dir.join("dir")).expect("mkdir");
    for i in 0..50 {
        std::fs::write(dir.join(format!("dir/{i}")), format!("{i}\n")).expect("write");
    }
    std::fs::write(dir.join("src.txt"), "source\n").expect("write");
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  one:\n    cmd: sleep 0.2; cp src.txt one.txt\n    deps: [src.txt]\n    outs: [one.txt]\n  two:\n    cmd: sleep 0.2; cat one.txt one.txt > two.txt\n    deps: [one.txt]\n    outs: [two.txt]\n",
    )
    .expect("write");
    repo
}

fn spawn(dir: &Path, args: &[&str]) -> std::process::Child {
    kin(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// A command either did its work or refused because the other one held what it needed.
fn finished_cleanly(args: &[&str], output: &Output) -> bool {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked"),
        "kin {args:?} panicked: {stderr}"
    );
    match output.status.code() {
        Some(0) => true,
        Some(1) => {
            assert!(
                stderr.contains("locked") || stderr.contains("is busy"),
                "kin {args:?} failed for another reason than the other command: {stderr}"
            );
            false
        }
        other => panic!("kin {args:?} ended with {other:?}: {stderr}"),
    }
}

#[test]
fn two_commands_at_once_lose_nothing() {
    let mut rng = Rng::from_env("two_commands_at_once_lose_nothing");
    let trials = trials();
    let mut refusals = 0;
    for trial in 0..trials {
        let repo = project();
        let dir = repo.path();
        // Half the trials start from a repository where everything is recorded already;
        // `commit` needs the outputs there, so it runs only in those.
        let recorded = rng.below(2) == 0;
        if recorded {
            run_ok(kin(dir).args(["add", "a", "b", "dir"]));
            run_ok(kin(dir).arg("repro"));
        }
        let commands: Vec<&[&str]> = COMMANDS
            .iter()
            .copied()
            .filter(|c| recorded || c[0] != "commit")
            .collect();
        let first = *rng.pick(&commands);
        let second = *rng.pick(&commands);
        let one = spawn(dir, first);
        std::thread::sleep(Duration::from_millis(rng.below(150)));
        let two = spawn(dir, second);
        let results = [
            (first, one.wait_with_output().expect("wait")),
            (second, two.wait_with_output().expect("wait")),
        ];
        let gitignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap_or_default();
        for (args, output) in &results {
            if !finished_cleanly(args, output) {
                refusals += 1;
                continue;
            }
            if args[0] == "add" {
                let target = args[1];
                assert!(
                    gitignore.lines().any(|l| l == format!("/{target}")),
                    "trial {trial}: {first:?} with {second:?} lost the .gitignore line of {target}:\n{gitignore}"
                );
                assert!(dir.join(format!("{target}.dvc")).exists());
            }
        }
        cache_objects_are_sound(dir);
        everything_reads(dir);
        let status = run_ok(kin(dir).arg("status"));
        assert!(
            !status.contains("not in cache"),
            "trial {trial}: {first:?} with {second:?} lost recorded objects:\n{status}"
        );
    }
    eprintln!("{trials} pairs, {refusals} commands refused by the lock");
}
