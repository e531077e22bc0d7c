#!/usr/bin/env python3
"""Run the real DVC over tests/corpus and check/record what it says.

    /work/dvc-venv/bin/python tests/oracle/run_corpus.py [--write] [--keep] [CASE ...]

For every case directory (tests/corpus/valid/* and tests/corpus/invalid/*, or
only those whose "valid/NAME" or "invalid/NAME" contains one of the CASE
arguments):

  * copy the tree into a fresh temp dir, `git init`, `dvc init`;
  * valid cases: run `dvc_oracle.py stages --full`, `dag --cli` and `top`; all
    three must succeed.  With --write the JSON is stored in
    tests/corpus/expected/<case>/{stages,dag,top}.json (the `stages` snapshot
    is the --full variant; drop desc/meta/out_flags to get the plain form).
  * invalid cases: run the CLI `dvc dag --dot` (loads every dvc.yaml/.dvc file
    and builds the stage graph) and record its error output; if it succeeds,
    `dvc_oracle.py stages` is tried too.  With --write the message goes to
    tests/corpus/invalid/<case>/DVC_SAYS ("accepted" when DVC raises nothing).

Exit status is 1 when a valid case fails or an invalid case's DVC_SAYS differs
from what DVC says now (without --write).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), "corpus")
ORACLE = os.path.join(HERE, "dvc_oracle.py")
PY = os.environ.get("DVC_PYTHON", "/work/dvc-venv/bin/python")
DVC = os.path.join(os.path.dirname(PY), "dvc")

ENV = dict(
    os.environ,
    DVC_NO_ANALYTICS="1",
    NO_COLOR="1",
    # DVC builds some messages (cycles, duplicate outputs) from sets of stages:
    # pin the hash seed so DVC_SAYS is reproducible.
    PYTHONHASHSEED="0",
)
FOOTER_MARKERS = ("Having any troubles?", "Hit us up at")


def sh(args, cwd):
    return subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True)


def prepare(case_dir, keep):
    tmp = tempfile.mkdtemp(prefix="kin-corpus-")
    dst = os.path.join(tmp, "repo")
    shutil.copytree(case_dir, dst, ignore=shutil.ignore_patterns("README", "DVC_SAYS"))
    sh(["git", "init", "-q"], dst)
    r = sh([DVC, "init", "-q"], dst)
    if r.returncode:
        raise RuntimeError("dvc init failed: " + r.stderr)
    sh([DVC, "config", "core.analytics", "false"], dst)
    return tmp, dst


def oracle(dst, *args):
    r = sh([PY, ORACLE, *args], dst)
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        return r.returncode, {"error": "oracle crashed: " + r.stderr[-2000:]}


def clean_cli_error(text):
    lines = []
    for line in text.rstrip().splitlines():
        if any(m in line for m in FOOTER_MARKERS):
            break
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def run_valid(name, case_dir, write, keep):
    tmp, dst = prepare(case_dir, keep)
    ok = True
    results = {}
    try:
        for mode, args in (
            ("stages", ["stages", "--full"]),
            ("dag", ["dag", "--cli"]),
            ("top", ["top"]),
        ):
            rc, data = oracle(dst, *args)
            results[mode] = data
            if rc != 0:
                ok = False
                print(f"FAIL valid/{name} [{mode}]: {data.get('error')}")
        if ok and write:
            out_dir = os.path.join(CORPUS, "expected", name)
            os.makedirs(out_dir, exist_ok=True)
            for mode, data in results.items():
                with open(os.path.join(out_dir, mode + ".json"), "w") as f:
                    json.dump(data, f, indent=2)
                    f.write("\n")
        if ok:
            n = len(results["stages"]["stages"])
            e = len(results["dag"]["edges"])
            print(f"ok   valid/{name}: {n} stages, {e} edges")
    finally:
        if keep:
            print("     kept", dst)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return ok


def run_invalid(name, case_dir, write, keep):
    tmp, dst = prepare(case_dir, keep)
    try:
        r = sh([DVC, "dag", "--dot"], dst)
        if r.returncode != 0:
            says = clean_cli_error(r.stderr or r.stdout)
        else:
            rc, data = oracle(dst, "stages")
            says = data["error"] if rc else "accepted"
    finally:
        if keep:
            print("     kept", dst)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    path = os.path.join(case_dir, "DVC_SAYS")
    old = open(path).read().rstrip("\n") if os.path.exists(path) else None
    first = says.splitlines()[0] if says else ""
    if write:
        with open(path, "w") as f:
            f.write(says + "\n")
        print(f"ok   invalid/{name}: {first}")
        return True
    if old != says:
        print(f"DIFF invalid/{name}: DVC now says:\n{says}\n--- recorded:\n{old}")
        return False
    print(f"ok   invalid/{name}: {first}")
    return True


def main(argv):
    write = "--write" in argv
    keep = "--keep" in argv
    filters = [a for a in argv if not a.startswith("--")]
    ok = True
    for kind, fn in (("valid", run_valid), ("invalid", run_invalid)):
        base = os.path.join(CORPUS, kind)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            if filters and not any(f in f"{kind}/{name}" for f in filters):
                continue
            ok &= fn(name, os.path.join(base, name), write, keep)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
