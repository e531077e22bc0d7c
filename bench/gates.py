"""Data and the Evidently runner for bench/run.py's `drift-1m` workload.

    python3 bench/run.py [--evidently PYTHON] [--write] drift-1m

A reference and a current CSV of 1,000,000 rows x 20 columns (15 numerical, 5 categorical;
six numerical columns shifted and the category weights reversed in `current`), generated
once from fixed seeds and cached under target/bench-gates/ (134 MB each; about a minute to
write). Evidently (a Python with evidently==0.7.23 and pandas<3) runs DataDriftTable on the
same files, reading them with pandas as a user would.
"""

import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS = 1_000_000
NUMERIC = 15
CATEGORIES = ["a", "b", "c", "d", "e", "f", "g", "h"]
CATEGORICAL = 5

KIN_ARGS = ["drift", "--reference", "reference.csv", "--current", "current.csv", "--no-fail", "--json"]

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


def link_data(workdir):
    """Generates the cached files if needed and links them into `workdir` as reference.csv
    and current.csv."""
    cache = os.path.join(ROOT, "target", "bench-gates")
    os.makedirs(cache, exist_ok=True)
    for name, seed, shift in [("reference.csv", 1, False), ("current.csv", 2, True)]:
        cached = os.path.join(cache, name)
        if not os.path.exists(cached):
            print(f"generating {cached}", flush=True)
            generate(cached, seed, shift)
        os.symlink(cached, os.path.join(workdir, name))


def evidently_argv(python):
    return [python, "-c", EVIDENTLY_RUNNER, "reference.csv", "current.csv"]
