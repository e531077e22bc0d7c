"""Stage etl_pipeline: extract the raw invoice lines, clean them and add features.

Reads the raw CSV export and writes
  data/original_df.parquet   the lines as extracted, with proper types;
  data/processed_df.parquet  sales only (no returns, free items, duplicates or bulk
                             outliers), descriptions repaired, with the features the
                             model uses;
  data/monitoring/reference.parquet and data/monitoring/current.parquet
                             the processed lines before and from `etl.current_from`:
                             the newest invoices against the history, for the drift gate.
"""

import argparse
import os

import numpy as np
import pandas as pd


def extract(path):
    """The raw export with the types a database would give it."""
    df = pd.read_csv(path, dtype={"invoiceno": str, "stockcode": str, "description": str,
                                  "country": str, "customerid": "Int64"},
                     keep_default_na=False, na_values={"customerid": [""]})
    df["invoicedate"] = pd.to_datetime(df["invoicedate"], format="%Y-%m-%d %H:%M")
    return df


def clean(df, max_quantity):
    """Keep real sales; repair missing descriptions from other lines of the same product."""
    sales = df[~df["invoiceno"].str.startswith("C") & (df["quantity"] > 0)
               & (df["unitprice"] > 0) & (df["quantity"] <= max_quantity)]
    sales = sales.drop_duplicates().copy()
    named = sales[sales["description"] != ""]
    names = named.groupby("stockcode")["description"].agg(lambda s: s.mode().iat[0])
    missing = sales["description"] == ""
    sales.loc[missing, "description"] = sales.loc[missing, "stockcode"].map(names).fillna("UNKNOWN")
    return sales.reset_index(drop=True)


def features(df):
    """Calendar, customer and price features; demand in the product's previous month."""
    df = df.copy()
    df["is_registered"] = df["customerid"].notna().astype("int64")
    df["year_month"] = df["invoicedate"].dt.strftime("%Y-%m")
    df["month"] = df["invoicedate"].dt.month.astype("int64")
    df["day_of_week"] = df["invoicedate"].dt.day_name()
    df["unitprice_log"] = np.log(df["unitprice"])
    typical = df.groupby("stockcode")["unitprice"].transform("median")
    df["unitprice_to_typical"] = df["unitprice"] / typical
    df["product_max_price"] = df.groupby("stockcode")["unitprice"].transform("max")

    monthly = df.groupby(["stockcode", "year_month"], as_index=False)["quantity"].mean()
    monthly = monthly.sort_values(["stockcode", "year_month"])
    monthly["product_avg_quantity_last_month"] = monthly.groupby("stockcode")["quantity"].shift(1)
    df = df.merge(monthly.drop(columns="quantity"), on=["stockcode", "year_month"], how="left")
    # A product's first month has no history to learn from.
    return df[df["product_avg_quantity_last_month"].notna()].reset_index(drop=True)


def write_parquet(df, path):
    """Write a table atomically (temp file + rename)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    df.to_parquet(path + ".tmp", index=False, engine="pyarrow")
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", default="data/raw/online_retail.csv")
    parser.add_argument("--current-from", required=True, help="first day of the newest invoices")
    parser.add_argument("--max-quantity", type=int, required=True, help="larger lines are outliers")
    args = parser.parse_args()

    original = extract(args.raw)
    write_parquet(original, "data/original_df.parquet")
    processed = features(clean(original, args.max_quantity))
    write_parquet(processed, "data/processed_df.parquet")

    recent = processed["invoicedate"] >= pd.Timestamp(args.current_from)
    write_parquet(processed[~recent], "data/monitoring/reference.parquet")
    write_parquet(processed[recent], "data/monitoring/current.parquet")
    print(f"extracted {len(original)} lines, kept {len(processed)} sales "
          f"({int(recent.sum())} from {args.current_from} on)")


if __name__ == "__main__":
    main()
