"""Plots workloads for bench/run.py: `plots show` of 10 plots of 10,000 points each, written
as an HTML page by both tools (DVC's page links its Vega scripts from a CDN; kin's embeds them,
so kin also writes about 0.8 MB more)."""

import json
import os
import random

PLOTS = 10
POINTS = 10_000


def gen_ten_plots(path):
    rng = random.Random(7)
    os.makedirs(os.path.join(path, "plots"))
    entries = []
    for p in range(PLOTS):
        rows = [{"step": i, "loss": rng.random() / (i + 1), "acc": rng.random()} for i in range(POINTS)]
        with open(os.path.join(path, "plots", f"p{p}.json"), "w") as f:
            json.dump(rows, f)
        entries.append(f"  - plots/p{p}.json:\n      x: step\n      y: loss\n")
    with open(os.path.join(path, "dvc.yaml"), "w") as f:
        f.write("plots:\n" + "".join(entries))


def workloads(Workload):
    return {
        "plots-show-10x10k": Workload(
            "`plots show` of 10 plots × 10,000 points into an HTML page", gen_ten_plots,
            ["plots", "show", "-o", "page"], ["plots", "show", "-o", "page"]),
        "plots-json-10x10k": Workload(
            "`plots show --json` of the same 10 plots", gen_ten_plots,
            ["plots", "show", "--json"], ["plots", "show", "--json"]),
    }
