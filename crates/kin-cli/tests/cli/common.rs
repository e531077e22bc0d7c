//! Shared test helpers: temp repos, running kin, locating the corpus and the real DVC.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Fresh stores of each backend (`KIN_TEST_POSTGRES_URL` names the PostgreSQL server), shared
/// with the store's own conformance suite.
#[allow(dead_code)]
#[path = "../../../kin-store/tests/fixtures/backends.rs"]
pub mod backends;

thread_local! {
    /// The lineage store every `kin` of the current test uses (see [`with_store`]).
    static STORE_URL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `body` with every [`kin`] command it starts pointed at the store `location`
/// (through `KIN_STORE_URL`); tests run one per thread, so others are unaffected.
pub fn with_store<T>(location: &kin_store::StoreLocation, body: impl FnOnce() -> T) -> T {
    let url = match location {
        kin_store::StoreLocation::Sqlite(path) => path.display().to_string(),
        kin_store::StoreLocation::Postgres(url) => url.clone(),
    };
    STORE_URL.with(|cell| *cell.borrow_mut() = Some(url));
    let result = body();
    STORE_URL.with(|cell| *cell.borrow_mut() = None);
    result
}

/// The repository's `tests/` directory.
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

/// Case directories under `tests/corpus/<kind>`, sorted.
pub fn corpus_cases(kind: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(tests_dir().join("corpus").join(kind))
        .expect("corpus directory exists")
        .map(|e| e.expect("readable corpus entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// The user, host and time every `kin` run by the tests records (see [`kin`]).
pub const TEST_USER: &str = "ana";
pub const TEST_HOST: &str = "lab-1";
pub const TEST_NOW: &str = "2026-01-02T03:04:05Z";
pub const TEST_PROJECT: &str = "kin-tests";

/// `kin` with a pinned environment, run in `dir`: no colour, the C locale, and identity and
/// clock fixed, so that lineage output is the same on every machine and every run.
pub fn kin(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kin"));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C")
        .env(kin::env::KIN_USER, TEST_USER)
        .env(kin::env::KIN_HOST, TEST_HOST)
        .env(kin::env::KIN_NOW, TEST_NOW)
        .env(kin::env::KIN_PROJECT, TEST_PROJECT)
        .env_remove(kin::env::KIN_TAGS)
        // No OpenLineage events from the caller's settings; tests/cli/openlineage.rs asks.
        .env("OPENLINEAGE_DISABLED", "true")
        .env_remove("OPENLINEAGE_URL")
        .env_remove("OPENLINEAGE_CONFIG");
    // The store is the repository's own unless the test chose one: never the caller's.
    match STORE_URL.with(|cell| cell.borrow().clone()) {
        Some(url) => cmd.env(kin::env::KIN_STORE_URL, url),
        None => cmd.env_remove(kin::env::KIN_STORE_URL),
    };
    cmd
}

/// Whether `text` is a run id (a UUID: 8-4-4-4-12 hex digits).
fn is_uuid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Gives each run id (random by design, even with the clock pinned) a name by order of first
/// appearance, `run-1`, `run-2`…, so a snapshot still shows which nodes and edges are the same
/// run; and the environment (its hash, or the whole record), which names the machine the
/// tests run on. Nothing else varies: user, host and clock are pinned by [`kin`], and commit
/// ids by pinned git dates where a test commits.
pub fn name_run_ids(value: &mut serde_json::Value, names: &mut Vec<String>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "environment" && !inner.is_null() {
                    *inner = Value::from("[this machine]");
                } else {
                    name_run_ids(inner, names);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| name_run_ids(v, names)),
        Value::String(text) => {
            let (prefix, id) = text.split_once("run:").unwrap_or(("", text));
            if prefix.is_empty() && is_uuid(id) {
                let index = match names.iter().position(|n| n == id) {
                    Some(index) => index,
                    None => {
                        names.push(id.to_owned());
                        names.len() - 1
                    }
                };
                let tag = if text.starts_with("run:") { "run:" } else { "" };
                *text = format!("{tag}run-{}", index + 1);
            }
        }
        _ => {}
    }
}

pub fn run_ok(cmd: &mut Command) -> String {
    let output = cmd.output().expect("command starts");
    assert!(
        output.status.success(),
        "command failed: {cmd:?}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// What a command printed on stdout and on stderr, as text.
pub fn stdout_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every tag of the repository in `dir`: name, kind, the commit it points at and its whole
/// message — what the registry's tags must match between tools.
pub fn tag_listing(dir: &Path) -> String {
    let format = "--format=%(refname) %(objecttype) %(*objectname) %(contents)|";
    let out = Command::new("git")
        .args(["for-each-ref", "refs/tags", format])
        .current_dir(dir)
        .output()
        .expect("git runs");
    stdout_text(&out)
}

/// `cmd` tagging as Ana (a registry action's author), without the user's git config.
pub fn tagging_as_ana(cmd: &mut Command) -> &mut Command {
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.invalid")
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("command starts")
}

/// Runs git in `dir` without the user's global config; fails the test if git fails.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// git as a fixed author at a fixed time (pinned like kin's clock), so that commit ids are the
/// same on every run of the tests; fails the test if git fails.
pub fn git_as_ana(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=Ana",
            "-c",
            "user.email=ana@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", TEST_NOW)
        .env("GIT_COMMITTER_DATE", TEST_NOW)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// Commits everything in the work tree (see [`git_as_ana`]).
pub fn commit_all(dir: &Path, message: &str) {
    git_as_ana(dir, &["add", "-A"]);
    git_as_ana(dir, &["commit", "-q", "-m", message]);
}

/// A fresh git repository in a temp dir, optionally filled with a copy of `template`.
pub fn git_repo(template: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(template) = template {
        copy_tree(template, dir.path());
    }
    git(dir.path(), &["init", "-q"]);
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable template") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The Python interpreter that has DVC 3 installed (`KIN_DVC_PYTHON`, as `.ci/run` sets it).
/// Under CI its absence is a failure; elsewhere the caller skips with the printed reason.
pub fn dvc_python() -> Option<PathBuf> {
    venv_python(
        "import dvc",
        "KIN_DVC_PYTHON does not point to a Python with DVC installed (run scripts/test, which sets it up)",
    )
}

/// `KIN_DVC_PYTHON` (the test venv) if it runs `check`; else `None` with `reason` printed,
/// or, under CI, where every component must be there, a failure.
pub fn venv_python(check: &str, reason: &str) -> Option<PathBuf> {
    let candidate = std::env::var_os("KIN_DVC_PYTHON").map(PathBuf::from);
    let works = candidate.as_ref().is_some_and(|python| {
        Command::new(python)
            .args(["-c", check])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if works {
        return candidate;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
    eprintln!("skipping: {reason}");
    None
}

/// Python with selenium, and Debian's Chromium with its driver, for tests that drive a real
/// browser; `None` with `reason` printed where they are missing, a failure under CI.
pub fn browser(reason: &str) -> Option<PathBuf> {
    let chromium =
        Path::new("/usr/bin/chromium").is_file() && Path::new("/usr/bin/chromedriver").is_file();
    if !chromium {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
        eprintln!("skipping: {reason}");
        return None;
    }
    venv_python("import selenium", reason)
}

/// Runs the real DVC (`python -m dvc ARGS`) in `dir`; fails the test on a non-zero exit.
pub fn dvc(python: &Path, dir: &Path, args: &[&str]) -> String {
    let output = Command::new(python)
        .args(["-m", "dvc"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("dvc runs");
    assert!(
        output.status.success(),
        "dvc {args:?} failed in {}:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A git repository where kin was initialised and `dvc.yaml` holds `pipeline`.
pub fn pipeline_repo(pipeline: &str) -> tempfile::TempDir {
    let repo = git_repo(None);
    run_ok(kin(repo.path()).args(["init", "-q"]));
    std::fs::write(repo.path().join("dvc.yaml"), pipeline).expect("write dvc.yaml");
    repo
}

/// A small tmpfs mounted for the test (a disk that fills up), unmounted when dropped.
/// Mounting needs root: under CI (root) its failure fails the test; elsewhere it skips.
pub struct SmallDisk {
    pub dir: tempfile::TempDir,
}

impl SmallDisk {
    pub fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        if !mounted {
            let reason = "cannot mount a tmpfs (needs root)";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
            eprintln!("skipping full-disk test: {reason}");
            return None;
        }
        Some(SmallDisk { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Writes `contents` to `rel` under `dir`, creating the directories it needs.
pub fn write_file(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, contents).expect("write");
}

/// `kin ARGS` and `dvc ARGS` in `dir`, both JSON, parsed: for comparing the two tools.
pub fn both_json(
    python: &Path,
    dir: &Path,
    args: &[&str],
) -> (serde_json::Value, serde_json::Value) {
    let ours = run_ok(kin(dir).args(args));
    let theirs = dvc(python, dir, args);
    (
        serde_json::from_str(&ours).unwrap_or_else(|e| panic!("kin {args:?}: {e}: {ours}")),
        serde_json::from_str(&theirs).unwrap_or_else(|e| panic!("dvc {args:?}: {e}: {theirs}")),
    )
}

/// Runs `cmd`, which must exit with `code` and say `expected` on standard error.
pub fn fails_saying(cmd: &mut Command, code: i32, expected: &str) {
    let out = run(cmd);
    let stderr = stderr_text(&out);
    assert_eq!(out.status.code(), Some(code), "{cmd:?}: {stderr}");
    assert!(
        stderr.contains(expected),
        "{cmd:?}: expected `{expected}` in {stderr}"
    );
}
