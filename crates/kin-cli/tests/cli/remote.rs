//! Remotes end to end: `kin remote` writes the config `dvc remote` writes; `push`, `fetch`,
//! `pull` and `status -c` against a local remote and a real S3-compatible server (moto, on
//! loopback), each direction checked with the real DVC; lineage travels with the data;
//! missing objects, corrupt downloads and a server cut mid-push fail clearly.

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{dvc, dvc_python, git_as_ana as git, git_repo, kin, run, run_ok};

pub(crate) const S3_ENV: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
];

/// A repo with a tracked directory (nested, empty file, CRLF, non-ASCII name), a tracked
/// file and a stage that turns the directory into a model, run once and committed.
fn project() -> tempfile::TempDir {
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::create_dir_all(dir.join("data/sub")).expect("mkdir");
    std::fs::write(dir.join("data/a.txt"), "alpha\n").expect("write");
    std::fs::write(dir.join("data/empty.bin"), "").expect("write");
    std::fs::write(dir.join("data/sub/b.csv"), "1,2\r\n3,4\r\n").expect("write");
    std::fs::write(dir.join("data/sub/ünï.txt"), "x").expect("write");
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("weights.bin"), big).expect("write");
    std::fs::write(
        dir.join("dvc.yaml"),
        "stages:\n  train:\n    cmd: cat data/a.txt data/sub/b.csv > model.txt\n    deps: [data]\n    outs: [model.txt]\n",
    )
    .expect("write");
    run_ok(kin(dir).args(["add", "-q", "data", "weights.bin"]));
    run_ok(kin(dir).args(["repro", "-q"]));
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "data and model"]);
    repo
}

/// Every workspace file under the tracked paths, with its bytes.
fn tracked_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![PathBuf::from("data")];
    for file in ["weights.bin", "model.txt"] {
        if let Ok(bytes) = std::fs::read(dir.join(file)) {
            files.insert(file.to_owned(), bytes);
        }
    }
    while let Some(rel) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.expect("entry");
            let child = rel.join(entry.file_name());
            if entry.file_type().expect("type").is_dir() {
                pending.push(child);
            } else {
                let bytes = std::fs::read(entry.path()).expect("read");
                files.insert(child.to_string_lossy().into_owned(), bytes);
            }
        }
    }
    files
}

/// A clone of `source` with nothing in its cache or workspace but what git holds.
fn clone(source: &Path) -> tempfile::TempDir {
    let target = tempfile::tempdir().expect("tempdir");
    git(
        target.path(),
        &["clone", "-q", &source.display().to_string(), "."],
    );
    target
}

fn remote_add(dir: &Path, name: &str, url: &str) {
    run_ok(kin(dir).args(["remote", "add", "-f", "-d", name, url]));
}

#[test]
fn remote_commands_write_the_config_dvc_writes() {
    let Some(python) = dvc_python() else { return };
    let steps: &[&[&str]] = &[
        &["remote", "add", "-d", "store", "../shared"],
        &["remote", "add", "s3", "s3://bucket/path"],
        &[
            "remote",
            "modify",
            "s3",
            "endpointurl",
            "http://127.0.0.1:9000",
        ],
        &["remote", "modify", "--local", "s3", "access_key_id", "KEY"],
        &["remote", "modify", "s3", "region", "eu-west-1"],
        &["remote", "modify", "s3", "--unset", "region"],
        &["remote", "default", "s3"],
        &["remote", "add", "-f", "store", "/abs/store"],
        &["remote", "remove", "store"],
    ];
    let ours = git_repo(None);
    let theirs = git_repo(None);
    run_ok(kin(ours.path()).args(["init", "-q"]));
    dvc(&python, theirs.path(), &["init", "-q"]);
    for step in steps {
        run_ok(kin(ours.path()).args(*step));
        dvc(&python, theirs.path(), step);
        for file in ["config", "config.local"] {
            let read = |dir: &Path| {
                std::fs::read_to_string(dir.join(".dvc").join(file)).unwrap_or_default()
            };
            assert_eq!(
                read(ours.path()),
                read(theirs.path()),
                "{file} after {step:?}"
            );
        }
    }
    assert_eq!(
        run_ok(kin(ours.path()).args(["remote", "list"])),
        dvc(&python, theirs.path(), &["remote", "list"])
    );
    assert_eq!(run_ok(kin(ours.path()).args(["remote", "default"])), "s3\n");

    for (args, needle, code) in [
        (vec!["remote", "add", "s3", "s3://x"], "already exists", 2),
        (
            vec!["remote", "modify", "s3", "bogus", "1"],
            "not an option of s3 remotes",
            2,
        ),
        (
            vec!["remote", "modify", "nope", "region", "x"],
            "`nope` is not configured",
            2,
        ),
        (
            vec!["remote", "add", "h", "ssh://host/path"],
            "not ssh://",
            2,
        ),
        (vec!["push", "-r", "nope"], "`nope` is not configured", 2),
    ] {
        let output = run(kin(ours.path()).args(&args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    run_ok(kin(ours.path()).args(["remote", "default", "--unset"]));
    let output = run(kin(ours.path()).args(["push"]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no default remote"));
}

#[test]
fn local_remote_round_trips_with_dvc_both_ways() {
    let Some(python) = dvc_python() else { return };
    let repo = project();
    let dir = repo.path();
    let store = tempfile::tempdir().expect("tempdir");
    remote_add(dir, "store", &store.path().display().to_string());
    git(dir, &["commit", "-q", "-am", "remote"]);
    let expected = tracked_tree(dir);
    assert_eq!(expected.len(), 6, "{:?}", expected.keys());

    let status = run_ok(kin(dir).args(["status", "-c", "--json"]));
    assert_eq!(
        status,
        "{\"data\": \"new\", \"data/a.txt\": \"new\", \"data/empty.bin\": \"new\", \"data/sub/b.csv\": \"new\", \"data/sub/\\u00fcn\\u00ef.txt\": \"new\", \"model.txt\": \"new\", \"weights.bin\": \"new\"}\n"
    );
    let pushed: Value =
        serde_json::from_str(&run_ok(kin(dir).args(["push", "--json"]))).expect("json");
    // Six files (the empty one among them), one manifest; two adds and the stage run.
    assert_eq!(pushed["remotes"][0]["transferred"], 7, "{pushed}");
    assert_eq!(pushed["remotes"][0]["lineage_records"], 3, "{pushed}");
    assert_eq!(
        run_ok(kin(dir).args(["push"])),
        "Everything is up to date.\n"
    );
    assert_eq!(
        run_ok(kin(dir).args(["status", "-c"])),
        "Cache and remote 'store' are in sync.\n"
    );

    // DVC pulls what kin pushed.
    let theirs = clone(dir);
    dvc(&python, theirs.path(), &["pull"]);
    assert_eq!(tracked_tree(theirs.path()), expected);
    assert!(dvc(&python, theirs.path(), &["status", "-c"]).contains("in sync"));

    // kin pulls what DVC pushed, into a fresh clone and cache.
    let second = tempfile::tempdir().expect("tempdir");
    dvc(
        &python,
        theirs.path(),
        &[
            "remote",
            "add",
            "-f",
            "-d",
            "store",
            &second.path().display().to_string(),
        ],
    );
    dvc(&python, theirs.path(), &["push"]);
    let ours = clone(dir);
    remote_add(ours.path(), "store", &second.path().display().to_string());
    // The directory's manifest is only on the remote: its files are listed, it is not (DVC
    // fetches it into the cache to list them; kin reads it without storing it).
    let status = run_ok(kin(ours.path()).args(["status", "-c", "--json"]));
    assert_eq!(
        status,
        "{\"data/a.txt\": \"deleted\", \"data/empty.bin\": \"deleted\", \"data/sub/b.csv\": \"deleted\", \"data/sub/\\u00fcn\\u00ef.txt\": \"deleted\", \"model.txt\": \"deleted\", \"weights.bin\": \"deleted\"}\n"
    );
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).expect("json");
    assert_eq!(
        parse(&status),
        parse(&dvc(&python, ours.path(), &["status", "-c", "--json"]))
    );
    run_ok(kin(ours.path()).args(["pull", "-q"]));
    assert_eq!(tracked_tree(ours.path()), expected);
    assert!(dvc(&python, ours.path(), &["status"]).contains("up to date"));

    // A target pulls only itself.
    let single = clone(dir);
    remote_add(single.path(), "store", &store.path().display().to_string());
    run_ok(kin(single.path()).args(["pull", "-q", "weights.bin.dvc"]));
    assert!(single.path().join("weights.bin").is_file());
    assert!(!single.path().join("data").exists());
}

#[test]
fn missing_and_corrupt_objects_fail_clearly_and_leave_nothing() {
    let repo = project();
    let dir = repo.path();
    let store = tempfile::tempdir().expect("tempdir");
    remote_add(dir, "store", &store.path().display().to_string());
    run_ok(kin(dir).args(["push", "-q", "weights.bin"]));

    // The directory was never pushed: a clone cannot get it.
    let other = clone(dir);
    remote_add(other.path(), "store", &store.path().display().to_string());
    let output = run(kin(other.path()).args(["pull"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("data (") && stderr.contains(".dir"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
    assert_eq!(
        run_ok(kin(other.path()).args(["status", "-c", "--json", "data.dvc"])),
        "{\"data\": \"missing\"}\n"
    );

    // A corrupt object on the remote is refused, and nothing enters the cache.
    let object = std::fs::read_dir(store.path().join("files/md5"))
        .expect("pushed")
        .flat_map(|d| std::fs::read_dir(d.expect("dir").path()).expect("dir"))
        .map(|e| e.expect("entry").path())
        .next()
        .expect("one object");
    std::fs::write(&object, "tampered").expect("write");
    let fresh = clone(dir);
    remote_add(fresh.path(), "store", &store.path().display().to_string());
    let output = run(kin(fresh.path()).args(["fetch", "weights.bin"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refused") && stderr.contains("weights.bin"),
        "{stderr}"
    );
    let cached: Vec<_> = walk(&fresh.path().join(".dvc/cache"));
    assert!(cached.is_empty(), "left in the cache: {cached:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            found.extend(walk(&entry.path()));
        } else {
            found.push(entry.path());
        }
    }
    found
}

/// A moto S3 server on a free loopback port, stopped when dropped.
pub(crate) struct Moto {
    child: Child,
    port: u16,
    python: PathBuf,
}

impl Moto {
    /// Starts moto from the DVC venv (scripts/test installs it); `None` (skip) outside CI.
    pub(crate) fn start() -> Option<Moto> {
        let python = dvc_python()?;
        let has_moto = Command::new(&python)
            .args(["-c", "import moto.server, dvc_s3"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !has_moto {
            let reason = "the DVC venv has no moto[server] or dvc-s3 (scripts/test installs them)";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
            eprintln!("skipping S3 test: {reason}");
            return None;
        }
        Some(Moto::on(python, free_port()))
    }

    fn on(python: PathBuf, port: u16) -> Moto {
        let child = Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        wait_for_port(port, Duration::from_secs(30), "moto");
        Moto {
            child,
            port,
            python,
        }
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn create_bucket(&self, bucket: &str) {
        self.python_ok(&format!(
            "import boto3; boto3.client('s3', endpoint_url='{}').create_bucket(Bucket='{bucket}')",
            self.endpoint()
        ));
    }

    /// Runs `script` in moto's Python with the test credentials; it must succeed.
    pub(crate) fn python_ok(&self, script: &str) {
        let status = Command::new(&self.python)
            .args(["-c", script])
            .envs(S3_ENV)
            .status()
            .expect("python runs");
        assert!(status.success(), "python -c {script}");
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until something listens on loopback `port`, for at most `limit`; `what` names it.
pub(crate) fn wait_for_port(port: u16, limit: Duration, what: &str) {
    let deadline = Instant::now() + limit;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn s3_remote(dir: &Path, moto: &Moto, url: &str) {
    remote_add(dir, "s3", url);
    run_ok(kin(dir).args(["remote", "modify", "s3", "endpointurl", &moto.endpoint()]));
}

#[test]
fn s3_remote_round_trips_with_dvc_and_lineage_travels() {
    let Some(moto) = Moto::start() else { return };
    let python = moto.python.clone();
    moto.create_bucket("kin-test");
    let repo = project();
    let dir = repo.path();
    s3_remote(dir, &moto, "s3://kin-test/team/store");
    git(dir, &["commit", "-q", "-am", "s3 remote"]);
    let expected = tracked_tree(dir);

    let pushed = run_ok(kin(dir).envs(S3_ENV).args(["push"]));
    assert_eq!(pushed, "7 files pushed\n3 lineage records pushed\n");
    assert_eq!(
        run_ok(kin(dir).envs(S3_ENV).args(["status", "-c"])),
        "Cache and remote 's3' are in sync.\n"
    );

    // DVC (with dvc-s3) pulls what kin pushed to S3.
    let theirs = clone(dir);
    let out = Command::new(&python)
        .args(["-m", "dvc", "pull"])
        .current_dir(theirs.path())
        .envs(S3_ENV)
        .output()
        .expect("dvc runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(tracked_tree(theirs.path()), expected);

    // kin pulls what DVC pushed to another prefix; lineage came along with kin's push only.
    let out = Command::new(&python)
        .args([
            "-m",
            "dvc",
            "remote",
            "modify",
            "s3",
            "url",
            "s3://kin-test/dvc-made",
        ])
        .current_dir(theirs.path())
        .output()
        .expect("dvc runs");
    assert!(out.status.success());
    let out = Command::new(&python)
        .args(["-m", "dvc", "push"])
        .current_dir(theirs.path())
        .envs(S3_ENV)
        .output()
        .expect("dvc runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = clone(dir);
    run_ok(kin(ours.path()).args(["remote", "modify", "s3", "url", "s3://kin-test/dvc-made"]));
    run_ok(kin(ours.path()).envs(S3_ENV).args(["pull", "-q"]));
    assert_eq!(tracked_tree(ours.path()), expected);

    // A teammate who pulls from kin's prefix gets the model's lineage too, without a server.
    let teammate = clone(dir);
    assert!(!teammate.path().join(".kin/lineage.db").exists());
    let pulled = run_ok(kin(teammate.path()).envs(S3_ENV).args(["pull"]));
    assert!(pulled.contains("3 lineage records fetched"), "{pulled}");
    let up: Value = serde_json::from_str(&run_ok(kin(teammate.path()).args([
        "lineage",
        "up",
        "model.txt",
        "--json",
    ])))
    .expect("json");
    let paths: Vec<&str> = up["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["path"].as_str())
        .collect();
    assert!(paths.contains(&"data"), "{up}");
    let stages: Vec<&str> = up["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["stage"].as_str())
        .collect();
    assert!(stages.contains(&"train"), "{up}");
    // The merge is audited: one entry names the remote, the records and the runs, by the
    // teammate; their store verifies.
    let merges: Value = serde_json::from_str(&run_ok(kin(teammate.path()).args([
        "audit",
        "log",
        "--action",
        "lineage-merge",
        "--json",
    ])))
    .expect("json");
    let merges = merges.as_array().expect("entries");
    assert_eq!(merges.len(), 1, "{merges:?}");
    assert_eq!(merges[0]["subject"], "s3");
    let payload = &merges[0]["payload"];
    assert_eq!(
        payload["runs"].as_array().map(Vec::len),
        Some(3),
        "{payload}"
    );
    assert_eq!(
        payload["records"].as_array().map(Vec::len),
        Some(3),
        "{payload}"
    );
    run_ok(kin(teammate.path()).args(["audit", "verify"]));
    // Importing again adds nothing.
    let again = run_ok(kin(teammate.path()).envs(S3_ENV).args(["fetch"]));
    assert_eq!(again, "Everything is up to date.\n");

    // A bucket that does not exist is named.
    run_ok(kin(teammate.path()).args(["remote", "modify", "s3", "url", "s3://no-such-bucket/x"]));
    let output = run(kin(teammate.path())
        .envs(S3_ENV)
        .args(["push", "--remote", "s3"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no-such-bucket"), "{stderr}");
    let output = run(kin(teammate.path())
        .envs(S3_ENV)
        .args(["fetch", "--remote", "s3", "-q"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("bucket") && stderr.contains("does not exist"),
        "{stderr}"
    );
}

#[test]
fn a_server_cut_mid_push_fails_clearly_and_a_rerun_completes() {
    let Some(mut moto) = Moto::start() else {
        return;
    };
    let python = moto.python.clone();
    moto.create_bucket("cut");
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::create_dir_all(dir.join("many")).expect("mkdir");
    for i in 0..1500 {
        std::fs::write(dir.join(format!("many/{i:04}.txt")), format!("file {i}\n")).expect("write");
    }
    run_ok(kin(dir).args(["add", "-q", "many"]));
    s3_remote(dir, &moto, "s3://cut/store");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "many files"]);

    let push = kin(dir)
        .envs(S3_ENV)
        .args(["push", "-j", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("push starts");
    std::thread::sleep(Duration::from_millis(1500));
    moto.stop();
    let output = push.wait_with_output().expect("push ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "push survived the cut: {stderr}"
    );
    assert!(stderr.contains("did not transfer"), "{stderr}");
    assert!(
        stderr.contains("many/"),
        "names what did not transfer: {stderr}"
    );

    // The server comes back (empty: moto keeps nothing): the rerun completes and DVC
    // can pull all of it.
    let moto = Moto::on(python.clone(), moto.port);
    moto.create_bucket("cut");
    let pushed = run_ok(kin(dir).envs(S3_ENV).args(["push"]));
    assert!(pushed.starts_with("1501 files pushed"), "{pushed}");
    let theirs = clone(dir);
    let out = Command::new(&python)
        .args(["-m", "dvc", "pull"])
        .current_dir(theirs.path())
        .envs(S3_ENV)
        .output()
        .expect("dvc runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(theirs.path().join("many/1499.txt")).expect("pulled"),
        "file 1499\n"
    );
}

#[test]
fn unknown_credentials_are_refused_clearly_and_nothing_is_published() {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("guarded");
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::write(dir.join("model.pkl"), b"weights").expect("write");
    run_ok(kin(dir).args(["add", "-q", "model.pkl"]));
    s3_remote(dir, &moto, "s3://guarded/store");
    // From here on moto checks every request's signature against the access keys its IAM
    // knows: ours is not one of them.
    moto.python_ok(&format!(
        "import urllib.request; urllib.request.urlopen(urllib.request.Request(\
         '{}/moto-api/reset-auth', data=b'0', method='POST', \
         headers={{'Content-Type': 'text/plain'}}))",
        moto.endpoint()
    ));
    let output = kin(dir)
        .envs(S3_ENV)
        .arg("push")
        .output()
        .expect("kin runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // The refusal comes at the first request, asking whether the remote has the object.
    assert!(
        stderr.contains("s3://guarded/store refused access to `files/md5/")
            && stderr.contains("403 Forbidden")
            && stderr.contains("hint: check the credentials"),
        "names the remote, the refusal and what to check: {stderr}"
    );
    // Nothing reached the bucket: switch checking off again and look.
    moto.python_ok(&format!(
        "import urllib.request, boto3; urllib.request.urlopen(urllib.request.Request(\
         '{0}/moto-api/reset-auth', data=b'inf', method='POST', \
         headers={{'Content-Type': 'text/plain'}})); \
         r = boto3.client('s3', endpoint_url='{0}').list_objects_v2(Bucket='guarded'); \
         assert r['KeyCount'] == 0, r",
        moto.endpoint()
    ));
}

#[test]
fn a_full_disk_fails_fetch_clearly_and_leaves_nothing_partial() {
    let Some(disk) = crate::common::SmallDisk::mount("3m") else {
        return;
    };
    let repo = git_repo(None);
    let dir = repo.path();
    run_ok(kin(dir).args(["init", "-q"]));
    let data: Vec<u8> = (0..4u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("big.bin"), &data).expect("write");
    run_ok(kin(dir).args(["add", "-q", "big.bin"]));
    let store = tempfile::tempdir().expect("tempdir");
    remote_add(dir, "store", &store.path().display().to_string());
    run_ok(kin(dir).args(["push", "-q"]));
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "big"]);

    let clone_dir = disk.path().join("clone");
    git(
        disk.path(),
        &["clone", "-q", &dir.display().to_string(), "clone"],
    );
    let output = run(kin(&clone_dir).args(["fetch"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains("big.bin"),
        "names what did not transfer: {stderr}"
    );
    let cached = walk(&clone_dir.join(".dvc/cache"));
    assert!(cached.is_empty(), "left in the cache: {cached:?}");
}
