#!/usr/bin/env python3
"""Regenerates the parity fixtures of crates/kin-gates from the real Evidently and Fairlearn.

    python3 -m venv /tmp/gates-venv
    /tmp/gates-venv/bin/pip install evidently==0.7.23 fairlearn==0.15.0 "pandas==2.3.3" \
        scikit-learn==1.9.1 scipy==1.17.1 numpy==2.4.6 pyarrow==26.0.1
    /tmp/gates-venv/bin/python scripts/gates-fixtures.py

Run on demand, not in CI. Every dataset is written as CSV, read back with pandas (so the
oracle sees exactly what kin parses), and the oracle's answer goes to expected.json beside it.
Parquet cases: `parquet_twin_*` store the frames pandas read from the CSV also as Parquet
(with different compressions and encodings per side) and check that Evidently's answer on
`read_parquet` is the same; `parquet_types` exists only as Parquet (types CSV cannot hold);
`fixtures/parquet/` holds files kin must refuse with a clear error.
"""

import json
import os
import shutil
import sys
from decimal import Decimal

import numpy as np
import pandas as pd

import evidently
import fairlearn
import pyarrow as pa
import pyarrow.parquet as pq
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

PINNED = {"evidently": "0.7.23", "fairlearn": "0.15.0", "pyarrow": "26.0.1"}
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "crates", "kin-gates", "tests", "fixtures")


def evidently_drift(ref, cur, stattests=None):
    """Evidently's DataDriftTable answer in the shape of expected.json."""
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
    return {
        "stattests": stattests or {},
        "dataset_drift": bool(result["dataset_drift"]),
        "drifted_columns": int(result["number_of_drifted_columns"]),
        "columns_total": int(result["number_of_columns"]),
        "columns": columns,
    }


def write_expected(path, expected):
    with open(os.path.join(path, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


def drift_case(name, ref, cur, stattests=None, parquet=None):
    """`parquet`: pyarrow write options for (reference, current); the frames pandas read from
    the CSV files are written as Parquet too, and Evidently must answer the same on them."""
    path = os.path.join(OUT, "drift", name)
    os.makedirs(path)
    ref.to_csv(os.path.join(path, "reference.csv"), index=False)
    cur.to_csv(os.path.join(path, "current.csv"), index=False)
    ref = pd.read_csv(os.path.join(path, "reference.csv"))
    cur = pd.read_csv(os.path.join(path, "current.csv"))
    expected = evidently_drift(ref, cur, stattests)
    if parquet:
        frames = []
        for side, frame, options in [("reference", ref, parquet[0]), ("current", cur, parquet[1])]:
            file = os.path.join(path, f"{side}.parquet")
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), file, **options)
            back = pd.read_parquet(file)
            pd.testing.assert_frame_equal(back, frame)
            frames.append(back)
        again = evidently_drift(frames[0], frames[1], stattests)
        if again != expected:
            raise SystemExit(f"{name}: Evidently answers differently on the Parquet files")
    write_expected(path, expected)


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


def maybe_null(rng, values, share):
    """A pyarrow array of `values` with about `share` of them null."""
    return pa.array(values, mask=rng.random(len(values)) < share)


def parquet_cases():
    """Parquet twins of CSV data, and a Parquet-only case with types CSV cannot hold."""
    rng = np.random.default_rng(20261123)

    def twin_small(n, shift):
        return pd.DataFrame({
            "x": pd.Series(rng.normal(shift, 1.0, n).round(2)).where(rng.random(n) > 0.1),
            "n": rng.integers(0, 30 + int(10 * shift), n),
            "m": pd.Series(rng.integers(0, 4, n), dtype="Int64").where(rng.random(n) > 0.1),
            "colour": pd.Series(rng.choice(["red", "green", "blue"], n)).where(rng.random(n) > 0.08),
            "ok": rng.random(n) < 0.4 + shift,
            "maybe": pd.Series(rng.random(n) < 0.5, dtype=object).where(rng.random(n) > 0.1),
        })

    drift_case("parquet_twin_small", twin_small(400, 0.0), twin_small(350, 0.2), parquet=(
        dict(compression="none", use_dictionary=False, data_page_version="1.0"),
        dict(compression="gzip", use_dictionary=False, data_page_version="2.0",
             column_encoding={"x": "BYTE_STREAM_SPLIT", "n": "DELTA_BINARY_PACKED",
                              "colour": "DELTA_LENGTH_BYTE_ARRAY"}),
    ))

    def twin_large(n, shift):
        x = pd.Series(rng.normal(5 + shift, 2.0, n).round(1)).where(rng.random(n) > 0.05)
        x.iloc[7] = np.inf
        return pd.DataFrame({
            "x": x,
            "k": rng.integers(0, 40, n),
            "level": rng.choice([1, 2, 3, 4], n, p=[.4, .3, .2, .1] if shift == 0 else [.3, .3, .2, .2]),
            "city": pd.Series(rng.choice(["Oslo", "Lima", "Pune", "Kyiv", "Cork", "Graz"], n)).where(rng.random(n) > 0.05),
            "ok": rng.random(n) < 0.3,
        })

    drift_case("parquet_twin_large", twin_large(1500, 0.0), twin_large(1300, 0.3), parquet=(
        dict(compression="snappy", row_group_size=400),
        dict(compression="zstd", row_group_size=500, data_page_version="2.0",
             use_dictionary=["city", "x"], column_encoding={"k": "DELTA_BINARY_PACKED"}),
    ))

    def typed(n, shift):
        base = np.datetime64("2024-01-01T00:00:00", "us")
        return pa.table({
            "i8": pa.array(rng.integers(-3, 4 + shift, n), pa.int8()),
            "u32": pa.array(rng.integers(0, 3, n), pa.uint32()),
            "u64": pa.array([2**63 + int(v) * 2**12 for v in rng.integers(0, 50 + 10 * shift, n)], pa.uint64()),
            "f32": pa.array(rng.integers(-40, 40, n) / 4 + shift / 2, pa.float32()),
            "i32n": maybe_null(rng, rng.integers(0, 50, n).astype(np.int32), 0.1),
            "day": pa.array(np.datetime64("2024-03-01") + rng.integers(0, 5, n), pa.date32()),
            "ts": pa.array(base + (3600 * rng.integers(0, 24, n)).astype("timedelta64[s]"), pa.timestamp("us")),
            "price": pa.array([Decimal(p) for p in rng.choice(["9.99", "19.50", "0.05", "-1.00"], n)],
                              pa.decimal128(6, 2)),
            "name": pa.array(rng.choice(["ann", "bob", "cy", "di"], n)).dictionary_encode(),
            "blob": pa.array([bytes([65 + int(v)]) for v in rng.integers(0, 3 + shift, n)], pa.binary()),
        })

    path = os.path.join(OUT, "drift", "parquet_types")
    os.makedirs(path)
    pq.write_table(typed(1200, 0), os.path.join(path, "reference.parquet"), compression="lz4",
                   row_group_size=500, use_deprecated_int96_timestamps=True)
    pq.write_table(typed(1100, 1), os.path.join(path, "current.parquet"), compression="snappy",
                   data_page_version="2.0")
    ref = pd.read_parquet(os.path.join(path, "reference.parquet"))
    cur = pd.read_parquet(os.path.join(path, "current.parquet"))
    write_expected(path, evidently_drift(ref, cur))

    # Files kin refuses, each with a clear error.
    bad = os.path.join(OUT, "parquet")
    os.makedirs(bad)
    pq.write_table(pa.table({
        "x": pa.array([1, 2, 3], pa.int64()),
        "tags": pa.array([[1], [2, 3], []], pa.list_(pa.int64())),
        "point": pa.array([{"a": 1.0, "b": 2.0}] * 3),
        "t": pa.array([0, 1, 2], pa.time64("us")),
    }), os.path.join(bad, "unsupported.parquet"))
    pq.write_table(pa.table({"x": pa.array([1, 2, 3], pa.int64())}), os.path.join(bad, "brotli.parquet"),
                   compression="brotli")


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
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Evidently's category order follows set iteration, so string hashing moves the last
        # digit of some scores from run to run; a fixed seed makes reruns byte-identical.
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    for package, version in PINNED.items():
        found = {"evidently": evidently, "fairlearn": fairlearn, "pyarrow": pa}[package].__version__
        if found != version:
            raise SystemExit(f"{package} {found} is installed; the fixtures are pinned to {version}")
    shutil.rmtree(OUT, ignore_errors=True)
    drift_cases()
    parquet_cases()
    fairness_cases()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
