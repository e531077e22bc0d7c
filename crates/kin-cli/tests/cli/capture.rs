//! What lineage records for each way outputs reach dvc.lock (a run, a failure, a frozen stage
//! verified, `kin commit`), how a run the store did not take is reported, and who and where
//! runs say they ran.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{TEST_HOST, TEST_NOW, TEST_USER, git, kin, pipeline_repo, run, run_ok};

fn json(dir: &Path, args: &[&str]) -> Value {
    let text = run_ok(kin(dir).args(args));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}):\n{text}"))
}

fn runs(dir: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["runs", "--json"];
    all.extend(args);
    match json(dir, &all) {
        Value::Array(runs) => runs,
        other => panic!("`kin runs` printed {other}"),
    }
}

const FROZEN: &str = "\
stages:
  label:
    cmd: echo never > labels.txt
    outs: [labels.txt]
    frozen: true
  make:
    cmd: echo made > made.txt
    outs: [made.txt]
";

#[test]
fn frozen_stages_and_commit_record_committed_runs_when_dvc_lock_changes() {
    let repo = pipeline_repo(FROZEN);
    let dir = repo.path();
    std::fs::write(dir.join("labels.txt"), "by hand\n").expect("write");
    let said = run_ok(kin(dir).arg("repro"));
    assert!(
        said.contains("Verifying outputs in frozen stage: 'label'"),
        "{said}"
    );
    // The frozen stage never ran: its outputs are recorded as found, and the run says so.
    assert_eq!(
        std::fs::read_to_string(dir.join("labels.txt")).expect("read"),
        "by hand\n"
    );
    let label = &runs(dir, &["--stage", "label"])[0];
    assert_eq!(label["status"], "committed", "{label}");
    assert_eq!(label["exit_code"], Value::Null);
    assert_eq!(label["log_object"], Value::Null);
    assert_eq!(label["cmd"], "echo never > labels.txt");
    let id = label["run_id"].as_str().expect("id");
    let shown = json(dir, &["run", "show", id, "--json"]);
    assert_eq!(shown["outputs"][0]["path"], "labels.txt", "{shown}");
    assert_eq!(runs(dir, &["--stage", "make"])[0]["status"], "succeeded");
    assert_eq!(runs(dir, &[]).len(), 2);

    // Verifying the same outputs again vouches for nothing new: no run. A forced repro runs
    // the other stage again.
    run_ok(kin(dir).args(["repro", "-q"]));
    assert_eq!(runs(dir, &[]).len(), 2);
    run_ok(kin(dir).args(["repro", "-q", "-f"]));
    assert_eq!(runs(dir, &["--stage", "label"]).len(), 1);
    assert_eq!(runs(dir, &["--stage", "make"]).len(), 2);

    // `kin commit` of a hand-edited output: a committed run generating the new version.
    std::fs::write(dir.join("made.txt"), "edited\n").expect("write");
    let said = run_ok(kin(dir).arg("commit"));
    assert!(said.contains("Committed stage 'make'"), "{said}");
    let make = &runs(dir, &["--stage", "make", "-n", "1"])[0];
    assert_eq!(make["status"], "committed", "{make}");
    assert_eq!(make["exit_code"], Value::Null);
    let id = make["run_id"].as_str().expect("id");
    let shown = json(dir, &["run", "show", id, "--json"]);
    // md5("edited\n")
    assert_eq!(
        shown["outputs"][0]["hash"], "77ef9ba34caeecc3d333b20990b10ea5",
        "{shown}"
    );
    run_ok(kin(dir).arg("commit"));
    assert_eq!(runs(dir, &["--status", "committed"]).len(), 2);

    // Committed runs carry fingerprints: importing the commit that holds their dvc.lock
    // entries adds nothing.
    git(dir, &["add", "-A"]);
    git(
        dir,
        &[
            "-c",
            "user.name=Ana",
            "-c",
            "user.email=ana@example.invalid",
            "commit",
            "-qm",
            "frozen",
        ],
    );
    let imported = json(dir, &["history", "import", "--json"]);
    assert_eq!(imported["runs"], 0, "{imported}");
}

#[test]
fn a_stage_whose_command_succeeded_without_its_output_is_a_failed_run() {
    let repo = pipeline_repo("stages:\n  lazy:\n    cmd: echo nothing\n    outs: [never.txt]\n");
    let dir = repo.path();
    assert_eq!(run(kin(dir).arg("repro")).status.code(), Some(1));
    let failed = runs(dir, &["--status", "failed"]);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["exit_code"], 0);
    let id = failed[0]["run_id"].as_str().expect("id");
    assert_eq!(
        run_ok(kin(dir).args(["run", "show", id, "--log"])),
        "nothing\n"
    );
}

#[test]
fn runs_the_store_does_not_take_fail_repro_commit_and_add_once_the_work_is_done() {
    let repo =
        pipeline_repo("stages:\n  make:\n    cmd: echo made > made.txt\n    outs: [made.txt]\n");
    let dir = repo.path();
    std::fs::write(dir.join("raw.txt"), "raw\n").expect("write");
    // A directory where the store's file should be: SQLite cannot open it.
    std::fs::create_dir_all(dir.join(".kin/lineage.db")).expect("mkdir");
    let warned = |args: &[&str], stage: &str| {
        let output = run(kin(dir).args(args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Loudly: a warning as it happens, and a failure at the end naming the run.
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        let needle =
            format!("warning: the run of '{stage}' was not recorded in the lineage store: ");
        assert!(stderr.contains(&needle), "{args:?}: {stderr}");
        let closing = format!("error: 1 run not recorded in the lineage store: '{stage}'");
        assert!(stderr.contains(&closing), "{args:?}: {stderr}");
        assert!(stderr.contains("kin history import"), "{args:?}: {stderr}");
    };
    warned(&["add", "-q", "raw.txt"], "raw.txt.dvc");
    warned(&["repro", "-q"], "make");
    std::fs::write(dir.join("made.txt"), "edited\n").expect("write");
    warned(&["commit", "-q", "make"], "make");
    std::fs::write(dir.join("raw.txt"), "raw, fixed\n").expect("write");
    warned(&["commit", "-q"], "raw.txt.dvc");
    // The work itself is done.
    assert!(dir.join("raw.txt.dvc").is_file() && dir.join("dvc.lock").is_file());
    assert_eq!(run_ok(kin(dir).args(["status", "--json"])).trim(), "{}");
}

/// The trimmed output of a command that must succeed.
fn output_of(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().expect("runs");
    assert!(output.status.success(), "{program} {args:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn runs_name_their_user_and_host_pinned_or_from_the_os() {
    let repo = pipeline_repo("stages: {}\n");
    let dir = repo.path();
    std::fs::write(dir.join("a.txt"), "a\n").expect("write");
    run_ok(kin(dir).args(["add", "-q", "a.txt"]));
    let pinned = &runs(dir, &[])[0];
    assert_eq!(
        (&pinned["user"], &pinned["host"], &pinned["started"]),
        (&TEST_USER.into(), &TEST_HOST.into(), &TEST_NOW.into())
    );

    // A cron job or a container sets none of the variables: the OS still knows.
    std::fs::write(dir.join("a.txt"), "a, again\n").expect("write");
    let mut bare = kin(dir);
    for name in [
        kin::env::KIN_USER,
        kin::env::KIN_HOST,
        kin::env::HOSTNAME,
        "USER",
        "LOGNAME",
        "USERNAME",
    ] {
        bare.env_remove(name);
    }
    run_ok(bare.args(["add", "-q", "a.txt"]));
    let found = &runs(dir, &["-n", "1"])[0];
    assert_eq!(found["user"], output_of("id", &["-un"]).as_str(), "{found}");
    assert_eq!(
        found["host"],
        output_of("uname", &["-n"]).as_str(),
        "{found}"
    );
}
