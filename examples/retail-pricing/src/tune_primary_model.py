"""Stage tune_primary_model: grid-search a gradient-boosting model of demand.

The model is scikit-learn's histogram gradient boosting, constrained so that
predicted demand never rises with the product's price (the price features are
monotonically decreasing): the curve a retailer reads prices from stays sane.
Searches max_iter x max_depth x learning_rate with k-fold cross-validation on the
training split, refits the best candidate on all of it, and scores it on the
validation split. Writes models/model.pkl (the fitted model with the search that
chose it), metrics/tuning.json and plots/cv_results.json (one row per candidate).
"""

import argparse
import json
import os
import pickle

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.model_selection import GridSearchCV, KFold


def write_atomically(path, data, mode="w"):
    """Write through a temp file and rename, so a killed run leaves no half file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", mode) as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/model_input")
    parser.add_argument("--max_iter", type=int, nargs="+", required=True, help="boosting rounds")
    parser.add_argument("--max_depth", type=int, nargs="+", required=True)
    parser.add_argument("--learning_rate", type=float, nargs="+", required=True)
    parser.add_argument("--cv_folds", type=int, required=True)
    parser.add_argument("--random_state", type=int, required=True)
    args = parser.parse_args()

    x_train = pd.read_parquet(f"{args.data}/x_train.parquet")
    y_train = pd.read_parquet(f"{args.data}/y_train.parquet").iloc[:, 0]
    x_val = pd.read_parquet(f"{args.data}/x_val.parquet")
    y_val = pd.read_parquet(f"{args.data}/y_val.parquet").iloc[:, 0]

    grid = {"max_iter": args.max_iter, "max_depth": args.max_depth,
            "learning_rate": args.learning_rate}
    price_falls = {name: -1 for name in x_train.columns if name.startswith("num__unitprice")}
    base = HistGradientBoostingRegressor(monotonic_cst=price_falls, early_stopping=False,
                                         random_state=args.random_state)
    folds = KFold(n_splits=args.cv_folds, shuffle=True, random_state=args.random_state)
    search = GridSearchCV(base, grid, cv=folds, scoring="neg_mean_squared_error")
    search.fit(x_train, y_train)
    model = search.best_estimator_

    pred = model.predict(x_val)
    metrics = {
        "best_params": search.best_params_,
        "cv_mse": float(-search.best_score_),
        "mse_val": float(mean_squared_error(y_val, pred)),
        "mae_val": float(mean_absolute_error(y_val, pred)),
        "mae_val_units": float(mean_absolute_error(np.expm1(y_val), np.expm1(pred))),
        "candidates": len(search.cv_results_["params"]),
    }
    results = [{"candidate": f"iter={p['max_iter']} depth={p['max_depth']} lr={p['learning_rate']}",
                "cv_mse": float(-score)}
               for p, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"])]

    artifact = {"model": model, "features": list(x_train.columns), "target": y_train.name,
                "search": {"grid": grid, "cv_folds": args.cv_folds, "best_params": search.best_params_}}
    write_atomically("models/model.pkl", pickle.dumps(artifact), "wb")
    write_atomically("metrics/tuning.json", json.dumps(metrics, indent=2) + "\n")
    write_atomically("plots/cv_results.json", json.dumps(results, indent=2) + "\n")
    print(f"best of {metrics['candidates']} candidates: {search.best_params_}, "
          f"validation MSE {metrics['mse_val']:.4f} (log scale)")


if __name__ == "__main__":
    main()
