"""Pipeline workloads for bench/run.py: no-op `repro` on a large pipeline, and `-j` parallelism."""

import os
import shutil


def gen_pipeline_100(path, stages=100, files_per_stage=200):
    """100 stages, each depending on its own directory of 200 × 1 KiB files (20,000 in all)."""
    lines = ["stages:"]
    for s in range(stages):
        d = os.path.join(path, "data", f"d{s:03d}")
        os.makedirs(d)
        for i in range(files_per_stage):
            with open(os.path.join(d, f"f{i:04d}.bin"), "wb") as f:
                f.write((s * files_per_stage + i).to_bytes(8, "little") * 128)
        lines += [
            f"  s{s:03d}:",
            f"    cmd: mkdir -p out && ls data/d{s:03d} > out/s{s:03d}.txt",
            "    deps:",
            f"    - data/d{s:03d}",
            "    outs:",
            f"    - out/s{s:03d}.txt",
        ]
    with open(os.path.join(path, "dvc.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def gen_two_sleepers(path):
    """Two independent stages of two seconds each."""
    with open(os.path.join(path, "dvc.yaml"), "w") as f:
        f.write(
            "stages:\n"
            "  left:\n    cmd: sleep 2 && echo l > left.txt\n    outs: [left.txt]\n"
            "  right:\n    cmd: sleep 2 && echo r > right.txt\n    outs: [right.txt]\n"
        )


def run_once(tool, repo):
    import subprocess
    subprocess.run([*tool, "repro", "-q"], cwd=repo, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def forget_runs(repo):
    """Before each timed run: no lock, no outputs, no run-cache, so both stages really run."""
    def reset():
        for p in ["dvc.lock", "left.txt", "right.txt", ".dvc/cache/runs"]:
            full = os.path.join(repo, p)
            if os.path.isdir(full):
                shutil.rmtree(full)
            elif os.path.lexists(full):
                os.remove(full)
    return reset


def workloads(Workload):
    return {
        "repro-noop-100": Workload(
            "no-op `repro` of 100 stages over 20,000 files", gen_pipeline_100,
            ["repro", "-q"], ["repro", "-q"], setup=run_once),
        "repro-j2": Workload(
            "`repro` of two independent 2 s stages (kin `-j 2`, DVC has no -j)", gen_two_sleepers,
            ["repro", "-q", "-j", "2"], ["repro", "-q"], before_each=forget_runs),
    }
