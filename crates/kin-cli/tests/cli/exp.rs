//! `kin exp` against the real `dvc exp`: a sweep kin runs in parallel is listed by
//! `dvc exp show` with the same names, params and metrics as `kin exp show`, an experiment
//! DVC made is listed by kin the same way, `dvc exp apply` of kin's experiment and
//! `kin exp apply` of DVC's reproduce their files, and the user's working tree is left
//! alone while experiments run.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{
    commit_all, dvc_python, fails_saying, git_repo, kin, run, run_ok, stderr_text, write_file,
};

const PIPELINE: &str = "stages:\n  train:\n    cmd: python3 train.py\n    deps: [data/raw.csv, train.py]\n    params: [train]\n    outs: [model.txt]\n    metrics:\n    - metrics.json:\n        cache: false\n";

const TRAIN: &str = "import json\n\
text = open('params.yaml').read()\n\
lr = float(text.split('lr:')[1].split()[0])\n\
epochs = int(text.split('epochs:')[1].split()[0])\n\
json.dump({'acc': lr * epochs, 'loss': 1 - lr}, open('metrics.json', 'w'))\n\
open('model.txt', 'w').write(str(len(open('data/raw.csv').readlines()) * epochs))\n";

/// A committed pipeline with tracked data, reproduced once.
fn project() -> tempfile::TempDir {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    write_file(dir, "data/raw.csv", "1\n2\n3\n");
    run_ok(kin(dir).args(["add", "-q", "data/raw.csv"]));
    write_file(
        dir,
        "params.yaml",
        "train:\n  lr: 0.1  # learning rate\n  epochs: 3\n",
    );
    write_file(dir, "train.py", TRAIN);
    write_file(dir, "dvc.yaml", PIPELINE);
    run_ok(kin(dir).args(["repro", "-q"]));
    commit_all(dir, "baseline");
    repo
}

fn dvc_json(python: &Path, dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(python)
        .args(["-m", "dvc"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("dvc runs");
    assert!(out.status.success(), "dvc {args:?}: {}", stderr_text(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Each row of `exp show --json`, with its experiments in name order, keys sorted: what
/// both tools must agree on.
fn canonical(shown: &Value) -> Vec<String> {
    let mut rows = Vec::new();
    for entry in shown.as_array().expect("rows") {
        rows.push(format!("{} {}", entry["rev"], entry["data"]));
        let mut exps: Vec<String> = entry["experiments"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| format!("{} {}", e["name"], e["revs"][0]["data"]))
            .collect();
        exps.sort();
        rows.extend(exps);
    }
    rows
}

/// Commit ids and times, which differ from run to run, replaced by their keys' names.
fn scrub(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                if matches!(key.as_str(), "rev" | "timestamp")
                    && !field.is_null()
                    && field != "workspace"
                {
                    *field = Value::String(format!("<{key}>"));
                } else {
                    scrub(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        _ => {}
    }
}

fn names(dir: &Path) -> Vec<String> {
    run_ok(kin(dir).args(["exp", "list", "--name-only"]))
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_parallel_sweep_is_what_dvc_lists_and_dvcs_experiments_are_kins() {
    let Some(python) = dvc_python() else { return };
    let repo = project();
    let dir = repo.path();
    let status_before = run_ok(
        Command::new("git")
            .args(["status", "--porcelain"])
            .current_dir(dir),
    );

    let said = run_ok(kin(dir).args([
        "exp",
        "run",
        "-S",
        "train.lr=0.2,0.3",
        "-S",
        "train.epochs=range(3, 5)",
        "-j",
        "2",
    ]));
    assert_eq!(said.matches("Ran experiment").count(), 4, "{said}");
    // The user's working tree is as it was: nothing changed, no worktree left behind.
    let status_after = run_ok(
        Command::new("git")
            .args(["status", "--porcelain"])
            .current_dir(dir),
    );
    assert_eq!(status_before, status_after);
    assert_eq!(
        std::fs::read_to_string(dir.join("metrics.json")).expect("metrics"),
        "{\"acc\": 0.30000000000000004, \"loss\": 0.9}"
    );
    let worktrees = run_ok(
        Command::new("git")
            .args(["worktree", "list"])
            .current_dir(dir),
    );
    assert_eq!(worktrees.lines().count(), 1, "{worktrees}");

    // DVC and kin show the same experiments with the same data.
    let ours: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["exp", "show", "--json"]))).expect("json");
    let theirs = dvc_json(&python, dir, &["exp", "show", "--json"]);
    assert_eq!(canonical(&ours), canonical(&theirs));
    let accs: Vec<f64> = ours[1]["experiments"]
        .as_array()
        .expect("experiments")
        .iter()
        .map(|e| {
            e["revs"][0]["data"]["metrics"]["metrics.json"]["data"]["acc"]
                .as_f64()
                .expect("acc")
        })
        .collect();
    assert_eq!(accs.len(), 4);

    // `exp diff` of two of them: DVC's tables and JSON.
    let swept = names(dir);
    for args in [
        vec![swept[0].as_str(), swept[3].as_str()],
        vec![swept[1].as_str(), swept[2].as_str(), "--all", "--md"],
        vec![swept[0].as_str()],
    ] {
        let dvc_text = Command::new(&python)
            .args(["-m", "dvc", "exp", "diff"])
            .args(&args)
            .current_dir(dir)
            .output()
            .expect("dvc");
        assert_eq!(
            run_ok(kin(dir).args(["exp", "diff"]).args(&args)),
            String::from_utf8_lossy(&dvc_text.stdout),
            "exp diff {args:?}"
        );
        let mut json_args = args.clone();
        json_args.retain(|a| *a != "--md");
        json_args.push("--json");
        let ours: Value =
            serde_json::from_str(&run_ok(kin(dir).args(["exp", "diff"]).args(&json_args)))
                .expect("json");
        let mut dvc_args = vec!["exp", "diff"];
        dvc_args.extend(&json_args);
        assert_eq!(
            ours,
            dvc_json(&python, dir, &dvc_args),
            "exp diff {json_args:?}"
        );
    }

    // An experiment DVC ran: kin lists it with the same data.
    let out = Command::new(&python)
        .args([
            "-m",
            "dvc",
            "exp",
            "run",
            "--temp",
            "-q",
            "-n",
            "by-dvc",
            "-S",
            "train.lr=0.5",
        ])
        .current_dir(dir)
        .output()
        .expect("dvc");
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert!(names(dir).contains(&"by-dvc".to_owned()));
    let ours: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["exp", "show", "--json"]))).expect("json");
    assert_eq!(
        canonical(&ours),
        canonical(&dvc_json(&python, dir, &["exp", "show", "--json"]))
    );

    // `dvc exp apply` of kin's experiment, `kin exp apply` of DVC's.
    let kins = names(dir)
        .into_iter()
        .find(|n| n != "by-dvc")
        .expect("a kin experiment");
    let out = Command::new(&python)
        .args(["-m", "dvc", "exp", "apply", &kins])
        .current_dir(dir)
        .output()
        .expect("dvc");
    assert!(out.status.success(), "{}", stderr_text(&out));
    let committed = |name: &str, path: &str| {
        let refname = run_ok(
            Command::new("git")
                .args([
                    "for-each-ref",
                    "--format=%(refname)",
                    &format!("refs/exps/*/*/{name}"),
                ])
                .current_dir(dir),
        );
        run_ok(
            Command::new("git")
                .args(["show", &format!("{}:{path}", refname.trim())])
                .current_dir(dir),
        )
    };
    for path in ["params.yaml", "metrics.json", "dvc.lock"] {
        assert_eq!(
            std::fs::read_to_string(dir.join(path)).expect(path),
            committed(&kins, path),
            "{path}"
        );
    }
    run_ok(
        Command::new("git")
            .args(["checkout", "-q", "--", "."])
            .current_dir(dir),
    );
    run_ok(kin(dir).args(["exp", "apply", "by-dvc"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("params.yaml")).expect("params"),
        committed("by-dvc", "params.yaml")
    );
    assert!(
        std::fs::read_to_string(dir.join("params.yaml"))
            .expect("params")
            .contains("lr: 0.5  # learning rate")
    );
    assert_eq!(run_ok(kin(dir).args(["status", "--json"])).trim(), "{}");
}

#[test]
fn experiments_are_recorded_kept_and_removed_by_name() {
    let repo = project();
    let dir = repo.path();
    run_ok(kin(dir).args(["exp", "run", "-S", "train.lr=0.25", "--name", "quarter"]));
    // The run is in lineage with the experiment's name.
    let runs: Value = serde_json::from_str(&run_ok(kin(dir).args([
        "runs",
        "--tag",
        "exp=quarter",
        "--json",
    ])))
    .expect("json");
    assert_eq!(runs.as_array().expect("runs").len(), 1, "{runs}");
    assert_eq!(runs[0]["stage"], "train");

    let mut shown: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["exp", "show", "--json"]))).expect("json");
    scrub(&mut shown);
    insta::assert_snapshot!(
        "exp-show-json",
        serde_json::to_string_pretty(&shown).expect("json")
    );

    let table = run_ok(kin(dir).args(["exp", "show", "--only-changed", "--md"]));
    assert!(table.contains("quarter"), "{table}");
    assert!(table.contains("train.lr"), "{table}");
    assert!(
        !table.contains("train.epochs"),
        "unchanged params are left out: {table}"
    );
    let csv = run_ok(kin(dir).args(["exp", "show", "--csv", "--sort-by", "acc"]));
    assert!(
        csv.starts_with("Experiment,Created,acc,loss,train.lr,train.epochs\n"),
        "{csv}"
    );

    // Applying it over an uncommitted edit is refused, and nothing is written; --force
    // overwrites.
    write_file(
        dir,
        "params.yaml",
        "train:\n  lr: 0.7  # learning rate\n  epochs: 3\n",
    );
    let out = run(kin(dir).args(["exp", "apply", "quarter"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out)
            .contains("uncommitted changes to a file would be overwritten: params.yaml"),
        "{}",
        stderr_text(&out)
    );
    let params = || std::fs::read_to_string(dir.join("params.yaml")).expect("params");
    assert!(params().contains("lr: 0.7"));
    run_ok(kin(dir).args(["exp", "apply", "quarter", "--force"]));
    assert!(
        params().contains("lr: 0.25  # learning rate"),
        "{}",
        params()
    );
    run_ok(
        Command::new("git")
            .args(["checkout", "-q", "--", "."])
            .current_dir(dir),
    );

    run_ok(kin(dir).args(["exp", "branch", "quarter", "try-quarter"]));
    let branch_params = run_ok(
        Command::new("git")
            .args(["show", "try-quarter:params.yaml"])
            .current_dir(dir),
    );
    assert!(branch_params.contains("lr: 0.25"), "{branch_params}");

    run_ok(kin(dir).args(["exp", "run", "-S", "train.epochs=4"]));
    assert_eq!(names(dir).len(), 2);
    run_ok(kin(dir).args(["exp", "remove", "quarter"]));
    assert_eq!(names(dir).len(), 1);
    run_ok(kin(dir).args(["exp", "remove", "--all"]));
    assert!(names(dir).is_empty());
}

#[test]
fn bad_experiments_are_refused_before_anything_runs() {
    let repo = project();
    let dir = repo.path();
    run_ok(kin(dir).args(["exp", "run", "-S", "train.lr=0.2", "-n", "taken"]));
    for (args, expected) in [
        (
            &["exp", "run", "-S", "train.nope=1"][..],
            "`train.nope` is not a param in `params.yaml`",
        ),
        (
            &["exp", "run", "-S", "other.yaml:lr=1"],
            "the params file `other.yaml` does not exist",
        ),
        (
            &["exp", "run", "-S", "train.lr=range(1, 2, 0)"],
            "the step of `range()` is 0",
        ),
        (
            &["exp", "run", "-S", "train.lr=[1, 2"],
            "an unclosed bracket",
        ),
        (
            &["exp", "run", "-S", "train.lr=1,2", "-n", "two"],
            "`--name` names one experiment, but the sweep makes 2",
        ),
        (
            &["exp", "run", "-S", "train.lr=0.3", "-n", "taken"],
            "an experiment named `taken` already exists",
        ),
        (
            &["exp", "run", "-n", "bad name"],
            "`bad name` is not a valid experiment name",
        ),
        (
            &["exp", "apply", "nothing"],
            "no experiment is named `nothing`",
        ),
    ] {
        fails_saying(kin(dir).args(args), 2, expected);
    }
    assert_eq!(names(dir), ["taken"]);
    // A failing stage fails its experiment, which leaves no ref and no worktree.
    write_file(dir, "train.py", "raise SystemExit(3)\n");
    let out = run(kin(dir).args(["exp", "run", "-S", "train.lr=0.4"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("1 of 1 experiments failed"),
        "{}",
        stderr_text(&out)
    );
    assert_eq!(names(dir), ["taken"]);
    assert!(
        !dir.join(".kin/tmp/exps")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    );
}

#[test]
fn experiments_travel_through_git_and_the_dvc_remote() {
    let repo = project();
    let dir = repo.path();
    let scratch = tempfile::tempdir().expect("tmp");
    let origin = scratch.path().join("origin.git");
    let storage = scratch.path().join("storage");
    run_ok(
        Command::new("git")
            .args(["init", "-q", "--bare"])
            .arg(&origin),
    );
    run_ok(
        kin(dir)
            .args(["remote", "add", "-d", "storage"])
            .arg(&storage),
    );
    commit_all(dir, "storage remote");
    run_ok(
        Command::new("git")
            .args(["remote", "add", "origin"])
            .arg(&origin)
            .current_dir(dir),
    );
    let branch = run_ok(
        Command::new("git")
            .args(["branch", "--show-current"])
            .current_dir(dir),
    );
    let branch = branch.trim();
    run_ok(
        Command::new("git")
            .args(["push", "-q", "origin", "HEAD"])
            .current_dir(dir),
    );
    run_ok(kin(dir).args(["exp", "run", "-S", "train.epochs=5", "-n", "five"]));
    let said = run_ok(kin(dir).args(["exp", "push", "origin", "five"]));
    assert!(said.contains("pushed 1 experiment(s)"), "{said}");
    let model = std::fs::read_to_string(dir.join("model.txt")).expect("model");

    // A clone pulls the experiment and its data, and applies it.
    let clone = scratch.path().join("clone");
    run_ok(
        Command::new("git")
            .args(["clone", "-q", "-b", branch])
            .arg(&origin)
            .arg(&clone),
    );
    run_ok(kin(&clone).args(["exp", "pull", "origin", "five"]));
    assert_eq!(names(&clone), ["five"]);
    run_ok(kin(&clone).args(["exp", "apply", "five"]));
    let applied = std::fs::read_to_string(clone.join("model.txt")).expect("model of five");
    assert_eq!(applied, "15", "3 rows x 5 epochs");
    assert_ne!(applied, model);

    // DVC pulls kin's experiment and its data from the same remotes.
    let Some(python) = dvc_python() else { return };
    let theirs = scratch.path().join("theirs");
    run_ok(
        Command::new("git")
            .args(["clone", "-q", "-b", branch])
            .arg(&origin)
            .arg(&theirs),
    );
    for args in [
        &["exp", "pull", "origin", "five"][..],
        &["exp", "apply", "five"],
        &["checkout"],
    ] {
        let out = Command::new(&python)
            .args(["-m", "dvc"])
            .args(args)
            .current_dir(&theirs)
            .output()
            .expect("dvc");
        assert!(out.status.success(), "dvc {args:?}: {}", stderr_text(&out));
    }
    assert_eq!(
        std::fs::read_to_string(theirs.join("model.txt")).expect("model"),
        "15"
    );

    // Bad input: an experiment the remote does not have.
    let out = run(kin(&clone).args(["exp", "pull", "origin", "nothing"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr_text(&out));
    assert!(stderr_text(&out).contains("no experiment is named `nothing`"));
}

#[test]
fn queued_experiments_run_later_with_the_workspace_they_were_queued_with() {
    let repo = project();
    let dir = repo.path();
    let said = run_ok(kin(dir).args(["exp", "run", "--queue", "-S", "train.lr=0.2,0.4"]));
    assert_eq!(said.matches("Queued experiment").count(), 2, "{said}");
    // An uncommitted change queued with a third one travels with it, not with the others.
    write_file(
        dir,
        "params.yaml",
        "train:\n  lr: 0.1  # learning rate\n  epochs: 9\n",
    );
    run_ok(kin(dir).args(["exp", "run", "--queue", "-n", "nine"]));
    run_ok(
        Command::new("git")
            .args(["checkout", "-q", "--", "."])
            .current_dir(dir),
    );
    run_ok(kin(dir).args(["exp", "run", "--queue", "-n", "dropped"]));

    let status: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["queue", "status", "--json"]))).expect("json");
    assert_eq!(status.as_array().expect("queue").len(), 4, "{status}");
    assert!(
        status
            .as_array()
            .expect("queue")
            .iter()
            .all(|q| q["status"] == "queued")
    );
    assert!(names(dir).is_empty(), "nothing ran yet");
    // A queued name is taken.
    let out = run(kin(dir).args(["exp", "run", "-n", "nine"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr_text(&out));

    run_ok(kin(dir).args(["queue", "remove", "dropped"]));
    let ran = run_ok(kin(dir).args(["queue", "start", "-j", "2"]));
    assert_eq!(ran.matches("Ran experiment").count(), 3, "{ran}");
    assert_eq!(run_ok(kin(dir).args(["queue", "status"])), "");
    let mut listed = names(dir);
    listed.sort();
    assert_eq!(listed.len(), 3);
    assert!(listed.contains(&"nine".to_owned()));
    let shown: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["exp", "show", "--json"]))).expect("json");
    let nine = shown[1]["experiments"]
        .as_array()
        .expect("experiments")
        .iter()
        .find(|e| e["name"] == "nine")
        .expect("nine");
    assert_eq!(
        nine["revs"][0]["data"]["params"]["params.yaml"]["data"]["train"]["epochs"],
        9
    );
    // The workspace is as it was: epochs 3.
    assert!(
        std::fs::read_to_string(dir.join("params.yaml"))
            .expect("params")
            .contains("epochs: 3")
    );
}

#[test]
fn a_repository_in_a_subdirectory_of_git_runs_and_shows_experiments() {
    let Some(python) = dvc_python() else { return };
    let top = git_repo(None);
    let dir = top.path().join("project");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let out = Command::new(&python)
        .args(["-m", "dvc", "init", "-q", "--subdir"])
        .current_dir(&dir)
        .output()
        .expect("dvc");
    assert!(out.status.success(), "{}", stderr_text(&out));
    write_file(&dir, "params.yaml", "x: 1\n");
    write_file(
        &dir,
        "dvc.yaml",
        "stages:\n  s:\n    cmd: cp params.yaml m.yaml\n    params: [x]\n    metrics:\n    - m.yaml:\n        cache: false\n",
    );
    run_ok(kin(&dir).args(["repro", "-q"]));
    commit_all(top.path(), "baseline");
    // A revision's params are read from the subdirectory's tree.
    let diff = run_ok(kin(&dir).args(["params", "diff", "HEAD", "--all", "--json"]));
    assert_eq!(
        diff.trim(),
        r#"{"params.yaml": {"x": {"old": 1, "new": 1, "diff": 0}}}"#
    );
    // An untracked file in a directory named like the repository's own: carried as it is.
    write_file(&dir, "project/notes.txt", "kept\n");
    run_ok(kin(&dir).args(["exp", "run", "-S", "x=2", "-n", "two"]));
    let refname = run_ok(
        Command::new("git")
            .args(["for-each-ref", "--format=%(refname)", "refs/exps/*/*/two"])
            .current_dir(top.path()),
    );
    let carried = run_ok(
        Command::new("git")
            .args([
                "show",
                &format!("{}:project/project/notes.txt", refname.trim()),
            ])
            .current_dir(top.path()),
    );
    assert_eq!(carried, "kept\n");
    let ours: Value =
        serde_json::from_str(&run_ok(kin(&dir).args(["exp", "show", "--json"]))).expect("json");
    assert_eq!(
        ours[1]["experiments"][0]["revs"][0]["data"]["metrics"]["m.yaml"]["data"]["x"],
        2
    );
    assert_eq!(
        canonical(&ours),
        canonical(&dvc_json(&python, &dir, &["exp", "show", "--json"]))
    );
}
