#!/usr/bin/env python3
"""Lineage store benchmark: a synthetic graph of RUNS runs (~3.3 artifact versions each),
then `kin lineage up|down --depth 10` from the CLI on sampled targets, the store's size and
the cost of recording one run.

    python3 bench/lineage.py [--runs 300000] [--pipelines 1000] [--stages 10] [--write]

The generator is crates/kin-store/examples/synth_lineage.rs: PIPELINES pipelines of STAGES
chained stages re-run over time; every run uses its input and a code file and generates a
model, a metrics file and a plot. Query times are wall times of the whole `kin` process.
With --write the table goes to docs/benchmarks.md (section "Lineage store").
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
from run import machine  # noqa: E402


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * q))]


def time_queries(kin, repo, direction, targets):
    samples = []
    reached = []
    for target in targets:
        cmd = [kin, "lineage", direction, target, "--depth", "10", "--json"]
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=repo, check=True, capture_output=True).stdout
        samples.append((time.perf_counter() - start) * 1000)
        reached.append(len(json.loads(out)["nodes"]))
    return samples, reached


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300_000)
    parser.add_argument("--pipelines", type=int, default=1000)
    parser.add_argument("--stages", type=int, default=10)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "kin-cli", "-p", "kin-store",
                    "--example", "synth_lineage"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "kin-cli"], cwd=ROOT, check=True)
    kin = os.path.join(target_dir(), "release", "kin")
    generator = os.path.join(target_dir(), "release", "examples", "synth_lineage")

    with tempfile.TemporaryDirectory(prefix="kin-lineage-bench-") as repo:
        os.makedirs(os.path.join(repo, ".dvc"))
        os.makedirs(os.path.join(repo, ".kin"))
        db = os.path.join(repo, ".kin", "lineage.db")
        print(f"generating {args.runs} runs ...", file=sys.stderr)
        gen = json.loads(subprocess.run(
            [generator, db, str(args.runs), str(args.pipelines), str(args.stages)],
            check=True, capture_output=True, text=True).stdout)
        with sqlite3.connect(db) as conn:
            versions = conn.execute("SELECT count(*) FROM artifact_version").fetchone()[0]
            runs = conn.execute("SELECT count(*) FROM run").fetchone()[0]
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = os.path.getsize(db)
        # One untimed query warms the page cache, as a user's second query would find it.
        time_queries(kin, repo, "up", gen["up_targets"][:1])
        up, up_reached = time_queries(kin, repo, "up", gen["up_targets"])
        down, down_reached = time_queries(kin, repo, "down", gen["down_targets"])

    rows = [
        ("store", f"{runs:,} runs, {versions:,} artifact versions", f"{size / 2**20:.0f} MiB on disk", "≤ 1 GB"),
        ("generate (bulk, 5,000 runs per transaction)", "", f"{gen['generate_seconds']:.1f} s", ""),
        ("record one run (own transaction)", "p50 / p95",
         f"{gen['record_ms_p50']:.2f} / {gen['record_ms_p95']:.2f} ms", "≤ 5 ms"),
        ("`kin lineage up MODEL --depth 10 --json`", f"{len(up)} targets, {statistics.median(up_reached):.0f} nodes each",
         f"p50 {percentile(up, 0.5):.1f} ms, p95 {percentile(up, 0.95):.1f} ms", "≤ 50 ms p95"),
        ("`kin lineage down RAW --depth 10 --json`", f"{len(down)} targets, {statistics.median(down_reached):.0f} nodes each",
         f"p50 {percentile(down, 0.5):.1f} ms, p95 {percentile(down, 0.95):.1f} ms", "≤ 50 ms p95"),
    ]
    table = ["| measure | detail | kin | target |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    if args.write:
        section = (
            "## Lineage store\n\n"
            f"`python3 bench/lineage.py --runs {args.runs} --pipelines {args.pipelines} --stages {args.stages} --write`. "
            f"Machine: {machine()}. Query times are whole `kin` processes (start-up included).\n\n"
            + text + "\n\n"
            "\"Record one run\" is the store's insert. Once per `kin repro` (not per run) kin also "
            "asks git for the commit and dirty flag and, per Python interpreter the stages use, "
            "lists its packages (one `python -c` call, about 0.1 s); a no-op repro does neither.\n"
        )
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        with open(path) as f:
            doc = f.read()
        start = doc.find("## Lineage store")
        if start >= 0:
            end = doc.find("\n## ", start + 1)
            doc = doc[:start] + section + (doc[end + 1:] if end >= 0 else "")
        else:
            doc = doc.rstrip("\n") + "\n\n" + section
        with open(path, "w") as f:
            f.write(doc)


if __name__ == "__main__":
    main()
