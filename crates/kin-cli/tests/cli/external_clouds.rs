//! External data in Google Cloud Storage and in Azure blob storage, each served by its
//! emulator on loopback (Google's JSON API emulator from PyPI, Microsoft's Azurite from npm):
//! kin's `dvc.lock` and import `.dvc` files are the real DVC's byte for byte, both tools agree
//! on what changed, and the data's URL is a node in kin's lineage.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{copy_tree, git_repo, kin, run_ok, venv_python};
use crate::external::{dvc_is_clean, dvc_with, kin_with, lineage_paths};
use crate::remote::{free_port, wait_for_port};

/// Azurite's well-known development account key (public: it is in Microsoft's docs).
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cloud {
    Gcs,
    Azure,
}

/// A cloud's storage emulator on a free loopback port, stopped when dropped.
struct Emulator {
    child: Child,
    cloud: Cloud,
    port: u16,
    python: PathBuf,
    /// Where Azurite keeps its files.
    _data: tempfile::TempDir,
}

/// The Azurite blob server `scripts/test` installs with npm (or `KIN_AZURITE`).
fn azurite_program() -> Option<PathBuf> {
    let program = std::env::var_os("KIN_AZURITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/azurite/node_modules/.bin/azurite-blob")
        });
    if program.exists() {
        return Some(program);
    }
    let reason = format!(
        "Azurite is not at {} (scripts/test installs it with npm)",
        program.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
    eprintln!("skipping Azure test: {reason}");
    None
}

impl Emulator {
    /// Starts the emulator; `None` (skip) outside CI when it or DVC's plugin is missing.
    fn start(cloud: Cloud) -> Option<Emulator> {
        let (check, reason) = match cloud {
            Cloud::Gcs => (
                "import dvc_gs, gcp_storage_emulator, google.cloud.storage",
                "the DVC venv has no dvc-gs or gcp-storage-emulator (scripts/test installs them)",
            ),
            Cloud::Azure => (
                "import dvc_azure, azure.storage.blob",
                "the DVC venv has no dvc-azure (scripts/test installs it)",
            ),
        };
        let python = venv_python(check, reason)?;
        let port = free_port();
        let data = tempfile::tempdir().expect("tmp");
        let mut command = match cloud {
            Cloud::Gcs => {
                let mut command = Command::new(python.with_file_name("gcp-storage-emulator"));
                command.args(["start", "--host", "127.0.0.1", "--in-memory", "--port"]);
                command.arg(port.to_string());
                command
            }
            Cloud::Azure => {
                let mut command = Command::new(azurite_program()?);
                command.args(["--blobHost", "127.0.0.1", "--silent", "--loose"]);
                command.args(["--skipApiVersionCheck", "--blobPort"]);
                command
                    .arg(port.to_string())
                    .arg("--location")
                    .arg(data.path());
                command
            }
        };
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator starts");
        wait_for_port(port, Duration::from_secs(60), "the emulator");
        Some(Emulator {
            child,
            cloud,
            port,
            python,
            _data: data,
        })
    }

    fn scheme(&self) -> &'static str {
        match self.cloud {
            Cloud::Gcs => "gs",
            Cloud::Azure => "azure",
        }
    }

    /// What both tools read the emulator's address (and Azurite's account) from.
    fn env(&self) -> Vec<(String, String)> {
        let address = format!("http://127.0.0.1:{}", self.port);
        vec![match self.cloud {
            Cloud::Gcs => ("STORAGE_EMULATOR_HOST".to_owned(), address),
            Cloud::Azure => (
                "AZURE_STORAGE_CONNECTION_STRING".to_owned(),
                format!(
                    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;\
                     AccountKey={AZURITE_KEY};BlobEndpoint={address}/devstoreaccount1;"
                ),
            ),
        }]
    }

    /// Runs `body` in the venv's Python after a `bucket` (GCS) or `container` (Azure) client
    /// for `name` is set up, creating it first when `create`.
    fn python_ok(&self, name: &str, create: bool, body: &str) {
        let setup = match (self.cloud, create) {
            (Cloud::Gcs, create) => format!(
                "from google.cloud import storage\n\
                 from google.auth.credentials import AnonymousCredentials\n\
                 client = storage.Client(credentials=AnonymousCredentials(), project='kin')\n\
                 bucket = client.create_bucket('{name}') if {py} else client.bucket('{name}')\n",
                py = if create { "True" } else { "False" },
            ),
            (Cloud::Azure, create) => format!(
                "import os\nfrom azure.storage.blob import BlobServiceClient\n\
                 service = BlobServiceClient.from_connection_string(os.environ['AZURE_STORAGE_CONNECTION_STRING'])\n\
                 container = service.create_container('{name}') if {py} else service.get_container_client('{name}')\n",
                py = if create { "True" } else { "False" },
            ),
        };
        let output = Command::new(&self.python)
            .args(["-c", &format!("{setup}{body}")])
            .envs(self.env())
            .output()
            .expect("python");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn create(&self, bucket: &str) {
        self.python_ok(bucket, true, "");
    }

    fn put(&self, bucket: &str, key: &str, body: &str) {
        let upload = match self.cloud {
            Cloud::Gcs => format!("bucket.blob('{key}').upload_from_string({body:?})\n"),
            Cloud::Azure => {
                format!("container.upload_blob('{key}', {body:?}.encode(), overwrite=True)\n")
            }
        };
        self.python_ok(bucket, false, &upload);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A pipeline reading an object and an import of the same object, made by kin and by DVC
/// side by side: the same files; then the object changes and both tools agree on that and
/// on what the update writes.
fn kin_and_dvc_agree_on(cloud: Cloud) {
    let Some(emulator) = Emulator::start(cloud) else {
        return;
    };
    let Some(python) = venv_python("import dvc", "no DVC in KIN_DVC_PYTHON") else {
        return;
    };
    let env = emulator.env();
    emulator.create("raw");
    emulator.put("raw", "orders.csv", "id,qty\n1,3\n");
    let url = format!("{}://raw/orders.csv", emulator.scheme());
    let pipeline = format!(
        "stages:\n  count:\n    cmd: echo counted > n.txt\n    deps:\n    - {url}\n    outs:\n    - n.txt\n"
    );

    let ours = git_repo(None);
    run_ok(kin(ours.path()).args(["init", "-q"]));
    std::fs::write(ours.path().join("dvc.yaml"), &pipeline).expect("dvc.yaml");
    let theirs = tempfile::tempdir().expect("tmp");
    copy_tree(ours.path(), theirs.path());
    kin_with(ours.path(), &env, &["repro", "-q"]);
    kin_with(ours.path(), &env, &["import-url", "-q", &url, "orders.csv"]);
    dvc_with(&python, theirs.path(), &env, &["repro", "-q"]);
    dvc_with(
        &python,
        theirs.path(),
        &env,
        &["import-url", "-q", &url, "orders.csv"],
    );
    let same = |name: &str| {
        let read = |dir: &Path| std::fs::read_to_string(dir.join(name)).expect(name);
        assert_eq!(read(ours.path()), read(theirs.path()), "{name}");
        read(ours.path())
    };
    let lock = same("dvc.lock");
    assert!(lock.contains("etag: "), "{lock}");
    if cloud == Cloud::Gcs {
        assert!(lock.contains("version_id: '"), "the generation: {lock}");
    }
    same("orders.csv.dvc");
    same("orders.csv");
    assert!(dvc_is_clean(&python, ours.path(), &env));
    assert_eq!(
        kin_with(theirs.path(), &env, &["status", "--json"]).trim(),
        "{}"
    );

    // The object changes: the same report from both, the same update, and a repro DVC
    // then finds up to date.
    emulator.put("raw", "orders.csv", "id,qty\n1,3\n2,5\n");
    let kin_says: Value =
        serde_json::from_str(&kin_with(ours.path(), &env, &["status", "--json"])).expect("json");
    let dvc_says: Value =
        serde_json::from_str(&dvc_with(&python, ours.path(), &env, &["status", "--json"]))
            .expect("json");
    assert_eq!(kin_says["count"], dvc_says["count"]);
    assert_eq!(kin_says["count"][0]["changed deps"][&url], "modified");
    kin_with(ours.path(), &env, &["update", "-q", "orders.csv.dvc"]);
    dvc_with(
        &python,
        theirs.path(),
        &env,
        &["update", "-q", "orders.csv.dvc"],
    );
    same("orders.csv.dvc");
    assert_eq!(same("orders.csv"), "id,qty\n1,3\n2,5\n");
    kin_with(ours.path(), &env, &["repro", "-q"]);
    assert!(dvc_is_clean(&python, ours.path(), &env));
    let paths = lineage_paths(ours.path(), &env, "n.txt");
    assert!(paths.contains(&url), "{paths:?}");

    // An object that is not there is a missing dependency, named.
    let output = kin(ours.path())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args([
            "import-url",
            &format!("{}://raw/missing.csv", emulator.scheme()),
        ])
        .output()
        .expect("kin");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("there is nothing there"), "{stderr}");
}

#[test]
fn gcs_dependencies_and_imports_are_dvcs_byte_for_byte() {
    kin_and_dvc_agree_on(Cloud::Gcs);
}

#[test]
fn azure_dependencies_and_imports_are_dvcs_byte_for_byte() {
    kin_and_dvc_agree_on(Cloud::Azure);
}

#[test]
fn an_azure_remote_round_trips_with_dvc() {
    let Some(emulator) = Emulator::start(Cloud::Azure) else {
        return;
    };
    let Some(python) = venv_python("import dvc", "no DVC in KIN_DVC_PYTHON") else {
        return;
    };
    let env = emulator.env();
    emulator.create("store");
    let ours = git_repo(None);
    let dir = ours.path();
    run_ok(kin(dir).args(["init", "-q"]));
    std::fs::create_dir_all(dir.join("data")).expect("mkdir");
    std::fs::write(dir.join("data/a.csv"), "a\n1\n").expect("write");
    std::fs::write(dir.join("data/b.csv"), "b\n2\n").expect("write");
    kin_with(dir, &env, &["add", "-q", "data"]);
    // The account comes from AZURE_STORAGE_CONNECTION_STRING, as DVC reads it.
    kin_with(
        dir,
        &env,
        &["remote", "add", "-d", "az", "azure://store/team"],
    );
    let pushed = kin_with(dir, &env, &["push"]);
    assert!(pushed.contains("3 files pushed"), "{pushed}");

    // DVC pulls what kin pushed into an empty cache.
    let theirs = tempfile::tempdir().expect("tmp");
    copy_tree(dir, theirs.path());
    std::fs::remove_dir_all(theirs.path().join(".dvc/cache")).expect("rm cache");
    std::fs::remove_dir_all(theirs.path().join("data")).expect("rm data");
    dvc_with(&python, theirs.path(), &env, &["pull", "-q"]);
    assert_eq!(
        std::fs::read_to_string(theirs.path().join("data/b.csv")).expect("pulled"),
        "b\n2\n"
    );
}
