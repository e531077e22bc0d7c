#!/usr/bin/env python3
"""Audit log benchmark: `kin audit verify` of a store of RUNS runs (one audit entry each),
and what recording a run costs with its entry.

    python3 bench/audit.py [--runs 1000000] [--repeat 5] [--store PATH] [--write]

The store comes from crates/kin-store/examples/synth_lineage.rs (as bench/lineage.py's):
every run uses two versions and generates three, so each entry's payload is about 1 KiB and
verification re-renders every run from its rows. Generating 1,000,000 runs takes about three
minutes; --store PATH keeps the store there and reuses it when it exists. Verification
times are wall times of the whole `kin` process, the median of --repeat runs after one
warm-up (the store in the page cache, as on a second run). The baseline is
scripts/audit-chain.py, the documented third-party re-verification in Python, which checks
the chain only (not the rows). With --write the table goes to docs/benchmarks.md (section
"Audit log").
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lineage import build_kin_and_generator  # noqa: E402
from run import machine, run_timed, write_section  # noqa: E402


def generate(generator, repo, runs):
    """The synthetic store in `repo`, and what the generator measured while writing it."""
    os.makedirs(os.path.join(repo, ".dvc"), exist_ok=True)
    os.makedirs(os.path.join(repo, ".kin"), exist_ok=True)
    db = os.path.join(repo, ".kin", "lineage.db")
    report = os.path.join(repo, ".kin", "synth.json")
    if os.path.exists(db) and os.path.exists(report):
        print(f"reusing the store in {repo}", file=sys.stderr)
        with open(report) as f:
            return json.load(f)
    for stale in (db, db + "-wal", db + "-shm"):
        if os.path.exists(stale):
            os.remove(stale)
    print(f"generating {runs:,} runs (about 3 minutes per million) ...", file=sys.stderr)
    # 1000 pipelines of 10 stages, as bench/lineage.py; 500 more runs are recorded one per
    # transaction and timed.
    out = subprocess.run([generator, db, str(runs - 500), "1000", "10"], check=True,
                         capture_output=True, text=True).stdout
    with open(report, "w") as f:
        f.write(out)
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--store", help="a directory to keep the generated store in and reuse")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    kin, generator = build_kin_and_generator()

    repo = args.store or tempfile.mkdtemp(prefix="kin-audit-bench-")
    try:
        gen = generate(generator, repo, args.runs)
        verify = [kin, "audit", "verify", "--json"]
        first = subprocess.run(verify, cwd=repo, capture_output=True, text=True)
        report = json.loads(first.stdout)
        if first.returncode != 0 or not report["ok"]:
            raise SystemExit(f"the synthetic store does not verify:\n{first.stdout}{first.stderr}")
        entries = report["entries"]
        samples = [run_timed(verify, repo) for _ in range(args.repeat)]
        seconds = statistics.median(s for s, _ in samples)
        rss = max(r for _, r in samples)
        chain = os.path.join(ROOT, "scripts", "audit-chain.py")
        python, _ = run_timed([sys.executable, chain, os.path.join(repo, ".kin", "lineage.db")], repo)
    finally:
        if not args.store:
            shutil.rmtree(repo, ignore_errors=True)

    per_million = seconds / entries * 1_000_000
    rows = [
        ("store", f"{entries:,} entries (one per run), payloads of about 1 KiB",
         f"{gen['db_bytes'] / 2**30:.2f} GiB on disk", ""),
        ("`kin audit verify --json`", f"median of {args.repeat}, warm page cache; peak RSS {rss / 1024:.0f} MiB "
         "(mostly the store's pages, mapped)",
         f"{seconds:.2f} s ({per_million:.2f} s per million entries)", "≤ 5 s per million"),
        ("baseline: `scripts/audit-chain.py` (Python, the chain only, not the rows)", "one run",
         f"{python:.2f} s", ""),
        ("record one run, its audit entry included (own transaction)", "p50 / p95 of 500",
         f"{gen['record_ms_p50']:.2f} / {gen['record_ms_p95']:.2f} ms",
         "the entry adds ≤ 0.2 ms"),
    ]
    table = ["| measure | detail | kin | target |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    if args.write:
        write_section("Audit log", (
            f"`python3 bench/audit.py --runs {args.runs} --repeat {args.repeat} --write`. "
            f"Machine: {machine()}.\n\n" + text + "\n\n"
            "Verification reads the chain and the runs in slices on every core, each connection in "
            "the same snapshot, and compares digests; only a mismatch re-reads a document whole. "
            "The entry's share of recording a run is at most the whole recording's time above.\n"
        ))


if __name__ == "__main__":
    main()
