#!/usr/bin/env python3
"""kin vs DVC benchmark harness.

    python3 bench/run.py [--runs N] [--dvc PATH] [--write] [WORKLOAD ...]

Builds kin in release mode, generates each workload's data in a temp directory, runs kin
and DVC side by side on the same repository, and reports the median wall time of N runs
(after one warm-up), the ratio DVC/kin and peak RSS. With --write the table goes to
docs/benchmarks.md together with the machine it ran on.

DVC is looked up as --dvc, then $KIN_DVC_PYTHON's sibling `dvc`, then target/dvc-venv
(scripts/test creates it). Without DVC only kin's column is filled.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_timed(cmd, cwd):
    """Wall seconds and peak RSS (KiB) of one run; fails loudly on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{stderr}")
    return elapsed, usage.ru_maxrss


def measure(cmd, cwd, runs):
    run_timed(cmd, cwd)  # warm-up: page cache, Python bytecode
    samples = [run_timed(cmd, cwd) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def init_repo(path, dvc):
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    if dvc:
        subprocess.run([dvc, "init", "-q"], cwd=path, check=True)
    else:
        os.makedirs(os.path.join(path, ".dvc"), exist_ok=True)


def gen_foreach_1000(path):
    """prepare -> 998 foreach stages -> train: 1,000 stages from one foreach."""
    items = "\n".join(f"  - shard{i:04d}" for i in range(998))
    with open(os.path.join(path, "params.yaml"), "w") as f:
        f.write(f"shards:\n{items}\nfeaturize:\n  window: 7\n  scale: 0.5\n")
    with open(os.path.join(path, "dvc.yaml"), "w") as f:
        f.write(
            "stages:\n"
            "  prepare:\n"
            "    cmd: python prepare.py\n"
            "    outs: [raw]\n"
            "  featurize:\n"
            "    foreach: ${shards}\n"
            "    do:\n"
            "      cmd: python featurize.py ${item} ${featurize}\n"
            "      deps:\n"
            "      - raw/${item}.csv\n"
            "      params: [featurize]\n"
            "      outs:\n"
            "      - features/${item}.parquet\n"
            "  train:\n"
            "    cmd: python train.py\n"
            "    deps: [features]\n"
            "    outs: [model.pkl]\n"
        )


WORKLOADS = {
    # name: (generator, kin args, dvc args, note)
    "dag-1000": (gen_foreach_1000, ["dag"], ["dag"], "parse + print the DAG of a 1,000-stage foreach pipeline"),
    "stages-1000": (gen_foreach_1000, ["stages", "--json"], ["stage", "list"], "expand and list 1,000 stages"),
}


def find_dvc(explicit):
    candidates = [explicit]
    if os.environ.get("KIN_DVC_PYTHON"):
        candidates.append(os.path.join(os.path.dirname(os.environ["KIN_DVC_PYTHON"]), "dvc"))
    candidates.append(os.path.join(ROOT, "target", "dvc-venv", "bin", "dvc"))
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dvc")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    args = parser.parse_args()
    if args.runs < 5:
        raise SystemExit("use at least 5 runs: medians of fewer are noise")

    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "kin-cli"], cwd=ROOT, check=True)
    kin = os.path.join(ROOT, "target", "release", "kin")
    dvc = find_dvc(args.dvc)
    dvc_version = subprocess.run([dvc, "--version"], capture_output=True, text=True).stdout.strip() if dvc else None

    rows = []
    for name in args.workloads:
        gen, kin_args, dvc_args, note = WORKLOADS[name]
        with tempfile.TemporaryDirectory(prefix=f"kin-bench-{name}-") as repo:
            init_repo(repo, dvc)
            gen(repo)
            kin_t, kin_rss = measure([kin, *kin_args], repo, args.runs)
            dvc_t, dvc_rss = measure([dvc, *dvc_args], repo, args.runs) if dvc else (None, None)
        rows.append((name, note, kin_t, kin_rss, dvc_t, dvc_rss))
        ratio = f"{dvc_t / kin_t:.1f}x" if dvc_t else "n/a"
        dvc_ms = f"{dvc_t * 1000:.0f} ms" if dvc_t else "n/a"
        print(f"{name:14} kin {kin_t * 1000:7.1f} ms ({kin_rss / 1024:.0f} MiB)   dvc {dvc_ms:>9}   dvc/kin {ratio}")

    if args.write:
        lines = [
            "# Benchmarks",
            "",
            "Generated by `python3 bench/run.py --write` (rerun it to reproduce). Each number is the",
            f"median of {args.runs} runs after one warm-up; RSS is the peak over those runs.",
            "",
            f"Machine: {machine()}. kin: release build. DVC: {dvc_version or 'not installed'}.",
            "",
            "| workload | what | kin | kin peak RSS | DVC | DVC peak RSS | DVC / kin |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, note, kin_t, kin_rss, dvc_t, dvc_rss in rows:
            dvc_cell = f"{dvc_t * 1000:.0f} ms" if dvc_t else "n/a"
            dvc_rss_cell = f"{dvc_rss / 1024:.0f} MiB" if dvc_rss else "n/a"
            ratio = f"{dvc_t / kin_t:.0f}x faster" if dvc_t else "n/a"
            lines.append(
                f"| `{name}` | {note} | {kin_t * 1000:.1f} ms | {kin_rss / 1024:.0f} MiB "
                f"| {dvc_cell} | {dvc_rss_cell} | {ratio} |"
            )
        with open(os.path.join(ROOT, "docs", "benchmarks.md"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    sys.exit(main())
