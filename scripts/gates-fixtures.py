#!/usr/bin/env python3
"""Regenerates the parity fixtures of crates/kin-gates from the real Evidently and Fairlearn.

    python3 -m venv /tmp/gates-venv
    /tmp/gates-venv/bin/pip install evidently==0.7.23 fairlearn==0.15.0 "pandas==2.3.3" \
        scikit-learn==1.9.1 scipy==1.17.1 numpy==2.4.6
    /tmp/gates-venv/bin/python scripts/gates-fixtures.py

Run on demand, not in CI. Every dataset is written as CSV, read back with pandas (so the
oracle sees exactly what kin parses), and the oracle's answer goes to expected.json beside it.
"""

import json
import os
import shutil

import numpy as np
import pandas as pd

import evidently
import fairlearn
from evidently.legacy.metrics import DataDriftTable
from evidently.legacy.pipeline.column_mapping import ColumnMapping
from evidently.legacy.report import Report
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import mean_absolute_error, mean_squared_error, root_mean_squared_log_error

PINNED = {"evidently": "0.7.23", "fairlearn": "0.15.0"}
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "crates", "kin-gates", "tests", "fixtures")


def drift_case(name, ref, cur, stattests=None):
    path = os.path.join(OUT, "drift", name)
    os.makedirs(path)
    ref.to_csv(os.path.join(path, "reference.csv"), index=False)
    cur.to_csv(os.path.join(path, "current.csv"), index=False)
    ref = pd.read_csv(os.path.join(path, "reference.csv"))
    cur = pd.read_csv(os.path.join(path, "current.csv"))
    metric = DataDriftTable(per_column_stattest=stattests) if stattests else DataDriftTable()
    report = Report(metrics=[metric])
    report.run(reference_data=ref, current_data=cur, column_mapping=ColumnMapping(target=None, prediction=None))
    result = report.as_dict()["metrics"][0]["result"]
    columns = {
        col: {
            "type": r["column_type"],
            "stattest": r["stattest_name"],
            "score": float(r["drift_score"]),
            "threshold": float(r["stattest_threshold"]),
            "drift": bool(r["drift_detected"]),
        }
        for col, r in result["drift_by_columns"].items()
    }
    expected = {
        "stattests": stattests or {},
        "dataset_drift": bool(result["dataset_drift"]),
        "drifted_columns": int(result["number_of_drifted_columns"]),
        "columns_total": int(result["number_of_columns"]),
        "columns": columns,
    }
    with open(os.path.join(path, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


def numeric(rng, n, shift=0.0, scale=1.0, cols=3):
    return pd.DataFrame({f"x{i}": rng.normal(shift + i, scale, n).round(6) for i in range(cols)})


def categorical(rng, n, probs, binary_p, small_int_p):
    return pd.DataFrame({
        "colour": rng.choice(["red", "green", "blue", "black"], n, p=probs),
        "flag": rng.choice(["yes", "no"], n, p=[binary_p, 1 - binary_p]),
        "level": rng.choice([1, 2, 3], n, p=small_int_p),
        "score4": rng.choice([0.5, 1.5, 2.5, 3.5], n),
    })


def with_nans(df, rng, share):
    df = df.copy()
    for col in df.columns:
        mask = rng.random(len(df)) < share
        df[col] = df[col].astype(object).where(~mask, None) if df[col].dtype == object else df[col].mask(mask)
    return df


def drift_cases():
    rng = np.random.default_rng(20261122)
    drift_case("small_num_same", numeric(rng, 500), numeric(rng, 400))
    drift_case("small_num_shift", numeric(rng, 500), numeric(rng, 400, shift=0.3, scale=1.2))
    drift_case("small_num_equal_sizes", numeric(rng, 300, cols=2), numeric(rng, 300, shift=0.15, cols=2))
    drift_case("small_num_big_current", numeric(rng, 800, cols=2), numeric(rng, 12000, shift=0.04, cols=2))
    drift_case("small_cat_same", categorical(rng, 600, [.4, .3, .2, .1], .3, [.5, .3, .2]),
               categorical(rng, 500, [.4, .3, .2, .1], .3, [.5, .3, .2]))
    drift_case("small_cat_shift", categorical(rng, 600, [.4, .3, .2, .1], .3, [.5, .3, .2]),
               categorical(rng, 500, [.25, .25, .25, .25], .45, [.3, .3, .4]))
    ref = pd.concat([numeric(rng, 700), categorical(rng, 700, [.4, .3, .2, .1], .3, [.5, .3, .2])], axis=1)
    cur = pd.concat([numeric(rng, 650, shift=0.2), categorical(rng, 650, [.3, .3, .3, .1], .3, [.5, .3, .2])], axis=1)
    drift_case("small_mixed_nans", with_nans(ref, rng, 0.1), with_nans(cur, rng, 0.15))
    drift_case("large_num_same", numeric(rng, 3000), numeric(rng, 2000))
    drift_case("large_num_shift", numeric(rng, 3000), numeric(rng, 2000, shift=0.25))
    drift_case("large_cat", categorical(rng, 4000, [.4, .3, .2, .1], .3, [.5, .3, .2]),
               categorical(rng, 3000, [.3, .3, .25, .15], .3, [.5, .3, .2]))
    ref = pd.concat([numeric(rng, 2500), categorical(rng, 2500, [.4, .3, .2, .1], .3, [.5, .3, .2])], axis=1)
    cur = pd.concat([numeric(rng, 2200, scale=1.3), categorical(rng, 2200, [.4, .3, .2, .1], .6, [.5, .3, .2])], axis=1)
    ref.loc[3, "x0"] = np.inf
    cur.loc[5, "x1"] = -np.inf
    drift_case("large_mixed_nans", with_nans(ref, rng, 0.05), with_nans(cur, rng, 0.2))
    ref = pd.concat([numeric(rng, 900), categorical(rng, 900, [.4, .3, .2, .1], .3, [.5, .3, .2])], axis=1)
    cur = pd.concat([numeric(rng, 800, shift=0.1), categorical(rng, 800, [.35, .3, .2, .15], .3, [.5, .3, .2])], axis=1)
    drift_case("requested_tests", ref, cur, stattests={
        "x0": "psi", "x1": "jensenshannon", "x2": "wasserstein",
        "colour": "psi", "flag": "jensenshannon", "level": "psi", "score4": "jensenshannon",
    })


def fairness_cases():
    rng = np.random.default_rng(7)
    base = os.path.join(OUT, "fairness")
    for name, groups, n in [("binary_groups", ["0", "1"], 600), ("three_groups", ["a", "b", "c"], 900)]:
        g = rng.choice(groups, n)
        y = rng.integers(0, 2, n)
        bias = np.where(g == groups[0], 0.15, 0.0)
        p = (rng.random(n) < 0.35 + 0.3 * y + bias).astype(int)
        df = pd.DataFrame({"group": g, "y_true": y, "y_pred": p})
        path = os.path.join(base, f"classification_{name}")
        os.makedirs(path)
        df.to_csv(os.path.join(path, "predictions.csv"), index=False)
        df = pd.read_csv(os.path.join(path, "predictions.csv"), dtype={"group": str})
        sf = df["group"]
        args = dict(y_true=df["y_true"], y_pred=df["y_pred"], sensitive_features=sf)
        mf = MetricFrame(metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
                                  "false_positive_rate": false_positive_rate}, **args)
        metrics = {}
        for method in ["between_groups", "to_overall"]:
            metrics[method] = {
                "demographic_parity_difference": demographic_parity_difference(**args, method=method),
                "demographic_parity_ratio": demographic_parity_ratio(**args, method=method),
                "equalized_odds_difference": equalized_odds_difference(**args, method=method),
                "equalized_odds_ratio": equalized_odds_ratio(**args, method=method),
                "equal_opportunity_difference": equal_opportunity_difference(**args, method=method),
                "equal_opportunity_ratio": equal_opportunity_ratio(**args, method=method),
            }
        groups_out = {str(k): {m: float(v) for m, v in row.items()} for k, row in mf.by_group.iterrows()}
        with open(os.path.join(path, "expected.json"), "w") as f:
            json.dump({"task": "classification", "groups": groups_out,
                       "metrics": {m: {k: float(v) for k, v in d.items()} for m, d in metrics.items()}},
                      f, indent=1, sort_keys=True)
    n = 500
    g = rng.integers(0, 2, n)
    y = rng.gamma(2.0, 2.0, n).round(4)
    p = (y + rng.normal(0.3 * g, 1.0, n)).clip(0).round(4)
    df = pd.DataFrame({"is_registered": g, "y_true": y, "y_pred": p})
    path = os.path.join(base, "regression_seed")
    os.makedirs(path)
    df.to_csv(os.path.join(path, "predictions.csv"), index=False)
    df = pd.read_csv(os.path.join(path, "predictions.csv"))
    metrics = {}
    for group, name in [(0, "unprivileged"), (1, "privileged")]:
        s = df[df["is_registered"] == group]
        metrics[f"mse_{name}"] = float(mean_squared_error(s["y_true"], s["y_pred"]))
        metrics[f"mae_{name}"] = float(mean_absolute_error(s["y_true"], s["y_pred"]))
        metrics[f"rmsle_{name}"] = float(root_mean_squared_log_error(s["y_true"], s["y_pred"]))
        metrics[f"mean_prediction_{name}"] = float(s["y_pred"].mean())
    metrics["mae_diff"] = metrics["mae_unprivileged"] - metrics["mae_privileged"]
    metrics["mean_outcome_difference"] = metrics["mean_prediction_unprivileged"] - metrics["mean_prediction_privileged"]
    with open(os.path.join(path, "expected.json"), "w") as f:
        json.dump({"task": "regression", "privileged": "1", "metrics": metrics}, f, indent=1, sort_keys=True)


def main():
    for package, version in PINNED.items():
        found = {"evidently": evidently, "fairlearn": fairlearn}[package].__version__
        if found != version:
            raise SystemExit(f"{package} {found} is installed; the fixtures are pinned to {version}")
    shutil.rmtree(OUT, ignore_errors=True)
    drift_cases()
    fairness_cases()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
