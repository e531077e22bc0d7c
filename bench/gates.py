#!/usr/bin/env python3
"""Drift benchmark: `kin drift` (and optionally Evidently) on 1,000,000 rows x 20 columns.

    python3 bench/gates.py [--runs N] [--evidently PYTHON] [--kin PATH]

Generates a reference and a current CSV once (deterministic, cached under
target/bench-gates/), then reports kin's median wall time over N runs after a warm-up
and its peak RSS. With --evidently (a Python that has evidently==0.7.23 and pandas<3),
Evidently's DataDriftTable runs once on the same files, reading them with pandas as a
user would; it takes minutes, so it is never repeated.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as _run  # noqa: E402  (shared timing helper)
ROWS = 1_000_000
NUMERIC = 15
CATEGORIES = ["a", "b", "c", "d", "e", "f", "g", "h"]
CATEGORICAL = 5

EVIDENTLY_RUNNER = """
import sys, pandas as pd
from evidently.legacy.metrics import DataDriftTable
from evidently.legacy.pipeline.column_mapping import ColumnMapping
from evidently.legacy.report import Report
ref, cur = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
report = Report(metrics=[DataDriftTable()])
report.run(reference_data=ref, current_data=cur, column_mapping=ColumnMapping(target=None, prediction=None))
r = report.as_dict()["metrics"][0]["result"]
print(r["number_of_drifted_columns"], r["dataset_drift"])
"""


def generate(path, seed, shift):
    """Numbers with a few columns shifted in `current`, and categories with changed weights."""
    rng = random.Random(seed)
    header = [f"num{i:02d}" for i in range(NUMERIC)] + [f"cat{i}" for i in range(CATEGORICAL)]
    weights = [8, 7, 6, 5, 4, 3, 2, 1] if not shift else [1, 2, 3, 4, 5, 6, 7, 8]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(",".join(header) + "\n")
        for _ in range(ROWS):
            nums = [f"{rng.gauss(i * 0.1 + (0.2 if shift and i < 6 else 0.0), 1.0):.5f}" for i in range(NUMERIC)]
            cats = rng.choices(CATEGORIES, weights=weights if rng.random() < 0.3 else None, k=CATEGORICAL)
            f.write(",".join(nums + cats) + "\n")
    os.replace(tmp, path)


def run_timed(cmd):
    """Wall seconds and peak RSS (KiB): the same measurement as bench/run.py."""
    return _run.run_timed(cmd, None)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--evidently", help="a Python with evidently installed")
    parser.add_argument("--kin", help="kin binary (default: build target/release/kin)")
    args = parser.parse_args()
    data = os.path.join(ROOT, "target", "bench-gates")
    os.makedirs(data, exist_ok=True)
    ref, cur = os.path.join(data, "reference.csv"), os.path.join(data, "current.csv")
    for path, seed, shift in [(ref, 1, False), (cur, 2, True)]:
        if not os.path.exists(path):
            print(f"generating {path}", file=sys.stderr)
            generate(path, seed, shift)
    kin = args.kin
    if not kin:
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "kin-cli"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        kin = os.path.join(target, "release", "kin")
    cmd = [kin, "drift", "--reference", ref, "--current", cur, "--no-fail", "--json"]
    run_timed(cmd)
    samples = [run_timed(cmd) for _ in range(args.runs)]
    kin_t = statistics.median(s[0] for s in samples)
    kin_rss = max(s[1] for s in samples)
    print(f"drift-1m  kin {kin_t:.2f} s (peak RSS {kin_rss / 1024:.0f} MiB)")
    if args.evidently:
        ev_t, ev_rss = run_timed([args.evidently, "-c", EVIDENTLY_RUNNER, ref, cur])
        print(f"drift-1m  evidently {ev_t:.1f} s (peak RSS {ev_rss / 1024:.0f} MiB)  evidently/kin {ev_t / kin_t:.0f}x")


if __name__ == "__main__":
    sys.exit(main())
