//! The model registry against the real `gto` (1.10, from PyPI, in the DVC venv): the same
//! actions give the same tags, and each reads the other's registry identically, also after
//! the tags travel through a bare clone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{
    commit_all, dvc_python, git, git_repo, kin, run, run_ok, stdout_text as stdout,
    tag_listing as tags, tagging_as_ana as tagger,
};

/// The `gto` next to the DVC interpreter (DVC 3 depends on it).
fn gto_binary() -> Option<PathBuf> {
    let python = dvc_python()?;
    let gto = python.with_file_name("gto");
    assert!(gto.is_file(), "no gto next to {}", python.display());
    Some(gto)
}

fn gto(gto: &Path, dir: &Path, args: &[&str]) -> Output {
    run(tagger(Command::new(gto).args(args).current_dir(dir)))
}

fn kin_model(dir: &Path, args: &[&str]) -> Output {
    run(tagger(kin(dir).arg("model").args(args)))
}

/// Two commits of a model, with the same ids in every repository (pinned dates).
fn model_repo() -> tempfile::TempDir {
    let repo = git_repo(None);
    std::fs::write(repo.path().join("model.pkl"), "weights 1").expect("write");
    commit_all(repo.path(), "train v1");
    git(repo.path(), &["tag", "first"]);
    std::fs::write(repo.path().join("model.pkl"), "weights 2").expect("write");
    commit_all(repo.path(), "train v2");
    repo
}

/// A day of registry work, in the syntax kin and gto share.
const ACTIONS: &[&[&str]] = &[
    &["register", "churn", "first"],
    &["register", "churn", "HEAD", "--bump-minor"],
    &[
        "assign",
        "churn",
        "--version",
        "v0.0.1",
        "--stage",
        "staging",
    ],
    &["assign", "churn", "--version", "v0.0.1", "--stage", "prod"],
    &["assign", "churn", "--version", "v0.1.0", "--stage", "prod"],
    &["deprecate", "churn", "v0.0.1", "staging"],
    &["register", "fraud", "first", "--version", "v1.0.0"],
    &[
        "assign",
        "fraud",
        "HEAD",
        "--version",
        "v2.0.0-rc.1",
        "--stage",
        "dev",
    ],
    &["register", "nested/dir:scorer", "HEAD"],
    &["deprecate", "fraud", "v1.0.0"],
    &["register", "old", "first"],
    &["deprecate", "old"],
];

/// The questions both tools must answer identically.
const QUERIES: &[&[&str]] = &[
    &["show", "--json"],
    &["show", "churn", "--json"],
    &["show", "churn#prod", "--json"],
    &["show", "churn@latest", "--json"],
    &["show", "churn@v0.0.1", "--json"],
    &["show", "fraud", "--json"],
    &["show", "nested/dir:scorer", "--json"],
    &["show", "old", "--json"],
    &["history", "--json"],
    &["history", "churn", "--json"],
    &["stages", "--json"],
    &["check-ref", "churn#prod#3", "--json"],
    &["check-ref", "churn@v0.1.0", "--json"],
    &["check-ref", "old@deprecated", "--json"],
    &["show", "-d", "--json"],
    &["show", "fraud", "-d", "--json"],
    &["show", "churn", "--vs", "-1", "--sort", "semver", "--json"],
    &["show", "--ro", "--av", "1", "--json"],
];

fn assert_same_answers(gto_bin: &Path, dir: &Path, context: &str) {
    for query in QUERIES {
        let theirs = gto(gto_bin, dir, query);
        let ours = kin_model(dir, query);
        assert!(
            theirs.status.success(),
            "gto {query:?}: {}",
            String::from_utf8_lossy(&theirs.stderr)
        );
        assert!(
            ours.status.success(),
            "kin model {query:?}: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        assert_eq!(
            stdout(&ours),
            stdout(&theirs),
            "{context}: `{}` differs",
            query.join(" ")
        );
    }
}

#[test]
fn kin_writes_the_tags_gto_writes_and_each_reads_the_others_registry() {
    let Some(gto_bin) = gto_binary() else { return };
    let ours = model_repo();
    let theirs = model_repo();
    for action in ACTIONS {
        run_ok(tagger(kin(ours.path()).arg("model").args(*action)));
        let out = gto(&gto_bin, theirs.path(), action);
        assert!(
            out.status.success(),
            "gto {action:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(tags(ours.path()), tags(theirs.path()), "the tags differ");
    assert!(
        tags(ours.path()).contains("churn#staging!#4"),
        "{}",
        tags(ours.path())
    );
    assert_same_answers(&gto_bin, ours.path(), "registry written by kin");
    assert_same_answers(&gto_bin, theirs.path(), "registry written by gto");

    // The tags travel like any others: pushed to a bare repository and fetched elsewhere.
    let bare = tempfile::tempdir().expect("tmp");
    git(bare.path(), &["init", "-q", "--bare"]);
    let url = bare.path().to_string_lossy().into_owned();
    git(
        ours.path(),
        &[
            "push",
            "-q",
            &url,
            "HEAD:refs/heads/main",
            "refs/tags/*:refs/tags/*",
        ],
    );
    let clone = tempfile::tempdir().expect("tmp");
    git(clone.path(), &["init", "-q"]);
    git(
        clone.path(),
        &[
            "fetch",
            "-q",
            &url,
            "refs/heads/main:refs/heads/main",
            "refs/tags/*:refs/tags/*",
        ],
    );
    git(clone.path(), &["checkout", "-q", "main"]);
    assert_same_answers(&gto_bin, clone.path(), "registry fetched from a bare clone");
    let ours_show = stdout(&kin_model(ours.path(), &["show", "--json"]));
    assert_eq!(
        stdout(&kin_model(clone.path(), &["show", "--json"])),
        ours_show
    );
}

#[test]
fn refused_actions_say_why_and_write_no_tag() {
    let repo = model_repo();
    let dir = repo.path();
    run_ok(tagger(kin(dir).args(["model", "register", "churn"])));
    // A plain tag that happens to have the name the next registration would take.
    git(dir, &["tag", "churn@v0.0.2", "HEAD~1"]);
    let before = tags(dir);
    let cases: &[(&[&str], &str)] = &[
        (&["register", "churn-"], "is not a valid artifact name"),
        (&["register", "ch urn"], "is not a valid artifact name"),
        (
            &["register", "churn", "HEAD~1", "--version", "1.0.0"],
            "is not a semantic version",
        ),
        (
            &["register", "churn", "HEAD~1", "--version", "v1.0"],
            "is not a semantic version",
        ),
        (
            &["register", "churn"],
            "already registered at this commit, as version v0.0.1",
        ),
        (
            &["register", "churn", "HEAD~1", "--version", "v0.0.1"],
            "version v0.0.1 of `churn` is already registered",
        ),
        (
            &["register", "churn", "no-such-branch"],
            "`no-such-branch` does not name a commit",
        ),
        (
            &["register", "fresh", "--bump-minor"],
            "has no registered version yet",
        ),
        (
            &["register", "churn", "HEAD~1"],
            "tag `churn@v0.0.2` already exists",
        ),
        (
            &["assign", "churn", "--version", "v9.9.9", "--stage", "prod"],
            "has no registered version v9.9.9",
        ),
        (
            &["assign", "churn", "--stage", "pr od"],
            "is not a valid stage name",
        ),
        (
            &[
                "assign",
                "churn",
                "HEAD",
                "--version",
                "v2.0.0",
                "--stage",
                "prod",
            ],
            "cannot register v2.0.0: v0.0.1 is already registered at this commit",
        ),
        (
            &["deprecate", "ghost"],
            "the registry has no artifact `ghost`",
        ),
        (
            &["deprecate", "churn", "v0.0.1", "prod"],
            "stage `prod` was never assigned",
        ),
        (
            &["deprecate", "churn", "v3.0.0"],
            "has no registered version v3.0.0",
        ),
    ];
    for (args, expected) in cases {
        let out = kin_model(dir, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(tags(dir), before, "{args:?} wrote a tag");
    }
    run_ok(tagger(kin(dir).args([
        "model",
        "assign",
        "churn",
        "--version",
        "v0.0.1",
        "--stage",
        "prod",
    ])));
    let out = kin_model(
        dir,
        &["assign", "churn", "--version", "v0.0.1", "--stage", "prod"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("already in stage `prod`"));
    run_ok(tagger(kin(dir).args([
        "model",
        "assign",
        "churn",
        "--version",
        "v0.0.1",
        "--stage",
        "prod",
        "--force",
    ])));
    assert!(tags(dir).contains("churn#prod#2"), "{}", tags(dir));

    // `.gto` may list the stages allowed.
    std::fs::write(dir.join(".gto"), "stages: [dev, prod]\n").expect("write");
    let out = kin_model(
        dir,
        &["assign", "churn", "--version", "v0.0.1", "--stage", "qa"],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("stage `qa` is not one of those `.gto` allows: dev, prod")
    );
    assert_eq!(
        stdout(&kin_model(dir, &["stages", "--json"])),
        "[\n    \"dev\",\n    \"prod\"\n]\n"
    );
}

#[test]
fn registering_from_a_dirty_worktree_warns_and_outside_git_fails() {
    let repo = model_repo();
    std::fs::write(repo.path().join("model.pkl"), "weights 3, not committed").expect("write");
    let out = kin_model(repo.path(), &["register", "churn"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("warning: the worktree has uncommitted changes")
    );

    let plain = tempfile::tempdir().expect("tmp");
    let out = kin_model(plain.path(), &["show"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not inside a git repository"));
}

#[test]
fn artifacts_are_read_from_every_dvc_yaml_and_named_as_gto_names_them() {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(
        dir.join("dvc.yaml"),
        "vars:\n  - kind: model\nartifacts:\n  churn:\n    path: models/churn.pkl\n    type: ${kind}\n    desc: Churn classifier\n    labels: [tabular, prod-candidate]\n    meta: {owner: ana, framework: sklearn}\n",
    )
    .expect("write");
    std::fs::create_dir_all(dir.join("nlp/sub")).expect("mkdir");
    std::fs::write(
        dir.join("nlp/sub/dvc.yaml"),
        "artifacts:\n  tagger:\n    path: ../out/tagger.bin\n",
    )
    .expect("write");
    let listed = run_ok(kin(dir).args(["model", "list", "--json"]));
    insta::assert_snapshot!("model-list-json", listed);

    std::fs::write(
        dir.join("nlp/sub/dvc.yaml"),
        "artifacts:\n  tagger:\n    type: model\n",
    )
    .expect("write");
    let out = run(kin(dir).args(["model", "list"]));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("nlp/sub/dvc.yaml:2:3: artifact `tagger` has no `path`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn gtos_artifacts_yaml_enriches_versions_and_lists_annotated_artifacts() {
    let Some(gto_bin) = gto_binary() else { return };
    let repo = git_repo(None);
    let dir = repo.path();
    std::fs::write(
        dir.join("artifacts.yaml"),
        "churn:\n  type: model\n  path: models/churn.pkl\n  labels: [tabular]\n  description: Churn model\nscorer:\n  path: scorer.bin\n  custom: {owner: ana, threshold: 0.5}\n",
    )
    .expect("write");
    commit_all(dir, "annotate");
    run_ok(tagger(kin(dir).args(["model", "register", "churn"])));
    std::fs::write(
        dir.join("artifacts.yaml"),
        "churn:\n  type: model\n  path: models/churn.pkl\n  description: Churn model, retrained\nnew-one:\n  virtual: false\n",
    )
    .expect("write");
    commit_all(dir, "annotate again");
    run_ok(tagger(
        kin(dir).args(["model", "assign", "churn", "--stage", "dev"]),
    ));
    let queries: &[&[&str]] = &[
        &["show", "--json"],
        &["show", "churn", "--json"],
        &["show", "new-one", "--json"],
        &["history", "--json"],
        &["stages", "--json"],
    ];
    for query in queries {
        let theirs = gto(&gto_bin, dir, query);
        assert!(theirs.status.success(), "gto {query:?}");
        assert_eq!(
            stdout(&kin_model(dir, query)),
            stdout(&theirs),
            "`{}` differs",
            query.join(" ")
        );
    }
    std::fs::write(dir.join("artifacts.yaml"), "bad name:\n  path: x\n").expect("write");
    commit_all(dir, "break the index");
    let out = kin_model(dir, &["show"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("artifacts.yaml at commit"),
        "{out:?}"
    );
}

#[test]
fn gtos_corner_cases_are_kept() {
    let repo = model_repo();
    let dir = repo.path();
    let head = String::from_utf8_lossy(
        &std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(dir)
            .output()
            .expect("git")
            .stdout,
    )
    .trim()
    .to_owned();
    // A stage assigned without registration (`gto assign --sr`) on HEAD: registering HEAD's
    // version now puts it in that stage, so assigning the stage again is refused, as gto does.
    let sr = format!("Assigning stage prod to artifact churn version {head}");
    git(
        dir,
        &[
            "-c",
            "user.name=Gus",
            "-c",
            "user.email=g@x",
            "tag",
            "-a",
            "churn#prod#1",
            "-m",
            &sr,
            "HEAD",
        ],
    );
    let before = tags(dir);
    let out = kin_model(dir, &["assign", "churn", "HEAD", "--stage", "prod"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is already in stage `prod`"));
    assert_eq!(tags(dir), before, "nothing written");
    // Empty strings are "not given", as gto reads them.
    run_ok(tagger(kin(dir).args([
        "model",
        "register",
        "churn",
        "first",
        "--version",
        "",
        "-m",
        "",
    ])));
    assert!(tags(dir).contains("churn@v0.0.1 tag"), "{}", tags(dir));
    assert!(
        tags(dir).contains("Registering artifact churn version v0.0.1|"),
        "{}",
        tags(dir)
    );
    // Counters beyond 64 bits number on.
    git(
        dir,
        &[
            "-c",
            "user.name=Gus",
            "-c",
            "user.email=g@x",
            "tag",
            "-a",
            "churn#qa#18446744073709551615",
            "-m",
            "x",
            "first",
        ],
    );
    run_ok(tagger(kin(dir).args([
        "model",
        "assign",
        "churn",
        "--version",
        "v0.0.1",
        "--stage",
        "dev",
    ])));
    assert!(
        tags(dir).contains("churn#dev#18446744073709551616"),
        "{}",
        tags(dir)
    );
    // `.gto` is read as GTO's settings model reads it.
    std::fs::write(dir.join(".gto"), "STAGES: [dev]\n").expect("write");
    assert_eq!(
        stdout(&kin_model(dir, &["stages", "--json"])),
        "[\n    \"dev\"\n]\n"
    );
    for bad in [
        "stages: [dev, \"bad stage\"]\n",
        "stages: [dev, 1]\n",
        "foo: 1\n",
    ] {
        std::fs::write(dir.join(".gto"), bad).expect("write");
        let out = kin_model(dir, &["show"]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is not a valid GTO config file"),
            "{bad}"
        );
    }
}

#[test]
fn the_tagger_is_user_name_and_email_as_gto_signs() {
    let repo = model_repo();
    let dir = repo.path();
    git(dir, &["config", "user.name", "Ursula"]);
    git(dir, &["config", "user.email", "u@example.invalid"]);
    git(dir, &["config", "committer.name", "Carl"]);
    run_ok(
        kin(dir)
            .args(["model", "register", "churn"])
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_COMMITTER_NAME")
            .env_remove("GIT_COMMITTER_EMAIL"),
    );
    let out = std::process::Command::new("git")
        .args([
            "for-each-ref",
            "refs/tags/churn@v0.0.1",
            "--format=%(taggername) %(taggeremail)",
        ])
        .current_dir(dir)
        .output()
        .expect("git");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Ursula <u@example.invalid>\n"
    );
}
