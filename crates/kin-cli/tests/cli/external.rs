//! Dependencies outside the repository by URL — an object on a real S3-compatible server
//! (moto) and a file on a local HTTP server — recorded in `dvc.lock` byte for byte as the
//! real DVC records them, judged changed exactly when DVC judges them changed, shown as
//! lineage nodes, and a schedule that runs only once the S3 object changed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{copy_tree, dvc_python, git_repo, kin, run_ok};
use crate::remote::{Moto, S3_ENV, free_port, wait_for_port};

/// `python3 -m http.server` serving `dir` on a free loopback port, stopped when dropped.
struct FileServer {
    child: Child,
    port: u16,
}

impl FileServer {
    fn start(dir: &Path) -> FileServer {
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        wait_for_port(port, Duration::from_secs(20), "the HTTP server");
        FileServer { child, port }
    }

    fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment both tools read S3 through: the test credentials and moto's address.
fn s3_env(moto: &Moto) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = S3_ENV
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    env.push(("AWS_ENDPOINT_URL".to_owned(), moto.endpoint()));
    env
}

fn put_object(moto: &Moto, bucket: &str, key: &str, body: &str) {
    moto.python_ok(&format!(
        "import boto3; boto3.client('s3', endpoint_url='{}').put_object(Bucket='{bucket}', Key='{key}', Body={body:?}.encode())",
        moto.endpoint()
    ));
}

pub(crate) fn dvc_with(
    python: &Path,
    dir: &Path,
    env: &[(String, String)],
    args: &[&str],
) -> String {
    let output = Command::new(python)
        .args(["-m", "dvc"])
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("dvc runs");
    assert!(
        output.status.success(),
        "dvc {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The outcomes of a schedule's attempts, oldest first.
fn outcomes(dir: &Path, env: &[(String, String)], schedule: &str) -> Vec<String> {
    let history: Value = serde_json::from_str(&kin_with(
        dir,
        env,
        &["schedule", "history", schedule, "--json"],
    ))
    .expect("json");
    history
        .as_array()
        .expect("attempts")
        .iter()
        .rev()
        .map(|a| a["outcome"].as_str().expect("outcome").to_owned())
        .collect()
}

/// Whether the real DVC finds nothing changed in `dir`.
pub(crate) fn dvc_is_clean(python: &Path, dir: &Path, env: &[(String, String)]) -> bool {
    dvc_with(python, dir, env, &["status", "--json"]).trim() == "{}"
}

/// The paths of every node upstream of `target`.
pub(crate) fn lineage_paths(dir: &Path, env: &[(String, String)], target: &str) -> Vec<String> {
    let lineage: Value =
        serde_json::from_str(&kin_with(dir, env, &["lineage", "up", target, "--json"]))
            .expect("json");
    lineage["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["path"].as_str().map(str::to_owned))
        .collect()
}

pub(crate) fn kin_with(dir: &Path, env: &[(String, String)], args: &[&str]) -> String {
    run_ok(kin(dir).envs(env.iter().map(|(k, v)| (k, v))).args(args))
}

#[test]
fn external_dependencies_lock_and_change_as_dvc_says() {
    let Some(moto) = Moto::start() else { return };
    let Some(python) = dvc_python() else { return };
    let env = s3_env(&moto);
    moto.create_bucket("raw");
    put_object(&moto, "raw", "orders.csv", "id,qty\n1,3\n");
    // A bucket that keeps versions: DVC records the object's version beside its etag.
    moto.create_bucket("versioned");
    moto.python_ok(&format!(
        "import boto3; boto3.client('s3', endpoint_url='{}').put_bucket_versioning(Bucket='versioned', VersioningConfiguration={{'Status': 'Enabled'}})",
        moto.endpoint()
    ));
    put_object(&moto, "versioned", "stores.csv", "store\n1\n");
    let served = tempfile::tempdir().expect("tmp");
    std::fs::write(served.path().join("prices.csv"), "sku,price\na,1\n").expect("write");
    let web = FileServer::start(served.path());
    // Absolute local paths outside the repository, a file and a directory: hashed as data.
    let outside = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(outside.path().join("shards")).expect("mkdir");
    std::fs::write(outside.path().join("shards/a.csv"), "a\n").expect("write");
    std::fs::write(outside.path().join("calendar.csv"), "day\n1\n").expect("write");
    let pipeline = format!(
        "stages:\n  count:\n    cmd: echo counted > n.txt\n    deps:\n    - s3://raw/orders.csv\n    - s3://versioned/stores.csv\n    - {}\n    - {}\n    - {}\n    outs:\n    - n.txt\n",
        web.url("prices.csv"),
        outside.path().join("calendar.csv").display(),
        outside.path().join("shards").display(),
    );

    // The same pipeline reproduced by kin and by DVC: the same dvc.lock, byte for byte.
    let ours = git_repo(None);
    run_ok(kin(ours.path()).args(["init", "-q"]));
    std::fs::write(ours.path().join("dvc.yaml"), &pipeline).expect("dvc.yaml");
    let theirs = tempfile::tempdir().expect("tmp");
    copy_tree(ours.path(), theirs.path());
    kin_with(ours.path(), &env, &["repro", "-q"]);
    dvc_with(&python, theirs.path(), &env, &["repro", "-q"]);
    let lock = std::fs::read_to_string(ours.path().join("dvc.lock")).expect("kin's lock");
    assert_eq!(
        lock,
        std::fs::read_to_string(theirs.path().join("dvc.lock")).expect("dvc's lock")
    );
    assert!(lock.contains("etag: "), "{lock}");
    assert!(lock.contains("checksum: '"), "{lock}");
    assert_eq!(lock.matches("version_id: ").count(), 1, "{lock}");
    // Each reads the other's record as up to date.
    let clean = |text: &str| text.trim() == "{}";
    assert!(dvc_is_clean(&python, ours.path(), &env));
    assert!(clean(&kin_with(theirs.path(), &env, &["status", "--json"])));

    // Both sources change: both tools name both, in the same words.
    put_object(&moto, "raw", "orders.csv", "id,qty\n1,3\n2,5\n");
    std::thread::sleep(Duration::from_millis(1100)); // a new Last-Modified second
    std::fs::write(served.path().join("prices.csv"), "sku,price\na,2\n").expect("write");
    std::fs::write(outside.path().join("shards/b.csv"), "b\n").expect("write");
    let kin_says: Value =
        serde_json::from_str(&kin_with(ours.path(), &env, &["status", "--json"])).expect("json");
    let dvc_says: Value =
        serde_json::from_str(&dvc_with(&python, ours.path(), &env, &["status", "--json"]))
            .expect("json");
    assert_eq!(kin_says, dvc_says);
    assert_eq!(
        kin_says["count"][0]["changed deps"]["s3://raw/orders.csv"],
        "modified"
    );
    let shards = outside.path().join("shards").display().to_string();
    assert_eq!(kin_says["count"][0]["changed deps"][&shards], "modified");

    // Reproduced by kin, DVC agrees it is up to date, and the lineage names both sources.
    kin_with(ours.path(), &env, &["repro", "-q"]);
    assert!(dvc_is_clean(&python, ours.path(), &env));
    let paths = lineage_paths(ours.path(), &env, "n.txt");
    assert!(
        paths.iter().any(|p| p == "s3://raw/orders.csv"),
        "{paths:?}"
    );
    assert!(paths.contains(&web.url("prices.csv")), "{paths:?}");

    // A source that is gone is a deleted dependency, and repro refuses to run without it.
    moto.python_ok(&format!(
        "import boto3; boto3.client('s3', endpoint_url='{}').delete_object(Bucket='raw', Key='orders.csv')",
        moto.endpoint()
    ));
    let status: Value =
        serde_json::from_str(&kin_with(ours.path(), &env, &["status", "--json"])).expect("json");
    assert_eq!(
        status["count"][0]["changed deps"]["s3://raw/orders.csv"],
        "deleted"
    );
    let output = kin(ours.path())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(["repro"])
        .output()
        .expect("kin");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("s3://raw/orders.csv"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_schedule_runs_only_once_the_s3_object_changed_and_why_names_it() {
    let Some(moto) = Moto::start() else { return };
    let env = s3_env(&moto);
    moto.create_bucket("raw");
    put_object(&moto, "raw", "orders.csv", "id,qty\n1,3\n");
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  train:\n    cmd: date +%s%N > model.txt\n    deps:\n    - s3://raw/orders.csv\n    outs:\n    - model.txt\n",
    )
    .expect("dvc.yaml");
    let mut config = std::fs::read_to_string(dir.join(".kin/config.toml")).expect("config");
    config.push_str(
        "\n[[schedule]]\nname = \"weekly\"\ncron = \"0 6 * * 1\"\ntimezone = \"Europe/Berlin\"\n",
    );
    std::fs::write(dir.join(".kin/config.toml"), config).expect("config");

    let mondays = [
        "2026-06-01T04:00:00Z",
        "2026-06-08T04:00:00Z",
        "2026-06-15T04:00:00Z",
    ];
    kin_with(dir, &env, &["scheduler", "--once", "--now", mondays[0]]);
    kin_with(dir, &env, &["scheduler", "--once", "--now", mondays[1]]);
    put_object(&moto, "raw", "orders.csv", "id,qty\n1,3\n2,5\n");
    kin_with(dir, &env, &["scheduler", "--once", "--now", mondays[2]]);
    assert_eq!(
        outcomes(dir, &env, "weekly"),
        ["succeeded", "skipped-unchanged", "succeeded"]
    );
    let why = kin_with(dir, &env, &["why", "model.txt"]);
    assert!(why.contains("s3://raw/orders.csv"), "{why}");
}

#[test]
fn import_url_and_update_write_the_dvc_files_dvc_writes() {
    let Some(moto) = Moto::start() else { return };
    let Some(python) = dvc_python() else { return };
    let env = s3_env(&moto);
    moto.create_bucket("raw");
    put_object(&moto, "raw", "orders.csv", "id,qty\n1,3\n");
    let outside = tempfile::tempdir().expect("tmp");
    std::fs::write(outside.path().join("prices.csv"), "sku,price\na,1\n").expect("write");
    std::fs::write(outside.path().join("local.txt"), "local\n").expect("write");
    let web = FileServer::start(outside.path());
    let local = outside.path().join("local.txt").display().to_string();
    let sources = [
        ("s3://raw/orders.csv".to_owned(), "data/orders.csv"),
        (web.url("prices.csv"), "data/prices.csv"),
        (local.clone(), "data/"),
    ];

    let ours = git_repo(None);
    run_ok(kin(ours.path()).args(["init", "-q"]));
    let theirs = git_repo(None);
    dvc_with(&python, theirs.path(), &env, &["init", "-q"]);
    for dir in [ours.path(), theirs.path()] {
        std::fs::create_dir_all(dir.join("data")).expect("mkdir");
    }
    for (source, out) in &sources {
        kin_with(ours.path(), &env, &["import-url", "-q", source, out]);
        dvc_with(
            &python,
            theirs.path(),
            &env,
            &["import-url", "-q", source, out],
        );
    }
    let same = |name: &str| {
        let read = |dir: &Path| std::fs::read_to_string(dir.join("data").join(name)).expect(name);
        assert_eq!(read(ours.path()), read(theirs.path()), "{name}");
    };
    for name in [
        "orders.csv.dvc",
        "prices.csv.dvc",
        "local.txt.dvc",
        ".gitignore",
        "orders.csv",
        "prices.csv",
        "local.txt",
    ] {
        same(name);
    }
    assert!(dvc_is_clean(&python, ours.path(), &env));

    // The sources change: both update to the same files; an unchanged source is left be.
    put_object(&moto, "raw", "orders.csv", "id,qty\n9,9\n");
    std::fs::write(&local, "local, changed\n").expect("write");
    let said = kin_with(
        ours.path(),
        &env,
        &[
            "update",
            "data/orders.csv.dvc",
            "data/prices.csv",
            "data/local.txt.dvc",
        ],
    );
    assert!(said.contains("did not change"), "{said}");
    dvc_with(
        &python,
        theirs.path(),
        &env,
        &[
            "update",
            "-q",
            "data/orders.csv.dvc",
            "data/prices.csv.dvc",
            "data/local.txt.dvc",
        ],
    );
    for name in [
        "orders.csv.dvc",
        "prices.csv.dvc",
        "local.txt.dvc",
        "orders.csv",
        "local.txt",
    ] {
        same(name);
    }
    assert!(dvc_is_clean(&python, ours.path(), &env));

    // The import's run in lineage used the source's version.
    let paths = lineage_paths(ours.path(), &env, "data/orders.csv");
    assert!(
        paths.iter().any(|p| p == "s3://raw/orders.csv"),
        "{paths:?}"
    );

    // Bad input: nothing at the URL, a relative path, a file that is no import.
    for (args, expected) in [
        (
            vec!["import-url", "s3://raw/missing.csv"],
            "there is nothing there",
        ),
        (vec!["import-url", "relative.txt"], "absolute path"),
        (vec!["update", "data/nothing.dvc"], "does not exist"),
    ] {
        let output = kin(ours.path())
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(&args)
            .output()
            .expect("kin");
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn a_schedule_fetches_changed_imports_before_it_decides() {
    let Some(moto) = Moto::start() else { return };
    let env = s3_env(&moto);
    moto.create_bucket("raw");
    put_object(&moto, "raw", "orders.csv", "id,qty\n1,3\n");
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    kin_with(
        dir,
        &env,
        &["import-url", "-q", "s3://raw/orders.csv", "orders.csv"],
    );
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  count:\n    cmd: wc -l < orders.csv > count.txt\n    deps: [orders.csv]\n    outs: [count.txt]\n",
    )
    .expect("dvc.yaml");
    let mut config = std::fs::read_to_string(dir.join(".kin/config.toml")).expect("config");
    config.push_str("\n[[schedule]]\nname = \"daily\"\nevery = \"1d\"\n");
    std::fs::write(dir.join(".kin/config.toml"), config).expect("config");
    for (now, change) in [
        ("2026-06-01T00:00:00Z", None),
        ("2026-06-02T00:00:00Z", None),
        ("2026-06-03T00:00:00Z", Some("id,qty\n1,3\n2,5\n3,1\n")),
    ] {
        if let Some(body) = change {
            put_object(&moto, "raw", "orders.csv", body);
        }
        kin_with(dir, &env, &["scheduler", "--once", "--now", now]);
    }
    assert_eq!(
        outcomes(dir, &env, "daily"),
        ["succeeded", "skipped-unchanged", "succeeded"]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("count.txt"))
            .expect("count")
            .trim(),
        "4"
    );
}
