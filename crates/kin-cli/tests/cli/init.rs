//! `kin init` and finding the repository from subdirectories.

use crate::common::{git_repo, kin, run, run_ok};

#[test]
fn init_creates_dvc_and_kin_layout_and_stages_it() {
    let repo = git_repo(None);
    let dir = repo.path();
    let out = run_ok(kin(dir).arg("init"));
    assert!(out.contains("Initialised kin"), "{out}");
    for path in [
        ".dvc/config",
        ".dvc/.gitignore",
        ".dvcignore",
        ".kin/config.toml",
        ".kin/.gitignore",
    ] {
        assert!(dir.join(path).is_file(), "{path} missing");
    }
    assert!(dir.join(".dvc/tmp").is_dir());
    assert_eq!(
        std::fs::read_to_string(dir.join(".dvc/.gitignore")).expect("read"),
        "/config.local\n/tmp\n/cache\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(".dvc/config")).expect("read"),
        ""
    );
    let staged = run_ok(
        std::process::Command::new("git")
            .args(["diff", "--cached", "--name-only"])
            .current_dir(dir),
    );
    assert!(
        staged.contains(".dvc/config") && staged.contains(".kin/config.toml"),
        "{staged}"
    );
    assert!(!staged.contains(".dvc/tmp"), "{staged}");
}

#[test]
fn init_is_idempotent_and_keeps_existing_files() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).arg("init"));
    std::fs::write(dir.join(".dvc/config"), "[core]\n    remote = store\n").expect("write");
    let again = run_ok(kin(dir).arg("init"));
    assert!(again.contains("already initialised"), "{again}");
    assert_eq!(
        std::fs::read_to_string(dir.join(".dvc/config")).expect("read"),
        "[core]\n    remote = store\n"
    );
}

#[test]
fn init_outside_git_fails_with_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run(kin(dir.path()).arg("init").env(
        "GIT_CEILING_DIRECTORIES",
        dir.path().parent().expect("parent"),
    ));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    let stderr = stderr.replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(stderr, @r"
    error: `[TMP]` is not inside a git repository
    hint: run `git init` first, or `kin init --no-scm` to use kin without git
    ");
    assert!(
        !dir.path().join(".dvc").exists(),
        "nothing may be created on failure"
    );
}

#[test]
fn init_no_scm_writes_dvc_no_scm_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_ok(kin(dir.path()).args(["init", "--no-scm"]));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".dvc/config")).expect("read"),
        "[core]\n    no_scm = True\n"
    );
    assert!(!dir.path().join(".dvc/.gitignore").exists());
}

#[test]
fn commands_find_the_root_from_a_subdirectory() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).arg("init"));
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  hello:\n    cmd: echo hi\n",
    )
    .expect("write");
    std::fs::create_dir_all(dir.join("src/deep")).expect("mkdir");
    let listing = run_ok(kin(&dir.join("src/deep")).arg("stages"));
    assert_eq!(listing, "hello  echo hi\n");
}

#[test]
fn commands_outside_a_repo_fail_with_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run(kin(dir.path()).arg("stages"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert!(
        stderr.contains("is not inside a kin or DVC repository"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: run `kin init`"), "{stderr}");
}

#[test]
fn bad_arguments_exit_with_usage_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run(kin(dir.path()).arg("--no-such-flag"));
    assert_eq!(output.status.code(), Some(2));
}
