#!/usr/bin/env python3
"""Lineage store benchmark: a synthetic graph of RUNS runs (~3.3 artifact versions each),
then `kin lineage up|down --depth 10` from the CLI on sampled targets, the store's size and
the cost of recording one run.

    python3 bench/lineage.py [--runs 300000] [--pipelines 1000] [--stages 10] [--commits 250] [--write]
    python3 bench/lineage.py --store-url postgres://USER:PASSWORD@HOST/EMPTY_DB [...]
    python3 bench/lineage.py --copy-to postgres://USER:PASSWORD@HOST/EMPTY_DB [...]

The generator is crates/kin-store/examples/synth_lineage.rs: PIPELINES pipelines of STAGES
chained stages re-run over time; every run uses its input and a code file and generates a
model, a metrics file and a plot. Query times are wall times of the whole `kin` process.
With --store-url the store is that PostgreSQL database (empty; `scripts/postgres start`
gives a server) instead of the repository's SQLite file, and the section is "Lineage store
(PostgreSQL)"; the history import stays on SQLite. `kin store copy` of the whole store is
timed into --copy-to (SQLite to PostgreSQL) or, with --store-url, into a new SQLite file
(PostgreSQL to SQLite), and the copy must pass `kin audit verify`. With --write the table goes to
docs/benchmarks.md (section "Lineage store").
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import machine, write_section  # noqa: E402


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def build_kin_and_generator():
    """Builds kin and the synthetic-lineage generator in release mode; their paths."""
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "kin-store", "--example", "synth_lineage"],
                   cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "kin-cli"], cwd=ROOT, check=True)
    release = os.path.join(target_dir(), "release")
    return os.path.join(release, "kin"), os.path.join(release, "examples", "synth_lineage")


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * q))]


def time_queries(kin, repo, direction, targets, env=None):
    samples = []
    reached = []
    for target in targets:
        cmd = [kin, "lineage", direction, target, "--depth", "10", "--json"]
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=repo, check=True, capture_output=True, env=env).stdout
        samples.append((time.perf_counter() - start) * 1000)
        reached.append(len(json.loads(out)["nodes"]))
    return samples, reached


def time_copy(kin, repo, env, target):
    """Seconds `kin store copy` takes to copy the repository's store into `target`, which
    must then verify."""
    start = time.perf_counter()
    subprocess.run([kin, "store", "copy", "--to", target], cwd=repo, env=env, check=True,
                   capture_output=True)
    seconds = time.perf_counter() - start
    verify = subprocess.run([kin, "audit", "verify"], cwd=repo, env={**env, "KIN_STORE_URL": target},
                            capture_output=True, text=True)
    if verify.returncode != 0:
        sys.exit(f"the copy does not verify:\n{verify.stdout}{verify.stderr}")
    return seconds


def md5_of(*parts):
    import hashlib
    return hashlib.md5(repr(parts).encode()).hexdigest()


LOCK_STAGE = """  {name}:
    cmd: python src/{name}.py
    deps:
    - path: {dep}
      hash: md5
      md5: {dep_md5}
      size: 100
    - path: src/{name}.py
      hash: md5
      md5: {code_md5}
      size: 10
    params:
      params.yaml:
        {name}.seed: {seed}
    outs:
    - path: {out}
      hash: md5
      md5: {out_md5}
      size: 100
"""


def history_import(kin, commits):
    """A git history of `commits` commits, each changing data, a param or code of a
    four-stage pipeline in dvc.lock; times a full and an incremental `kin history import`."""
    with tempfile.TemporaryDirectory(prefix="kin-import-bench-") as repo:
        def git(*args):
            subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@invalid", *args],
                           cwd=repo, check=True, capture_output=True)
        git("init", "-q")
        os.makedirs(os.path.join(repo, ".dvc"))
        stages = ["prepare", "featurize", "train", "evaluate"]
        outs = ["prepared.csv", "features.csv", "model.pkl", "scores.json"]
        for c in range(commits):
            raw = md5_of("raw", (c + 2) // 3)  # commits change data, a param, code in turn
            with open(os.path.join(repo, "raw.csv.dvc"), "w") as f:
                f.write(f"outs:\n- md5: {raw}\n  size: 100\n  hash: md5\n  path: raw.csv\n")
            text = "schema: '2.0'\nstages:\n"
            dep, dep_md5 = "raw.csv", raw
            for k, (name, out) in enumerate(zip(stages, outs)):
                seed = (c + 1) // 3 if k == 1 else 0
                code = md5_of("code", name, c // 3 if k == 2 else 0)
                out_md5 = md5_of(out, dep_md5, code, seed)
                text += LOCK_STAGE.format(name=name, dep=dep, dep_md5=dep_md5, code_md5=code,
                                          seed=seed, out=out, out_md5=out_md5)
                dep, dep_md5 = out, out_md5
            with open(os.path.join(repo, "dvc.lock"), "w") as f:
                f.write(text)
            git("add", "-A")
            git("commit", "-q", "-m", f"commit {c}")
        start = time.perf_counter()
        report = json.loads(subprocess.run([kin, "history", "import", "--json"], cwd=repo, check=True,
                                           capture_output=True).stdout)
        full = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([kin, "history", "import", "--json"], cwd=repo, check=True, capture_output=True)
        again = time.perf_counter() - start
        up = json.loads(subprocess.run([kin, "lineage", "up", "model.pkl", "--json"], cwd=repo, check=True,
                                       capture_output=True).stdout)
        reached_raw = any(n.get("path") == "raw.csv" and n.get("hash") == raw for n in up["nodes"])
        if not reached_raw:
            raise SystemExit("lineage up model.pkl did not reach the raw data version")
        return report, full, again


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300_000)
    parser.add_argument("--pipelines", type=int, default=1000)
    parser.add_argument("--stages", type=int, default=10)
    parser.add_argument("--commits", type=int, default=250, help="commits for the history import")
    parser.add_argument("--store-url", help="an empty PostgreSQL database to use as the store")
    parser.add_argument("--copy-to", help="an empty PostgreSQL database to time `kin store copy` of the "
                        "SQLite store into (with --store-url, the copy goes to a new SQLite file)")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.store_url:
        env["KIN_STORE_URL"] = args.store_url
    else:
        env.pop("KIN_STORE_URL", None)

    kin, generator = build_kin_and_generator()

    with tempfile.TemporaryDirectory(prefix="kin-lineage-bench-") as repo:
        os.makedirs(os.path.join(repo, ".dvc"))
        os.makedirs(os.path.join(repo, ".kin"))
        db = args.store_url or os.path.join(repo, ".kin", "lineage.db")
        print(f"generating {args.runs} runs ...", file=sys.stderr)
        gen = json.loads(subprocess.run(
            [generator, db, str(args.runs), str(args.pipelines), str(args.stages)],
            check=True, capture_output=True, text=True).stdout)
        info = json.loads(subprocess.run([kin, "store", "info", "--json"], cwd=repo, env=env,
                                         check=True, capture_output=True, text=True).stdout)
        versions, runs = info["versions"], info["runs"]
        if args.store_url:
            size_text = "(server)"
        else:
            with sqlite3.connect(db) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size_text = f"{os.path.getsize(db) / 2**20:.0f} MiB on disk"
        # One untimed query warms the page cache, as a user's second query would find it.
        time_queries(kin, repo, "up", gen["up_targets"][:1], env)
        up, up_reached = time_queries(kin, repo, "up", gen["up_targets"], env)
        down, down_reached = time_queries(kin, repo, "down", gen["down_targets"], env)
        copy_to = os.path.join(repo, "copy.db") if args.store_url else args.copy_to
        copied = time_copy(kin, repo, env, copy_to) if copy_to else None

    rows = [
        ("store", f"{runs:,} runs, {versions:,} artifact versions", size_text, "≤ 1 GB"),
        ("generate (bulk, 5,000 runs per transaction)", "", f"{gen['generate_seconds']:.1f} s", ""),
        ("record one run (own transaction)", "p50 / p95",
         f"{gen['record_ms_p50']:.2f} / {gen['record_ms_p95']:.2f} ms", "≤ 5 ms"),
        ("`kin lineage up MODEL --depth 10 --json`", f"{len(up)} targets, {statistics.median(up_reached):.0f} nodes each",
         f"p50 {percentile(up, 0.5):.1f} ms, p95 {percentile(up, 0.95):.1f} ms", "≤ 50 ms p95"),
        ("`kin lineage down RAW --depth 10 --json`", f"{len(down)} targets, {statistics.median(down_reached):.0f} nodes each",
         f"p50 {percentile(down, 0.5):.1f} ms, p95 {percentile(down, 0.95):.1f} ms", "≤ 50 ms p95"),
    ]
    if copied is not None:
        into = "a new SQLite file" if args.store_url else "an empty PostgreSQL database"
        rows.append((f"`kin store copy` of the whole store into {into}",
                     "audit chain copied verbatim; `kin audit verify` clean on the copy",
                     f"{copied:.1f} s", "≤ 2 min"))
    if not args.store_url:
        report, full, again = history_import(kin, args.commits)
        rows.append((f"`kin history import` of {args.commits} commits changing dvc.lock",
                     f"{report['runs']:,} runs recorded; `lineage up` reaches the raw data",
                     f"{full:.2f} s; again (nothing new) {again:.2f} s", "seconds"))
    table = ["| measure | detail | kin | target |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    if args.write:
        backend = " --store-url URL" if args.store_url else ""
        write_section("Lineage store (PostgreSQL)" if args.store_url else "Lineage store", (
            f"`python3 bench/lineage.py --runs {args.runs} --pipelines {args.pipelines} --stages {args.stages} --commits {args.commits}{backend} --write`. "
            f"Machine: {machine()}. Query times are whole `kin` processes (start-up included).\n\n"
            + text + "\n\n"
            "\"Record one run\" is the store's insert. Once per `kin repro` (not per run) kin also "
            "asks git for the commit and dirty flag and, per Python interpreter the stages use, "
            "lists its packages (one `python -c` call, about 0.1 s); a no-op repro does neither.\n"
        ))


if __name__ == "__main__":
    main()
