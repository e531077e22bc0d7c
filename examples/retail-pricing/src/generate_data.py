"""Write a synthetic online-retail transaction log, the pipeline's raw data.

Stands in for the extract from a shop's order database: one row per invoice line
(invoice number, stock code, description, quantity, invoice date, unit price,
customer id, country) for December 2010 to December 2011. Guests check out without
an account, so their customer id is empty. Each product has its own price
elasticity: the quantity bought falls as its unit price rises, which is what the
model learns. Like a real export the log is a little dirty: returns (invoice
numbers starting with C, negative quantities), free items at price 0, lines without
a description, duplicated lines and a few bulk orders far outside the usual range.

Everything comes from one fixed seed, so the same arguments give the same bytes.
`--drift` keeps every random draw but, from `--drift-from` on, raises prices by a
third and turns most buyers into guests: the newest invoices then differ from the
history the model was trained on, and the drift gate should stop the pipeline.

    python src/generate_data.py --out data/raw/online_retail.csv [--rows 30000] [--drift]
"""

import argparse
import os

import numpy as np
import pandas as pd

ITEMS = [
    ("TEA MUG", 2.10), ("BISCUIT TIN", 4.95), ("CANDLE HOLDER", 2.55),
    ("JUTE SHOPPING BAG", 1.65), ("PHOTO FRAME", 3.75), ("WALL CLOCK", 8.50),
    ("CUSHION COVER", 3.95), ("NAPKIN SET", 0.85), ("LUNCH BOX", 1.95),
    ("WATER BOTTLE", 4.25), ("GARDEN LANTERN", 6.75), ("PLANT POT", 1.25),
    ("DOORMAT", 7.95), ("GIFT WRAP ROLL", 0.42), ("SOAP DISH", 1.45),
    ("PARTY BUNTING", 4.95), ("NOTEBOOK", 1.65), ("CAKE STAND", 9.95),
    ("KEY RING", 0.65), ("STORAGE JAR", 3.25),
]
STYLES = ["RED SPOTTY", "VINTAGE", "BLUE STRIPE", "PINK FLORAL", "WHITE", "RETRO"]
COUNTRIES = [
    ("United Kingdom", 0.80, 1.00), ("Germany", 0.05, 1.35), ("France", 0.04, 1.30),
    ("EIRE", 0.03, 1.50), ("Spain", 0.02, 1.10), ("Netherlands", 0.02, 1.80),
    ("Belgium", 0.015, 1.20), ("Switzerland", 0.01, 1.25), ("Portugal", 0.01, 1.05),
    ("Australia", 0.005, 1.90),
]
START, END = pd.Timestamp("2010-12-01"), pd.Timestamp("2011-12-09")


def products(rng):
    """The catalogue: stock code, description, list price, typical quantity, elasticity."""
    pairs = [(s, i) for i in range(len(ITEMS)) for s in STYLES]
    chosen = rng.choice(len(pairs), size=60, replace=False)
    rows = []
    for k in sorted(chosen):
        style, item = pairs[k]
        name, price = ITEMS[item]
        code = str(20000 + rng.integers(0, 70000))
        if rng.random() < 0.25:
            code += "ABC"[rng.integers(0, 3)]
        rows.append({
            "stockcode": code,
            "description": f"{style} {name}",
            "list_price": round(price * rng.uniform(0.85, 1.2), 2),
            "typical_qty": rng.uniform(3, 18) * (1.0 if price > 2 else 2.0),
            "elasticity": rng.uniform(-2.2, -0.6),
            "popularity": rng.pareto(1.5) + 0.2,
        })
    return pd.DataFrame(rows).drop_duplicates("stockcode").reset_index(drop=True)


def invoices(rng, n, drift, drift_from):
    """Invoice headers: number, date, customer id (NaN for guests) and country."""
    days = pd.bdate_range(START, END)
    day = days[rng.integers(0, len(days), size=n)]
    minutes = rng.integers(8 * 60, 18 * 60, size=n)
    date = (day + pd.to_timedelta(minutes, unit="min")).sort_values()
    late = np.asarray(date >= drift_from) if drift else np.zeros(n, dtype=bool)
    guest = rng.random(n) < np.where(late, 0.75, 0.25)
    customers = rng.integers(12346, 18288, size=n).astype(float)
    shares = np.array([c[1] for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), size=n, p=shares / shares.sum())
    return pd.DataFrame({
        "invoiceno": [str(536365 + i) for i in range(n)],
        "invoicedate": date,
        "customerid": np.where(guest, np.nan, customers),
        "country_idx": country,
        "late": late,
    })


def lines(rng, catalogue, heads):
    """Invoice lines: a few products per invoice, priced and with demand at that price."""
    per_invoice = rng.integers(3, 22, size=len(heads))
    rows = heads.loc[heads.index.repeat(per_invoice)].reset_index(drop=True)
    p = catalogue["popularity"].to_numpy()
    prod = catalogue.loc[rng.choice(len(catalogue), size=len(rows), p=p / p.sum())]
    prod = prod.reset_index(drop=True)
    # Weekly price levels: list price, promotions and short-lived mark-ups.
    level = rng.choice([1.0, 0.9, 0.8, 0.7, 1.1, 1.2], size=len(rows),
                       p=[0.45, 0.15, 0.12, 0.08, 0.12, 0.08])
    hike = np.where(rows["late"], 1.35, 1.0)
    price = (prod["list_price"] * level * hike).round(2)
    month = rows["invoicedate"].dt.month.to_numpy()
    season = 1.0 + 0.02 * np.cos((month - 11) / 12 * 2 * np.pi)
    country = np.array([c[2] for c in COUNTRIES])[rows["country_idx"]]
    guest = np.where(rows["customerid"].isna(), 0.93, 1.0)
    expected = (prod["typical_qty"] * (price / prod["list_price"]) ** prod["elasticity"]
                * season * country * guest)
    noise = rng.lognormal(0.0, 0.45, size=len(rows))
    qty = np.maximum(1, np.round(expected * noise)).astype(int)
    return pd.DataFrame({
        "invoiceno": rows["invoiceno"],
        "stockcode": prod["stockcode"],
        "description": prod["description"],
        "quantity": qty,
        "invoicedate": rows["invoicedate"].dt.strftime("%Y-%m-%d %H:%M"),
        "unitprice": price,
        "customerid": rows["customerid"].astype("Int64"),
        "country": [COUNTRIES[i][0] for i in rows["country_idx"]],
    })


def dirty(rng, df):
    """Add what real exports contain and the ETL must remove or repair."""
    n = len(df)
    returns = df.sample(frac=0.015, random_state=rng.integers(1 << 31)).copy()
    returns["invoiceno"] = "C" + returns["invoiceno"]
    returns["quantity"] = -returns["quantity"]
    free = rng.random(n) < 0.003
    df.loc[free, "unitprice"] = 0.0
    df.loc[rng.random(n) < 0.004, "description"] = ""
    bulk = rng.random(n) < 0.0005
    df.loc[bulk, "quantity"] = 5000 + df.loc[bulk, "quantity"] * 1000
    dupes = df.sample(frac=0.005, random_state=rng.integers(1 << 31))
    out = pd.concat([df, returns, dupes]).sort_values(["invoicedate", "invoiceno"], kind="stable")
    return out.reset_index(drop=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data/raw/online_retail.csv")
    parser.add_argument("--rows", type=int, default=30000, help="about this many invoice lines")
    parser.add_argument("--seed", type=int, default=20111209)
    parser.add_argument("--drift", action="store_true", help="shift prices and customers in the newest invoices")
    parser.add_argument("--drift-from", default="2011-10-01")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    catalogue = products(rng)
    heads = invoices(rng, max(1, args.rows // 12), args.drift, pd.Timestamp(args.drift_from))
    df = dirty(rng, lines(rng, catalogue, heads))

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    tmp = args.out + ".tmp"
    df.to_csv(tmp, index=False, float_format="%.2f")
    os.replace(tmp, args.out)
    print(f"wrote {len(df)} invoice lines to {args.out}" + (" (with drift)" if args.drift else ""))


if __name__ == "__main__":
    main()
