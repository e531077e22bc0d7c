"""Stage inference_primary_model: score the tuned model on the test split and price products.

The best price is the one that maximises predicted profit, (price - unit cost) x units,
with the unit cost given as a share of the product's usual price.

Writes
  data/inference_results.parquet  y_true and y_pred (log(1 + quantity)) per test line,
                                  with the customer group the fairness gate needs;
  metrics/inference.json          test errors on the log scale and in units sold;
  plots/price_curve.csv           for the best-selling products, predicted units, revenue
                                  and profit at 70% to 120% of the usual price: the curve
                                  a retailer reads the best price from;
  plots/feature_importance.json   permutation importance of each input column (how much
                                  the test error grows when that column is shuffled).
"""

import argparse
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

PRICE_STEPS = np.round(np.linspace(0.7, 1.2, 11), 2)  # the range of past price levels


def write_atomically(path, write):
    """Write through a temp file and rename, so a killed run leaves no half file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write(path + ".tmp")
    os.replace(path + ".tmp", path)


def write_json(path, obj):
    write_atomically(path, lambda p: Path(p).write_text(json.dumps(obj, indent=2) + "\n"))


def transform(columns, rows):
    return pd.DataFrame(columns.transform(rows), columns=columns.get_feature_names_out())


def permutation_importance(model, columns, rows, y_true, seed=0):
    """Increase in test MSE when one input column is shuffled, per column, largest first."""
    rng = np.random.default_rng(seed)
    base = mean_squared_error(y_true, model.predict(transform(columns, rows)))
    scores = []
    for name in columns.feature_names_in_:
        shuffled = rows.copy()
        shuffled[name] = rng.permutation(shuffled[name].to_numpy())
        worse = mean_squared_error(y_true, model.predict(transform(columns, shuffled)))
        scores.append({"feature": str(name), "mse_increase": round(float(worse - base), 6)})
    return sorted(scores, key=lambda s: -s["mse_increase"])


def price_curve(model, columns, rows, products, cost_share):
    """Mean predicted units, revenue and profit per price step for each product's test lines."""
    out = []
    for code in products:
        lines = rows[rows["stockcode"] == code]
        usual = float((lines["unitprice"] / lines["unitprice_to_typical"]).median())
        for step in PRICE_STEPS:
            what_if = lines.copy()
            what_if["unitprice"] = usual * step
            what_if["unitprice_log"] = np.log(what_if["unitprice"])
            what_if["unitprice_to_typical"] = step
            units = np.expm1(model.predict(transform(columns, what_if))).mean()
            price = usual * step
            out.append({"stockcode": code, "price_ratio": float(step),
                        "unitprice": round(price, 2),
                        "predicted_units": round(float(units), 3),
                        "predicted_revenue": round(float(units * price), 3),
                        "predicted_profit": round(float(units * (price - usual * cost_share)), 3)})
    return pd.DataFrame(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/model_input")
    parser.add_argument("--model", default="models/model.pkl")
    parser.add_argument("--preprocessor", default="preprocessors/column_transformer.pkl")
    parser.add_argument("--sensitive", required=True, help="customer-group column to carry")
    parser.add_argument("--products", type=int, default=3, help="price curves for this many products")
    parser.add_argument("--unit-cost-share", type=float, required=True,
                        help="unit cost as a share of the usual price")
    args = parser.parse_args()

    with open(args.model, "rb") as f:
        artifact = pickle.load(f)
    with open(args.preprocessor, "rb") as f:
        columns = pickle.load(f)
    model = artifact["model"]
    x_test = pd.read_parquet(f"{args.data}/x_test.parquet")
    y_test = pd.read_parquet(f"{args.data}/y_test.parquet").iloc[:, 0]
    rows = pd.read_parquet(f"{args.data}/test_rows.parquet")

    pred = model.predict(x_test)
    results = pd.DataFrame({"y_true": y_test, "y_pred": pred, args.sensitive: rows[args.sensitive],
                            "stockcode": rows["stockcode"], "unitprice": rows["unitprice"]})
    write_atomically("data/inference_results.parquet", lambda p: results.to_parquet(p, index=False))

    metrics = {
        "mse_test": float(mean_squared_error(y_test, pred)),
        "mae_test": float(mean_absolute_error(y_test, pred)),
        "r2_test": float(r2_score(y_test, pred)),
        "mae_test_units": float(mean_absolute_error(np.expm1(y_test), np.expm1(pred))),
        "rows": len(results),
    }
    top = rows["stockcode"].value_counts().index[: args.products]
    curve = price_curve(model, columns, rows, top, args.unit_cost_share)
    best = curve.loc[curve.groupby("stockcode")["predicted_profit"].idxmax()]
    metrics["best_price"] = {r.stockcode: r.unitprice for r in best.itertuples()}

    write_json("metrics/inference.json", metrics)
    write_atomically("plots/price_curve.csv", lambda p: curve.to_csv(p, index=False))
    write_json("plots/feature_importance.json", permutation_importance(model, columns, rows, y_test))
    print(f"test MSE {metrics['mse_test']:.4f} (log scale), MAE {metrics['mae_test_units']:.2f} units; "
          f"best prices: {metrics['best_price']}")


if __name__ == "__main__":
    main()
