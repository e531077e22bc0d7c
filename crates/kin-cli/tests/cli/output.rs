//! How kin writes: an error's source snippet shows the right line wherever kin was started from.

use std::process::Command;

use crate::common::{git_repo, kin, run, run_ok};

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
