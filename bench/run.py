#!/usr/bin/env python3
"""kin vs DVC benchmark harness.

    python3 bench/run.py [--runs N] [--dvc PATH] [--write] [WORKLOAD ...]

Builds kin in release mode, generates each workload's data in a temp directory, runs kin
and DVC side by side on the same repository, and reports the median wall time of N runs
(after one warm-up; kin's, DVC's and the baseline's runs taken in turn), the ratio DVC/kin
and peak RSS. With --write the table goes to
docs/benchmarks.md together with the machine it ran on.

DVC is looked up as --dvc, then $KIN_DVC_PYTHON's sibling `dvc`, then target/dvc-venv
(scripts/test creates it). Without DVC only kin's column is filled.

`model-*` compare kin's model registry with GTO's own CLI instead of DVC: `gto` (1.10.1, which
DVC 3 installs) is looked up as --gto, then next to DVC's Python as `dvc` is. Their data is a
registry of GTO git tags: see bench/registry_workloads.py.

`drift-1m` times `kin drift` (no DVC equivalent); with --evidently PYTHON (or
$KIN_EVIDENTLY_PYTHON), a Python with evidently==0.7.23, Evidently's DataDriftTable runs
once on the same files as the baseline (bench/gates.py has the data and the runner).

`push-*` and `pull-*` start an S3-compatible server on loopback (SeaweedFS, pip-installed
into target/bench-venv; KIN_BENCH_S3_SERVER=moto for moto from the DVC venv). DVC needs
dvc-s3 in its venv, as scripts/test installs it: see bench/remote_workloads.py.
"""

import argparse
import atexit
import itertools
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gates  # noqa: E402  (drift-1m's data and Evidently runner)


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


def measure(cmd, cwd, runs, before_each=None, warmup=True):
    """Median seconds and peak RSS over `runs` timed runs after one warm-up (unless not
    `warmup`). `before_each` (untimed) resets the repository before every run."""
    return measure_interleaved([(cmd, cwd, before_each)], runs, warmup)[0]


def measure_interleaved(subjects, runs, warmup=True):
    """`measure` for several (cmd, cwd, before_each) at once, their runs taken in turn
    (a, b, a, b, ...), so that each ratio compares runs made under the same conditions: this
    machine's speed drifts over minutes (DVC's add-20k ranged 4.6-7.0 s within one hour),
    which would skew a ratio of one tool's block of runs to another's. Each run starts with
    nothing dirty in the page cache, so it does not pay for writing back what the run before
    it wrote."""
    samples = [[] for _ in subjects]
    for i in range(runs + 1 if warmup else runs):
        for (cmd, cwd, before_each), taken in zip(subjects, samples):
            if before_each:
                before_each()
            os.sync()
            sample = run_timed(cmd, cwd)
            if i > 0 or not warmup:
                taken.append(sample)
    return [(statistics.median(s[0] for s in taken), max(s[1] for s in taken)) for taken in samples]


def sh(cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def init_repo(path, dvc):
    sh(["git", "init", "-q"], path)
    if dvc:
        sh([dvc, "init", "-q"], path)
    else:
        os.makedirs(os.path.join(path, ".dvc"), exist_ok=True)


def rm(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


DELETE_BETWEEN_RUNS = False  # --delete-between-runs
_set_aside = itertools.count()


def set_aside(repo, rel):
    """Takes `rel` out of the repository between timed runs. By default it is renamed into
    the workload's scratch directory and deleted with it at the end, not deleted now: this
    machine's ext4 has no journal, and there the kernel will not reuse an inode freed in the
    last 60 s, scanning past every such inode on each file it creates. Deleting 20,000 files
    right before a run makes that run quadratic in the kernel for both tools (see the notes in
    docs/benchmarks.md); --delete-between-runs measures that instead.

    A tree of few files (the cache after adding one 1 GiB file) is deleted all the same:
    freeing a handful of inodes costs nothing, while keeping it would keep its page cache,
    so the next run would write into guest memory this VM has never touched, which costs a
    fault to the host per page (measured: `kin add` of 1 GiB 2.7 s instead of 1.6 s, all of
    it system time in the copy)."""
    path = os.path.join(repo, rel)
    if not os.path.lexists(path):
        return
    if DELETE_BETWEEN_RUNS or not os.path.isdir(path) or holds_few_files(path):
        rm(path)
        return
    aside = os.path.join(os.path.dirname(repo), "set-aside")  # the workload's scratch dir
    os.makedirs(aside, exist_ok=True)
    os.rename(path, os.path.join(aside, str(next(_set_aside))))


def holds_few_files(path, few=100):
    """Whether the tree at `path` holds at most `few` files (stops counting past that)."""
    count = 0
    for _, _, files in os.walk(path):
        count += len(files)
        if count > few:
            return False
    return True


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


def gen_small_files(path, count, size, dirs=100):
    """`count` files of `size` distinct bytes under data/, spread over `dirs` directories."""
    data = os.path.join(path, "data")
    for i in range(count):
        d = os.path.join(data, f"d{i % dirs:03d}")
        if i < dirs:
            os.makedirs(d)
        with open(os.path.join(d, f"f{i:06d}.bin"), "wb") as f:
            f.write(i.to_bytes(8, "little") * (size // 8))


def gen_big_file(path, size=1 << 30):
    rng = random.Random(42)
    with open(os.path.join(path, "big.bin"), "wb") as f:
        for _ in range(size >> 20):
            f.write(rng.randbytes(1 << 20))


def reset_cache(repo):
    """Forget everything either tool cached or indexed, so the next add starts cold."""
    def reset():
        set_aside(repo, ".dvc/cache")
        for p in ["data.dvc", "big.bin.dvc", ".gitignore", ".kin/state.db",
                  ".kin/state.db-wal", ".kin/state.db-shm"]:
            rm(os.path.join(repo, p))
        tmp = os.path.join(repo, ".dvc", "tmp")
        for name in os.listdir(tmp) if os.path.isdir(tmp) else []:
            rm(os.path.join(tmp, name))
    return reset


class Workload:
    """Data generated once per workload; each tool gets its own fresh copy of the repo."""

    def __init__(self, note, generate, kin_args, versus_args, setup=None, before_each=None, baseline=None,
                 baseline_runs=None, versus="dvc"):
        self.note = note
        self.generate = generate
        self.kin_args = kin_args
        # The tool kin is compared with: "dvc", or "gto" for the registry, whose reference
        # implementation is GTO's CLI, not DVC. It fills the second column with versus_args.
        self.versus = versus
        self.versus_args = versus_args  # None: kin only
        self.setup = setup  # (tool_cmd, repo) -> None, untimed, once per tool
        self.before_each = before_each  # repo -> callable
        # (label, argv or args -> argv or None) timed on the same data
        self.baseline = baseline
        self.baseline_runs = baseline_runs  # a single run, no warm-up, when 1


def commit_then_change(tool, repo):
    """`add` the data, commit it, then change 200 of the files and add 100 new ones: what
    `diff` against HEAD then finds."""
    add_data(tool, repo)
    sh(["git", "add", "-A"], repo)
    sh(["git", "-c", "user.name=bench", "-c", "user.email=bench@kin.invalid", "commit", "-q", "-m", "data"], repo)
    for i in range(0, 20_000, 100):
        with open(os.path.join(repo, "data", f"d{i % 100:03d}", f"f{i:06d}.bin"), "ab") as f:
            f.write(b"changed")
    for i in range(100):
        with open(os.path.join(repo, "data", "d000", f"new{i:03d}.bin"), "wb") as f:
            f.write(i.to_bytes(8, "little") * 128)


VERIFY_BASELINE = ["sh", "-c", "find .dvc/cache/files -type f -print0 | xargs -0 -P \"$(nproc)\" -n 1000 md5sum >/dev/null"]


def add_data(tool, repo):
    sh([*tool, "add", "-q", "data"], repo)


WORKLOADS = {
    "dag-1000": Workload("parse + print the DAG of a 1,000-stage foreach pipeline",
                         gen_foreach_1000, ["dag"], ["dag"]),
    "stages-1000": Workload("expand and list 1,000 stages", gen_foreach_1000,
                            ["stages", "--json"], ["stage", "list"]),
    "add-20k": Workload("`add` of 20,000 × 1 KiB files, cold cache",
                        lambda p: gen_small_files(p, 20_000, 1024), ["add", "-q", "data"], ["add", "-q", "data"],
                        before_each=reset_cache),
    "status-20k": Workload("no-op `status` on those 20,000 files",
                           lambda p: gen_small_files(p, 20_000, 1024), ["status"], ["status"], setup=add_data),
    "checkout-20k": Workload("`checkout` of the 20,000 files after deleting them",
                             lambda p: gen_small_files(p, 20_000, 1024), ["checkout", "-q"], ["checkout", "-q"],
                             setup=add_data, before_each=lambda repo: (lambda: set_aside(repo, "data"))),
    "diff-20k": Workload("`diff --json` of those 20,000 files against HEAD after 200 changed and 100 added",
                         lambda p: gen_small_files(p, 20_000, 1024), ["diff", "--json"], ["diff", "--json"],
                         setup=commit_then_change),
    "add-1g": Workload("`add` of one 1 GiB file, cold cache", gen_big_file, ["add", "-q", "big.bin"],
                       ["add", "-q", "big.bin"], before_each=reset_cache, baseline=("md5sum", ["md5sum", "big.bin"])),
    "status-200k": Workload("no-op `status` on 200,000 files (kin only: DVC takes minutes)",
                            lambda p: gen_small_files(p, 200_000, 64, dirs=1000), ["status"], None, setup=add_data),
    # `kin verify` re-hashes every cached object of the recorded versions; the baseline is
    # md5sum over the same cache files, on as many processes as kin has cores.
    "verify-20k": Workload("`kin verify` of the 20,000 × 1 KiB files `add` cached (kin only); "
                           "baseline: md5sum over the same cache objects, one process per core",
                           lambda p: gen_small_files(p, 20_000, 1024), ["verify"], None, setup=add_data,
                           baseline=("md5sum", VERIFY_BASELINE)),
    "verify-1g": Workload("`kin verify` of one 1 GiB cached file (kin only); baseline: md5sum of it",
                          gen_big_file, ["verify"], None, setup=lambda tool, repo: sh([*tool, "add", "-q", "big.bin"], repo),
                          baseline=("md5sum", VERIFY_BASELINE)),
    "drift-1m": Workload("`kin drift` on 1,000,000 rows × 20 columns (15 numerical, 5 categorical), CSV; "
                         "baseline: one run of Evidently's DataDriftTable",
                         gates.link_data, gates.KIN_ARGS, None,
                         baseline=("Evidently 0.7.23", lambda a, _repo: a.evidently and gates.evidently_argv(a.evidently)),
                         baseline_runs=1),
}


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from repro_workloads import workloads as repro_workloads  # noqa: E402

WORKLOADS.update(repro_workloads(Workload))

from exp_workloads import workloads as exp_workloads  # noqa: E402

WORKLOADS.update(exp_workloads(Workload))

from plots_workloads import workloads as plots_workloads  # noqa: E402

WORKLOADS.update(plots_workloads(Workload))

from remote_workloads import workloads as remote_workloads  # noqa: E402

WORKLOADS.update(remote_workloads(Workload, gen_small_files, gen_big_file, set_aside))

from registry_workloads import workloads as registry_workloads  # noqa: E402

WORKLOADS.update(registry_workloads(Workload))

# How each comparison tool is named in the table and in its Machine line.
TOOL_LABELS = {"dvc": "DVC", "gto": "gto"}


def find_tool(name, explicit):
    """`name` ("dvc" or "gto") as `explicit`, else next to $KIN_DVC_PYTHON, else in
    target/dvc-venv: gto comes with DVC 3, so both live in the same venv."""
    candidates = [explicit]
    if os.environ.get("KIN_DVC_PYTHON"):
        candidates.append(os.path.join(os.path.dirname(os.environ["KIN_DVC_PYTHON"]), name))
    candidates.append(os.path.join(ROOT, "target", "dvc-venv", "bin", name))
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


def tool_version(binary):
    """`dvc --version` prints the bare version; gto prints "🪴  GTO Version: 1.10.1"."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split()
    return out[-1] if out else None


def write_section(heading, body):
    """Puts `body` under `## heading` in docs/benchmarks.md, replacing that section if there
    is one and appending it otherwise."""
    section = f"## {heading}\n\n{body}"
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    with open(path) as f:
        doc = f.read()
    start = doc.find(f"## {heading}\n")
    if start >= 0:
        end = doc.find("\n## ", start + 1)
        doc = doc[:start] + section + (doc[end + 1:] if end >= 0 else "")
    else:
        doc = doc.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(doc)
    print(f"wrote section {heading!r} of docs/benchmarks.md")


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
    parser.add_argument("--gto", help="GTO's CLI, for the model-* workloads")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--tmp", help="where to generate data (default: the system temp dir)")
    parser.add_argument("--evidently", default=os.environ.get("KIN_EVIDENTLY_PYTHON"),
                        help="a Python with evidently==0.7.23, for drift-1m's baseline")
    parser.add_argument("--delete-between-runs", action="store_true",
                        help="delete what a run must recreate instead of setting it aside (see set_aside)")
    parser.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    args = parser.parse_args()
    global DELETE_BETWEEN_RUNS
    DELETE_BETWEEN_RUNS = args.delete_between_runs
    if args.runs < 5:
        raise SystemExit("use at least 5 runs: medians of fewer are noise")

    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "kin-cli"], cwd=ROOT, check=True)
    kin = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "kin")
    dvc = find_tool("dvc", args.dvc)
    binaries = {"dvc": dvc, "gto": find_tool("gto", args.gto)}
    # The versions of DVC and of the tools the chosen workloads compare with (a gto start-up
    # costs a second); write_table keeps the others' from the table.
    used = {"dvc"} | {WORKLOADS[n].versus for n in args.workloads}
    versions = {t: tool_version(b) for t, b in binaries.items() if b and t in used}

    rows = []
    for name in args.workloads:
        w = WORKLOADS[name]
        # Scratch directories are all deleted at exit, not after their workload: deleting one
        # would slow the file creation of the next (see set_aside).
        scratch = tempfile.mkdtemp(prefix=f"kin-bench-{name}-", dir=args.tmp)
        atexit.register(shutil.rmtree, scratch, True)
        pristine = os.path.join(scratch, "pristine")
        os.makedirs(pristine)
        w.generate(pristine)
        tools = [("kin", [kin], w.kin_args)]
        if binaries[w.versus] and w.versus_args is not None:
            tools.append((w.versus, [binaries[w.versus]], w.versus_args))
        subjects, labels = [], []
        for label, tool, tool_args in tools:
            repo = os.path.join(scratch, label)
            shutil.copytree(pristine, repo, symlinks=True)
            init_repo(repo, dvc)
            if w.setup:
                w.setup(tool, repo)
            before = w.before_each(repo) if w.before_each else None
            subjects.append(([*tool, *tool_args], repo, before))
            labels.append(label)
        kin_repo = subjects[0][1]
        argv = w.baseline and (w.baseline[1](args, kin_repo) if callable(w.baseline[1]) else w.baseline[1])
        if argv and w.baseline_runs != 1:
            subjects.append((argv, kin_repo, None))
            labels.append("baseline")
        results = dict(zip(labels, measure_interleaved(subjects, args.runs)))
        if argv and w.baseline_runs == 1:
            results["baseline"] = measure(argv, kin_repo, 1, warmup=False)
        kin_t, kin_rss = results["kin"]
        other_t, other_rss = results.get(w.versus, (None, None))
        base = results.get("baseline")
        baseline = f"{w.baseline[0]} {base[0] * 1000:.0f} ms (kin {kin_t / base[0]:.2f}x)" if base else ""
        rows.append((name, w.note, kin_t, kin_rss, w.versus, other_t, other_rss, baseline))
        ratio = f"{other_t / kin_t:.1f}x" if other_t else "n/a"
        other_ms = f"{other_t * 1000:.0f} ms" if other_t else "n/a"
        print(f"{name:18} kin {kin_t * 1000:8.1f} ms ({kin_rss / 1024:.0f} MiB)   {w.versus} {other_ms:>9}   "
              f"{w.versus}/kin {ratio}  {baseline}", flush=True)

    if args.write:
        write_table(rows, args.runs, versions)


def write_table(rows, runs, versions):
    """Updates docs/benchmarks.md: rows for the workloads just run replace their old rows;
    rows of workloads not run this time are kept.

    The comparison columns are DVC's; a row compared with another tool (gto for the registry)
    names it in its time cell, and the header then says the column holds either."""
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    kept = {}
    versions = dict(versions)
    if os.path.exists(path):
        for line in open(path):
            if line.startswith("## "):
                break  # the notes and the lineage tables below are kept as they are
            if line.startswith("| `"):
                kept[line.split("`")[1]] = line.rstrip("\n")
            elif line.startswith("Machine:"):
                # A run without a tool (e.g. drift-1m alone, no DVC installed) keeps the
                # version the kept rows used.
                for tool, label in TOOL_LABELS.items():
                    if not versions.get(tool) and f" {label}: " in line:
                        versions[tool] = line.split(f" {label}: ", 1)[1].split(". ", 1)[0].rstrip(".\n")
    for name, note, kin_t, kin_rss, versus, other_t, other_rss, baseline in rows:
        named = "" if versus == "dvc" else f"{TOOL_LABELS[versus]} "
        other_cell = f"{named}{other_t * 1000:.0f} ms" if other_t else "n/a"
        other_rss_cell = f"{other_rss / 1024:.0f} MiB" if other_rss else "n/a"
        ratio = f"{other_t / kin_t:.1f}x faster" if other_t else "n/a"
        kept[name] = (
            f"| `{name}` | {note} | {kin_t * 1000:.1f} ms | {kin_rss / 1024:.0f} MiB "
            f"| {other_cell} | {other_rss_cell} | {ratio} | {baseline} |"
        )
    order = [n for n in WORKLOADS if n in kept] + [n for n in kept if n not in WORKLOADS]
    # The tools the kept rows compare with, DVC first; a row of a workload no longer in
    # WORKLOADS counts as DVC's.
    tools = sorted({WORKLOADS[n].versus if n in WORKLOADS else "dvc" for n in order} | {"dvc"},
                   key=list(TOOL_LABELS).index)
    other = " or ".join(TOOL_LABELS[t] for t in tools)
    others = [f"`{n}`" for n in order if n in WORKLOADS and WORKLOADS[n].versus != "dvc"]
    compared = (
        [f"{', '.join(others)} compare kin with {' and '.join(TOOL_LABELS[t] for t in tools[1:])} "
         "instead of DVC, named in their rows."] if others else []
    )
    tool_versions = " ".join(f"{TOOL_LABELS[t]}: {versions.get(t) or 'not installed'}." for t in tools)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python3 bench/run.py --write [WORKLOAD…]` (rerun it to reproduce; a run",
        f"replaces the rows of the workloads it ran). Each number is the median of {runs} runs after",
        "one warm-up, the tools' runs taken in turn (kin, DVC, baseline, kin, …) so that both see the",
        "same machine; RSS is the peak over those runs.",
        *compared,
        "",
        f"Machine: {machine()}. kin: release build. {tool_versions}",
        "",
        f"| workload | what | kin | kin peak RSS | {other} | {other} peak RSS | {other} / kin | baseline |",
        "|---|---|---|---|---|---|---|---|",
        *[kept[n] for n in order],
    ]
    notes_marker = "\n## Notes\n"
    notes = ""
    if os.path.exists(path):
        text = open(path).read()
        if notes_marker in text:
            notes = notes_marker + text.split(notes_marker, 1)[1]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + notes)
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    sys.exit(main())
