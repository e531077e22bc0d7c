//! kin answers as DVC 3 answers on projects written by others: each test builds a small repo
//! with one class of difference found on real projects and compares both tools' output.

use std::path::Path;

use serde_json::Value;

use crate::common::{both_json, commit_all, dvc, dvc_python, git_repo, kin, run_ok, write_file};

/// `kin status --json` and `dvc status --json`, parsed.
fn both_status(python: &Path, dir: &Path) -> (Value, Value) {
    both_json(python, dir, &["status", "--json"])
}

/// A git repo initialised by DVC itself, as a DVC user's project would be.
fn dvc_repo(python: &Path) -> tempfile::TempDir {
    let repo = git_repo(None);
    dvc(python, repo.path(), &["init", "-q"]);
    repo
}

fn object(dir: &Path, md5: &str) -> std::path::PathBuf {
    dir.join(".dvc/cache/files/md5")
        .join(&md5[..2])
        .join(&md5[2..])
}

fn recorded_md5(dvc_file: &Path) -> String {
    let text = std::fs::read_to_string(dvc_file).expect("dvc file");
    text.lines()
        .find_map(|l| l.trim_start_matches("- ").strip_prefix("md5: "))
        .expect("md5 line")
        .to_owned()
}

#[test]
fn data_whose_object_left_the_cache_is_not_in_cache_whatever_the_workspace_holds() {
    let Some(python) = dvc_python() else { return };
    let repo = dvc_repo(&python);
    let dir = repo.path();
    write_file(dir, "foo", "foo\n");
    write_file(dir, "d/a", "a\n");
    write_file(dir, "d/b", "b\n");
    dvc(&python, dir, &["add", "-q", "foo", "d"]);
    let foo_md5 = recorded_md5(&dir.join("foo.dvc"));
    std::fs::remove_file(object(dir, &foo_md5)).expect("rm object");
    let mut seen = Vec::new();
    // Workspace matching, modified, deleted: all "not in cache" in DVC.
    for step in ["matching", "modified", "deleted"] {
        match step {
            "modified" => write_file(dir, "foo", "bar\n"),
            "deleted" => std::fs::remove_file(dir.join("foo")).expect("rm"),
            _ => {}
        }
        let (ours, theirs) = both_status(&python, dir);
        assert_eq!(ours, theirs, "foo {step}");
        seen.push(ours);
    }
    assert_eq!(
        seen[0],
        serde_json::json!({"foo.dvc": [{"changed outs": {"foo": "not in cache"}}]})
    );
    // A directory whose manifest is there but one file object is not.
    let a_md5 = "60b725f10c9c85c70d97880dfe8191b3"; // md5("a\n")
    std::fs::remove_file(object(dir, a_md5)).expect("rm file object");
    let (ours, theirs) = both_status(&python, dir);
    assert_eq!(ours, theirs, "dir missing a file object");
    // A directory whose manifest is gone.
    let d_md5 = recorded_md5(&dir.join("d.dvc"));
    std::fs::remove_file(object(dir, &d_md5)).expect("rm manifest");
    let (ours, theirs) = both_status(&python, dir);
    assert_eq!(ours, theirs, "dir manifest missing");
    assert_eq!(
        ours["d.dvc"],
        serde_json::json!([{"changed outs": {"d": "not in cache"}}])
    );
}

#[test]
fn status_names_paths_from_the_current_directory_as_dvc_does() {
    let Some(python) = dvc_python() else { return };
    let repo = dvc_repo(&python);
    let dir = repo.path();
    write_file(dir, "top.txt", "top\n");
    write_file(dir, "rin.txt", "rin\n");
    write_file(dir, "sub/in.txt", "in\n");
    write_file(
        dir,
        "dvc.yaml",
        "stages:\n  r:\n    cmd: cp rin.txt rout.txt\n    deps: [rin.txt]\n    outs: [rout.txt]\n",
    );
    write_file(
        dir,
        "sub/dvc.yaml",
        "stages:\n  s1:\n    cmd: mkdir -p model csv_logs && cp in.txt model/clf-model && cp ../top.txt csv_logs/log\n    deps: [in.txt, ../top.txt]\n    outs: [model//clf-model, csv_logs/]\n  s2:\n    wdir: ..\n    cmd: cat top.txt rin.txt > out2.txt\n    deps: [top.txt, ./sub/../rin.txt]\n    outs: [out2.txt]\n",
    );
    commit_all(dir, "pipelines");
    for sub in [".", "sub"] {
        let (ours, theirs) = both_status(&python, &dir.join(sub));
        assert_eq!(ours, theirs, "nothing run yet, from {sub}");
    }
    dvc(&python, dir, &["repro", "-q", "-P"]);
    write_file(dir, "sub/in.txt", "in\nb\n");
    write_file(dir, "sub/model/clf-model", "z\n");
    std::fs::remove_dir_all(dir.join("sub/csv_logs")).expect("rm");
    for sub in [".", "sub"] {
        let (ours, theirs) = both_status(&python, &dir.join(sub));
        assert_eq!(ours, theirs, "after edits, from {sub}");
    }
    // The text form names the same paths.
    let text = run_ok(kin(&dir.join("sub")).arg("status"));
    assert!(text.starts_with("s1:\n"), "{text}");
    assert!(
        text.contains("modified:           model/clf-model"),
        "{text}"
    );
    assert!(text.contains("deleted:            csv_logs\n"), "{text}");
}

#[test]
fn params_used_only_through_templates_are_listed_as_dvc_lists_them() {
    let Some(python) = dvc_python() else { return };
    let repo = dvc_repo(&python);
    let dir = repo.path();
    write_file(dir, "params.yaml", "top: 1\n");
    write_file(
        dir,
        "sub/params.yaml",
        "models: {a: {lr: 0.1, ep: 3}, b: {lr: 0.2, ep: 5}}\nseeds: [1, 2]\nname: foo\nunused: 42\nnested: {deep: {x: 7, y: 8}}\nruns: [{lr: 0.5}, {lr: 0.6}]\n",
    );
    write_file(
        dir,
        "sub/dvc.yaml",
        "stages:\n  train:\n    foreach: ${models}\n    do:\n      cmd: echo ${item.lr} ${key} ${name}\n  single:\n    cmd: echo ${nested.deep.x} ${seeds[1]}\n  plain:\n    foreach: [p, q]\n    do:\n      cmd: echo ${item}\n  listed:\n    foreach: ${runs}\n    do:\n      cmd: echo ${item.lr}\n",
    );
    commit_all(dir, "templated params");
    for sub in [".", "sub"] {
        let (ours, theirs) = both_json(
            &python,
            &dir.join(sub),
            &["params", "diff", "--all", "--json"],
        );
        assert_eq!(ours, theirs, "from {sub}");
    }
    // A changed value shows without --all, under the file it comes from.
    write_file(
        dir,
        "sub/params.yaml",
        "models: {a: {lr: 0.3, ep: 3}, b: {lr: 0.2, ep: 5}}\nseeds: [1, 2]\nname: foo\nunused: 42\nnested: {deep: {x: 7, y: 8}}\nruns: [{lr: 0.5}, {lr: 0.6}]\n",
    );
    let (ours, theirs) = both_json(&python, dir, &["params", "diff", "--json"]);
    assert_eq!(ours, theirs, "after a change");
    assert_eq!(
        ours["sub/params.yaml"]["models.a.lr"]["new"],
        serde_json::json!(0.3)
    );
}

#[test]
fn overlapping_outputs_fail_only_the_commands_that_build_the_graph() {
    let Some(python) = dvc_python() else { return };
    let repo = dvc_repo(&python);
    let dir = repo.path();
    write_file(
        dir,
        "dvc.yaml",
        "stages:\n  a:\n    cmd: echo a > x\n    outs: [x]\n  m:\n    cmd: cp m.src m.json\n    metrics: [m.json]\n",
    );
    write_file(
        dir,
        "sub/dvc.yaml",
        "stages:\n  b:\n    cmd: echo b > ../x\n    outs: [../x]\n",
    );
    write_file(dir, "m.json", "{\"acc\": 0.5}\n");
    commit_all(dir, "overlap");
    let (ours, theirs) = both_status(&python, dir);
    assert_eq!(ours, theirs, "status");
    let (ours, theirs) = both_json(&python, dir, &["metrics", "show", "--json"]);
    assert_eq!(ours, theirs, "metrics show");
    run_ok(kin(dir).arg("stages"));
    for args in [&["dag"][..], &["repro"]] {
        let output = crate::common::run(kin(dir).args(args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "kin {args:?}: {stderr}");
        assert!(stderr.contains("is also an output of stage"), "{stderr}");
    }
    assert!(!dir.join("x").exists(), "nothing ran");
}

#[test]
fn repro_records_a_changed_data_source_again_as_dvc_does() {
    let Some(python) = dvc_python() else { return };
    let mut twins = Vec::new();
    for tool in ["kin", "dvc"] {
        let repo = dvc_repo(&python);
        let dir = repo.path();
        write_file(dir, "data.txt", "v1\n");
        dvc(&python, dir, &["add", "-q", "data.txt"]);
        write_file(
            dir,
            "dvc.yaml",
            "stages:\n  s:\n    cmd: cp data.txt out.txt\n    deps: [data.txt]\n    outs: [out.txt]\n",
        );
        dvc(&python, dir, &["repro", "-q"]);
        write_file(dir, "data.txt", "v2\n");
        match tool {
            "kin" => {
                let out = run_ok(kin(dir).arg("repro"));
                assert!(
                    out.contains("Verifying data sources in stage: 'data.txt.dvc'"),
                    "{out}"
                );
            }
            _ => {
                dvc(&python, dir, &["repro", "-q"]);
            }
        }
        twins.push(repo);
    }
    let (ours, theirs) = (twins[0].path(), twins[1].path());
    for file in ["data.txt.dvc", "dvc.lock", "out.txt"] {
        assert_eq!(
            std::fs::read_to_string(ours.join(file)).expect("ours"),
            std::fs::read_to_string(theirs.join(file)).expect("theirs"),
            "{file}"
        );
    }
    assert!(dvc(&python, ours, &["status"]).contains("up to date"));
    // Unchanged now: said as DVC says it.
    let again = run_ok(kin(ours).arg("repro"));
    assert!(
        again.contains("'data.txt.dvc' didn't change, skipping"),
        "{again}"
    );
    // Missing data fails the repro, naming it.
    std::fs::remove_file(ours.join("data.txt")).expect("rm");
    let output = crate::common::run(kin(ours).arg("repro"));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing data `data.txt`"));
}

#[test]
fn config_is_read_at_every_level_dvc_reads() {
    let Some(python) = dvc_python() else { return };
    let repo = dvc_repo(&python);
    let dir = repo.path();
    let levels = tempfile::tempdir().expect("temp dir");
    let (system, global) = (levels.path().join("system"), levels.path().join("global"));
    for (level, text) in [
        (
            &system,
            "[core]\n    remote = sys\n['remote \"sys\"']\n    url = /srv/sys\n",
        ),
        (
            &global,
            "['remote \"glob\"']\n    url = /srv/glob\n[cache]\n    type = hardlink\n",
        ),
    ] {
        std::fs::create_dir_all(level).expect("mkdir");
        std::fs::write(level.join("config"), text).expect("write");
    }
    let with_levels = |command: &mut std::process::Command| {
        command
            .env("DVC_SYSTEM_CONFIG_DIR", &system)
            .env("DVC_GLOBAL_CONFIG_DIR", &global)
            .current_dir(dir);
    };
    let mut ours = kin(dir);
    with_levels(ours.args(["remote", "list"]));
    let ours = run_ok(&mut ours);
    let mut theirs = std::process::Command::new(&python);
    with_levels(theirs.args(["-m", "dvc", "remote", "list"]));
    let theirs = String::from_utf8(theirs.output().expect("dvc runs").stdout).expect("utf-8");
    let names = |text: &str| -> Vec<String> {
        let mut names: Vec<String> = text
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&ours), names(&theirs), "kin:\n{ours}\ndvc:\n{theirs}");
    assert_eq!(names(&ours), ["glob", "sys"]);
    // The global cache.type applies: added data is hard-linked into the cache.
    write_file(dir, "data.txt", "linked\n");
    let mut add = kin(dir);
    with_levels(add.args(["add", "data.txt"]));
    run_ok(&mut add);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(dir.join("data.txt"))
            .expect("meta")
            .nlink(),
        2
    );
}

#[test]
fn push_and_fetch_warn_about_objects_nobody_has_and_succeed_as_dvc_does() {
    let Some(python) = dvc_python() else { return };
    let repo = dvc_repo(&python);
    let dir = repo.path();
    let store = tempfile::tempdir().expect("temp dir");
    write_file(dir, "a", "a\n");
    write_file(dir, "b", "b\n");
    dvc(&python, dir, &["add", "-q", "a", "b"]);
    dvc(
        &python,
        dir,
        &[
            "remote",
            "add",
            "-d",
            "-q",
            "r",
            &store.path().display().to_string(),
        ],
    );
    std::fs::remove_file(object(dir, "60b725f10c9c85c70d97880dfe8191b3")).expect("rm a's object");
    for command in ["push", "fetch"] {
        let ours = crate::common::run(kin(dir).arg(command));
        let stderr = String::from_utf8_lossy(&ours.stderr);
        assert_eq!(ours.status.code(), Some(0), "kin {command}: {stderr}");
        assert!(
            stderr.contains("warning:") && stderr.contains("60b725f1"),
            "{stderr}"
        );
        dvc(&python, dir, &[command]);
    }
    // What cannot be checked out still fails a pull, as in DVC.
    std::fs::remove_file(dir.join("a")).expect("rm");
    let pulled = crate::common::run(kin(dir).arg("pull"));
    assert_eq!(pulled.status.code(), Some(1));
}

#[test]
fn dvc_files_outside_dvc_3s_schema_are_refused_as_dvc_refuses_them() {
    let Some(python) = dvc_python() else { return };
    let entry = "  md5: 60b725f10c9c85c70d97880dfe8191b3\n  size: 2\n  hash: md5\n  path: a\n";
    for (text, needle) in [
        // A DVC 1 stage file, and a DVC 1 output flag.
        (
            format!("cmd: python train.py\nouts:\n-{}", &entry[1..]),
            "unknown key `cmd`",
        ),
        (
            format!("outs:\n-{}  metric: false\n", &entry[1..]),
            "unknown key `metric`",
        ),
        (
            format!("outs:\n-{}", entry[1..].replace("size: 2", "size: big")),
            "`size`",
        ),
    ] {
        let repo = dvc_repo(&python);
        let dir = repo.path();
        write_file(dir, "a", "a\n");
        write_file(dir, "a.dvc", &text);
        let ours = crate::common::run(kin(dir).args(["status", "--json"]));
        let stderr = String::from_utf8_lossy(&ours.stderr);
        assert_eq!(ours.status.code(), Some(1), "{text}: {stderr}");
        assert!(
            stderr.contains(needle) && stderr.contains("a.dvc:"),
            "{stderr}"
        );
        let theirs = std::process::Command::new(&python)
            .args(["-m", "dvc", "status", "--json"])
            .current_dir(dir)
            .output()
            .expect("dvc runs");
        assert!(!theirs.status.success(), "dvc accepted {text}");
    }
    // Every field DVC itself writes is accepted.
    let repo = dvc_repo(&python);
    let dir = repo.path();
    write_file(dir, "a", "a\n");
    write_file(
        dir,
        "a.dvc",
        format!(
            "frozen: false\ndesc: data\nmeta: {{owner: me}}\nouts:\n-{}  isexec: false\n  cache: true\n  persist: false\n  push: true\n  remote: r\n  desc: a file\n  type: data\n  labels: [x]\n",
            &entry[1..]
        ),
    );
    let (ours, theirs) = both_status(&python, dir);
    assert_eq!(ours, theirs);
}

#[test]
fn missing_metrics_are_reported_in_dvcs_words() {
    let Some(python) = dvc_python() else { return };
    let repo = dvc_repo(&python);
    let dir = repo.path();
    write_file(
        dir,
        "dvc.yaml",
        "metrics:\n- missing.json\n- sub/also.json\nstages:\n  s:\n    cmd: echo\n    metrics: [out.json]\n",
    );
    for sub in [".", "sub"] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
        let (ours, theirs) = both_json(&python, &dir.join(sub), &["metrics", "show", "--json"]);
        assert_eq!(ours, theirs, "from {sub}");
    }
}
