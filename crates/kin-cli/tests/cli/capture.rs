//! Who and where runs say they ran.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{TEST_HOST, TEST_NOW, TEST_USER, kin, pipeline_repo, run_ok};

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
