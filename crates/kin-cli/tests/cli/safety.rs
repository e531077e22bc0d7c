//! kin never loses data or works outside its lane: concurrent commands, killed runs, hostile
//! paths. Each test builds the failure it guards against from a fresh repository.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{kin, pipeline_repo, run, run_ok};
use crate::processes::{group_running, kill9};

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
    let pgid = group_of_pid_in(&dir.join("pgid"));
    kill9(&mut child);
    // The watchdog terminates the group at once and kills what is left once the command has
    // gone; the allowance is for a machine under load.
    let deadline = Instant::now() + Duration::from_secs(20);
    while group_running(pgid) {
        assert!(
            Instant::now() < deadline,
            "the stage command outlived kin by 20 s"
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

/// The process group of the process whose pid a stage command writes into `file`, once it
/// has (the file appears before `echo` has written the number into it).
fn group_of_pid_in(file: &Path) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    let pid: i32 = loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if let Ok(pid) = text.trim().parse() {
            break pid;
        }
        assert!(Instant::now() < deadline, "the stage never wrote its pid");
        std::thread::sleep(Duration::from_millis(20));
    };
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

/// Starts a stage whose command ignores TERM, kills kin with KILL once the command runs, and
/// reruns at once: the rerun's output, the repository and the command's process group.
fn kill_kin_under_a_stubborn_command() -> (Output, tempfile::TempDir, i32) {
    // The command ignores TERM, so it outlives a killed kin for the watchdog's grace period
    // (5 s, then KILL), long enough for a rerun to find it.
    let repo = pipeline_repo(
        "stages:\n  stubborn:\n    cmd: trap '' TERM; echo $$ > pid; sleep 8; echo late > out.txt\n    outs: [out.txt]\n",
    );
    let dir = repo.path();
    let mut child = kin(dir)
        .arg("repro")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let group = group_of_pid_in(&dir.join("pid"));
    let note = dir.join(".kin/tmp/running/stubborn");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !note.exists() {
        assert!(
            Instant::now() < deadline,
            "kin never noted the running command"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // kin tells the watchdog the command's pid just after starting it; killed before that,
    // the watchdog ends the command at once (nothing survives, nothing to collide with).
    // A moment's wait makes that rare; the caller tries again when it happened.
    std::thread::sleep(Duration::from_millis(300));
    kill9(&mut child);
    let rerun = run(kin(dir).arg("repro"));
    (rerun, repo, group)
}

#[test]
fn a_rerun_refuses_to_collide_with_a_command_that_outlived_kin() {
    let mut attempts = 0;
    let (rerun, repo, group) = loop {
        attempts += 1;
        let (rerun, repo, group) = kill_kin_under_a_stubborn_command();
        if rerun.status.code() == Some(1) || attempts == 3 {
            break (rerun, repo, group);
        }
        // The command did not survive kin: the rerun ran the stage, and nothing of the
        // first command is left.
        assert!(
            rerun.status.success(),
            "{}",
            String::from_utf8_lossy(&rerun.stderr)
        );
        assert!(!group_running(group));
    };
    let dir = repo.path();
    assert_eq!(rerun.status.code(), Some(1), "in {attempts} attempts");
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert!(
        stderr.contains("is still running as process group"),
        "{stderr}"
    );
    // The watchdog kills it after its grace period; once it is gone, the stage runs again.
    let deadline = Instant::now() + Duration::from_secs(30);
    while group_running(group) {
        assert!(
            Instant::now() < deadline,
            "the watchdog never killed the command"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !dir.join("out.txt").exists(),
        "killed before it could write"
    );
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
    // What a checkout killed while copying leaves, the start of the object, is in the cache
    // too: the next checkout completes it without asking.
    std::fs::write(dir.join("foo"), "v").expect("truncate");
    std::fs::write(dir.join("d/a"), "").expect("truncate");
    run_ok(kin(dir).arg("checkout"));
    assert_eq!(
        std::fs::read_to_string(dir.join("foo")).expect("foo"),
        "v1\n"
    );
    assert_eq!(std::fs::read_to_string(dir.join("d/a")).expect("a"), "a\n");
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

/// A repository with a "victim" directory beside it, whose contents must never change.
struct Sandbox {
    _dir: tempfile::TempDir,
    repo: std::path::PathBuf,
    victim: std::path::PathBuf,
}

impl Sandbox {
    fn new(pipeline: &str) -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = dir.path().join("repo");
        let victim = dir.path().join("victim");
        std::fs::create_dir_all(&repo).expect("mkdir");
        std::fs::create_dir_all(victim.join("sub")).expect("mkdir");
        std::fs::write(victim.join("keep.txt"), "precious\n").expect("write");
        std::fs::write(victim.join("sub/keep2.txt"), "precious too\n").expect("write");
        let git = Command::new("git")
            .args(["init", "-q"])
            .current_dir(&repo)
            .status()
            .expect("git");
        assert!(git.success());
        run_ok(kin(&repo).args(["init", "-q"]));
        std::fs::write(repo.join("dvc.yaml"), pipeline).expect("write");
        Sandbox {
            _dir: dir,
            repo,
            victim,
        }
    }

    /// Every file under the victim directory and the repository's own state, with contents.
    fn protected(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        list_files(&self.victim, "victim", &mut files);
        list_files(&self.repo.join(".git"), ".git", &mut files);
        list_files(&self.repo.join(".dvc"), ".dvc", &mut files);
        files.retain(|(path, _)| !path.starts_with(".dvc/tmp") && !path.starts_with(".git/index"));
        files
    }
}

fn list_files(dir: &Path, shown: &str, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = format!("{shown}/{}", entry.file_name().to_string_lossy());
        let kind = entry.file_type().expect("type");
        if kind.is_dir() {
            list_files(&entry.path(), &name, out);
        } else {
            out.push((name, std::fs::read(entry.path()).unwrap_or_default()));
        }
    }
}

/// Runs kin, which must refuse (exit 1, a message naming `needle`), changing nothing protected.
fn refused(sandbox: &Sandbox, args: &[&str], needle: &str) {
    let before = sandbox.protected();
    let output = run(kin(&sandbox.repo).args(args));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "kin {args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "kin {args:?}: expected `{needle}` in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        sandbox.protected(),
        before,
        "kin {args:?} changed protected files"
    );
}

#[test]
fn outputs_naming_the_repositorys_own_files_are_refused_before_anything_runs() {
    for out in [
        ".git",
        ".dvc",
        ".dvc/cache",
        ".kin",
        ".git/hooks/pre-commit",
        "dvc.yaml",
        "dvc.lock",
        "data.dvc",
    ] {
        let sandbox = Sandbox::new(&format!(
            "stages:\n  evil:\n    cmd: echo ran > ran.txt\n    outs: ['{out}']\n"
        ));
        for command in [&["repro"][..], &["status"], &["stages"], &["checkout"]] {
            refused(&sandbox, command, out);
        }
        assert!(
            !sandbox.repo.join("ran.txt").exists(),
            "the stage of `{out}` ran"
        );
        assert!(sandbox.repo.join("dvc.yaml").exists());
    }
}

#[test]
fn a_wdir_outside_the_repository_is_refused() {
    let relative = Sandbox::new(
        "stages:\n  evil:\n    wdir: ../victim\n    cmd: echo x > keep.txt\n    outs: [keep.txt]\n",
    );
    refused(&relative, &["repro"], "../victim");
    assert!(!relative.victim.join(".gitignore").exists());
    let absolute = Sandbox::new("stages: {}\n");
    let victim = absolute.victim.to_string_lossy().into_owned();
    std::fs::write(
        absolute.repo.join("dvc.yaml"),
        format!("stages:\n  evil:\n    wdir: {victim}\n    cmd: 'true'\n    outs: [keep.txt]\n"),
    )
    .expect("write");
    refused(&absolute, &["repro"], "outside the repository");
}

/// Writes `text` as `name` in the repository and commits nothing: a .dvc file from elsewhere.
fn plant(sandbox: &Sandbox, name: &str, text: &str) {
    let path = sandbox.repo.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

#[test]
fn dvc_files_pointing_into_git_dvc_or_kin_are_refused() {
    for path in [
        ".git/hooks/pre-commit",
        ".dvc/config",
        ".kin/config.toml",
        "../victim/keep.txt",
        "sub/../../victim/keep.txt",
    ] {
        let sandbox = Sandbox::new("stages: {}\n");
        // The object exists, so nothing but the policy stands in the way.
        std::fs::write(sandbox.repo.join("payload"), "#!/bin/sh\necho pwned\n").expect("write");
        run_ok(kin(&sandbox.repo).args(["add", "payload"]));
        let record = std::fs::read_to_string(sandbox.repo.join("payload.dvc")).expect("dvc file");
        let hostile = record.replace("path: payload", &format!("path: {path}"));
        let hostile = hostile.replace("  hash: md5\n", "  isexec: true\n  hash: md5\n");
        plant(&sandbox, "evil.dvc", &hostile);
        refused(&sandbox, &["checkout"], "evil.dvc");
        refused(&sandbox, &["pull"], "evil.dvc");
        assert!(!sandbox.repo.join(".git/hooks/pre-commit").exists());
    }
}

#[test]
fn nothing_is_written_through_a_symlinked_directory() {
    let sandbox = Sandbox::new("stages: {}\n");
    let repo = &sandbox.repo;
    std::os::unix::fs::symlink(&sandbox.victim, repo.join("ln")).expect("symlink");
    // kin add through the link.
    refused(&sandbox, &["add", "ln/keep.txt"], "symbolic link");
    refused(&sandbox, &["add", "ln"], "symbolic link");
    // A .dvc file whose output is reached through the link.
    std::fs::write(repo.join("payload"), "overwrite\n").expect("write");
    run_ok(kin(repo).args(["add", "payload"]));
    let record = std::fs::read_to_string(repo.join("payload.dvc")).expect("dvc file");
    plant(
        &sandbox,
        "evil.dvc",
        &record.replace("path: payload", "path: ln/keep.txt"),
    );
    refused(&sandbox, &["checkout"], "symbolic link");
    std::fs::remove_file(repo.join("evil.dvc")).expect("rm");
    // A stage output through the link.
    std::fs::write(
        repo.join("dvc.yaml"),
        "stages:\n  evil:\n    cmd: echo x > ln/made.txt\n    outs: [ln/made.txt]\n",
    )
    .expect("write");
    refused(&sandbox, &["repro"], "symbolic link");
    assert!(!sandbox.victim.join("made.txt").exists());
}

#[test]
fn a_tracked_directory_replaced_by_a_symlink_is_not_followed() {
    let sandbox = Sandbox::new("stages: {}\n");
    let repo = &sandbox.repo;
    std::fs::create_dir_all(repo.join("data")).expect("mkdir");
    std::fs::write(repo.join("data/a.txt"), "a\n").expect("write");
    run_ok(kin(repo).args(["add", "data"]));
    std::fs::remove_dir_all(repo.join("data")).expect("rm");
    std::os::unix::fs::symlink(&sandbox.victim, repo.join("data")).expect("symlink");
    refused(&sandbox, &["checkout"], "symbolic link");
    // Forced, the link itself is replaced; what it pointed to is left alone.
    let before = sandbox.protected();
    run_ok(kin(repo).args(["checkout", "--force"]));
    assert_eq!(sandbox.protected(), before);
    assert!(
        !std::fs::symlink_metadata(repo.join("data"))
            .expect("data")
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("data/a.txt")).expect("a"),
        "a\n"
    );
}

#[test]
fn a_manifest_listing_paths_outside_its_directory_is_refused() {
    for relpath in [
        "../../victim/keep.txt",
        "../.git/hooks/pre-commit",
        "../escaped.txt",
    ] {
        let sandbox = Sandbox::new("stages: {}\n");
        let repo = &sandbox.repo;
        std::fs::write(repo.join("payload"), "#!/bin/sh\necho pwned\n").expect("write");
        run_ok(kin(repo).args(["add", "payload"]));
        let payload_md5 = std::fs::read_to_string(repo.join("payload.dvc"))
            .expect("dvc file")
            .lines()
            .find_map(|l| {
                l.trim_start_matches("- ")
                    .strip_prefix("md5: ")
                    .map(str::to_owned)
            })
            .expect("md5");
        // A manifest with a valid name (its md5), as a remote could serve it.
        let manifest = format!(r#"[{{"md5": "{payload_md5}", "relpath": "{relpath}"}}]"#);
        let digest = md5_hex(manifest.as_bytes());
        let object = repo.join(".dvc/cache/files/md5").join(&digest[..2]);
        std::fs::create_dir_all(&object).expect("mkdir");
        std::fs::write(object.join(format!("{}.dir", &digest[2..])), &manifest).expect("write");
        plant(
            &sandbox,
            "data.dvc",
            &format!(
                "outs:\n- md5: {digest}.dir\n  size: 1\n  nfiles: 1\n  hash: md5\n  path: data\n"
            ),
        );
        refused(&sandbox, &["checkout"], "directory object");
        assert!(!repo.join("escaped.txt").exists());
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    let output = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(bytes)?;
            child.wait_with_output()
        })
        .expect("md5sum runs");
    String::from_utf8_lossy(&output.stdout)[..32].to_owned()
}

#[test]
fn a_stage_name_longer_than_a_file_name_runs() {
    let name = "s".repeat(300);
    let repo = pipeline_repo(&format!(
        "stages:\n  {name}:\n    cmd: echo ok > out.txt\n    outs: [out.txt]\n"
    ));
    run_ok(kin(repo.path()).arg("repro"));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("out.txt")).expect("out"),
        "ok\n"
    );
}

#[test]
fn lock_files_dvc_would_refuse_are_refused_by_every_command() {
    let repo = pipeline_repo("stages:\n  s:\n    cmd: echo hi > o\n    outs: [o]\n");
    let dir = repo.path();
    run_ok(kin(dir).arg("repro"));
    let good = std::fs::read_to_string(dir.join("dvc.lock")).expect("lock");
    std::fs::remove_file(dir.join("o")).expect("rm");
    for (broken, needle) in [
        (
            good.replace("schema: '2.0'", "schema: '9.9'"),
            "unsupported schema version '9.9'",
        ),
        (
            good.replace("size: 3", "size: big"),
            "`size` of `o` is a string",
        ),
        (format!("{good}  broken: [\n"), "invalid YAML"),
    ] {
        std::fs::write(dir.join("dvc.lock"), &broken).expect("write");
        for command in ["status", "checkout", "repro"] {
            let output = run(kin(dir).arg(command));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "kin {command}: {stderr}");
            assert!(
                stderr.contains(needle),
                "kin {command}: `{needle}` in {stderr}"
            );
        }
        // Nothing was restored or rewritten from a lock that could not be read.
        assert!(!dir.join("o").exists());
        assert_eq!(
            std::fs::read_to_string(dir.join("dvc.lock")).expect("lock"),
            broken
        );
    }
}

#[test]
fn a_dvc_yaml_that_is_a_directory_is_not_a_pipeline() {
    let repo = crate::common::git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::create_dir(dir.join("dvc.yaml")).expect("mkdir");
    let output = run(kin(dir).arg("repro"));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is a directory"));
}
