"""Stage preprocess: split the processed sales and fit the feature transformer.

The target is log(1 + quantity): demand is skewed and multiplicative in price, so
the model learns it on a log scale. Writes, under data/model_input/,
  x_{train,val,test}.parquet  transformed features (scaled numbers, one-hot categories),
  y_{train,val,test}.parquet  the target,
  test_rows.parquet           the untransformed test lines (price, product, customer group),
and preprocessors/column_transformer.pkl with preprocessors/feature_names.json.
"""

import argparse
import json
import os
import pickle

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERICAL = ["unitprice_log", "unitprice_to_typical", "product_max_price",
             "product_avg_quantity_last_month", "month"]
CATEGORICAL = ["stockcode", "country", "day_of_week"]
PASSTHROUGH = ["is_registered"]
TARGET = "log_quantity"


def transformer(scale):
    """Numbers scaled (or not), categories one-hot, the customer flag as it is."""
    numbers = StandardScaler() if scale else "passthrough"
    return ColumnTransformer([
        ("num", numbers, NUMERICAL),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL),
        ("flag", "passthrough", PASSTHROUGH),
    ], verbose_feature_names_out=True)


def save(obj, path, write):
    """Write through a temp file and rename, so a killed run leaves no half file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write(obj, path + ".tmp")
    os.replace(path + ".tmp", path)


def to_parquet(df, path):
    df.to_parquet(path, index=False)


def to_pickle(obj, path):
    with open(path, "wb") as f:
        pickle.dump(obj, f)


def to_json(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", default="data/processed_df.parquet")
    parser.add_argument("--test_size", type=float, required=True)
    parser.add_argument("--val_size", type=float, required=True)
    parser.add_argument("--should_scale", action="store_true", help="standardise the numbers")
    parser.add_argument("--random_state", type=int, required=True)
    args = parser.parse_args()

    df = pd.read_parquet(args.processed)
    df[TARGET] = np.log1p(df["quantity"])
    rest, test = train_test_split(df, test_size=args.test_size, random_state=args.random_state)
    train, val = train_test_split(rest, test_size=args.val_size / (1 - args.test_size),
                                  random_state=args.random_state)

    columns = transformer(args.should_scale).fit(train[NUMERICAL + CATEGORICAL + PASSTHROUGH])
    names = [str(n) for n in columns.get_feature_names_out()]
    out = "data/model_input"
    for split, rows in [("train", train), ("val", val), ("test", test)]:
        x = pd.DataFrame(columns.transform(rows), columns=names)
        save(x, f"{out}/x_{split}.parquet", to_parquet)
        save(rows[[TARGET]].reset_index(drop=True), f"{out}/y_{split}.parquet", to_parquet)
    save(test.reset_index(drop=True), f"{out}/test_rows.parquet", to_parquet)
    save(columns, "preprocessors/column_transformer.pkl", to_pickle)
    save(names, "preprocessors/feature_names.json", to_json)
    print(f"train {len(train)}, validation {len(val)}, test {len(test)} lines; {len(names)} features")


if __name__ == "__main__":
    main()
