#!/usr/bin/env python3
"""Concurrent writers into one lineage store: WRITERS processes each record RUNS runs, one per
transaction (as `kin repro` records them), into the same store at once; reports the total
rate and checks that every run arrived exactly once and the audit chain is whole.

    python3 bench/store_writers.py --store-url postgres://USER:PASSWORD@HOST/EMPTY_DB [--writers 8] [--runs 250] [--write]

The writers are crates/kin-store/examples/synth_lineage.rs with no bulk runs: they record the
same pipelines' runs, so they contend for the same artifact and version rows, the worst case
for a shared store. With --write the table goes to docs/benchmarks.md (section "Concurrent
writers").
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lineage import build_kin_and_generator  # noqa: E402
from run import machine, write_section  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--runs", type=int, default=250, help="runs per writer")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    kin, generator = build_kin_and_generator()

    with tempfile.TemporaryDirectory(prefix="kin-writers-bench-") as repo:
        os.makedirs(os.path.join(repo, ".dvc"))
        env = dict(os.environ, KIN_STORE_URL=args.store_url)
        info = lambda: json.loads(subprocess.run([kin, "store", "info", "--json"], cwd=repo, env=env,
                                                 check=True, capture_output=True, text=True).stdout)
        before = info()
        start = time.perf_counter()
        writers = [subprocess.Popen([generator, args.store_url, "0", "100", "10", str(args.runs)],
                                    stdout=subprocess.PIPE, text=True) for _ in range(args.writers)]
        reports = [json.loads(w.communicate()[0]) for w in writers]
        seconds = time.perf_counter() - start
        if any(w.returncode != 0 for w in writers):
            raise SystemExit("a writer failed")
        after = info()
        verify_log = subprocess.run([kin, "audit", "log", "--json"], cwd=repo, env=env, check=True,
                                    capture_output=True, text=True).stdout
    total = args.writers * args.runs
    added = after["runs"] - before["runs"]
    entries = json.loads(verify_log)
    if added != total or after["audit_entries"] - before["audit_entries"] != total:
        raise SystemExit(f"expected {total} runs and entries, found {added} runs")
    if [e["seq"] for e in entries] != list(range(1, len(entries) + 1)):
        raise SystemExit("the audit chain is not numbered 1..n")
    if any(b["prev"] != a["hash"] for a, b in zip(entries, entries[1:])):
        raise SystemExit("an audit entry does not follow the one before it")
    p50 = sorted(r["record_ms_p50"] for r in reports)[len(reports) // 2]
    rows = [
        (f"{args.writers} writers × {args.runs} runs, one transaction each, same artifacts",
         f"{total:,} runs recorded once each, one unbroken chain; median writer's p50 {p50:.1f} ms",
         f"{total / seconds:.0f} runs/s ({seconds:.1f} s)", "≥ 500 runs/s"),
    ]
    table = ["| measure | detail | kin | target |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    if args.write:
        write_section("Concurrent writers", (
            f"`python3 bench/store_writers.py --store-url URL --writers {args.writers} --runs {args.runs} --write` "
            f"against PostgreSQL 15 on the same machine (scripts/postgres). Machine: {machine()}.\n\n"
            + text + "\n"
        ))


if __name__ == "__main__":
    main()
